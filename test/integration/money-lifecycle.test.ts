import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { outboxOn, readItem } from './support/seed.ts';
import { handler as eventsHandler } from '#functions/events/handler.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { recordCompensation } from '#shared/store/compensation.ts';
import { keys } from '#shared/store/keys.ts';

/**
 * Issue 15, "a policy follows its order's whole life": each reproduction through the HTTP API,
 * named after the rule it proves (I4, I8, I9, C1, C3, C7, C8, C11, X2, Units).
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
const clock = fixedClock(NOW);
beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));
beforeEach(() => clock.set(NOW));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];
const send = (...events: object[]) => api.call('POST', '/v1/events', { as: parties.service, body: { events } });
const policiesOf = async (orderId: string) => (await api.call('GET', `/v1/orders/${orderId}/policies`, { as: parties.ops })).body.items as any[];
const submit = (body: Record<string, unknown>, as: Caller = parties.buyer) => api.call('POST', '/v1/claims', { as, body });
const decide = (claimId: string, body: Record<string, unknown>) => api.call('POST', `/v1/claims/${claimId}/decisions`, { as: parties.adjuster, body });
const claimsOfMerchant = async (merchantId: string) =>
  (await api.call('GET', '/v1/claims?limit=100', { as: { role: 'merchant', sub: merchantId } })).body.items as any[];
const SHIPPED = '2026-11-21T18:00:00+08:00';
const refund = (orderId: string, fields: Record<string, unknown>) =>
  event('order.refund-completed', {
    orderId,
    reason: 'changed-mind',
    returned: false,
    requestedAt: '2026-11-21T20:00:00+08:00',
    completedAt: '2026-11-21T21:00:00+08:00',
    ...fields,
  });

async function merchantWith(...plans: Parameters<typeof seedEnrollment>[0][]) {
  const merchantId = nextId('shop');
  for (const planId of plans) {
    await seedEnrollment(planId, {
      merchantId,
      joinedAt: '2026-09-01T00:00:00+08:00',
      ...(planId === 'return-shipping' ? { gift: true } : {}),
      ...(planId === 'price-protection'
        ? { gift: true, campaign: { campaignId: 'jhs-2026-1111', endsAt: '2026-11-21T12:00:00+08:00', itemIds: ['item-5521'] } }
        : {}),
    });
  }
  return merchantId;
}

/** An unpaid proof order of the same buyer and SKU at `unitPriceFen`. */
async function proofOrder(placedAt: string, unitPriceFen = 7000, overrides: Record<string, unknown> = {}) {
  const { paidAt: _p, ...proof } = orderData({ placedAt, lines: [{ unitPriceFen, paidFen: unitPriceFen }], ...overrides });
  await send(event('order.placed', proof));
  return proof;
}

describe('I8 the policy is the contract', () => {
  it('I8 an order.placed delivered after order.paid does not overwrite the paid facts; authenticity pays 4 × the insured paid', async () => {
    const merchantId = await merchantWith('authenticity');
    const paid = orderData({ merchantId, lines: [{ unitPriceFen: 9000, paidFen: 9000 }] });
    const placed = { ...paid, paidAt: undefined, lines: [{ ...paid.lines[0]!, unitPriceFen: 10000, paidFen: 10000 }] };
    await send(event('order.paid', paid));
    await send(event('order.placed', placed));
    const [policy] = await policiesOf(paid.orderId);
    expect(policy).toMatchObject({ insuredFen: 36000, insured: { paidFen: 9000, unitPriceFen: 9000, quantity: 1, skuId: 'sku-5521-red-L' } });
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', evidence });
    expect(res.status).toBe(201);
    expect(res.body.amountFen).toBe(36000);
    expect(res.body.amountFen).toBeLessThanOrEqual(policy.insuredFen);
  });
});

