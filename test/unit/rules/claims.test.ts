import { describe, expect, it } from 'vitest';
import { claimsFromRefund, evaluateClaim, routeFor, sameSkuAttributes, type ClaimInput, type Order, type Policy, type Refund } from '#shared/rules/index.ts';
import { BUYER, config, line, order, order as fixtureOrder, PAID_AT, policy, proofOrder } from './fixtures.ts';

const NOW = '2026-11-22T09:00:00+08:00';
const EVIDENCE = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];

function evaluate(overrides: Partial<ClaimInput> = {}) {
  return evaluateClaim(
    {
      policy: policy('live-price'),
      order: order(),
      proofOrder: proofOrder(),
      request: { lineId: 'L1', proofOrderId: 'ord-90112' },
      claimant: BUYER,
      now: NOW,
      ...overrides,
    },
    config,
  );
}

function refused(overrides: Partial<ClaimInput> = {}) {
  const result = evaluate(overrides);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result.violation;
}

function approved(overrides: Partial<ClaimInput> = {}) {
  const result = evaluate(overrides);
  if (!result.ok) throw new Error(`expected a pass, got ${result.violation.code}: ${result.violation.detail}`);
  return result;
}

/** price-protection on a 2-unit line of the 11.11 campaign; window ends campaign end + 15 days. */
const ppOrder = order({ campaignId: 'jhs-2026-1111', lines: [line({ quantity: 2, unitPriceFen: 10000, paidFen: 18000 })] });
const ppPolicy = policy('price-protection', { insuredFen: 18000, coverageEnd: '2026-11-27T00:00:00+08:00' });
const ppProof = (overrides: Partial<Order> = {}, lineOverrides = {}) => proofOrder(overrides, { quantity: 2, ...lineOverrides });
const pp = (overrides: Partial<ClaimInput> = {}) => ({ policy: ppPolicy, order: ppOrder, proofOrder: ppProof(), ...overrides });

