/**
 * Issue 15's properties over 2,000 generated histories each, in the pure rules (the DynamoDB
 * property, test/integration/event-histories.test.ts, runs fewer): refunds arriving in any order
 * and twice give the same automatic claims (C7, I9); no claim exceeds its policy's cap (I8); no
 * line is compensated twice for one loss (C11, C7).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRefund,
  claimsFromRefund,
  evaluateClaim,
  netPaidFen,
  policiesFor,
  policiesToVoid,
  refundGoodsFen,
  spreadProRata,
  withEntry,
  type ClaimDraft,
  type CompensationLedger,
  type Order,
  type Policy,
  type Refund,
} from '#shared/rules/index.ts';
import { config, enrollment, issue, line, order, proofOrder } from './fixtures.ts';

const RUNS = 2000;
const CAMPAIGN = { campaignId: 'jhs-2026-1111', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] };

interface Generated {
  order: Order;
  refunds: Refund[];
}

/** An order of 1–3 lines and refunds whose goods never take more than a line (or the order) paid. */
const historyArb: fc.Arbitrary<Generated> = fc
  .record({
    paid: fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 3 }),
    refunds: fc.array(
      fc.record({
        line: fc.option(fc.nat({ max: 2 })),
        share: fc.integer({ min: 1, max: 100 }),
        shippingFen: fc.constantFrom(0, 1, 800),
        reason: fc.constantFrom('quality-issue', 'damaged', 'changed-mind'),
        completedAfterHours: fc.integer({ min: 20, max: 400 }),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ paid, refunds }) => {
    const lines = paid.map((paidFen, i) => line({ lineId: `L${i + 1}`, paidFen, unitPriceFen: paidFen }));
    const o = order({ lines, campaignId: CAMPAIGN.campaignId });
    const total = lines.reduce((sum, l) => sum + l.paidFen, 0);
    const made: Refund[] = [];
    refunds.forEach((r, i) => {
      const target = r.line === null ? undefined : lines[r.line % lines.length]!;
      const goods = Math.floor(((target ? target.paidFen : total) * r.share) / 100);
      const completedAt = new Date(Date.parse('2026-11-21T10:15:00+08:00') + r.completedAfterHours * 3_600_000).toISOString();
      const refund: Refund = {
        orderId: o.orderId,
        refundId: `rf-${i}`,
        ...(target ? { lineId: target.lineId } : {}),
        refundFen: goods + r.shippingFen,
        ...(r.shippingFen > 0 ? { shippingRefundFen: r.shippingFen } : {}),
        reason: r.reason,
        returned: false,
        requestedAt: '2026-11-22T10:00:00+08:00',
        completedAt,
      };
      // Only refunds the order system can make: what I9's check accepts (never more than paid).
      if (checkRefund(refund, o, made) === undefined) made.push(refund);
    });
    return { order: o, refunds: made };
  });

function policiesOf(o: Order): Policy[] {
  const enrollments = [
    enrollment('live-quality'),
    enrollment('live-price'),
    enrollment('price-protection', { gift: true, campaign: CAMPAIGN }),
    enrollment('authenticity'),
  ];
  return policiesFor(o, enrollments, config).map((draft) => issue(draft));
}

/**
 * What the reconciliation does (use-cases/orders.ts), in the rules: refunds arrive one by one
 * (duplicates included); after each, every known refund's claims are filed unless already
 * entered, each entering its ledger.
 */
function reconcile(o: Order, policies: readonly Policy[], arrivals: readonly Refund[]) {
  const known: Refund[] = [];
  let ledgers: CompensationLedger[] = [];
  const filed: ClaimDraft[] = [];
  for (const refund of arrivals) {
    if (!known.some((r) => r.refundId === refund.refundId)) known.push(refund);
    for (const r of known) {
      for (const draft of claimsFromRefund(r, o, policies, config, { refunds: known, ledgers })) {
        filed.push(draft);
        const entry = draft.compensation!;
        const ledger = ledgers.find((l) => l.lineId === entry.lineId);
        ledgers = [...ledgers.filter((l) => l !== ledger), withEntry(ledger, entry)];
      }
    }
  }
  return { filed, ledgers };
}

const byRefund = (drafts: readonly ClaimDraft[]) => drafts.map((d) => `${d.lineId}#${d.refundId}=${d.amountFen}`).sort();

