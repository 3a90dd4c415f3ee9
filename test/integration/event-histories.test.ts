import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import type { PlanId } from '#shared/rules/types.ts';
import { getClaim } from '#shared/store/claims.ts';
import { readOrderPartition } from '#shared/store/orders.ts';
import { parties, useApi } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { orderData } from './support/orders.ts';

/**
 * I6 and api.md "Events in": events may arrive twice and out of order; the result must be the
 * same. A property test over generated order histories — placed, paid, shipped, delivered,
 * receipt-confirmed, refunds — of merchants enrolled in generated sets of plans: each history is
 * delivered (a) once, in order, to one order id and (b) every event twice, shuffled, in random
 * batches, to another; the policies and the claims of the two must be the same.
 */
const api = useApi();
// Policies and automatic claims take "now" from the clock; fixed, both deliveries see the same now.
beforeAll(() => setClock(fixedClock('2026-11-27T12:00:00+08:00')));
afterAll(() => setClock(systemClock));

const RUNS = Number(process.env['HISTORY_RUNS'] ?? 40);
const PLANS: readonly PlanId[] = ['authenticity', 'live-quality', 'live-price', 'return-shipping', 'price-protection'];
const CAMPAIGN = { campaignId: 'jhs-history', endsAt: '2026-11-30T00:00:00+08:00', itemIds: ['item-5521'] };
const PAID_AT = Date.parse('2026-11-21T10:15:00+08:00');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00');

interface RefundSpec {
  line: number | null;
  share: number;
  /** The shipping part of the refund (C7: never compensated). */
  shippingFen: number;
  /** Delivered a second time under another event id, with the same refundId (I9: counts once). */
  resent: boolean;
  reason: string;
  returned: boolean;
  requestedAfterHours: number;
}