describe('price claims (C2–C5)', () => {
  it("C4 live-price pays one unit's difference (the examples.md claim)", () => {
    const result = approved();
    expect(result).toEqual({
      ok: true,
      naturalKey: 'pol_live-price#L1',
      policyId: 'pol_live-price',
      planId: 'live-price',
      orderId: 'ord-88231',
      lineId: 'L1',
      claimant: { role: 'buyer', id: 'buyer-417' },
      beneficiary: { role: 'buyer', id: 'buyer-417' },
      amountFen: 2000,
      basis: { rule: 'C4', paidPerUnitFen: 9000, proofUnitPriceFen: 7000, units: 1, capFen: 9000 },
      route: 'auto-approve',
      note: 'auto-approved: same listing and SKU',
      evidence: [],
      submittedAt: NOW,
      // C11: the entry the approval makes in the line's compensation ledger.
      compensation: { orderId: 'ord-88231', lineId: 'L1', loss: 'price-drop', amountFen: 2000, ref: 'policy:pol_live-price', expectedFen: 0 },
    });
  });

  it('C4 live-price pays one unit even for a multi-unit line, per-unit paid rounded half up', () => {
    const o = order({ lines: [line({ quantity: 3, paidFen: 10001 })] });
    const result = approved({ order: o, proofOrder: proofOrder({}, { unitPriceFen: 3000, quantity: 3 }) });
    expect(result.amountFen).toBe(334); // round_half_up(10001 / 3) = 3334, minus 3000
    expect(result.basis).toEqual({ rule: 'C4', paidPerUnitFen: 3334, proofUnitPriceFen: 3000, units: 1, capFen: 3334 });
  });

  it('C4 price-protection pays (paidFen / quantity − proof price) × quantity', () => {
    const result = approved(pp());
    expect(result.amountFen).toBe(4000); // 18000 − 7000 × 2
    expect(result.basis).toEqual({ rule: 'C4', paidFen: 18000, proofUnitPriceFen: 7000, units: 2, capFen: 18000 });
    expect(result).toMatchObject({ route: 'auto-approve', note: 'auto-approved: same SKU, address, quantity and channel' });
  });

  it.each([
    ['one fen below the cap', 1, 8999],
    ['at the cap', 0, 9000],
  ])('C4 live-price %s', (_name, proofPrice, amount) => {
    const result = approved({ proofOrder: proofOrder({}, { unitPriceFen: proofPrice }) });
    expect(result.amountFen).toBe(amount);
    expect(result.amountFen).toBeLessThanOrEqual(result.basis.capFen as number);
  });

  it.each([
    ['one fen below the cap', 1, 17998],
    ['at the cap', 0, 18000],
  ])('C4 price-protection %s', (_name, proofPrice, amount) => {
    expect(approved(pp({ proofOrder: ppProof({}, { unitPriceFen: proofPrice }) })).amountFen).toBe(amount);
  });

  it.each([
    ['live-price at the same price', {}, { unitPriceFen: 9000 }],
    ['live-price at a higher price', {}, { unitPriceFen: 9500 }],
  ])('C4 no drop is NO_PRICE_DROP: %s', (_name, orderOverrides, lineOverrides) => {
    expect(refused({ proofOrder: proofOrder(orderOverrides, lineOverrides) })).toMatchObject({
      code: 'NO_PRICE_DROP',
      status: 422,
      basis: { rule: 'C4', paidPerUnitFen: 9000 },
    });
  });

  it('C4 price-protection without a drop is NO_PRICE_DROP with the difference', () => {
    expect(refused(pp({ proofOrder: ppProof({}, { unitPriceFen: 9000 }) }))).toMatchObject({
      code: 'NO_PRICE_DROP',
      basis: { rule: 'C4', paidFen: 18000, proofUnitPriceFen: 9000, units: 2, differenceFen: 0 },
    });
  });

  it('C2 a price claim must name a proof order', () => {
    expect(refused({ request: { lineId: 'L1' } })).toMatchObject({ code: 'PROOF_ORDER_REQUIRED', basis: { rule: 'C2' } });
  });

  it('C2 an unknown proof order is PROOF_ORDER_NOT_FOUND', () => {
    expect(refused({ proofOrder: undefined })).toMatchObject({ code: 'PROOF_ORDER_NOT_FOUND', basis: { proofOrderId: 'ord-90112' } });
  });

  it('C2 a paid proof order is PROOF_ORDER_PAID', () => {
    expect(refused({ proofOrder: proofOrder({ paidAt: '2026-11-22T08:31:00+08:00' }) })).toMatchObject({ code: 'PROOF_ORDER_PAID' });
  });

  it("C2 another buyer's proof order is PROOF_ORDER_MISMATCH on buyerId", () => {
    expect(refused({ proofOrder: proofOrder({ buyerId: 'buyer-9' }) })).toMatchObject({
      code: 'PROOF_ORDER_MISMATCH',
      basis: { rule: 'C2', field: 'buyerId', expected: 'buyer-417', actual: 'buyer-9' },
    });
  });

  it('C2 Units the refused claim of examples.md: the refusal states the dates, the window ends at the end of 10-31', () => {
    const paidAt = '2026-10-01T10:00:00+08:00';
    const windowEnd = '2026-10-31T23:59:59.999+08:00';
    const live = policy('live-price', { coverageStart: paidAt, coverageEnd: windowEnd });
    const violation = refused({
      policy: live,
      order: order({ paidAt }),
      proofOrder: proofOrder({ placedAt: '2026-11-01T12:00:00+08:00' }),
      now: '2026-11-01T12:05:00+08:00',
    });
    expect(violation).toMatchObject({
      code: 'OUTSIDE_WINDOW',
      status: 422,
      title: 'Outside the claim window',
      detail: 'The proof order was placed on 2026-11-01, after the window closed at the end of 2026-10-31.',
      basis: { rule: 'C2', paidAt, windowEnd, proofPlacedAt: '2026-11-01T12:00:00+08:00' },
    });
    // "paid 10-01 10:00; proof placed 10-31 11:00" is inside; the first instant of 11-01 is not.
    const at = (placedAt: string) => ({ policy: live, order: order({ paidAt }), proofOrder: proofOrder({ placedAt }), now: '2026-10-31T23:59:59.999+08:00' });
    expect(approved(at('2026-10-31T11:00:00+08:00')).amountFen).toBe(2000);
    expect(approved(at(windowEnd)).amountFen).toBe(2000);
    expect(refused({ ...at('2026-11-01T00:00:00+08:00'), now: '2026-11-01T00:00:00+08:00' }).detail).toBe(
      'The proof order was placed on 2026-11-01, after the window closed at the end of 2026-10-31.',
    );
    // A claim submitted late on its own is told the same way.
    expect(refused({ ...at('2026-10-31T11:00:00+08:00'), now: '2026-11-01T00:00:00+08:00' }).detail).toBe(
      'The claim was submitted on 2026-11-01, after the window closed at the end of 2026-10-31.',
    );
  });

  it('C2 live-price: a proof order placed at the last instant of the 30-day window counts; one millisecond later does not', () => {
    const end = '2026-12-21T10:15:00+08:00';
    expect(approved({ proofOrder: proofOrder({ placedAt: end }), now: end }).amountFen).toBe(2000);
    expect(refused({ proofOrder: proofOrder({ placedAt: '2026-12-21T10:15:00.001+08:00' }), now: end })).toMatchObject({ code: 'OUTSIDE_WINDOW' });
  });

  it('C2 a proof order placed before the payment is outside the window', () => {
    const violation = refused({ proofOrder: proofOrder({ placedAt: '2026-11-21T10:14:59.999+08:00' }) });
    expect(violation.detail).toBe('The proof order was placed at 2026-11-21T10:14:59.999+08:00, before the payment at 2026-11-21T10:15:00+08:00.');
  });

  it('C2 price-protection: proof order placed after campaign end + 15 days', () => {
    const violation = refused(pp({ proofOrder: ppProof({ placedAt: '2026-11-27T00:00:00.001+08:00' }), now: '2026-11-27T00:00:00.001+08:00' }));
    expect(violation.detail).toBe('The proof order was placed at 2026-11-27T00:00:00.001+08:00, after the window closed at 2026-11-27T00:00:00+08:00.');
  });

  it('C2 the claim itself must be submitted inside the window (last instant in, one millisecond past out)', () => {
    expect(approved(pp({ now: '2026-11-27T00:00:00+08:00' })).amountFen).toBe(4000);
    expect(refused(pp({ now: '2026-11-27T00:00:00.001+08:00' }))).toMatchObject({
      code: 'OUTSIDE_WINDOW',
      basis: { rule: 'C2', windowEnd: '2026-11-27T00:00:00+08:00', submittedAt: '2026-11-27T00:00:00.001+08:00' },
    });
  });

  it.each([
    ['skuId', 'C2', ppProof({}, { skuId: 'sku-other' })],
    ['shippingAddressId', 'C3', ppProof({ shippingAddressId: 'addr-office' })],
    ['quantity', 'C3', ppProof({}, { quantity: 1 })],
    ['channel', 'C3', ppProof({ channel: '1688' })],
  ])('C3 a price-protection proof order with another %s is PROOF_ORDER_MISMATCH', (field, rule, proof) => {
    expect(refused(pp({ proofOrder: proof }))).toMatchObject({ code: 'PROOF_ORDER_MISMATCH', basis: { rule, field } });
  });

  it.each(['taobao', 'tmall', 'tmall-global'])('C3 a price-protection proof order may come from %s', (channel) => {
    expect(approved(pp({ proofOrder: ppProof({ channel }) })).amountFen).toBe(4000);
  });

  it('C3 applies to price-protection only: live-price accepts another address and quantity', () => {
    expect(approved({ proofOrder: proofOrder({ shippingAddressId: 'addr-office' }, { quantity: 5 }) }).amountFen).toBe(2000);
  });

  it('C5 live-price: same merchant, same SKU attributes, different listing goes to manual review', () => {
    const result = approved({ proofOrder: proofOrder({}, { itemId: 'item-6000', skuId: 'sku-6000-red-L' }) });
    expect(result).toMatchObject({
      route: 'manual-review',
      amountFen: 2000,
      note: 'manual review: proof order on another listing (item-6000) with the same SKU attributes',
    });
  });

  it.each([
    ["another merchant's listing", { merchantId: 'shop-2' }, { itemId: 'item-6000', skuId: 'sku-x' }],
    ['a different colour on another listing', {}, { itemId: 'item-6000', skuId: 'sku-x', skuAttributes: { ...line().skuAttributes, color: 'blue' } }],
    ['another SKU of the same listing', {}, { skuId: 'sku-5521-blue-L' }],
  ])('C5 live-price: %s is PROOF_ORDER_MISMATCH', (_name, orderOverrides, lineOverrides) => {
    expect(refused({ proofOrder: proofOrder(orderOverrides, lineOverrides) })).toMatchObject({
      code: 'PROOF_ORDER_MISMATCH',
      basis: { rule: 'C5', field: 'skuId' },
    });
  });

  it('C5 the same SKU means every attribute matches', () => {
    const attributes = line().skuAttributes;
    expect(sameSkuAttributes(attributes, { ...attributes })).toBe(true);
    expect(sameSkuAttributes(attributes, { ...attributes, saleMethod: 'presale' })).toBe(false);
  });
});

