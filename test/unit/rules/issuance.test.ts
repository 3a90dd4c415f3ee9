import { describe, expect, it } from 'vitest';
import { bracketFor, checkPurchase, enrollmentActiveAt, makeRulesConfig, policiesFor, premiumFen } from '#shared/rules/index.ts';
import { config, enrollment, issue, line, order, PAID_AT, policy, SHIPPED_AT } from './fixtures.ts';

const CAMPAIGN = { campaignId: 'jhs-2026-1111', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] };
const keys = (drafts: { naturalKey: string }[]) => drafts.map((d) => d.naturalKey);

describe('issuing policies (I)', () => {
  it('I1 issues an authenticity policy per line at payment', () => {
    const o = order({ lines: [line(), line({ lineId: 'L2', paidFen: 12345, category: 'cosmetics' })] });
    const drafts = policiesFor(o, [enrollment('authenticity', { rateBps: 60 })], config);
    expect(keys(drafts)).toEqual(['ord-88231#authenticity#L1', 'ord-88231#authenticity#L2']);
    expect(drafts[1]).toEqual({
      naturalKey: 'ord-88231#authenticity#L2',
      planId: 'authenticity',
      orderId: 'ord-88231',
      lineId: 'L2',
      merchantId: 'shop-9001',
      buyerId: 'buyer-417',
      beneficiary: { role: 'buyer', id: 'buyer-417' },
      payer: { role: 'merchant', id: 'shop-9001' },
      insuredFen: 4 * 12345,
      premiumFen: 74, // 12345 × 60 / 10000 = 74.07
      premiumBasis: { rule: 'I5', paidFen: 12345, rateBps: 60 },
      rateBps: 60,
      coverageStart: PAID_AT,
      coverageEnd: '2027-02-19T23:59:59.999+08:00', // 90 days, to the end of the day (Units)
      issuedAt: PAID_AT,
      enrollmentId: 'enr_authenticity',
      // I8: the insured facts, frozen at issuance.
      insured: {
        paidFen: 12345,
        unitPriceFen: 10000,
        quantity: 1,
        itemId: 'item-5521',
        skuId: 'sku-5521-red-L',
        skuAttributes: line().skuAttributes,
        channel: 'tmall',
        shippingAddressId: 'addr-417-home',
      },
    });
  });

  it('I8 Units with the elapsed day boundary, windows are 24-hour periods', () => {
    const drafts = policiesFor(order(), [enrollment('authenticity')], makeRulesConfig({ dayBoundary: 'elapsed' }));
    expect(drafts[0]?.coverageEnd).toBe('2027-02-19T10:15:00+08:00');
  });

  it('I8 a line carrying its weight keeps it in the snapshot', () => {
    const drafts = policiesFor(order({ lines: [line({ weightGrams: 900 })] }), [enrollment('authenticity')], config);
    expect(drafts[0]?.insured?.weightGrams).toBe(900);
  });

  it('I1 nothing is issued before payment', () => {
    const { paidAt: _unpaid, ...unpaid } = order();
    expect(policiesFor(unpaid, [enrollment('authenticity'), enrollment('live-price')], config)).toEqual([]);
  });

  it("I1 only the order merchant's enrollments count", () => {
    expect(policiesFor(order(), [enrollment('authenticity', { merchantId: 'shop-2' })], config)).toEqual([]);
  });

  it('I2 live-quality at shipment covers only lines in covered categories; live-price every line', () => {
    const o = order({ lines: [line(), line({ lineId: 'L2', category: 'toys', quantity: 3, paidFen: 10001 })] });
    const drafts = policiesFor(o, [enrollment('live-quality'), enrollment('live-price')], config);
    expect(keys(drafts)).toEqual(['ord-88231#live-quality#L1', 'ord-88231#live-price#L1', 'ord-88231#live-price#L2']);
    expect(drafts[0]).toMatchObject({
      beneficiary: { role: 'merchant', id: 'shop-9001' },
      issuedAt: SHIPPED_AT,
      coverageStart: PAID_AT,
      coverageEnd: '2026-12-21T23:59:59.999+08:00',
      insuredFen: 9000,
      premiumFen: 18,
    });
    // live-price pays one unit at most: round_half_up(10001 / 3) = 3334
    expect(drafts[2]).toMatchObject({ beneficiary: { role: 'buyer', id: 'buyer-417' }, insuredFen: 3334, premiumFen: 20 });
  });

  it('I2 covers only orders sold through a live-stream base, once shipped', () => {
    const { liveBaseId: _none, ...offline } = order();
    expect(policiesFor(offline, [enrollment('live-price')], config)).toEqual([]);
    const { shippedAt: _notYet, ...unshipped } = order();
    expect(policiesFor(unshipped, [enrollment('live-price')], config)).toEqual([]);
  });

  it('I2 the enrollment must be active at shipment, not at payment', () => {
    const joinedBetween = enrollment('live-price', { joinedAt: '2026-11-21T12:00:00+08:00' });
    expect(keys(policiesFor(order(), [joinedBetween], config))).toEqual(['ord-88231#live-price#L1']);
    const joinedAfterShipment = enrollment('live-price', { joinedAt: '2026-11-21T18:00:00.001+08:00' });
    expect(policiesFor(order(), [joinedAfterShipment], config)).toEqual([]);
  });

  it("I3 issues price-protection per paid line of an item in the order's campaign", () => {
    const o = order({ campaignId: 'jhs-2026-1111', lines: [line(), line({ lineId: 'L2', itemId: 'item-other' })] });
    const pp = enrollment('price-protection', { gift: true, campaign: CAMPAIGN, rateBps: 30 });
    const drafts = policiesFor(o, [pp], config);
    expect(keys(drafts)).toEqual(['ord-88231#price-protection#L1']);
    // C3: 15 days (inclusive) of the campaign's end day; the snapshot remembers when it ended.
    expect(drafts[0]).toMatchObject({
      coverageStart: PAID_AT,
      coverageEnd: '2026-11-27T23:59:59.999+08:00',
      insuredFen: 9000,
      premiumFen: 27,
      payer: { role: 'merchant' },
      insured: { campaignEndsAt: '2026-11-12T00:00:00+08:00' },
    });
  });

  it('I3 an order of another campaign, or of none, gets no price-protection', () => {
    const pp = enrollment('price-protection', { gift: true, campaign: CAMPAIGN });
    expect(policiesFor(order({ campaignId: 'jhs-other' }), [pp], config)).toEqual([]);
    expect(policiesFor(order(), [pp], config)).toEqual([]);
  });

  it('I4 return-shipping gifted by the merchant is issued per order at payment, merchant paying', () => {
    const { shippedAt: _notYet, ...unshipped } = order({ weightGrams: 2500 });
    const drafts = policiesFor(unshipped, [enrollment('return-shipping', { gift: true, rateBps: 0 })], config);
    expect(drafts).toEqual([
      {
        naturalKey: 'ord-88231#return-shipping#order',
        planId: 'return-shipping',
        orderId: 'ord-88231',
        merchantId: 'shop-9001',
        buyerId: 'buyer-417',
        beneficiary: { role: 'buyer', id: 'buyer-417' },
        payer: { role: 'merchant', id: 'shop-9001' },
        insuredFen: 1500,
        premiumFen: 200,
        premiumBasis: { rule: 'I5', weightGrams: 2500, upToGrams: 3000, premiumFen: 200 },
        rateBps: 0,
        coverageStart: PAID_AT,
        issuedAt: PAID_AT,
        insured: { paidFen: 9000, channel: 'tmall', shippingAddressId: 'addr-417-home', weightGrams: 2500 },
        enrollmentId: 'enr_return-shipping',
      },
    ]);
  });

  it('I4 return-shipping bought by the buyer is paid by the buyer and starts at the purchase', () => {
    const drafts = policiesFor(order(), [], config, { buyerId: 'buyer-417', purchasedAt: '2026-11-21T11:00:00+08:00' });
    expect(drafts[0]).toMatchObject({
      payer: { role: 'buyer', id: 'buyer-417' },
      coverageStart: '2026-11-21T11:00:00+08:00',
      premiumFen: 150,
      insuredFen: 1000,
    });
    expect(drafts[0]).not.toHaveProperty('enrollmentId');
    const atCheckout = policiesFor(order(), [], config, { buyerId: 'buyer-417', purchasedAt: '2026-11-21T10:14:00+08:00' });
    expect(atCheckout[0]?.coverageStart).toBe(PAID_AT);
  });

  it('I4 a gift takes precedence over a purchase: the buyer is not charged', () => {
    const drafts = policiesFor(order(), [enrollment('return-shipping', { gift: true })], config, {
      buyerId: 'buyer-417',
      purchasedAt: '2026-11-21T11:00:00+08:00',
    });
    expect(drafts[0]?.payer).toEqual({ role: 'merchant', id: 'shop-9001' });
  });

  it('I4 no gift and no purchase: no return-shipping cover', () => {
    expect(policiesFor(order(), [enrollment('return-shipping', { gift: false })], config)).toEqual([]);
  });

  it('I4 return-shipping cover carries its end once delivery is known (X2)', () => {
    const drafts = policiesFor(order({ deliveredAt: '2026-11-23T15:00:00+08:00' }), [enrollment('return-shipping', { gift: true })], config);
    expect(drafts[0]?.coverageEnd).toBe('2026-11-30T23:59:59.999+08:00');
  });

  it('I5 premium = round_half_up(paidFen × rateBps / 10000) with the rate fixed at join', () => {
    const o = order({ lines: [line({ paidFen: 2500 }), line({ lineId: 'L2', paidFen: 2499 })] });
    const drafts = policiesFor(o, [enrollment('live-price', { rateBps: 2 })], config);
    expect(drafts.map((d) => d.premiumFen)).toEqual([1, 0]);
    // Changing the configured base rate later does not change the enrollment's fixed rate.
    const repriced = makeRulesConfig({ plans: { 'live-price': { rates: { defaultBps: 5, byCategory: { apparel: 5 } } } } });
    expect(policiesFor(o, [enrollment('live-price', { rateBps: 2 })], repriced).map((d) => d.rateBps)).toEqual([2, 2]);
  });

  it.each([
    [0, 150],
    [1000, 150],
    [1001, 200],
    [3000, 200],
    [3001, 250],
    [5000, 250],
    [5001, 350],
    [80_000, 350],
  ])('I5 return-shipping premium for %i g is %i fen (default table)', (grams, fen) => {
    expect(bracketFor(config.plans['return-shipping'].premiumBrackets, grams).fen).toBe(fen);
  });

  it('I6 the same event twice, or events out of order, give the same policies', () => {
    const enrollments = [enrollment('authenticity'), enrollment('live-price')];
    const { shippedAt: _s, ...paidOnly } = order();
    const afterPaid = policiesFor(paidOnly, enrollments, config);
    const afterShipped = policiesFor(order(), enrollments, config);
    expect(policiesFor(order(), enrollments, config)).toEqual(afterShipped);
    // Shipping adds the live policy and leaves the authenticity draft exactly as it was.
    expect(keys(afterShipped)).toEqual([...keys(afterPaid), 'ord-88231#live-price#L1']);
    expect(afterShipped[0]).toEqual(afterPaid[0]);
    // A shipped event stored before its paid event: nothing until payment is known, then the same.
    const { paidAt: _p, ...shippedOnly } = order();
    expect(policiesFor(shippedOnly, enrollments, config)).toEqual([]);
  });

  it('I7 every policy names its order, buyer and merchant so both see it in the order detail', () => {
    const drafts = policiesFor(order(), [enrollment('authenticity'), enrollment('live-quality'), enrollment('return-shipping', { gift: true })], config);
    expect(drafts).toHaveLength(3);
    for (const d of drafts) expect(d).toMatchObject({ orderId: 'ord-88231', buyerId: 'buyer-417', merchantId: 'shop-9001' });
  });

  it('J8 no policies after exit; orders paid before the exit keep theirs', () => {
    const exited = enrollment('authenticity', { status: 'TERMINATED', exitedAt: '2026-11-21T10:15:00+08:00', exitReason: 'other' });
    expect(policiesFor(order(), [exited], config)).toEqual([]); // exit at the payment instant: no longer active
    const exitedLater = { ...exited, exitedAt: '2026-11-21T10:15:00.001+08:00' };
    expect(policiesFor(order(), [exitedLater], config)).toHaveLength(1);
  });

  it('an enrollment counts from its join instant up to, not including, its exit', () => {
    const e = enrollment('authenticity', { joinedAt: '2026-11-01T00:00:00+08:00', exitedAt: '2026-11-02T00:00:00+08:00' });
    expect(enrollmentActiveAt(e, '2026-10-31T23:59:59.999+08:00')).toBe(false);
    expect(enrollmentActiveAt(e, '2026-11-01T00:00:00+08:00')).toBe(true);
    expect(enrollmentActiveAt(e, '2026-11-01T23:59:59.999+08:00')).toBe(true);
    expect(enrollmentActiveAt(e, '2026-11-02T00:00:00+08:00')).toBe(false);
  });

  it('I5 premiums use integer arithmetic', () => {
    expect(premiumFen(9000, 20)).toBe(18);
  });
});