describe('I9 refunds act on cover', () => {
  it('I9 a line refunded in full voids its price policies (policy.voided) and a price claim is refused', async () => {
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 9000, returned: true }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy).toMatchObject({ planId: 'live-price', status: 'VOID', voidReason: 'refunded' });
    expect((await outboxOn(NOW)).some((e) => e.type === 'policy.voided' && e.detail['policyId'] === policy.policyId)).toBe(true);
    const proof = await proofOrder('2026-11-22T08:00:00+08:00');
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('POLICY_NOT_ACTIVE');
  });

  it('I9 a price claim still under review when its line is refunded in full can no longer be approved, only rejected', async () => {
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const [policy] = await policiesOf(order.orderId);
    // A proof on a changed listing of the same merchant: manual review (C5).
    const proof = await proofOrder('2026-11-22T08:00:00+08:00', 7000, {
      merchantId,
      lines: [{ itemId: 'item-relisted', skuId: 'sku-new', unitPriceFen: 7000, paidFen: 7000 }],
    });
    const claim = (await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId })).body;
    expect(claim.status).toBe('UNDER_REVIEW');
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 9000 }));
    const approve = await decide(claim.claimId, { decision: 'approve' });
    expect(approve.status).toBe(422);
    expect(approve.body).toMatchObject({ code: 'POLICY_NOT_ACTIVE', basis: { rule: 'I9', status: 'VOID', voidReason: 'refunded' } });
    expect((await decide(claim.claimId, { decision: 'reject', reasonCode: 'REFUNDED' })).status).toBe(200);
  });

  it('I9 net paid 1 fen above zero keeps the price policy and pays on the net paid', async () => {
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 8999 }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy.status).toBe('ACTIVE');
    const proof = await proofOrder('2026-11-22T08:00:00+08:00', 0);
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ amountFen: 1, basis: { netPaidFen: 1 } });
  });

  it('I9 A3 an approved authenticity claim asks the order system to refund only what was not refunded', async () => {
    const merchantId = await merchantWith('authenticity');
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 9000, refundId: 'rf-full' }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy.status).toBe('ACTIVE');
    const claim = (await submit({ policyId: policy.policyId, lineId: 'L1', evidence })).body;
    expect(claim.amountFen).toBe(36000);
    expect((await decide(claim.claimId, { decision: 'approve' })).status).toBe(200);
    const events = (await outboxOn(NOW)).filter((e) => e.detail['claimId'] === claim.claimId);
    expect(events.map((e) => e.type)).not.toContain('claim.refund-required');
  });

  it('I9 a refund repeated under another event id (same refundId) counts once', async () => {
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 5000, refundId: 'rf-1' }));
    await send(refund(order.orderId, { lineId: 'L1', refundFen: 5000, refundId: 'rf-1' }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy.status).toBe('ACTIVE');
  });

  it('I9 return-shipping refunded in full before shipment is VOID', async () => {
    const merchantId = await merchantWith('return-shipping');
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    await send(refund(order.orderId, { refundFen: 9000 }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy).toMatchObject({ planId: 'return-shipping', status: 'VOID', voidReason: 'refunded' });
  });

  it('I9 bad refunds are 4xx naming the field, and nothing is stored', async () => {
    const merchantId = await merchantWith('live-quality');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const tooMuch = await send(refund(order.orderId, { lineId: 'L1', refundFen: 9001, reason: 'quality-issue' }));
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'REFUND_EXCEEDS_PAID', basis: { field: 'refundFen' } });
    const unknownLine = await send(refund(order.orderId, { lineId: 'L9', refundFen: 100, reason: 'quality-issue' }));
    expect(unknownLine.status).toBe(422);
    expect(unknownLine.body).toMatchObject({ code: 'LINE_NOT_FOUND', basis: { field: 'lineId' } });
    const shipping = await send(refund(order.orderId, { lineId: 'L1', refundFen: 100, shippingRefundFen: 101, reason: 'quality-issue' }));
    expect(shipping.status).toBe(400);
    expect(JSON.stringify(shipping.body.errors)).toContain('shippingRefundFen');
    expect(await claimsOfMerchant(merchantId)).toEqual([]);
  });
});

describe('I4 return-shipping is bought at checkout', () => {
  it('I4 a purchase after shipment is 422 PURCHASE_WINDOW_CLOSED; one before shipment is issued', async () => {
    const order = orderData({ merchantId: nextId('shop') });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const late = await api.call('POST', `/v1/orders/${order.orderId}/policies`, { as: parties.buyer, body: { planId: 'return-shipping' } });
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ code: 'PURCHASE_WINDOW_CLOSED', basis: { rule: 'I4', shippedAt: SHIPPED } });
  });
});

describe('C7 live-quality: one claim per refund, goods only, pro rata', () => {
  it('C7 two quality refunds on one line each make a claim: 3000 + 6000 of a 9000 loss', async () => {
    const merchantId = await merchantWith('live-quality');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    await send(refund(order.orderId, { lineId: 'L1', refundId: 'rf-b', refundFen: 6000, reason: 'damaged' }));
    await send(refund(order.orderId, { lineId: 'L1', refundId: 'rf-a', refundFen: 3800, shippingRefundFen: 800, reason: 'quality-issue' }));
    const claims = await claimsOfMerchant(merchantId);
    expect(claims.map((c) => c.amountFen).sort()).toEqual([3000, 6000]);
  });

  it('C7 an order-level refund is spread pro rata over the lines (largest remainder); only covered lines are claimed', async () => {
    const merchantId = await merchantWith('live-quality');
    const order = orderData({ merchantId, lines: [{ paidFen: 5000 }, { lineId: 'L2', paidFen: 5000, category: 'books' }] });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    await send(refund(order.orderId, { refundFen: 5000, reason: 'quality-issue' }));
    const claims = await claimsOfMerchant(merchantId);
    expect(claims.map((c) => [c.lineId, c.amountFen])).toEqual([['L1', 2500]]);
  });
});

