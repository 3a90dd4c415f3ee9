/**
 * Issue 15's rules at their boundaries: refunds (I9), the compensation ledger (C11), the insured
 * snapshot (I8), price protection's period (C3), refiling (C1) and the one deadline function (Units).
 */
import { describe, expect, it } from 'vitest';
import {
  checkRefund,
  claimsFromRefund,
  compensationOnApproval,
  deadline,
  evaluateClaim,
  insuredFacts,
  netPaidFen,
  openClaim,
  policiesToVoid,
  refundRequiredFen,
  sortRefunds,
  workingDayCalendar,
  type ClaimDraft,
  type ClaimInput,
  type Policy,
  type Refund,
} from '#shared/rules/index.ts';
import { BUYER, claimFrom, config, line, order, PAID_AT, policy, proofOrder } from './fixtures.ts';

const refund = (overrides: Partial<Refund> = {}): Refund => ({
  orderId: 'ord-88231',
  refundId: 'rf-1',
  lineId: 'L1',
  refundFen: 9000,
  reason: 'changed-mind',
  returned: false,
  requestedAt: '2026-11-23T20:00:00+08:00',
  completedAt: '2026-11-25T09:00:00+08:00',
  ...overrides,
});
const NOW = '2026-11-22T09:00:00+08:00';

describe('I9 refunds', () => {
  it('I9 net paid: 1 fen above zero and at zero; a refund on a line the order lacks changes no line', () => {
    expect(netPaidFen(line(), [line()], [refund({ refundFen: 8999 })])).toBe(1);
    expect(netPaidFen(line(), [line()], [refund()])).toBe(0);
    expect(netPaidFen(line(), [line()], [refund({ lineId: 'L9' })])).toBe(9000);
    expect(netPaidFen(line({ lineId: 'L9' }), [line()], [])).toBe(9000);
  });

  it('I9 refunds sort by completion, then id', () => {
    const a = refund({ refundId: 'b' });
    const b = refund({ refundId: undefined });
    const c = refund({ refundId: 'a', completedAt: '2026-11-26T09:00:00+08:00' });
    expect(sortRefunds([c, a, b])).toEqual([a, b, c]);
  });

  it('I9 checkRefund: shipping part above the refund, unknown line, goods above the net paid left (−1 fen / at / +1 fen)', () => {
    const o = order();
    expect(checkRefund(refund({ refundFen: 100, shippingRefundFen: 101 }), o, [])).toMatchObject({
      code: 'REFUND_EXCEEDS_PAID',
      status: 422,
      basis: { rule: 'I9', field: 'shippingRefundFen' },
    });
    expect(checkRefund(refund({ lineId: 'L9' }), o, [])).toMatchObject({ code: 'LINE_NOT_FOUND', basis: { field: 'lineId', lineId: 'L9' } });
    const earlier = [refund({ refundId: 'rf-0', refundFen: 4000 })];
    expect(checkRefund(refund({ refundFen: 4999 }), o, earlier)).toBeUndefined();
    expect(checkRefund(refund({ refundFen: 5000 }), o, earlier)).toBeUndefined();
    expect(checkRefund(refund({ refundFen: 5001 }), o, earlier)).toMatchObject({
      code: 'REFUND_EXCEEDS_PAID',
      basis: { field: 'refundFen', goodsRefundFen: 5001, netPaidFen: 5000, lineId: 'L1' },
    });
    // The same refund again (same id) is not counted against itself; its shipping part is not goods.
    expect(checkRefund(refund(), o, [refund()])).toBeUndefined();
    expect(checkRefund(refund({ refundFen: 9800, shippingRefundFen: 800 }), o, [])).toBeUndefined();
  });

  it('I9 checkRefund: an order-level refund is checked line by line as it is spread', () => {
    const two = order({ lines: [line({ paidFen: 3 }), line({ lineId: 'L2', paidFen: 5 })] });
    const earlier = [refund({ refundId: 'rf-0', lineId: 'L2', refundFen: 4 })];
    // 3 over 3 : 5 → 1 and 2: L2 has only 1 left.
    expect(checkRefund(refund({ lineId: undefined, refundFen: 3 }), two, earlier)).toMatchObject({ basis: { lineId: 'L2', netPaidFen: 1 } });
    expect(checkRefund(refund({ lineId: undefined, refundFen: 1 }), two, earlier)).toBeUndefined();
  });

  it('I9 full refunds void price policies and return-shipping refunded before shipment; nothing else', () => {
    const o = order();
    const lp = policy('live-price');
    const pp = policy('price-protection');
    const auth = policy('authenticity');
    const rs = policy('return-shipping', { policyId: 'pol_rs', lineId: undefined });
    const claimed = policy('live-price', { policyId: 'pol_claimed', status: 'CLAIMED' });
    const other = policy('live-price', { policyId: 'pol_l9', lineId: 'L9' });
    const all = [lp, pp, auth, rs, claimed, other];
    // Refunded in full after shipment: the price policies only.
    expect(policiesToVoid(o, [refund()], all).map((p) => p.policyId)).toEqual(['pol_live-price', 'pol_price-protection']);
    // 1 fen left: nothing.
    expect(policiesToVoid(o, [refund({ refundFen: 8999 })], all)).toEqual([]);
    // Before shipment (or with no shipment): return-shipping too.
    const early = refund({ completedAt: '2026-11-21T17:59:59.999+08:00' });
    expect(policiesToVoid(o, [early], all).map((p) => p.policyId)).toContain('pol_rs');
    const { shippedAt: _s, ...unshipped } = o;
    expect(policiesToVoid(unshipped, [refund()], all).map((p) => p.policyId)).toContain('pol_rs');
    expect(policiesToVoid(unshipped, [], all)).toEqual([]);
  });

  it('A3 I9 the refund an approved authenticity claim asks for is the net paid; nothing for other plans or states', () => {
    const draft = { planId: 'authenticity', status: 'APPROVED' } as never;
    expect(refundRequiredFen(draft, 1)).toBe(1);
    expect(refundRequiredFen(draft, 0)).toBe(0);
    expect(refundRequiredFen({ planId: 'live-price', status: 'APPROVED' } as never, 9000)).toBe(0);
  });

  it('A3 I9 an authenticity claim on a partly refunded line still pays 4 × paid, and shows the net paid', () => {
    const input: ClaimInput = {
      policy: policy('authenticity', { insuredFen: 36000, coverageEnd: '2027-02-19T23:59:59.999+08:00' }),
      order: order(),
      request: { lineId: 'L1', evidence: [{ type: 'report', uri: 'https://e.example/r.pdf', sha256: 'a'.repeat(64) }] },
      claimant: BUYER,
      refunds: [refund({ refundFen: 5000 })],
      now: NOW,
    };
    expect(evaluateClaim(input, config)).toMatchObject({ ok: true, amountFen: 36000, basis: { rule: 'A3', paidFen: 9000, netPaidFen: 4000 } });
  });
});