describe('authenticity claims (C6, A3)', () => {
  const authenticity = (overrides: Partial<ClaimInput> = {}): Partial<ClaimInput> => ({
    policy: policy('authenticity', { insuredFen: 36000, coverageEnd: '2027-02-19T10:15:00+08:00' }),
    proofOrder: undefined,
    request: { lineId: 'L1', evidence: EVIDENCE, description: "The stitching and tag do not match the brand's" },
    ...overrides,
  });

  it('C6 A3 an authenticity claim with evidence goes to manual review for 4 × the paid price', () => {
    const result = approved(authenticity());
    expect(result).toMatchObject({
      route: 'manual-review',
      amountFen: 36000,
      basis: { rule: 'A3', paidFen: 9000, multiplier: 4, capFen: 36000 },
      evidence: EVIDENCE,
      description: "The stitching and tag do not match the brand's",
    });
  });

  it('C6 an authenticity claim without evidence is EVIDENCE_REQUIRED', () => {
    expect(refused(authenticity({ request: { lineId: 'L1' } }))).toMatchObject({ code: 'EVIDENCE_REQUIRED', basis: { rule: 'C6' } });
    expect(refused(authenticity({ request: { lineId: 'L1', evidence: [] } }))).toMatchObject({ code: 'EVIDENCE_REQUIRED' });
  });

  it('C6 open in sale and after sale, up to the last instant of the 90-day window (X1 after it)', () => {
    expect(approved(authenticity({ now: '2027-02-19T10:15:00+08:00' })).amountFen).toBe(36000);
    expect(refused(authenticity({ now: '2027-02-19T10:15:00.001+08:00' }))).toMatchObject({ code: 'OUTSIDE_WINDOW', basis: { rule: 'X1' } });
  });

  it('C6 a policy without a known end stays open', () => {
    const { coverageEnd: _open, ...openPolicy } = policy('authenticity');
    expect(approved(authenticity({ policy: openPolicy, now: '2030-01-01T00:00:00+08:00' })).route).toBe('manual-review');
  });
});