describe('C1 refiling after a rejection', () => {
  it('C1 after REJECTED the buyer may file again, up to 3 claims per line, then 409 CLAIM_LIMIT_REACHED; history stays visible', async () => {
    const merchantId = await merchantWith('authenticity');
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    const [policy] = await policiesOf(order.orderId);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', evidence });
      expect(res.status).toBe(201);
      if (i > 0) expect(res.body.previousClaimIds).toEqual(ids);
      ids.push(res.body.claimId);
      expect((await decide(res.body.claimId, { decision: 'reject', reasonCode: 'NOT_COUNTERFEIT' })).status).toBe(200);
    }
    const fourth = await submit({ policyId: policy.policyId, lineId: 'L1', evidence });
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ code: 'CLAIM_LIMIT_REACHED', basis: { rule: 'C1', limit: 3 } });
  });

  it('C1 a second claim on a PAID line is 409 CLAIM_EXISTS', async () => {
    const merchantId = await merchantWith('authenticity');
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    const [policy] = await policiesOf(order.orderId);
    const claim = (await submit({ policyId: policy.policyId, lineId: 'L1', evidence })).body;
    await decide(claim.claimId, { decision: 'approve' });
    expect((await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops })).status).toBe(200);
    expect((await policiesOf(order.orderId))[0].status).toBe('CLAIMED');
    const second = await submit({ policyId: policy.policyId, lineId: 'L1', evidence });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CLAIM_EXISTS');
  });
});

describe('C3 price protection starts when the campaign ends', () => {
  it('C3 a proof order placed during the campaign is OUTSIDE_WINDOW; one placed after its end is paid', async () => {
    const merchantId = await merchantWith('price-protection');
    const order = orderData({ merchantId, campaignId: 'jhs-2026-1111', paidAt: '2026-11-21T10:15:00+08:00' });
    await send(event('order.paid', order));
    const [policy] = await policiesOf(order.orderId);
    const during = await proofOrder('2026-11-21T11:59:59.999+08:00');
    const refused = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: during.orderId });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('OUTSIDE_WINDOW');
    const after = await proofOrder('2026-11-21T12:00:00.001+08:00');
    const paid = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: after.orderId });
    expect(paid.status).toBe(201);
  });
});

describe('C11 one loss is paid once across plans', () => {
  it('C11 a price drop paid under price-protection is not paid again under live-price', async () => {
    const merchantId = await merchantWith('price-protection', 'live-price');
    const order = orderData({ merchantId, campaignId: 'jhs-2026-1111' });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const policies = await policiesOf(order.orderId);
    const pp = policies.find((p) => p.planId === 'price-protection');
    const lp = policies.find((p) => p.planId === 'live-price');
    const proof = await proofOrder('2026-11-22T08:00:00+08:00');
    const first = await submit({ policyId: pp.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(first.status).toBe(201);
    expect(first.body.amountFen).toBe(2000);
    const second = await submit({ policyId: lp.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ code: 'ALREADY_COMPENSATED', basis: { alreadyCompensatedFen: 2000 } });
  });

  it('C11 a deeper drop later pays only the part not yet compensated', async () => {
    const merchantId = await merchantWith('price-protection', 'live-price');
    const order = orderData({ merchantId, campaignId: 'jhs-2026-1111' });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const policies = await policiesOf(order.orderId);
    const pp = policies.find((p) => p.planId === 'price-protection');
    const lp = policies.find((p) => p.planId === 'live-price');
    const proof = await proofOrder('2026-11-22T08:00:00+08:00', 8000);
    expect((await submit({ policyId: pp.policyId, lineId: 'L1', proofOrderId: proof.orderId })).body.amountFen).toBe(1000);
    const deeper = await proofOrder('2026-11-22T08:30:00+08:00', 6000);
    const second = await submit({ policyId: lp.policyId, lineId: 'L1', proofOrderId: deeper.orderId });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ amountFen: 2000, basis: { alreadyCompensatedFen: 1000 } });
  });
});