describe('I8 the insured snapshot', () => {
  const snapshot = {
    paidFen: 8000,
    unitPriceFen: 8000,
    quantity: 1,
    itemId: 'item-5521',
    skuId: 'sku-5521-red-L',
    skuAttributes: line().skuAttributes,
    channel: 'tmall',
    shippingAddressId: 'addr-417-home',
  };

  it('I8 claims read the snapshot, not the order as it is later; a policy without one reads the order', () => {
    const later = line({ paidFen: 10000, unitPriceFen: 10000 });
    expect(insuredFacts(policy('live-price', { insured: snapshot }), order(), later).line.paidFen).toBe(8000);
    expect(insuredFacts(policy('live-price'), order(), later).line.paidFen).toBe(10000);
    // A snapshot with only the order's facts (return-shipping) keeps the line's own.
    const orderFacts = { paidFen: 8000, channel: 'taobao', shippingAddressId: 'addr-2' };
    expect(insuredFacts(policy('live-price', { insured: orderFacts }), order(), later)).toMatchObject({
      line: { paidFen: 8000, unitPriceFen: 10000, quantity: 1, itemId: 'item-5521' },
      insuredOrder: { channel: 'taobao', shippingAddressId: 'addr-2' },
    });
  });

  it('I8 a claim never pays more than the policy’s cap (cap − 1 fen / cap)', () => {
    const base: ClaimInput = {
      policy: policy('live-price', { insuredFen: 1999 }),
      order: order(),
      proofOrder: proofOrder(),
      request: { lineId: 'L1', proofOrderId: 'ord-90112' },
      claimant: BUYER,
      now: NOW,
    };
    expect(evaluateClaim(base, config)).toMatchObject({ ok: true, amountFen: 1999 });
    expect(evaluateClaim({ ...base, policy: policy('live-price', { insuredFen: 2000 }) }, config)).toMatchObject({ ok: true, amountFen: 2000 });
  });

  it('I9 C4 a price claim on a partly refunded line pays on the net paid and shows it', () => {
    const base: ClaimInput = {
      policy: policy('price-protection', { coverageEnd: '2026-11-27T23:59:59.999+08:00' }),
      order: order(),
      proofOrder: proofOrder(),
      request: { lineId: 'L1', proofOrderId: 'ord-90112' },
      claimant: BUYER,
      refunds: [refund({ refundFen: 1000 })],
      now: NOW,
    };
    expect(evaluateClaim(base, config)).toMatchObject({ ok: true, amountFen: 1000, basis: { paidFen: 9000, netPaidFen: 8000, capFen: 8000 } });
  });
});

