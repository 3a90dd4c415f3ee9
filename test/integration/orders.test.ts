import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { outboxEventsOn } from '#shared/store/outbox-reads.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock } from '#shared/clock.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys } from '#shared/store/keys.ts';
import { useApi, parties } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { event, nextId, orderData } from './support/orders.ts';

const api = useApi();
// Outbox records are dated by the clock; a fixed clock keeps them in one known day.
beforeAll(() => setClock(fixedClock('2026-11-21T12:00:00+08:00')));

const send = (...events: object[]) => api.call('POST', '/v1/events', { as: parties.service, body: { events } });
const policiesOf = async (orderId: string, as: (typeof parties)[keyof typeof parties] = parties.ops) =>
  (await api.call('GET', `/v1/orders/${orderId}/policies`, { as })).body.items as any[];

describe('order events and issue-policy', () => {
  it('I1 issues an authenticity policy per line at payment, with a half-up premium (I5)', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId, rateBps: 15 });
    const order = orderData({ merchantId, lines: [{ paidFen: 9000 }, { lineId: 'L2', paidFen: 3333, quantity: 3 }] });
    const res = await send(event('order.paid', order));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const policies = await policiesOf(order.orderId);
    expect(policies.map((p) => [p.planId, p.lineId, p.premiumFen, p.rateBps])).toEqual([
      ['authenticity', 'L1', 14, 15], // 9000 × 15 / 10000 = 13.5 → 14 (half up)
      ['authenticity', 'L2', 5, 15], //  3333 × 15 / 10000 = 4.9995 → 5
    ]);
    expect(policies[0]).toMatchObject({
      orderId: order.orderId,
      merchantId,
      buyerId: 'buyer-417',
      beneficiary: { role: 'buyer', id: 'buyer-417' },
      status: 'ACTIVE',
      policyId: expect.stringMatching(/^pol_[0-9A-Z]{26}$/),
    });
  });

  it('I2 issues live policies at shipment: quality only for covered categories, price per line; none without a live base', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('live-quality', { merchantId });
    await seedEnrollment('live-price', { merchantId });
    const live = orderData({ merchantId, lines: [{ category: 'apparel' }, { lineId: 'L2', category: 'books' }] });
    await send(event('order.paid', live));
    expect(await policiesOf(live.orderId)).toEqual([]);
    await send(event('order.shipped', { orderId: live.orderId, shippedAt: '2026-11-21T18:00:00+08:00' }));
    const policies = await policiesOf(live.orderId);
    expect(policies.map((p) => `${p.planId}/${p.lineId}`).sort()).toEqual(['live-price/L1', 'live-price/L2', 'live-quality/L1']);
    expect(policies.find((p) => p.planId === 'live-quality').beneficiary).toEqual({ role: 'merchant', id: merchantId });

    const notLive = orderData({ merchantId, liveBaseId: undefined });
    await send(event('order.paid', notLive), event('order.shipped', { orderId: notLive.orderId, shippedAt: '2026-11-21T18:00:00+08:00' }));
    expect(await policiesOf(notLive.orderId)).toEqual([]);
  });

  it('I3 issues price protection for paid lines of campaign items in an order carrying the campaign', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('price-protection', {
      merchantId,
      gift: true,
      campaign: { campaignId: 'jhs-2026-1111', endsAt: '2026-11-30T00:00:00+08:00', itemIds: ['item-5521'] },
    });
    const order = orderData({ merchantId, campaignId: 'jhs-2026-1111', lines: [{}, { lineId: 'L2', itemId: 'item-other' }] });
    const other = orderData({ merchantId });
    await send(event('order.paid', order), event('order.paid', other));
    const policies = await policiesOf(order.orderId);
    expect(policies.map((p) => `${p.planId}/${p.lineId}`)).toEqual(['price-protection/L1']);
    expect(policies[0].coverageEnd).toBe('2026-12-15T23:59:59.999+08:00'); // campaign end + 15 days, to the end of the day (Units)
    expect(await policiesOf(other.orderId)).toEqual([]);
  });

  it('I4 a merchant gift issues return-shipping automatically, paid by the merchant', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('return-shipping', { merchantId, gift: true });
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    const [policy] = await policiesOf(order.orderId);
    expect(policy).toMatchObject({ planId: 'return-shipping', payer: { role: 'merchant', id: merchantId } });
    expect(policy).not.toHaveProperty('lineId');
  });

  it('I4 a buyer buys return-shipping for their own paid order, once; J6 never price protection', async () => {
    const order = orderData({ merchantId: nextId('shop') });
    await send(event('order.paid', order));
    const path = `/v1/orders/${order.orderId}/policies`;

    const refused = await api.call('POST', path, { as: parties.buyer, body: { planId: 'price-protection' } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('PLAN_NOT_PURCHASABLE');

    const stranger = await api.call('POST', path, { as: parties.otherBuyer, body: { planId: 'return-shipping' } });
    expect(stranger.status).toBe(404);

    const bought = await api.call('POST', path, { as: parties.buyer, body: { planId: 'return-shipping' } });
    expect(bought.status).toBe(201);
    expect(bought.body.items).toHaveLength(1);
    expect(bought.body.items[0]).toMatchObject({ planId: 'return-shipping', payer: { role: 'buyer', id: 'buyer-417' } });
    expect(bought.body.items[0].premiumFen).toBeGreaterThan(0);

    const again = await api.call('POST', path, { as: parties.buyer, body: { planId: 'return-shipping' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('POLICY_EXISTS');
    expect(await policiesOf(order.orderId)).toHaveLength(1);
  });

  it('I6 duplicates and out-of-order delivery end in the same policies', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId });
    await seedEnrollment('live-price', { merchantId });
    const order = orderData({ merchantId, lines: [{}, { lineId: 'L2' }] });
    const paid = event('order.paid', order);
    const shipped = event('order.shipped', { orderId: order.orderId, shippedAt: '2026-11-21T18:00:00+08:00' });

    const first = await send(shipped, paid, shipped, paid);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 2 });
    const again = await send(paid, shipped);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });

    const policies = await policiesOf(order.orderId);
    expect(policies.map((p) => `${p.planId}/${p.lineId}`).sort()).toEqual(['authenticity/L1', 'authenticity/L2', 'live-price/L1', 'live-price/L2']);
    const outbox = {
      Items: (await outboxEventsOn('2026-11-21')).filter(
        (e) => e['type'] === 'policy.issued' && (e['detail'] as { orderId?: string }).orderId === order.orderId,
      ),
    };
    expect(outbox.Items).toHaveLength(4); // one policy.issued per policy, none for a repeat
  });

  it('J8 an order paid after the merchant exited gets no policy; one paid before it does', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId, status: 'TERMINATED', exitedAt: '2026-11-21T12:00:00+08:00', exitReason: 'other' });
    const before = orderData({ merchantId, paidAt: '2026-11-21T11:59:59+08:00' });
    const after = orderData({ merchantId, paidAt: '2026-11-21T12:00:00+08:00' });
    await send(event('order.paid', before), event('order.paid', after));
    expect(await policiesOf(before.orderId)).toHaveLength(1);
    expect(await policiesOf(after.orderId)).toHaveLength(0);
  });

  it('X2 return-shipping cover ends 7 days after delivery, or at receipt confirmation if earlier', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('return-shipping', { merchantId, gift: true });
    const order = orderData({ merchantId });
    await send(event('order.paid', order));
    expect((await policiesOf(order.orderId))[0].coverageEnd).toBeUndefined();
    await send(event('order.delivered', { orderId: order.orderId, deliveredAt: '2026-11-23T12:00:00+08:00' }));
    expect((await policiesOf(order.orderId))[0].coverageEnd).toBe('2026-11-30T23:59:59.999+08:00');
    await send(event('order.receipt-confirmed', { orderId: order.orderId, receiptConfirmedAt: '2026-11-24T09:00:00+08:00' }));
    expect((await policiesOf(order.orderId))[0].coverageEnd).toBe('2026-11-24T09:00:00+08:00');
  });

  it('I7 the order detail shows policies to its buyer and merchant, and 404 to anyone else', async () => {
    const order = orderData({ merchantId: 'shop-9001', orderId: nextId('ord') });
    await seedEnrollment('authenticity', { merchantId: 'shop-9001' });
    await send(event('order.paid', order));
    expect(await policiesOf(order.orderId, parties.buyer)).toHaveLength(1);
    expect(await policiesOf(order.orderId, parties.merchant)).toHaveLength(1);
    const policyId = (await policiesOf(order.orderId))[0].policyId;
    for (const stranger of [parties.otherBuyer, parties.otherMerchant]) {
      const list = await api.call('GET', `/v1/orders/${order.orderId}/policies`, { as: stranger });
      expect(list.status).toBe(404);
      expect(JSON.stringify(list.body)).not.toContain(policyId);
      expect((await api.call('GET', `/v1/policies/${policyId}`, { as: stranger })).status).toBe(404);
    }
    const one = await api.call('GET', `/v1/policies/${policyId}`, { as: parties.buyer });
    expect(one.status).toBe(200);
    expect(one.body.policyId).toBe(policyId);
    expect(one.body).not.toHaveProperty('PK');
    const mine = await api.call('GET', '/v1/merchants/shop-9001/policies?limit=1', { as: parties.merchant });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(1);
    expect((await api.call('GET', '/v1/merchants/shop-9001/policies', { as: parties.otherMerchant })).status).toBe(404);
  });

  it('stores only the fields it knows from an event, ignoring the order system’s extras', async () => {
    const order = { ...orderData(), internalRiskScore: 0.93, lines: [{ ...orderData().lines[0], warehouse: 'HZ-3' }] };
    const res = await send(event('order.placed', { ...order, paidAt: undefined }));
    expect(res.status).toBe(202);
    const item = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.order(order.orderId) }));
    expect(item.Item).toBeDefined();
    expect(item.Item).not.toHaveProperty('internalRiskScore');
    expect(item.Item!['lines'][0]).not.toHaveProperty('warehouse');
  });

  it('refuses malformed events with a problem and stores nothing', async () => {
    const order = orderData();
    for (const body of [
      { events: [{ ...event('order.paid', order), extra: 1 }] },
      { events: [event('order.exploded', { orderId: order.orderId })] },
      { events: [event('order.paid', { ...order, lines: [{ ...order.lines[0], paidFen: -1 }] })] },
      { events: [event('order.paid', { ...order, paidAt: '2026-02-30T10:00:00+08:00' })] },
      { events: [] },
    ]) {
      const res = await api.call('POST', '/v1/events', { as: parties.service, body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const item = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.order(order.orderId) }));
    expect(item.Item).toBeUndefined();
    expect((await api.call('POST', '/v1/events', { as: parties.buyer, body: { events: [event('order.paid', order)] } })).status).toBe(403);
    expect((await api.call('POST', '/v1/events', { body: { events: [event('order.paid', order)] } })).status).toBe(401);
  });

  const claimsOn = async (orderId: string) =>
    ((await api.call('GET', '/v1/claims?limit=100', { as: parties.ops })).body.items as any[]).filter((c) => c.orderId === orderId);

  it('C7 a quality refund on a covered line opens the merchant’s claim automatically, without shipping; other reasons open none', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('live-quality', { merchantId });
    const order = orderData({ merchantId, lines: [{ paidFen: 9000 }, { lineId: 'L2', paidFen: 5000 }] });
    const refund = (lineId: string, reason: string) =>
      event('order.refund-completed', {
        orderId: order.orderId,
        lineId,
        refundFen: 9800,
        shippingRefundFen: 800,
        reason,
        returned: true,
        requestedAt: '2026-11-23T20:00:00+08:00',
        completedAt: '2026-11-25T09:00:00+08:00',
      });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: '2026-11-21T18:00:00+08:00' }));
    await send(refund('L1', 'quality-issue'), refund('L2', 'changed-mind'));
    const claims = await claimsOn(order.orderId);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      planId: 'live-quality',
      lineId: 'L1',
      beneficiary: { role: 'merchant', id: merchantId },
      status: 'APPROVED',
      amountFen: 9000, // the refund less shipping: never more than the line's paidFen
    });
  });

  it('C8 a refund with the goods returned pays return shipping by the weight bracket', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('return-shipping', { merchantId, gift: true });
    const order = orderData({ merchantId, weightGrams: 2500 });
    await send(event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: '2026-11-21T18:00:00+08:00' }));
    const returned = event('order.refund-completed', {
      orderId: order.orderId,
      refundFen: 9000,
      reason: 'not-as-described',
      returned: true,
      requestedAt: '2026-11-23T20:00:00+08:00',
      completedAt: '2026-11-25T09:00:00+08:00',
    });
    await send(returned);
    // X2: until delivery is known the cover's end is provisional, so the return cannot be judged yet.
    expect(await claimsOn(order.orderId)).toHaveLength(0);
    await send(event('order.delivered', { orderId: order.orderId, deliveredAt: '2026-11-22T12:00:00+08:00' }));
    const [claim] = await claimsOn(order.orderId);
    expect(claim).toMatchObject({ planId: 'return-shipping', beneficiary: { role: 'buyer', id: 'buyer-417' }, status: 'APPROVED', amountFen: 1500 });
  });

  it('C1 I6 a refund delivered before the shipment it follows, and twice, still opens exactly one claim', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('live-quality', { merchantId });
    const order = orderData({ merchantId });
    const refund = event('order.refund-completed', {
      orderId: order.orderId,
      lineId: 'L1',
      refundFen: 9000,
      reason: 'damaged',
      returned: true,
      requestedAt: '2026-11-23T20:00:00+08:00',
      completedAt: '2026-11-25T09:00:00+08:00',
    });
    const shipped = event('order.shipped', { orderId: order.orderId, shippedAt: '2026-11-21T18:00:00+08:00' });
    const res = await send(refund, event('order.paid', order), refund, shipped, shipped);
    expect(res.body).toMatchObject({ accepted: 3, duplicates: 2 });
    const claims = await claimsOn(order.orderId);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ planId: 'live-quality', amountFen: 9000 });
  });
});