describe('Units: windows end at the end of a Shanghai calendar day', () => {
  it('Units C2 paid 10-01 10:00: a proof placed 10-31 11:00 is inside the 30-day window; 11-01 00:00 is refused with dates', async () => {
    clock.set('2026-10-31T12:00:00+08:00');
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId, placedAt: '2026-10-01T09:59:00+08:00', paidAt: '2026-10-01T10:00:00+08:00' });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: '2026-10-01T18:00:00+08:00' }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy.coverageEnd).toBe('2026-10-31T23:59:59.999+08:00');
    const inside = await proofOrder('2026-10-31T11:00:00+08:00');
    const ok = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: inside.orderId });
    expect(ok.status).toBe(201);
  });

  it('Units C2 the refusal states the dates it used', async () => {
    clock.set('2026-11-01T12:30:00+08:00');
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId, placedAt: '2026-10-01T09:59:00+08:00', paidAt: '2026-10-01T10:00:00+08:00' });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: '2026-10-01T18:00:00+08:00' }));
    const [policy] = await policiesOf(order.orderId);
    const late = await proofOrder('2026-11-01T00:00:00+08:00');
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: late.orderId });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'OUTSIDE_WINDOW',
      detail: 'The proof order was placed on 2026-11-01, after the window closed at the end of 2026-10-31.',
      basis: { rule: 'C2', paidAt: '2026-10-01T10:00:00+08:00', windowEnd: '2026-10-31T23:59:59.999+08:00', proofPlacedAt: '2026-11-01T00:00:00+08:00' },
    });
  });
});

describe('X2 C8 return-shipping', () => {
  it('X2 cover of an order shipped and never delivered ends 30 days after shipment', async () => {
    const merchantId = await merchantWith('return-shipping');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const [policy] = await policiesOf(order.orderId);
    expect(policy.coverageEnd).toBe('2026-12-21T23:59:59.999+08:00');
  });

  it('C8 a partial return pays the bracket of the returned lines’ weight', async () => {
    const merchantId = await merchantWith('return-shipping');
    const order = orderData({
      merchantId,
      weightGrams: 6000,
      lines: [{ weightGrams: 900 } as never, { lineId: 'L2', weightGrams: 5100 } as never],
    });
    await send(
      event('order.paid', order),
      event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }),
      event('order.delivered', { orderId: order.orderId, deliveredAt: '2026-11-21T20:00:00+08:00' }),
    );
    await send(
      refund(order.orderId, {
        lineId: 'L1',
        refundFen: 9000,
        returned: true,
        requestedAt: '2026-11-22T08:00:00+08:00',
        completedAt: '2026-11-22T08:30:00+08:00',
      }),
    );
    const claims = (await api.call('GET', '/v1/claims?limit=100', { as: parties.buyer })).body.items.filter((c: any) => c.orderId === order.orderId);
    expect(claims.map((c: any) => [c.planId, c.amountFen])).toEqual([['return-shipping', 1000]]);
  });
});

describe('I9 on the bus, C11 for other payers', () => {
  it('I9 a refund the rules refuse on the bus is reported as rejected, not retried, and nothing is stored', async () => {
    const merchantId = await merchantWith('live-quality');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const bad = refund(order.orderId, { lineId: 'L1', refundFen: 9001, reason: 'quality-issue', refundId: 'rf-bus' });
    const result = await eventsHandler({ 'detail-type': bad.type, source: 'order-system', detail: bad } as never, {} as never);
    expect(result).toMatchObject({ duplicate: false, rejected: { code: 'REFUND_EXCEEDS_PAID' } });
    expect(await readItem(keys.refund(order.orderId, 'rf-bus'))).toBeUndefined();
    expect(await claimsOfMerchant(merchantId)).toEqual([]);
  });

  it('C11 D5 another payer records a compensation against a line once; a price claim then pays only the rest of the drop', async () => {
    const merchantId = await merchantWith('live-price');
    const order = orderData({ merchantId });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: SHIPPED }));
    const entry = { orderId: order.orderId, lineId: 'L1', loss: 'price-drop' as const, amountFen: 1500, ref: 'compensation:cmp-1', expectedFen: 0 };
    await recordCompensation(entry);
    // The same reference, or a figure read before it, is refused: entered once.
    await expect(recordCompensation(entry)).rejects.toBeInstanceOf(ConditionFailed);
    await expect(recordCompensation({ ...entry, ref: 'compensation:cmp-2' })).rejects.toBeInstanceOf(ConditionFailed);
    const [policy] = await policiesOf(order.orderId);
    const proof = await proofOrder('2026-11-22T08:00:00+08:00');
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ amountFen: 500, basis: { alreadyCompensatedFen: 1500 } });
  });
});