describe('C3 price protection starts when the campaign ends', () => {
  const ends = '2026-11-12T00:00:00+08:00';
  const pp = policy('price-protection', {
    coverageStart: PAID_AT,
    coverageEnd: '2026-11-27T23:59:59.999+08:00',
    insured: {
      paidFen: 9000,
      unitPriceFen: 10000,
      quantity: 1,
      itemId: 'item-5521',
      skuId: 'sku-5521-red-L',
      skuAttributes: line().skuAttributes,
      channel: 'tmall',
      shippingAddressId: 'addr-417-home',
      campaignEndsAt: ends,
    },
  });
  const o = order({ paidAt: '2026-11-11T10:00:00+08:00' });
  const input = (placedAt: string, lineOverrides = {}): ClaimInput => ({
    policy: { ...pp, coverageStart: '2026-11-11T10:00:00+08:00' },
    order: o,
    proofOrder: proofOrder({ placedAt }, lineOverrides),
    request: { lineId: 'L1', proofOrderId: 'ord-90112' },
    claimant: BUYER,
    now: '2026-11-20T09:00:00+08:00',
  });

  it('C3 a proof order placed at the campaign’s end instant is refused; one millisecond later it counts', () => {
    const refusedAt = evaluateClaim(input(ends), config);
    expect(refusedAt).toMatchObject({ ok: false, violation: { code: 'OUTSIDE_WINDOW', basis: { rule: 'C3', campaignEndsAt: ends } } });
    expect(!refusedAt.ok && refusedAt.violation.detail).toContain('before the campaign ended');
    expect(evaluateClaim(input('2026-11-12T00:00:00.001+08:00'), config)).toMatchObject({ ok: true, amountFen: 2000 });
  });

  it('C3 within 15 days (inclusive) of the campaign’s end day: the last instant counts, the next day does not', () => {
    expect(evaluateClaim({ ...input('2026-11-27T23:59:59.999+08:00'), now: '2026-11-27T23:59:59.999+08:00' }, config).ok).toBe(true);
    expect(evaluateClaim({ ...input('2026-11-28T00:00:00+08:00'), now: '2026-11-28T00:00:00+08:00' }, config)).toMatchObject({
      ok: false,
      violation: { detail: 'The proof order was placed on 2026-11-28, after the window closed at the end of 2026-11-27.' },
    });
  });

  it('C3 C5 a proof order of the same merchant on another listing with the same SKU attributes goes to manual review', () => {
    expect(evaluateClaim(input('2026-11-13T00:00:00+08:00', { itemId: 'item-relisted', skuId: 'sku-new' }), config)).toMatchObject({
      ok: true,
      route: 'manual-review',
      note: 'manual review: proof order on another listing (item-relisted) with the same SKU attributes',
    });
  });

  it('C2 a claim submitted before the cover started is outside the window, saying so', () => {
    const early = evaluateClaim({ ...input('2026-11-13T00:00:00+08:00'), now: '2026-11-11T09:00:00+08:00' }, config);
    expect(!early.ok && early.violation.detail).toBe(
      'The claim was submitted at 2026-11-11T09:00:00+08:00, before the cover started at 2026-11-11T10:00:00+08:00.',
    );
  });
});

