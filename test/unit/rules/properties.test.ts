/**
 * Properties over thousands of random orders and claims: amounts are integer fen, never
 * negative, never above their cap, and every premium is within half a fen of paid × rate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  claimsFromRefund,
  evaluateClaim,
  policiesFor,
  premiumFen,
  type Enrollment,
  type Order,
  type OrderLine,
  type PlanId,
  type Policy,
  type PolicyDraft,
} from '#shared/rules/index.ts';
import { config, enrollment, issue, line, order, proofOrder } from './fixtures.ts';

const RUNS = 2000;
const CATEGORIES = ['apparel', 'fmcg', 'home-appliance', 'toys', 'cosmetics'];

const lineArb = (lineId: string) =>
  fc
    .record({
      quantity: fc.integer({ min: 1, max: 100 }),
      paidFen: fc.integer({ min: 0, max: 1_000_000_000 }),
      category: fc.constantFrom(...CATEGORIES),
    })
    .map((l): OrderLine => line({ lineId, ...l, unitPriceFen: l.paidFen }));

const orderArb: fc.Arbitrary<Order> = fc
  .record({
    lineCount: fc.integer({ min: 1, max: 5 }),
    weightGrams: fc.integer({ min: 0, max: 60_000 }),
    delivered: fc.boolean(),
  })
  .chain(({ lineCount, weightGrams, delivered }) =>
    fc.tuple(...Array.from({ length: lineCount }, (_, i) => lineArb(`L${i + 1}`))).map((lines) =>
      order({
        lines,
        weightGrams,
        campaignId: 'jhs-2026-1111',
        ...(delivered ? { deliveredAt: '2026-11-23T15:00:00+08:00' } : {}),
      }),
    ),
  );

const enrollmentsArb: fc.Arbitrary<Enrollment[]> = fc
  .record({
    authenticity: fc.integer({ min: 0, max: 10_000 }),
    price: fc.integer({ min: 0, max: 10_000 }),
    liveQuality: fc.integer({ min: 0, max: 20 }),
    livePrice: fc.integer({ min: 0, max: 20 }),
  })
  .map((rates) => [
    enrollment('authenticity', { rateBps: rates.authenticity }),
    enrollment('price-protection', {
      rateBps: rates.price,
      gift: true,
      campaign: { campaignId: 'jhs-2026-1111', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] },
    }),
    enrollment('live-quality', { rateBps: rates.liveQuality }),
    enrollment('live-price', { rateBps: rates.livePrice }),
    enrollment('return-shipping', { rateBps: 0, gift: true }),
  ]);

function expectFen(value: unknown): void {
  expect(Number.isSafeInteger(value)).toBe(true);
  expect(value as number).toBeGreaterThanOrEqual(0);
}

function withinHalfFen(premium: number, paidFen: number, rateBps: number): boolean {
  const gap = BigInt(premium) * 10_000n - BigInt(paidFen) * BigInt(rateBps);
  return gap <= 5000n && gap >= -5000n;
}

describe('properties of money (fast-check)', () => {
  it('I5 premium × 10000 is within half a fen of paid × rate, for any safe amount and rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10_000 }), (paid, rate) => {
        const premium = premiumFen(paid, rate);
        return Number.isSafeInteger(premium) && premium >= 0 && withinHalfFen(premium, paid, rate);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('I1–I5 every issued policy of a random order has integer, non-negative money and an exact premium', () => {
    fc.assert(
      fc.property(orderArb, enrollmentsArb, (o, enrollments) => {
        const drafts = policiesFor(o, enrollments, config);
        expect(drafts.length).toBeGreaterThanOrEqual(o.lines.length * 3); // authenticity, live-price, price-protection
        for (const d of drafts) {
          expectFen(d.premiumFen);
          expectFen(d.insuredFen);
          if (d.planId === 'return-shipping') continue; // priced by the weight table
          const paidFen = d.premiumBasis.paidFen as number;
          expect(withinHalfFen(d.premiumFen, paidFen, d.rateBps)).toBe(true);
          if (d.planId === 'live-quality' || d.planId === 'live-price') expect(d.rateBps).toBeLessThanOrEqual(20);
        }
      }),
      { numRuns: RUNS },
    );
  });

  const policyFor = (drafts: PolicyDraft[], planId: PlanId): Policy => issue(drafts.find((d) => d.planId === planId && d.lineId === 'L1')!);

  it('C4 price claims on random orders pay integer fen, above zero, never above the cap', () => {
    let paid = 0;
    fc.assert(
      fc.property(
        orderArb,
        enrollmentsArb,
        fc.integer({ min: 0, max: 200_000_000 }),
        fc.constantFrom<PlanId>('live-price', 'price-protection'),
        (o, enrollments, proofPrice, planId) => {
          const claimed = o.lines[0]!;
          const proof = proofOrder({}, { ...claimed, unitPriceFen: proofPrice });
          const result = evaluateClaim(
            {
              policy: policyFor(policiesFor(o, enrollments, config), planId),
              order: o,
              proofOrder: proof,
              request: { lineId: 'L1', proofOrderId: proof.orderId },
              claimant: { role: 'buyer', id: o.buyerId },
              now: '2026-11-22T09:00:00+08:00',
            },
            config,
          );
          if (!result.ok) {
            expect(result.violation.code).toBe('NO_PRICE_DROP');
            return;
          }
          paid += 1;
          expectFen(result.amountFen);
          expect(result.amountFen).toBeGreaterThan(0);
          expect(result.amountFen).toBeLessThanOrEqual(result.basis.capFen as number);
          expect(result.basis.capFen as number).toBeLessThanOrEqual(claimed.paidFen);
        },
      ),
      { numRuns: RUNS },
    );
    // The property was exercised, not only refusals (about a quarter of random proof prices are drops).
    expect(paid).toBeGreaterThan(RUNS / 10);
  });

  it('A3 authenticity claims on random orders pay exactly 4 × paidFen, an integer', () => {
    fc.assert(
      fc.property(orderArb, enrollmentsArb, (o, enrollments) => {
        const result = evaluateClaim(
          {
            policy: policyFor(policiesFor(o, enrollments, config), 'authenticity'),
            order: o,
            request: { evidence: [{ type: 'report', uri: 'https://e.example/r', sha256: 'c'.repeat(64) }] },
            claimant: { role: 'buyer', id: o.buyerId },
            now: '2026-11-22T09:00:00+08:00',
          },
          config,
        );
        expect(result.ok && result.amountFen).toBe(4 * o.lines[0]!.paidFen);
      }),
      { numRuns: RUNS },
    );
  });

  it('C7 C8 refund claims on random orders pay integer fen, never negative, never above the cap', () => {
    fc.assert(
      fc.property(
        orderArb,
        enrollmentsArb,
        fc.record({
          refundFen: fc.integer({ min: 0, max: 2_000_000_000 }),
          reason: fc.constantFrom('quality-issue', 'damaged', 'changed-mind'),
          returned: fc.boolean(),
          wholeOrder: fc.boolean(),
        }),
        (o, enrollments, r) => {
          const policies = policiesFor(o, enrollments, config).map((d) => issue(d, { policyId: `pol_${d.naturalKey}` }));
          const drafts = claimsFromRefund(
            {
              orderId: o.orderId,
              ...(r.wholeOrder ? {} : { lineId: 'L1' }),
              refundFen: r.refundFen,
              reason: r.reason,
              returned: r.returned,
              requestedAt: '2026-11-22T20:00:00+08:00',
              completedAt: '2026-11-23T09:00:00+08:00',
            },
            o,
            policies,
            config,
          );
          let qualityTotal = 0;
          for (const d of drafts) {
            expectFen(d.amountFen);
            expect(d.amountFen).toBeLessThanOrEqual(d.basis.capFen as number);
            if (d.planId === 'live-quality') qualityTotal += d.amountFen;
          }
          // 1× the loss: never more than was refunded.
          expect(qualityTotal).toBeLessThanOrEqual(r.refundFen);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