describe('POST /v1/events answers per event what it did', () => {
  it('I1 results: issued (with policy ids), nothingToIssue with the reason (paid before joining), duplicate, recorded', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId, joinedAt: '2026-11-20T00:00:00+08:00' });
    const covered = orderData({ merchantId });
    const early = orderData({ merchantId, placedAt: '2026-11-19T10:00:00+08:00', paidAt: '2026-11-19T10:05:00+08:00' });
    const paid = event('order.paid', covered);
    const res = await send(
      paid,
      event('order.paid', early),
      paid,
      event('order.delivered', { orderId: covered.orderId, deliveredAt: '2026-11-22T10:00:00+08:00' }),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 3, duplicates: 1 });
    const [issued, nothing, duplicate, delivered] = res.body.results;
    expect(issued).toMatchObject({ id: paid.id, type: 'order.paid', outcome: 'issued' });
    expect(issued.policyIds).toEqual((await policiesOf(covered.orderId)).map((p) => p.policyId));
    expect(nothing).toMatchObject({ type: 'order.paid', outcome: 'nothingToIssue' });
    expect(nothing.reason).toMatch(/No enrollment of merchant .* was active when the order was paid \(2026-11-19T10:05:00\+08:00\)/);
    expect(duplicate).toMatchObject({ id: paid.id, outcome: 'duplicate' });
    expect(delivered).toMatchObject({ type: 'order.delivered', outcome: 'recorded' });
  });

  it('nothingToIssue says why: no enrollment at all, or not paid (a proof order)', async () => {
    const merchantId = nextId('shop');
    const { paidAt: _unpaid, ...proof } = orderData({ merchantId });
    const res = await send(event('order.paid', orderData({ merchantId })), event('order.placed', proof));
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['nothingToIssue', 'nothingToIssue']);
    expect(res.body.results[0].reason).toMatch(/has no enrollment/);
    expect(res.body.results[1].reason).toMatch(/is not paid/);
  });
});