describe('refunds in any order, twice (I9, C7)', () => {
  it(`${RUNS} histories: the same live-quality claims whatever the arrival order; each within its cap; a line never paid beyond its goods`, () => {
    fc.assert(
      fc.property(
        historyArb.chain((h) =>
          fc.tuple(fc.constant(h), fc.shuffledSubarray([...h.refunds, ...h.refunds], { minLength: h.refunds.length * 2, maxLength: h.refunds.length * 2 })),
        ),
        ([{ order: o, refunds }, shuffled]) => {
          const policies = policiesOf(o);
          const inOrder = reconcile(o, policies, refunds);
          const reordered = reconcile(o, policies, shuffled);
          expect(byRefund(reordered.filed)).toEqual(byRefund(inOrder.filed));
          for (const draft of inOrder.filed) {
            const policy = policies.find((p) => p.policyId === draft.policyId)!;
            expect(draft.amountFen).toBeGreaterThan(0);
            expect(draft.amountFen).toBeLessThanOrEqual(policy.insuredFen);
            // C7: never the shipping part.
            const refund = refunds.find((r) => r.refundId === draft.refundId)!;
            expect(draft.amountFen).toBeLessThanOrEqual(refundGoodsFen(refund));
          }
          for (const l of o.lines) {
            const paid = inOrder.filed.filter((d) => d.lineId === l.lineId).reduce((sum, d) => sum + d.amountFen, 0);
            expect(paid).toBeLessThanOrEqual(l.paidFen);
            // Net paid is never negative; a price policy is voided exactly when it reaches zero.
            const net = netPaidFen(l, o.lines, refunds);
            expect(net).toBeGreaterThanOrEqual(0);
            const voided = policiesToVoid(o, refunds, policies).filter((p) => p.lineId === l.lineId);
            expect(voided.length > 0).toBe(net === 0);
          }
        },
      ),
      { numRuns: RUNS, seed: 20261206 },
    );
  });
});

describe('one loss once across plans (C11, I8)', () => {
  it(`${RUNS} histories of price claims: each within its cap; a line's price drop compensated at most once in total`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 50_000 }),
        fc.array(fc.record({ plan: fc.constantFrom('price-protection', 'live-price'), proofFen: fc.integer({ min: 0, max: 50_000 }) }), { maxLength: 5 }),
        (paidFen, attempts) => {
          const o = order({ campaignId: CAMPAIGN.campaignId, lines: [line({ paidFen, unitPriceFen: paidFen })] });
          const policies = policiesOf(o);
          let ledger: CompensationLedger | undefined;
          let paid = 0;
          let largestLoss = 0;
          for (const attempt of attempts) {
            const policy = policies.find((p) => p.planId === attempt.plan)!;
            const proof = proofOrder({ placedAt: '2026-11-22T08:30:00+08:00' }, { unitPriceFen: attempt.proofFen, paidFen: attempt.proofFen });
            const result = evaluateClaim(
              {
                policy,
                order: o,
                proofOrder: proof,
                request: { lineId: 'L1', proofOrderId: proof.orderId },
                claimant: { role: 'buyer', id: 'buyer-417' },
                ledger,
                now: '2026-11-22T09:00:00+08:00',
              },
              config,
            );
            largestLoss = Math.max(largestLoss, paidFen - attempt.proofFen);
            if (!result.ok) {
              expect(['NO_PRICE_DROP', 'ALREADY_COMPENSATED']).toContain(result.violation.code);
              continue;
            }
            expect(result.amountFen).toBeGreaterThan(0);
            expect(result.amountFen).toBeLessThanOrEqual(policy.insuredFen);
            paid += result.amountFen;
            ledger = withEntry(ledger, result.compensation!);
          }
          // The drops compensated add up to the largest drop shown, never to the sum of the claims' drops.
          expect(paid).toBeLessThanOrEqual(Math.max(0, largestLoss));
        },
      ),
      { numRuns: RUNS, seed: 20261206 },
    );
  });

  it('largest remainder spreads whole fen that add up, each share within one fen of the exact one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 6 }), (amount, weights) => {
        const parts = spreadProRata(amount, weights);
        const total = weights.reduce((s, w) => s + w, 0);
        if (total === 0) {
          expect(parts.every((p) => p === 0)).toBe(true);
          return;
        }
        expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
        parts.forEach((p, i) => expect(Math.abs(p - (amount * weights[i]!) / total)).toBeLessThan(1));
      }),
      { numRuns: RUNS, seed: 20261206 },
    );
  });
});