describe('buying cover (I4, J6)', () => {
  const NOW = '2026-11-21T11:00:00+08:00';
  const purchase = (overrides: Partial<Parameters<typeof checkPurchase>[0]> = {}) =>
    checkPurchase({ order: order(), planId: 'return-shipping', buyerId: 'buyer-417', now: NOW, existingPolicies: [], ...overrides }, config);

  it("I4 the order's buyer may buy return-shipping cover on a paid order", () => {
    expect(purchase()).toBeUndefined();
  });

  it.each(['price-protection', 'authenticity', 'live-price', 'live-quality'] as const)('J6 a buyer can never buy %s (PLAN_NOT_PURCHASABLE)', (planId) => {
    expect(purchase({ planId })).toMatchObject({ code: 'PLAN_NOT_PURCHASABLE', status: 422 });
  });

  it('I4 another buyer is told the order does not exist', () => {
    expect(purchase({ buyerId: 'buyer-9' })).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('I4 an unpaid order cannot be covered yet', () => {
    const { paidAt: _unpaid, ...unpaid } = order();
    expect(purchase({ order: unpaid })).toMatchObject({ code: 'ORDER_NOT_PAID' });
  });

  it('I6 an order already covered cannot be covered twice', () => {
    const existing = [policy('return-shipping', { lineId: undefined, policyId: 'pol_rs' })];
    expect(purchase({ existingPolicies: [policy('authenticity')] })).toBeUndefined();
    expect(purchase({ existingPolicies: existing })).toMatchObject({ code: 'POLICY_EXISTS', status: 409, basis: { policyId: 'pol_rs' } });
  });

  it('I4 cover is bought at checkout: at the shipment instant still, one millisecond after it 422 PURCHASE_WINDOW_CLOSED', () => {
    const shipped = order({ shippedAt: NOW });
    expect(purchase({ order: shipped })).toBeUndefined();
    expect(purchase({ order: shipped, now: '2026-11-21T11:00:00.001+08:00' })).toMatchObject({
      code: 'PURCHASE_WINDOW_CLOSED',
      status: 422,
      basis: { rule: 'I4', shippedAt: NOW },
    });
  });

  it('X2 cover cannot be bought once it would already have ended', () => {
    const received = order({ receiptConfirmedAt: '2026-11-21T10:59:59.999+08:00' });
    expect(purchase({ order: received })).toMatchObject({ code: 'COVERAGE_ENDED', basis: { rule: 'X2' } });
    expect(purchase({ order: order({ receiptConfirmedAt: NOW }) })).toBeUndefined();
  });

  it('issue() helper mirrors what the store writes', () => {
    const [draft] = policiesFor(order(), [enrollment('authenticity')], config);
    expect(issue(draft!)).toMatchObject({ policyId: 'pol_authenticity_L1', status: 'ACTIVE' });
  });
});