describe('POST /v1/events validates each event by its type', () => {
  const shipped = () => event('order.shipped', { orderId: nextId('ord'), shippedAt: '2026-11-21T18:00:00+08:00' });

  it('a malformed event in a batch names its index and field: body.events[3].data.paidAt: required', async () => {
    const { paidAt: _missing, ...unpaid } = orderData();
    const res = await send(shipped(), shipped(), shipped(), event('order.paid', unpaid));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'body.events[3].data.paidAt', message: 'required' }]);
  });

  it('an unknown type names the event and the types it could be; a single event is checked the same way', async () => {
    const res = await send(shipped(), { ...shipped(), type: 'order.lost' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].path).toBe('body.events[1].type');
    expect(res.body.errors[0].message).toContain("'order.shipped'");
    const single = await api.call('POST', '/v1/events', { as: parties.service, body: { ...shipped(), data: {} } });
    expect(single.status).toBe(400);
    expect(single.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.data.orderId', 'body.data.shippedAt']);
  });

  it('unknown fields inside data are ignored (202, not stored); the envelope stays strict (400)', async () => {
    const data = orderData();
    const res = await send(event('order.placed', { ...data, loyaltyTier: 'gold', lines: data.lines.map((l) => ({ ...l, giftWrap: true })) }));
    expect(res.status).toBe(202);
    const stored = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.order(data.orderId) }));
    expect(stored.Item).toBeDefined();
    expect(JSON.stringify(stored.Item)).not.toMatch(/loyaltyTier|giftWrap/);
    const strict = await send({ ...shipped(), source: 'erp' });
    expect(strict.status).toBe(400);
    expect(strict.body.errors).toEqual([{ path: 'body.events[0]', message: expect.stringContaining('source') }]);
  });
});