describe('who may claim what (C1, C9, C10)', () => {
  it('C1 a second claim on the same policy and line is 409 CLAIM_EXISTS', () => {
    expect(refused({ existingClaims: [{ policyId: 'pol_live-price', lineId: 'L1' }] })).toMatchObject({
      code: 'CLAIM_EXISTS',
      status: 409,
      basis: { rule: 'C1' },
    });
    expect(approved({ existingClaims: [{ policyId: 'pol_other', lineId: 'L1' }] }).amountFen).toBe(2000);
  });

  it("C1 the claimed line must be the policy's line", () => {
    expect(refused({ request: { lineId: 'L2', proofOrderId: 'ord-90112' } })).toMatchObject({
      code: 'LINE_NOT_FOUND',
      basis: { lineId: 'L2', policyLineId: 'L1' },
    });
    expect(refused({ order: order({ lines: [line({ lineId: 'L9' })] }) })).toMatchObject({ code: 'LINE_NOT_FOUND' });
    expect(approved({ request: { proofOrderId: 'ord-90112' } }).lineId).toBe('L1'); // the policy's line by default
  });

  it("C9 only the policy's buyer can claim; anyone else is told it does not exist", () => {
    expect(refused({ claimant: { role: 'buyer', id: 'buyer-9' } })).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(refused({ claimant: { role: 'merchant', id: 'buyer-417' } })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each(['EXPIRED', 'VOID'] as const)('C9 X1 a %s policy accepts no claims (POLICY_NOT_ACTIVE)', (status) => {
    expect(refused({ policy: policy('live-price', { status }) })).toMatchObject({ code: 'POLICY_NOT_ACTIVE', basis: { rule: 'C9', status } });
  });

  it('C1 a CLAIMED policy (its claim paid) is 409 CLAIM_EXISTS, not POLICY_NOT_ACTIVE', () => {
    expect(refused({ policy: policy('live-price', { status: 'CLAIMED' }) })).toMatchObject({ code: 'CLAIM_EXISTS', status: 409, basis: { rule: 'C1' } });
  });

  it('C1 after REJECTED or LAPSED the line may be claimed again, up to the limit (limit − 1 in, limit out)', () => {
    const two = ['clm_a', 'clm_b'];
    expect(approved({ previousClaimIds: two }).previousClaimIds).toEqual(two);
    expect(approved({ previousClaimIds: [] })).not.toHaveProperty('previousClaimIds');
    expect(refused({ previousClaimIds: [...two, 'clm_c'] })).toMatchObject({
      code: 'CLAIM_LIMIT_REACHED',
      status: 409,
      basis: { rule: 'C1', limit: 3, previousClaimIds: [...two, 'clm_c'] },
    });
    const four = { ...config, claims: { ...config.claims, maxClaimsPerLine: 4 } };
    const input: ClaimInput = {
      policy: policy('live-price'),
      order: order(),
      proofOrder: proofOrder(),
      request: { lineId: 'L1', proofOrderId: 'ord-90112' },
      claimant: BUYER,
      now: NOW,
      previousClaimIds: [...two, 'clm_c'],
    };
    expect(evaluateClaim(input, four).ok).toBe(true);
  });

  it.each(['live-quality', 'return-shipping'] as const)('C9 %s claims cannot be submitted: they come from refunds', (planId) => {
    expect(refused({ policy: policy(planId) })).toMatchObject({ code: 'AUTOMATIC_CLAIM_ONLY' });
  });

  it('C10 a failed claim returns the rule code and the figures, and no claim', () => {
    const result = evaluate({ proofOrder: proofOrder({}, { unitPriceFen: 9000 }) });
    expect(result).toEqual({ ok: false, violation: expect.objectContaining({ code: 'NO_PRICE_DROP', basis: expect.objectContaining({ rule: 'C4' }) }) });
    expect(result).not.toHaveProperty('amountFen');
  });

  it('a malformed input is a bug, thrown rather than answered as a refusal', () => {
    expect(() => evaluate({ now: 'yesterday' })).toThrow(RangeError);
  });
});

describe('A1 automatic approval', () => {
  it.each([
    ['authenticity', 'same', 'manual-review'],
    ['price-protection', 'same', 'auto-approve'],
    ['live-price', 'same', 'auto-approve'],
    ['live-price', 'changed', 'manual-review'],
    ['live-quality', 'same', 'auto-approve'],
    ['return-shipping', 'same', 'auto-approve'],
  ] as const)('A1 %s on the %s listing: %s', (planId, listing, route) => {
    expect(routeFor(planId, listing)).toBe(route);
  });

  it('A1 defaults to the same listing', () => {
    expect(routeFor('live-price')).toBe('auto-approve');
  });
});

describe('claims from completed refunds (C7, C8)', () => {
  // A refund with the goods returned follows a delivery: these orders were delivered.
  const order = (overrides: Partial<Order> = {}): Order => fixtureOrder({ deliveredAt: '2026-11-22T10:00:00+08:00', ...overrides });
  const refund = (overrides: Partial<Refund> = {}): Refund => ({
    orderId: 'ord-88231',
    lineId: 'L1',
    refundFen: 9000,
    reason: 'quality-issue',
    returned: false,
    requestedAt: '2026-11-23T20:00:00+08:00',
    completedAt: '2026-11-25T09:00:00+08:00',
    ...overrides,
  });
  const quality = policy('live-quality');
  const returnShipping = policy('return-shipping', {
    lineId: undefined,
    policyId: 'pol_rs',
    insuredFen: 1000,
    rateBps: 0,
    premiumFen: 150,
    coverageEnd: undefined,
    issuedAt: PAID_AT,
  });

  it('C7 a quality refund on a covered line creates an approved live-quality claim for the merchant', () => {
    expect(claimsFromRefund({ ...refund(), refundId: 'rf-1' }, order(), [quality], config)).toEqual([
      {
        naturalKey: 'pol_live-quality#L1#rf-1',
        policyId: 'pol_live-quality',
        planId: 'live-quality',
        orderId: 'ord-88231',
        lineId: 'L1',
        claimant: { role: 'merchant', id: 'shop-9001' },
        beneficiary: { role: 'merchant', id: 'shop-9001' },
        amountFen: 9000,
        basis: {
          rule: 'C7',
          refundId: 'rf-1',
          refundFen: 9000,
          goodsFen: 9000,
          capFen: 9000,
          reason: 'quality-issue',
          requestedAt: '2026-11-23T20:00:00+08:00',
        },
        route: 'auto-approve',
        evidence: [],
        submittedAt: '2026-11-25T09:00:00+08:00',
        note: 'auto-approved: refund completed (quality-issue)',
        refundId: 'rf-1',
        compensation: { orderId: 'ord-88231', lineId: 'L1', loss: 'quality', amountFen: 9000, ref: 'refund:rf-1', expectedFen: 0 },
      },
    ]);
  });

  it.each(['quality-issue', 'damaged'])('C7 reason %s creates a claim', (reason) => {
    expect(claimsFromRefund(refund({ reason }), order(), [quality], config)).toHaveLength(1);
  });

  it.each(['counterfeit', 'changed-mind', 'not-as-described', 'other'])('C7 reason %s creates no claim', (reason) => {
    expect(claimsFromRefund(refund({ reason }), order(), [quality], config)).toEqual([]);
  });

  it("C7 never pays shipping: the amount is capped at the line's paidFen (one fen below and at the cap)", () => {
    expect(claimsFromRefund(refund({ refundFen: 8999 }), order(), [quality], config)[0]?.amountFen).toBe(8999);
    expect(claimsFromRefund(refund({ refundFen: 9000 }), order(), [quality], config)[0]?.amountFen).toBe(9000);
    expect(claimsFromRefund(refund({ refundFen: 9800 }), order(), [quality], config)[0]?.amountFen).toBe(9000);
  });

  it('C7 the refund must be requested inside the window (last instant in, one millisecond past out)', () => {
    expect(claimsFromRefund(refund({ requestedAt: '2026-12-21T10:15:00+08:00' }), order(), [quality], config)).toHaveLength(1);
    expect(claimsFromRefund(refund({ requestedAt: '2026-12-21T10:15:00.001+08:00' }), order(), [quality], config)).toEqual([]);
  });

  it('C7 a refund requested inside the window still pays after the policy expired, and after an earlier refund was paid; not on a void one', () => {
    expect(claimsFromRefund(refund(), order(), [{ ...quality, status: 'EXPIRED' }], config)).toHaveLength(1);
    expect(claimsFromRefund(refund(), order(), [{ ...quality, status: 'VOID' }], config)).toEqual([]);
    expect(claimsFromRefund(refund(), order(), [{ ...quality, status: 'CLAIMED' }], config)).toHaveLength(1);
  });

  it('C7 a whole-order refund is spread pro rata over the lines (largest remainder); only covered lines are claimed', () => {
    const three = order({ lines: [line(), line({ lineId: 'L2', paidFen: 5000 }), line({ lineId: 'L3', paidFen: 4000 })] });
    const lines: Policy[] = [quality, policy('live-quality', { policyId: 'pol_q3', lineId: 'L3', insuredFen: 4000 })];
    // 9001 over 9000 : 5000 : 4000 → 4500.5, 2500.28, 2000.22 → 4501, 2500, 2000 (the largest remainder gets the fen).
    const drafts = claimsFromRefund(refund({ lineId: undefined, refundFen: 9001 }), three, lines, config);
    expect(drafts.map((d) => [d.policyId, d.amountFen])).toEqual([
      ['pol_live-quality', 4501],
      ['pol_q3', 2000],
    ]);
  });

  it('C7 several refunds on one line each make a claim for their goods; together never more than the line paid', () => {
    const first = { ...refund({ refundFen: 3800, shippingRefundFen: 800 }), refundId: 'rf-a' };
    const second = { ...refund({ refundFen: 7000, completedAt: '2026-11-26T09:00:00+08:00' }), refundId: 'rf-b' };
    const all = [first, second];
    expect(claimsFromRefund(first, order(), [quality], config, { refunds: all })[0]?.amountFen).toBe(3000);
    // The later refund: 7000 of goods, but only 6000 of the 9000 left after the earlier 3000 (cap − 1 fen / cap).
    expect(claimsFromRefund(second, order(), [quality], config, { refunds: all })[0]?.amountFen).toBe(6000);
    const justUnder = { ...second, refundFen: 5999 };
    expect(claimsFromRefund(justUnder, order(), [quality], config, { refunds: [first, justUnder] })[0]?.amountFen).toBe(5999);
    // The ledger caps too (what was actually paid), and a refund already entered is not claimed again.
    const ledger = { orderId: 'ord-88231', lineId: 'L1', compensatedFen: { quality: 8000 }, refs: ['refund:rf-a'] };
    expect(claimsFromRefund(second, order(), [quality], config, { refunds: [second], ledgers: [ledger] })[0]).toMatchObject({
      amountFen: 1000,
      basis: { alreadyCompensatedFen: 8000 },
      compensation: { expectedFen: 8000 },
    });
    expect(claimsFromRefund(first, order(), [quality], config, { refunds: all, ledgers: [ledger] })).toEqual([]);
    const full = { ...ledger, compensatedFen: { quality: 9000 } };
    expect(claimsFromRefund(second, order(), [quality], config, { refunds: [second], ledgers: [full] })).toEqual([]);
  });

  it('C7 a refund without an id is known by its order and completion', () => {
    expect(claimsFromRefund(refund(), order(), [quality], config)[0]?.refundId).toBe('ord-88231:2026-11-25T09:00:00+08:00');
  });

  it('C7 other lines and other orders are not claimed', () => {
    expect(claimsFromRefund(refund({ lineId: 'L2' }), order(), [quality], config)).toEqual([]);
    expect(claimsFromRefund(refund({ orderId: 'ord-other' }), order(), [quality], config)).toEqual([]);
  });

  it('C8 a completed return pays the weight bracket on the return-shipping policy', () => {
    const drafts = claimsFromRefund(
      refund({ returned: true, reason: 'changed-mind' }),
      order({ weightGrams: 2500 }),
      [quality, { ...returnShipping, insuredFen: 1500 }],
      config,
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      naturalKey: 'pol_rs#order',
      planId: 'return-shipping',
      claimant: { role: 'buyer', id: 'buyer-417' },
      amountFen: 1500,
      basis: { rule: 'C8', weightGrams: 2500, upToGrams: 3000, capFen: 1500 },
      route: 'auto-approve',
      note: 'auto-approved: refund completed (changed-mind, returned)',
    });
    expect(drafts[0]).not.toHaveProperty('lineId');
  });

  it.each([
    [1000, 1000],
    [1001, 1500],
    [3000, 1500],
    [3001, 2000],
    [5000, 2000],
    [5001, 2500],
  ])('C8 %i g pays %i fen (default brackets)', (grams, fen) => {
    const insured = { ...returnShipping, insuredFen: 2500 };
    expect(claimsFromRefund(refund({ returned: true }), order({ weightGrams: grams }), [insured], config)[0]?.amountFen).toBe(fen);
  });

  it('C8 a partial return pays the bracket of the returned line’s weight when the line carries one, else the insured order’s', () => {
    const insured = {
      ...returnShipping,
      insuredFen: 2500,
      insured: { paidFen: 18000, channel: 'tmall', shippingAddressId: 'addr-417-home', weightGrams: 6000 },
    };
    const weighed = order({ weightGrams: 6000, lines: [line({ weightGrams: 900 }), line({ lineId: 'L2', weightGrams: 5100 })] });
    expect(claimsFromRefund(refund({ returned: true }), weighed, [insured], config)[0]).toMatchObject({ amountFen: 1000, basis: { weightGrams: 900 } });
    const unweighed = order({ weightGrams: 800, lines: [line(), line({ lineId: 'L2' })] });
    expect(claimsFromRefund(refund({ returned: true }), unweighed, [insured], config)[0]).toMatchObject({ amountFen: 2500, basis: { weightGrams: 6000 } });
    expect(claimsFromRefund(refund({ returned: true, lineId: undefined }), weighed, [insured], config)[0]?.amountFen).toBe(2500);
    // I8: never more than the policy's cap.
    expect(claimsFromRefund(refund({ returned: true, lineId: undefined }), weighed, [returnShipping], config)[0]?.amountFen).toBe(1000);
  });

  it('C7 C8 a quality return creates both claims (the examples.md refund)', () => {
    const drafts = claimsFromRefund(refund({ returned: true }), order(), [quality, returnShipping], config);
    expect(drafts.map((d) => [d.planId, d.amountFen])).toEqual([
      ['live-quality', 9000],
      ['return-shipping', 1000],
    ]);
  });

  it('C8 X2 no claim while the cover’s end is unknown (no delivery or receipt yet); one once it is known', () => {
    const undelivered = order({ deliveredAt: undefined, receiptConfirmedAt: undefined });
    const openEnded = { ...returnShipping, coverageEnd: undefined };
    expect(claimsFromRefund(refund({ returned: true }), undelivered, [openEnded], config)).toEqual([]);
    const delivered = order({ deliveredAt: '2026-11-22T10:00:00+08:00', receiptConfirmedAt: undefined });
    expect(claimsFromRefund(refund({ returned: true }), delivered, [openEnded], config)).toHaveLength(1);
  });

  it('C8 no return, no claim; a return requested after receipt confirmation is not covered (X2)', () => {
    expect(claimsFromRefund(refund({ returned: false }), order(), [returnShipping], config)).toEqual([]);
    const confirmed = order({ receiptConfirmedAt: '2026-11-23T19:59:59.999+08:00' });
    expect(claimsFromRefund(refund({ returned: true }), confirmed, [returnShipping], config)).toEqual([]);
    const confirmedLater = order({ receiptConfirmedAt: '2026-11-23T20:00:00+08:00' });
    expect(claimsFromRefund(refund({ returned: true }), confirmedLater, [returnShipping], config)).toHaveLength(1);
  });
});
