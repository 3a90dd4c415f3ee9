import { describe, expect, it } from 'vitest';
import {
  claimLapsesAt,
  dueAt,
  isClaimDueToLapse,
  isPolicyDue,
  makeRulesConfig,
  policyExpiresAt,
  returnShippingCoverageEnd,
  type Claim,
} from '#shared/rules/index.ts';
import { config, order, policy } from './fixtures.ts';

const needsInfo = (overrides: Partial<Claim> = {}): Claim => ({
  claimId: 'clm_1',
  policyId: 'pol_authenticity',
  planId: 'authenticity',
  orderId: 'ord-88231',
  lineId: 'L1',
  claimant: { role: 'buyer', id: 'buyer-417' },
  beneficiary: { role: 'buyer', id: 'buyer-417' },
  status: 'NEEDS_INFO',
  amountFen: 36000,
  basis: { rule: 'A3' },
  evidence: [],
  history: [],
  submittedAt: '2026-11-22T09:00:00+08:00',
  needsInfoSince: '2026-11-23T10:00:00+08:00',
  ...overrides,
});
const rsPolicy = policy('return-shipping', { policyId: 'pol_rs', lineId: undefined, coverageEnd: undefined });
/** The `elapsed` day boundary: 24-hour periods (Units). */
const elapsed = makeRulesConfig({ dayBoundary: 'elapsed' });
const unshipped = (overrides: Parameters<typeof order>[0] = {}) => order({ shippedAt: undefined, ...overrides });