describe('C11 the compensation ledger at approval', () => {
  const claim = (overrides = {}) =>
    claimFrom(
      {
        policyId: 'pol_live-price',
        planId: 'live-price',
        orderId: 'ord-88231',
        lineId: 'L1',
        claimant: BUYER,
        beneficiary: BUYER,
        amountFen: 2000,
        basis: { rule: 'C4' },
        evidence: [],
        submittedAt: NOW,
      } as unknown as ClaimDraft,
      overrides,
    );
  const ledger = (fen: number) => ({ orderId: 'ord-88231', lineId: 'L1', compensatedFen: { 'price-drop': fen }, refs: ['policy:pol_other'] });

  it('C11 an approval pays what the ledger leaves of the loss: all, part (1 fen), or nothing (ALREADY_COMPENSATED)', () => {
    expect(compensationOnApproval(claim(), undefined, 'policy:pol_live-price')).toMatchObject({
      amountFen: 2000,
      entry: { expectedFen: 0, loss: 'price-drop' },
    });
    expect(compensationOnApproval(claim(), ledger(1999), 'policy:pol_live-price')).toMatchObject({ amountFen: 1, basis: { alreadyCompensatedFen: 1999 } });
    expect(() => compensationOnApproval(claim(), ledger(2000), 'x')).toThrow(expect.objectContaining({ code: 'ALREADY_COMPENSATED' }));
    // Figured against an earlier compensation at submission: the loss is the amount plus it.
    expect(compensationOnApproval(claim({ basis: { rule: 'C4', alreadyCompensatedFen: 500 } }), ledger(500), 'x')).toMatchObject({ amountFen: 2000 });
  });

  it('C11 claims on losses no ledger counts need no entry', () => {
    expect(compensationOnApproval(claim({ planId: 'authenticity' }), undefined, 'x')).toBeUndefined();
    expect(compensationOnApproval(claim({ lineId: undefined }), undefined, 'x')).toBeUndefined();
  });
});

describe('C1 C7 claims carry their history and refund', () => {
  it('C1 C7 openClaim keeps previousClaimIds and refundId', () => {
    const draft = {
      naturalKey: 'k',
      policyId: 'p',
      planId: 'live-quality',
      orderId: 'o',
      claimant: BUYER,
      beneficiary: BUYER,
      amountFen: 1,
      basis: { rule: 'C7' },
      route: 'auto-approve',
      evidence: [],
      submittedAt: NOW,
      note: 'n',
      previousClaimIds: ['clm_a'],
      refundId: 'rf-1',
    } as ClaimDraft;
    expect(openClaim(draft, 'clm_b')).toMatchObject({ previousClaimIds: ['clm_a'], refundId: 'rf-1' });
  });

  it('C8 only the order’s own return-shipping cover in force is claimed', () => {
    const delivered = order({ deliveredAt: '2026-11-22T10:00:00+08:00' });
    const rs = (overrides: Partial<Policy>) => policy('return-shipping', { policyId: 'pol_rs', lineId: undefined, insuredFen: 1000, ...overrides });
    expect(claimsFromRefund(refund({ returned: true }), delivered, [rs({ status: 'VOID' })], config)).toEqual([]);
    expect(claimsFromRefund(refund({ returned: true }), delivered, [rs({ orderId: 'ord-other' })], config)).toEqual([]);
  });
});

describe('Units: the one deadline function', () => {
  const calendar = workingDayCalendar();

  it('Units the end of the N-th (working) day, or 24-hour periods with `elapsed`', () => {
    expect(deadline('2026-10-01T10:00:00+08:00', { days: 30, calendar: 'calendar' }, 'end-of-day')).toBe('2026-10-31T23:59:59.999+08:00');
    expect(deadline('2026-10-01T10:00:00+08:00', { days: 30, calendar: 'calendar' }, 'elapsed')).toBe('2026-10-31T10:00:00+08:00');
    // Sunday + 3 working days: Wednesday, to its end.
    expect(deadline('2026-11-22T09:00:00+08:00', { days: 3, calendar: 'working' }, 'end-of-day', calendar)).toBe('2026-11-25T23:59:59.999+08:00');
    // The Shanghai date counts: 2026-10-01T16:30Z is already 10-02 in Shanghai.
    expect(deadline('2026-10-01T16:30:00Z', { days: 1, calendar: 'calendar' }, 'end-of-day')).toBe('2026-10-03T23:59:59.999+08:00');
  });

  it('Units a working-day span without the calendar is a bug, thrown', () => {
    expect(() => deadline(NOW, { days: 3, calendar: 'working' }, 'end-of-day')).toThrow(RangeError);
  });
});
