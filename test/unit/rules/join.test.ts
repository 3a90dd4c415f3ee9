import { describe, expect, it } from 'vitest';
import {
  decideExit,
  decideJoin,
  estimatedRateBps,
  liveSelectQualified,
  makeRulesConfig,
  penaltyOutcome,
  quote,
  type JoinRequest,
} from '#shared/rules/index.ts';
import { config, enrollment, merchant } from './fixtures.ts';

const NOW = '2026-11-01T10:00:00+08:00';
const CAMPAIGN = { campaignId: 'jhs-2026-1111', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] };
const request = (overrides: Partial<JoinRequest> = {}): JoinRequest => ({
  planId: 'live-price',
  acceptAgreement: true,
  agreementVersion: '2026-09',
  ...overrides,
});
const join = (req: JoinRequest, m = merchant(), enrollments = [enrollment('authenticity')]) =>
  decideJoin({ merchant: m, request: req, enrollments, enrollmentId: 'enr_new', now: NOW }, config);
const codes = (decision: ReturnType<typeof join>) => (decision.ok ? [] : decision.violations.map((v) => v.code));

describe('joining (J)', () => {
  it('joins live-price with the example request and fixes the quoted rate', () => {
    const decision = join(request());
    expect(decision).toEqual({
      ok: true,
      enrollment: {
        enrollmentId: 'enr_new',
        merchantId: 'shop-9001',
        planId: 'live-price',
        status: 'ACTIVE',
        rateBps: 20,
        agreementVersion: '2026-09',
        joinedAt: '2026-11-01T10:00:00+08:00',
      },
    });
  });

  it('J1 a penalized merchant cannot join any plan', () => {
    const decision = join(request({ planId: 'authenticity' }), merchant({ activePenaltyIds: ['pen-1'] }), []);
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.violation).toMatchObject({ code: 'MERCHANT_PENALIZED', status: 422, basis: { rule: 'J1', penaltyIds: ['pen-1'] } });
  });

  it('J1 lifting the penalty lets the merchant join again', () => {
    expect(join(request({ planId: 'authenticity' }), merchant({ activePenaltyIds: [] }), []).ok).toBe(true);
  });

  it.each([
    ['the box is not ticked', { acceptAgreement: false }],
    ['the version is outdated', { agreementVersion: '2025-01' }],
  ])('J2 refuses when %s', (_name, overrides) => {
    const decision = join(request(overrides));
    expect(!decision.ok && decision.violation).toMatchObject({ code: 'AGREEMENT_NOT_ACCEPTED', basis: { rule: 'J2', currentVersion: '2026-09' } });
  });

  it.each(['live-quality', 'live-price'] as const)('J3 %s requires a bound live-stream base', (planId) => {
    const { liveBaseId: _none, ...noBase } = merchant();
    expect(codes(join(request({ planId }), noBase))).toEqual(['LIVE_BASE_REQUIRED']);
  });

  it('J3 authenticity needs no live-stream base', () => {
    const { liveBaseId: _none, ...noBase } = merchant();
    expect(join(request({ planId: 'authenticity' }), noBase, []).ok).toBe(true);
  });

  it('J4 a quote gives eligibility, the estimated rate and the agreement version', () => {
    expect(quote({ merchant: merchant(), planId: 'live-quality', enrollments: [] }, config)).toEqual({
      planId: 'live-quality',
      eligible: true,
      reasons: [],
      rateBps: 20,
      agreementVersion: '2026-09',
      gift: 'none',
    });
  });

  it('J4 a quote lists every failing reason', () => {
    const q = quote({ merchant: { merchantId: 'shop-1', categories: ['toys'], activePenaltyIds: ['pen-1'] }, planId: 'live-quality', enrollments: [] }, config);
    expect(q.eligible).toBe(false);
    expect(q.reasons.map((r) => r.code)).toEqual(['MERCHANT_PENALIZED', 'LIVE_BASE_REQUIRED', 'CATEGORY_NOT_COVERED']);
    expect(q.reasons[2]).toMatchObject({
      title: 'No covered category',
      detail: 'live-quality covers only apparel, fmcg, home-appliance; the merchant sells toys.',
    });
  });

  it("J4 the estimated rate is the highest base rate among the merchant's priced categories", () => {
    expect(estimatedRateBps('authenticity', ['apparel', 'cosmetics', 'toys'], config)).toBe(80);
    expect(estimatedRateBps('authenticity', ['toys'], config)).toBe(50); // no category rate: the plan default
    expect(estimatedRateBps('live-quality', ['fmcg', 'toys'], config)).toBe(15);
    expect(estimatedRateBps('return-shipping', ['apparel'], config)).toBe(0); // priced by weight
  });

  it('J4 live plans quote at most 20 bp even for the costliest category', () => {
    const categories = Object.keys(config.plans['live-price'].rates.byCategory);
    expect(estimatedRateBps('live-price', categories, config)).toBeLessThanOrEqual(20);
    expect(estimatedRateBps('live-quality', ['apparel', 'fmcg', 'home-appliance'], config)).toBe(20);
  });

  it('J4 base rates are configuration', () => {
    const custom = makeRulesConfig({ plans: { 'live-price': { rates: { byCategory: { apparel: 11 } } } } });
    expect(quote({ merchant: merchant(), planId: 'live-price', enrollments: [] }, custom).rateBps).toBe(11);
  });

  it('J5 Live Select qualified exactly when both live plans are active', () => {
    const quality = enrollment('live-quality');
    const price = enrollment('live-price');
    expect(liveSelectQualified([quality, price])).toBe(true);
    expect(liveSelectQualified([quality])).toBe(false);
    expect(liveSelectQualified([quality, { ...price, status: 'TERMINATED' }])).toBe(false);
    expect(liveSelectQualified([enrollment('authenticity'), price])).toBe(false);
  });

  it('J6 price-protection is joined per campaign as a merchant gift', () => {
    const decision = join(request({ planId: 'price-protection', gift: true, campaign: CAMPAIGN }));
    expect(decision.ok && decision.enrollment).toMatchObject({ planId: 'price-protection', gift: true, campaign: CAMPAIGN, rateBps: 30 });
  });

  it.each([
    ['no campaign', { gift: true }, 'CAMPAIGN_REQUIRED'],
    ['a campaign without items', { gift: true, campaign: { ...CAMPAIGN, itemIds: [] } }, 'CAMPAIGN_REQUIRED'],
    ['an ended campaign', { gift: true, campaign: { ...CAMPAIGN, endsAt: '2026-11-01T09:59:59.999+08:00' } }, 'CAMPAIGN_ENDED'],
    ['gift: false', { gift: false, campaign: CAMPAIGN }, 'GIFT_REQUIRED'],
  ])('J6 price-protection with %s is refused', (_name, overrides, code) => {
    expect(codes(join(request({ planId: 'price-protection', ...overrides })))).toEqual([code]);
  });

  it('J6 a campaign ending exactly now can still be joined', () => {
    expect(join(request({ planId: 'price-protection', gift: true, campaign: { ...CAMPAIGN, endsAt: NOW } })).ok).toBe(true);
  });

  it('J6 price-protection joined without gift is a gift (implied), and its quote says so', () => {
    const decision = join(request({ planId: 'price-protection', campaign: CAMPAIGN }));
    expect(decision.ok && decision.enrollment).toMatchObject({ planId: 'price-protection', gift: true, campaign: CAMPAIGN });
    expect(quote({ merchant: merchant(), planId: 'price-protection', enrollments: [] }, config)).toMatchObject({
      eligible: true,
      reasons: [],
      gift: 'implied',
    });
    expect(quote({ merchant: merchant(), planId: 'return-shipping', enrollments: [] }, config).gift).toBe('required');
  });

  it('J6 return-shipping is joined only as a gift; I4 buyers buy it per order instead', () => {
    expect(codes(join(request({ planId: 'return-shipping' })))).toEqual(['GIFT_REQUIRED']);
    const decision = join(request({ planId: 'return-shipping', gift: true }));
    expect(decision.ok && decision.enrollment).toMatchObject({ gift: true, rateBps: 0 });
  });

  it('J7 joining an active plan again is 409 ALREADY_ENROLLED', () => {
    const decision = join(request(), merchant(), [enrollment('live-price')]);
    expect(!decision.ok && decision.violation).toMatchObject({ code: 'ALREADY_ENROLLED', status: 409, basis: { rule: 'J7', enrollmentId: 'enr_live-price' } });
    expect(quote({ merchant: merchant(), planId: 'live-price', enrollments: [enrollment('live-price')] }, config).reasons.map((r) => r.code)).toEqual([
      'ALREADY_ENROLLED',
    ]);
  });

  it("J7 a terminated enrollment or another merchant's does not block joining", () => {
    expect(join(request(), merchant(), [enrollment('live-price', { status: 'TERMINATED' }), enrollment('live-price', { merchantId: 'shop-2' })]).ok).toBe(true);
  });

  it('J7 price-protection is unique per campaign, not per merchant', () => {
    const existing = [enrollment('price-protection', { gift: true, campaign: CAMPAIGN })];
    const same = join(request({ planId: 'price-protection', gift: true, campaign: CAMPAIGN }), merchant(), existing);
    expect(!same.ok && same.violation.detail).toBe('price-protection is already active for this merchant and campaign jhs-2026-1111.');
    const other = join(request({ planId: 'price-protection', gift: true, campaign: { ...CAMPAIGN, campaignId: 'jhs-2026-1212' } }), merchant(), existing);
    expect(other.ok).toBe(true);
    // A quote names no campaign, so it cannot judge J7 for price-protection.
    expect(quote({ merchant: merchant(), planId: 'price-protection', enrollments: existing }, config).eligible).toBe(true);
  });

  it('lists every violation of a join, the most fundamental first', () => {
    const m = { merchantId: 'shop-9001', categories: [], activePenaltyIds: ['pen-1'] };
    const decision = join(request({ planId: 'live-quality', acceptAgreement: false }), m, [enrollment('live-quality')]);
    expect(codes(decision)).toEqual(['MERCHANT_PENALIZED', 'AGREEMENT_NOT_ACCEPTED', 'LIVE_BASE_REQUIRED', 'CATEGORY_NOT_COVERED', 'ALREADY_ENROLLED']);
    expect(!decision.ok && decision.violations[3]?.detail).toBe(
      'live-quality covers only apparel, fmcg, home-appliance; the merchant sells no listed category.',
    );
  });

  it.each(['policy-change', 'business-difficulty', 'misoperation', 'other'] as const)('J8 exits with reason %s', (reason) => {
    const decision = decideExit(enrollment('live-price'), reason, '2026-11-30T12:00:00Z');
    expect(decision).toEqual({
      ok: true,
      enrollment: { ...enrollment('live-price'), status: 'TERMINATED', exitedAt: '2026-11-30T20:00:00+08:00', exitReason: reason },
    });
  });

  it('J8 an enrollment already terminated cannot exit again', () => {
    const decision = decideExit(enrollment('live-price', { status: 'TERMINATED' }), 'other', NOW);
    expect(!decision.ok && decision.violation).toMatchObject({ code: 'ENROLLMENT_NOT_ACTIVE', status: 409 });
  });

  it('J9 a penalty force-exits every active enrollment with reason violation and freezes the deposit', () => {
    const enrollments = [enrollment('live-price'), enrollment('authenticity'), enrollment('live-quality', { status: 'TERMINATED' })];
    const outcome = penaltyOutcome(enrollments, {}, NOW);
    expect(outcome.terminated.map((e) => [e.planId, e.status, e.exitReason, e.exitedAt])).toEqual([
      ['live-price', 'TERMINATED', 'violation', '2026-11-01T10:00:00+08:00'],
      ['authenticity', 'TERMINATED', 'violation', '2026-11-01T10:00:00+08:00'],
    ]);
    expect(outcome).toMatchObject({ freezeDeposit: true, forfeitDeposit: false });
    expect(penaltyOutcome(enrollments, { fraud: true }, NOW).forfeitDeposit).toBe(true);
  });

  it('J10 live-quality needs a covered category (apparel, fmcg, home-appliance by default)', () => {
    expect(codes(join(request({ planId: 'live-quality' }), merchant({ categories: ['toys'] })))).toEqual(['CATEGORY_NOT_COVERED']);
    expect(join(request({ planId: 'live-quality' }), merchant({ categories: ['toys', 'home-appliance'] })).ok).toBe(true);
    const custom = makeRulesConfig({ plans: { 'live-quality': { coveredCategories: ['toys'] } } });
    expect(quote({ merchant: merchant({ categories: ['toys'] }), planId: 'live-quality', enrollments: [] }, custom).eligible).toBe(true);
  });
});