describe('expiry (X)', () => {
  it('X1 an active policy expires once its window has ended: not at the last instant, one millisecond after', () => {
    const p = policy('live-price');
    expect(isPolicyDue(p, '2026-12-21T10:15:00+08:00', config)).toBe(false);
    expect(isPolicyDue(p, '2026-12-21T10:15:00.001+08:00', config)).toBe(true);
    expect(isPolicyDue({ ...p, status: 'CLAIMED' }, '2027-01-01T00:00:00+08:00', config)).toBe(false);
  });

  it('X2 return-shipping ends at receipt confirmation, or 7 days after delivery, whichever first', () => {
    expect(returnShippingCoverageEnd(unshipped(), config)).toBeUndefined();
    expect(returnShippingCoverageEnd(unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00' }), elapsed)).toBe('2026-11-30T15:00:00+08:00');
    expect(returnShippingCoverageEnd(unshipped({ receiptConfirmedAt: '2026-11-24T08:00:00+08:00' }), config)).toBe('2026-11-24T08:00:00+08:00');
    expect(returnShippingCoverageEnd(unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00', receiptConfirmedAt: '2026-11-24T08:00:00+08:00' }), config)).toBe(
      '2026-11-24T08:00:00+08:00',
    );
    expect(returnShippingCoverageEnd(unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00', receiptConfirmedAt: '2026-12-05T08:00:00+08:00' }), elapsed)).toBe(
      '2026-11-30T15:00:00+08:00',
    );
  });

  it('X2 the 7 days are configuration', () => {
    const tenDays = makeRulesConfig({ dayBoundary: 'elapsed', plans: { 'return-shipping': { windowDays: 10 } } });
    expect(returnShippingCoverageEnd(unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00' }), tenDays)).toBe('2026-12-03T15:00:00+08:00');
  });

  it('X2 a return-shipping policy without a known end takes it from its order when the events arrive', () => {
    expect(policyExpiresAt(rsPolicy, config)).toBeUndefined();
    expect(policyExpiresAt(rsPolicy, config, unshipped())).toBeUndefined();
    const delivered = unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00' });
    expect(policyExpiresAt(rsPolicy, elapsed, delivered)).toBe('2026-11-30T15:00:00+08:00');
    expect(isPolicyDue(rsPolicy, '2026-11-30T15:00:00.001+08:00', elapsed, delivered)).toBe(true);
    // The order decides even when the policy holds an earlier (provisional) end.
    expect(policyExpiresAt({ ...rsPolicy, coverageEnd: '2026-12-21T23:59:59.999+08:00' }, config, delivered)).toBe('2026-11-30T23:59:59.999+08:00');
    expect(policyExpiresAt({ ...rsPolicy, coverageEnd: '2026-12-21T23:59:59.999+08:00' }, config, unshipped())).toBe('2026-12-21T23:59:59.999+08:00');
    expect(isPolicyDue(rsPolicy, '2030-01-01T00:00:00+08:00', config)).toBe(false); // end still unknown
  });

  it('X2 Units by default the 7 days end at the end of the 7th day after delivery (last instant in, first of the next day out)', () => {
    const delivered = unshipped({ deliveredAt: '2026-11-23T15:00:00+08:00' });
    expect(returnShippingCoverageEnd(delivered, config)).toBe('2026-11-30T23:59:59.999+08:00');
    expect(isPolicyDue(rsPolicy, '2026-11-30T23:59:59.999+08:00', config, delivered)).toBe(false);
    expect(isPolicyDue(rsPolicy, '2026-12-01T00:00:00+08:00', config, delivered)).toBe(true);
  });

  it('X2 an order shipped and never delivered keeps its cover 30 days (default, configurable) after shipment', () => {
    expect(returnShippingCoverageEnd(order(), config)).toBe('2026-12-21T23:59:59.999+08:00');
    expect(returnShippingCoverageEnd(order(), makeRulesConfig({ plans: { 'return-shipping': { undeliveredWindowDays: 10 } } }))).toBe(
      '2026-12-01T23:59:59.999+08:00',
    );
    // A delivery or receipt confirmation replaces it.
    expect(returnShippingCoverageEnd(order({ deliveredAt: '2026-11-23T15:00:00+08:00' }), config)).toBe('2026-11-30T23:59:59.999+08:00');
  });

  it('X3 a claim left in NEEDS_INFO lapses after 15 days: due one millisecond after, not at the instant', () => {
    expect(claimLapsesAt(needsInfo(), elapsed)).toBe('2026-12-08T10:00:00+08:00');
    expect(isClaimDueToLapse(needsInfo(), '2026-12-08T10:00:00+08:00', elapsed)).toBe(false);
    expect(isClaimDueToLapse(needsInfo(), '2026-12-08T10:00:00.001+08:00', elapsed)).toBe(true);
    // Units (default): through the end of the 15th day.
    expect(claimLapsesAt(needsInfo(), config)).toBe('2026-12-08T23:59:59.999+08:00');
    expect(isClaimDueToLapse(needsInfo(), '2026-12-08T23:59:59.999+08:00', config)).toBe(false);
    expect(isClaimDueToLapse(needsInfo(), '2026-12-09T00:00:00+08:00', config)).toBe(true);
    expect(isClaimDueToLapse(needsInfo({ status: 'UNDER_REVIEW' }), '2027-01-01T00:00:00+08:00', config)).toBe(false);
    const { needsInfoSince: _none, ...noClock } = needsInfo();
    expect(claimLapsesAt(noClock, config)).toBeUndefined();
  });

  it('X3 the 15 days are configuration', () => {
    expect(claimLapsesAt(needsInfo(), makeRulesConfig({ dayBoundary: 'elapsed', claims: { needsInfoLapseDays: 5 } }))).toBe('2026-11-28T10:00:00+08:00');
  });

  it('X4 each item has one due instant to index on, and only due items are selected', () => {
    const live = policy('live-price');
    const expired = policy('authenticity', { policyId: 'pol_old', coverageEnd: '2026-11-01T00:00:00+08:00' });
    const delivered = order({ deliveredAt: '2026-11-23T15:00:00+08:00' });
    const now = '2026-12-01T00:00:00+08:00';
    expect(
      dueAt(
        now,
        {
          policies: [live, expired, rsPolicy],
          claims: [needsInfo(), needsInfo({ claimId: 'clm_2', needsInfoSince: '2026-11-30T00:00:00+08:00' })],
          orders: [delivered],
        },
        config,
      ),
    ).toEqual({
      expirePolicyIds: ['pol_old', 'pol_rs'],
      lapseClaimIds: [],
    });
    expect(dueAt('2026-12-09T00:00:00+08:00', { claims: [needsInfo()] }, config)).toEqual({ expirePolicyIds: [], lapseClaimIds: ['clm_1'] });
    expect(dueAt(now, {}, config)).toEqual({ expirePolicyIds: [], lapseClaimIds: [] });
  });
});