const historyArbitrary = fc.record({
  plans: fc.subarray([...PLANS], { minLength: 1 }),
  /** A plan the merchant exited, and when (hours after payment; negative: before it). */
  exit: fc.option(fc.tuple(fc.constantFrom(...PLANS), fc.integer({ min: -48, max: 48 }))),
  live: fc.boolean(),
  campaign: fc.boolean(),
  weightGrams: fc.integer({ min: 100, max: 8_000 }),
  lines: fc.array(
    fc.record({
      category: fc.constantFrom('apparel', 'books', 'fmcg', 'home-appliance'),
      item: fc.constantFrom('item-5521', 'item-7'),
      quantity: fc.integer({ min: 1, max: 3 }),
      unitPriceFen: fc.integer({ min: 100, max: 20_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  placed: fc.boolean(),
  shipped: fc.boolean(),
  delivered: fc.boolean(),
  confirmed: fc.boolean(),
  refunds: fc.array(
    fc.record({
      line: fc.option(fc.nat({ max: 2 })),
      share: fc.integer({ min: 1, max: 100 }),
      shippingFen: fc.constantFrom(0, 0, 1, 800),
      resent: fc.boolean(),
      reason: fc.constantFrom('quality-issue', 'damaged', 'counterfeit', 'changed-mind', 'not-as-described'),
      returned: fc.boolean(),
      requestedAfterHours: fc.integer({ min: 1, max: 24 * 40 }),
    }),
    { maxLength: 3 },
  ),
});
type History = typeof historyArbitrary extends fc.Arbitrary<infer T> ? T : never;

let runs = 0;

/** Two refunds that could each open the live-quality claim of the same line (C7, C1). */
function competingQualityRefunds(history: History): boolean {
  if (!history.plans.includes('live-quality')) return false;
  const quality = history.refunds.filter((r) => r.reason === 'quality-issue' || r.reason === 'damaged');
  const lineOf = (r: RefundSpec) => (r.line === null ? null : r.line % history.lines.length);
  return quality.some((r, i) => quality.some((other, j) => j > i && (lineOf(r) === null || lineOf(other) === null || lineOf(r) === lineOf(other))));
}

/**
 * The return-shipping cover of the history ends (X2) before one of its returns was requested —
 * at receipt confirmation, or 7 days after delivery.
 */
function returnAfterCoverLearnedLate(history: History): boolean {
  if (!history.plans.includes('return-shipping') || !history.shipped || !history.delivered) return false;
  const deliveredAt = PAID_AT + 56 * HOUR;
  const end = history.confirmed ? Math.min(deliveredAt + 24 * HOUR, deliveredAt + 7 * 24 * HOUR) : deliveredAt + 7 * 24 * HOUR;
  return history.refunds.some((r) => r.returned && PAID_AT + r.requestedAfterHours * HOUR > end);
}

/** The merchant's enrollments, seeded straight into the table (joined well before the order). */
async function enrol(merchantId: string, history: History): Promise<void> {
  for (const planId of history.plans) {
    const exited = history.exit && history.exit[0] === planId ? at(PAID_AT + history.exit[1] * HOUR) : undefined;
    await seedEnrollment(planId, {
      merchantId,
      joinedAt: '2026-11-01T00:00:00+08:00',
      ...(planId === 'price-protection' ? { campaign: CAMPAIGN, gift: true } : {}),
      ...(planId === 'return-shipping' ? { gift: true } : {}),
      ...(exited ? { status: 'TERMINATED', exitedAt: exited, exitReason: 'other' } : {}),
    });
  }
}

/** The history's events, in the order they happened, for order `orderId`, ids ending in `suffix`. */
function eventsOf(history: History, merchantId: string, orderId: string, suffix: string) {
  const order = orderData({
    orderId,
    merchantId,
    weightGrams: history.weightGrams,
    placedAt: at(PAID_AT - 3 * 60_000),
    paidAt: at(PAID_AT),
    ...(history.live ? {} : { liveBaseId: undefined }),
    ...(history.campaign ? { campaignId: CAMPAIGN.campaignId } : {}),
    lines: history.lines.map((line, i) => ({
      lineId: `L${i + 1}`,
      itemId: line.item,
      skuId: `sku-${line.item}`,
      category: line.category,
      quantity: line.quantity,
      unitPriceFen: line.unitPriceFen,
      paidFen: line.unitPriceFen * line.quantity - i,
    })),
  });
  const envelope = (n: number, type: string, data: object, occurredAt: string) => ({ id: `evt-h${n}-${suffix}`, type, occurredAt, data });
  const events: { sortAt: number; event: object }[] = [];
  const add = (sortAt: number, type: string, data: object) => events.push({ sortAt, event: envelope(events.length, type, data, at(sortAt)) });
  if (history.placed) {
    const { paidAt: _paid, ...placed } = order;
    add(PAID_AT - 3 * 60_000, 'order.placed', placed);
  }
  add(PAID_AT, 'order.paid', order);
  const shippedAt = PAID_AT + 8 * HOUR;
  if (history.shipped) add(shippedAt, 'order.shipped', { orderId, shippedAt: at(shippedAt) });
  const deliveredAt = shippedAt + 48 * HOUR;
  if (history.shipped && history.delivered) add(deliveredAt, 'order.delivered', { orderId, deliveredAt: at(deliveredAt) });
  const confirmedAt = deliveredAt + 24 * HOUR;
  if (history.shipped && history.delivered && history.confirmed) {
    add(confirmedAt, 'order.receipt-confirmed', { orderId, receiptConfirmedAt: at(confirmedAt) });
  }
  for (const [index, refund] of (history.refunds as RefundSpec[]).entries()) {
    const line = refund.line === null ? undefined : order.lines[refund.line % order.lines.length]!;
    const base = line ? line.paidFen : order.lines.reduce((sum, l) => sum + l.paidFen, 0);
    const requestedAt = PAID_AT + refund.requestedAfterHours * HOUR;
    const completedAt = requestedAt + 24 * HOUR;
    const refundId = `rf-${index}`;
    const data = {
      orderId,
      refundId,
      ...(line ? { lineId: line.lineId } : {}),
      refundFen: Math.max(1, Math.floor((base * refund.share) / 100)) + refund.shippingFen,
      ...(refund.shippingFen > 0 ? { shippingRefundFen: refund.shippingFen } : {}),
      reason: refund.reason,
      returned: refund.returned,
      requestedAt: at(requestedAt),
      completedAt: at(completedAt),
    };
    add(completedAt, 'order.refund-completed', data);
    if (refund.resent) add(completedAt + 1, 'order.refund-completed', data);
  }
  return events.sort((x, y) => x.sortAt - y.sortAt).map((e) => e.event);
}

async function deliver(batches: object[][]): Promise<void> {
  for (const events of batches) {
    const res = await api.call('POST', '/v1/events', { as: parties.service, body: { events } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  }
}

/**
 * What an order ended with, without generated ids and instants: its merged facts, its policies
 * by natural key (plan and line) and each policy's claim.
 */
async function stateOf(orderId: string) {
  const { order, policies, refunds } = await readOrderPartition(orderId);
  const claims = await Promise.all(policies.map((p) => (p.claimId ? getClaim(p.claimId) : Promise.resolve(undefined))));
  // C7: a live-quality policy's claims, one per refund.
  const perRefund = await Promise.all(
    policies.map(async (p) => {
      const ids = [...((p as { claimIds?: Set<string> }).claimIds ?? [])];
      const found = await Promise.all(ids.map((id) => getClaim(id)));
      return found
        .map((c) => ({ refundId: c!.refundId, status: c!.status, amountFen: c!.amountFen, basis: c!.basis }))
        .sort((x, y) => String(x.refundId).localeCompare(String(y.refundId)));
    }),
  );
  const byKey = policies
    .map((policy, i) => {
      const claim = claims[i];
      return {
        key: `${policy.planId}#${policy.lineId ?? '-'}`,
        status: policy.status,
        premiumFen: policy.premiumFen,
        insuredFen: policy.insuredFen,
        rateBps: policy.rateBps,
        beneficiary: policy.beneficiary,
        payer: policy.payer,
        coverageStart: policy.coverageStart,
        coverageEnd: policy.coverageEnd,
        claim: claim && { status: claim.status, amountFen: claim.amountFen, basis: claim.basis, beneficiary: claim.beneficiary },
        refundClaims: perRefund[i]!,
        voidReason: policy.voidReason,
      };
    })
    .sort((x, y) => x.key.localeCompare(y.key));
  const { orderId: _id, ...facts } = (order ?? {}) as Record<string, unknown>;
  return { facts, policies: byKey, refunds: refunds.length };
}

/**
 * Histories whose refunds together take more than a line paid: the order system never sends them,
 * and Baozhang refuses the excess (I9, `REFUND_EXCEEDS_PAID`) when the order is known first — so
 * an in-order delivery and a shuffled one legitimately differ. Every other history must converge.
 */
function overRefunded(history: History): boolean {
  const total = history.refunds.reduce((sum, r) => sum + r.share, 0);
  const lineOf = (r: RefundSpec) => (r.line === null ? 'order' : `L${r.line % history.lines.length}`);
  // Refunds of one line (or all of the order) add up exactly; mixed, rounding may pass 100% by a fen.
  const oneTarget = new Set(history.refunds.map(lineOf)).size <= 1;
  return total > 100 || (total === 100 && !oneTarget);
}

/**
 * A known divergence (docs/reliability.md): return-shipping cover refunded in full is VOID when the
 * refund arrives while no shipment is known (I9: "before it ships"); a shipment event that happened
 * earlier but arrives later cannot un-void it.
 */
function fullRefundRacingShipment(history: History): boolean {
  return history.plans.includes('return-shipping') && history.shipped && history.refunds.reduce((sum, r) => sum + r.share, 0) >= 100;
}

/** I8 C7 C11: no claim pays more than its policy's cap; no line's quality loss is paid beyond its goods. */
function expectWithinCaps(state: Awaited<ReturnType<typeof stateOf>>) {
  for (const policy of state.policies) {
    if (policy.claim) expect(policy.claim.amountFen).toBeLessThanOrEqual(policy.insuredFen);
    const quality = policy.refundClaims.reduce((sum, c) => sum + c.amountFen, 0);
    expect(quality).toBeLessThanOrEqual(policy.insuredFen);
    for (const claim of policy.refundClaims) expect(claim.amountFen).toBeGreaterThan(0);
  }
}

/** Delivers one history in order to one order and in `reorder`'s batches to another; both states. */
async function deliverBoth(history: History, reorder: (events: object[]) => object[][]) {
  runs += 1;
  const merchantId = `shop-history-${runs}`;
  await enrol(merchantId, history);
  const orderA = `ord-h${runs}-a`;
  const orderB = `ord-h${runs}-b`;
  const inOrder = eventsOf(history, merchantId, orderA, `${runs}-a`);
  await deliver(inOrder.map((e) => [e]));
  await deliver(reorder(eventsOf(history, merchantId, orderB, `${runs}-b`)));
  return [await stateOf(orderA), await stateOf(orderB)] as const;
}

describe('order histories delivered twice and shuffled end where one in-order delivery ends (I6, C7, C8, X2)', () => {
  it(`${RUNS} generated histories: policies and claims are the same`, async () => {
    const seen = { policies: 0, claims: 0 };
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary
          .filter((history) => !overRefunded(history) && !fullRefundRacingShipment(history))
          .chain((history) => {
            const size = eventsOf(history, 'm', 'o', 'x').length;
            const copies = Array.from({ length: size * 2 }, (_, i) => i);
            return fc.tuple(
              fc.constant(history),
              fc.shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length }),
              fc.array(fc.integer({ min: 1, max: 4 }), { minLength: copies.length, maxLength: copies.length }),
            );
          }),
        async ([history, shuffled, batchSizes]) => {
          const [a, b] = await deliverBoth(history, (events) => {
            // Every event twice, in the shuffled order, cut into batches of 1–4.
            const sequence = shuffled.map((i) => events[i % events.length]!);
            const batches: object[][] = [];
            for (let i = 0, n = 0; i < sequence.length; n += 1) {
              batches.push(sequence.slice(i, i + batchSizes[n]!));
              i += batchSizes[n]!;
            }
            return batches;
          });
          expect(b).toEqual(a);
          expectWithinCaps(a);
          seen.policies += a.policies.length;
          seen.claims += a.policies.filter((p) => p.claim || p.refundClaims.length > 0).length;
        },
      ),
      // A fixed default seed keeps CI reproducible; HISTORY_SEED explores others.
      { numRuns: RUNS, endOnFailure: true, seed: Number(process.env['HISTORY_SEED'] ?? 20261121) },
    );
    // The generated histories did reach policies and automatic claims, not only empty orders.
    expect(seen.policies).toBeGreaterThan(RUNS);
    expect(seen.claims).toBeGreaterThan(0);
  }, 300_000);
});

describe('histories that once diverged: an automatic claim decided before an earlier fact arrived', () => {
  const base: History = {
    plans: [],
    exit: null,
    live: true,
    campaign: false,
    weightGrams: 800,
    lines: [{ category: 'apparel', item: 'item-5521', quantity: 1, unitPriceFen: 9000 }],
    placed: false,
    shipped: true,
    delivered: true,
    confirmed: true,
    refunds: [],
  };

  it('C8 X2: a return requested after the cover ended is not paid, even when the refund arrives before the delivery and receipt events', async () => {
    const history: History = {
      ...base,
      plans: ['return-shipping'],
      refunds: [{ line: 0, share: 99, shippingFen: 0, resent: false, reason: 'changed-mind', returned: true, requestedAfterHours: 24 * 35 }],
    };
    expect(returnAfterCoverLearnedLate(history)).toBe(true);
    // paid, shipped, delivered, confirmed, refund → paid, refund, shipped, delivered, confirmed
    const [a, b] = await deliverBoth(history, ([paid, shipped, delivered, confirmed, refund]) => [[paid!], [refund!], [shipped!], [delivered!], [confirmed!]]);
    expect(a.policies.find((p) => p.key === 'return-shipping#-')?.claim).toBeUndefined();
    expect(b).toEqual(a); // the refund waits for the cover's end to be known before C8 judges it
  });

  it('C7 C1: two quality refunds on one line each make their claim, whichever is reconciled first', async () => {
    const history: History = {
      ...base,
      plans: ['live-quality'],
      delivered: false,
      confirmed: false,
      refunds: [
        { line: 0, share: 10, shippingFen: 0, resent: false, reason: 'quality-issue', returned: false, requestedAfterHours: 9 },
        { line: 0, share: 89, shippingFen: 800, resent: true, reason: 'damaged', returned: false, requestedAfterHours: 320 },
      ],
    };
    expect(competingQualityRefunds(history)).toBe(true);
    // paid, shipped, early refund, late refund → paid, shipped, late refund, early refund
    const [a, b] = await deliverBoth(history, ([paid, shipped, early, late, lateAgain]) => [[paid!], [shipped!], [late!], [early!], [lateAgain!]]);
    // 10% and 89% of 9000 (the shipping part of the second never paid): 900 + 8010.
    expect(a.policies.find((p) => p.key === 'live-quality#L1')?.refundClaims.map((c) => c.amountFen)).toEqual([900, 8010]);
    expect(b).toEqual(a); // once: b's one claim paid the later refund, 8100 fen, and the earlier one nothing
  });
});
