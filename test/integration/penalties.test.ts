import { outboxEventsOn } from '#shared/store/outbox-reads.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { readMerchantPartition } from '#shared/store/merchants.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { nextId } from './support/orders.ts';

/**
 * Violation penalties (J9, and J1 after a lift) sent as merchant events through POST /v1/events,
 * with joins, quotes and listings through the local runtime. Each test has its own merchant.
 */
const api = useApi();
const JOINED_AT = '2026-11-01T10:00:00+08:00';
const PENALIZED_AT = '2026-11-02T09:30:00+08:00';
const clock = fixedClock(JOINED_AT);
const accepted = { acceptAgreement: true, agreementVersion: '2026-09' };

beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));

type Merchant = Caller & { id: string };

async function newMerchant(): Promise<Merchant> {
  const id = nextId('shop');
  const res = await api.call('PUT', `/v1/merchants/${id}`, {
    as: parties.service,
    body: { name: 'Acme Silk', alipayAccount: 'acme@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel'] },
  });
  expect(res.status).toBe(200);
  return { role: 'merchant', sub: id, id };
}

const join = (merchant: Merchant, body: Record<string, unknown>) =>
  api.call('POST', `/v1/merchants/${merchant.id}/enrollments`, { as: merchant, body: { ...accepted, ...body } });
const list = async (merchant: Merchant) => (await api.call('GET', `/v1/merchants/${merchant.id}/enrollments`, { as: merchant })).body;
/** Sends one merchant event through POST /v1/events as the order system does; `{duplicate}` from the answer. */
async function sendEvent(body: { id: string; type: string; occurredAt: string; data: Record<string, unknown> }) {
  const res = await api.call('POST', '/v1/events', { as: parties.service, body });
  expect(res.status).toBe(202);
  return { duplicate: res.body.duplicates === 1 };
}
const penalize = (merchantId: string, penaltyId: string, extra: { fraud?: boolean; occurredAt?: string; id?: string } = {}) =>
  sendEvent({
    id: extra.id ?? nextId('evt'),
    type: 'merchant.penalized',
    occurredAt: extra.occurredAt ?? PENALIZED_AT,
    data: { merchantId, penaltyId, reason: 'counterfeit listing', ...(extra.fraud ? { fraud: true } : {}) },
  });
const lift = (merchantId: string, penaltyId: string, extra: { occurredAt?: string; id?: string } = {}) =>
  sendEvent({
    id: extra.id ?? nextId('evt'),
    type: 'merchant.penalty-lifted',
    occurredAt: extra.occurredAt ?? '2026-11-05T12:00:00+08:00',
    data: { merchantId, penaltyId },
  });

/** Types of the outbound events about a merchant's enrollments on one UTC day. */
async function outboxOf(merchantId: string, day: string): Promise<string[]> {
  const items: Record<string, any>[] = await outboxEventsOn(day);
  return items.filter((item) => item['detail']?.merchantId === merchantId).map((item) => String(item['type']));
}

describe('J9 a violation penalty', () => {
  it("J9 force-exits every ACTIVE enrollment with reason violation at the penalty's time, freezes the deposit and announces each exit", async () => {
    const merchant = await newMerchant();
    const quality = (await join(merchant, { planId: 'live-quality' })).body;
    const price = (await join(merchant, { planId: 'live-price' })).body;
    const campaign = { campaignId: 'jhs-2026-1111', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] };
    const gift = (await join(merchant, { planId: 'price-protection', gift: true, campaign })).body;
    const exited = (await join(merchant, { planId: 'authenticity' })).body;
    const exitRes = await api.call('POST', `/v1/merchants/${merchant.id}/enrollments/${exited.enrollmentId}/exit`, { as: merchant, body: { reason: 'other' } });
    expect(exitRes.status).toBe(200);
    expect((await list(merchant)).liveSelectQualified).toBe(true);

    expect(await penalize(merchant.id, 'pen-1')).toEqual({ duplicate: false });

    const after = await list(merchant);
    const byId = new Map(after.items.map((e: { enrollmentId: string }) => [e.enrollmentId, e]));
    for (const e of [quality, price, gift]) {
      expect(byId.get(e.enrollmentId)).toEqual({ ...e, status: 'TERMINATED', exitedAt: PENALIZED_AT, exitReason: 'violation' });
    }
    // Already terminated before the penalty: left as it was.
    expect(byId.get(exited.enrollmentId)).toEqual(exitRes.body);
    expect(after.liveSelectQualified).toBe(false);
    expect((await outboxOf(merchant.id, '2026-11-02')).sort()).toEqual(['enrollment.terminated', 'enrollment.terminated', 'enrollment.terminated']);

    const { merchant: stored } = await readMerchantPartition(merchant.id);
    expect(stored).toMatchObject({ name: 'Acme Silk', activePenaltyIds: ['pen-1'], depositFrozen: true, fraudFinding: false });
  });

  it('J9 a repeated penalty event (same id) is a duplicate and changes nothing', async () => {
    const merchant = await newMerchant();
    await join(merchant, { planId: 'authenticity' });
    const id = nextId('evt');
    expect(await penalize(merchant.id, 'pen-1', { id })).toEqual({ duplicate: false });
    const before = await readMerchantPartition(merchant.id);
    const outboxBefore = await outboxOf(merchant.id, '2026-11-02');

    expect(await penalize(merchant.id, 'pen-1', { id })).toEqual({ duplicate: true });
    // Even a redelivery that carries other figures is recognised by its id alone.
    expect(await penalize(merchant.id, 'pen-2', { id, fraud: true })).toEqual({ duplicate: true });
    expect(await readMerchantPartition(merchant.id)).toEqual(before);
    expect(await outboxOf(merchant.id, '2026-11-02')).toEqual(outboxBefore);
  });

  it('J9 the same penalty reported again under a new event id changes nothing either', async () => {
    const merchant = await newMerchant();
    await penalize(merchant.id, 'pen-1');
    const before = await readMerchantPartition(merchant.id);
    expect(await penalize(merchant.id, 'pen-1')).toEqual({ duplicate: false });
    expect(await readMerchantPartition(merchant.id)).toEqual(before);
  });

  it('J1 J9 a penalized merchant cannot join; lifting the penalty lets it join again, thaws the deposit and restores nothing', async () => {
    const merchant = await newMerchant();
    const old = (await join(merchant, { planId: 'authenticity' })).body;
    await penalize(merchant.id, 'pen-1');
    const refused = await join(merchant, { planId: 'authenticity' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'MERCHANT_PENALIZED', basis: { rule: 'J1', penaltyIds: ['pen-1'] } });

    const liftId = nextId('evt');
    expect(await lift(merchant.id, 'pen-1', { id: liftId })).toEqual({ duplicate: false });
    expect(await lift(merchant.id, 'pen-1', { id: liftId })).toEqual({ duplicate: true });
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: [], depositFrozen: false });

    const quote = await api.call('GET', `/v1/merchants/${merchant.id}/quotes/authenticity`, { as: merchant });
    expect(quote.body).toMatchObject({ eligible: true, reasons: [] });
    const rejoined = await join(merchant, { planId: 'authenticity' });
    expect(rejoined.status).toBe(201);
    const items = (await list(merchant)).items;
    expect(items.find((e: { enrollmentId: string }) => e.enrollmentId === old.enrollmentId)).toMatchObject({ status: 'TERMINATED', exitReason: 'violation' });
    expect(items.filter((e: { status: string }) => e.status === 'ACTIVE')).toHaveLength(1);
  });

  it('J9 with two penalties, lifting one keeps the merchant penalized and the deposit frozen; lifting both frees it', async () => {
    const merchant = await newMerchant();
    await penalize(merchant.id, 'pen-a');
    await penalize(merchant.id, 'pen-b');
    await lift(merchant.id, 'pen-a');
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: ['pen-b'], depositFrozen: true });
    expect((await join(merchant, { planId: 'authenticity' })).body.code).toBe('MERCHANT_PENALIZED');
    // The same lift again under a new id: nothing left to lift.
    expect(await lift(merchant.id, 'pen-a')).toEqual({ duplicate: false });
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: ['pen-b'], depositFrozen: true });
    await lift(merchant.id, 'pen-b');
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: [], depositFrozen: false });
    expect((await join(merchant, { planId: 'authenticity' })).status).toBe(201);
  });

  it('J9 D3 a fraud finding is kept after the lift and keeps the deposit frozen, but the merchant may join again', async () => {
    const merchant = await newMerchant();
    await penalize(merchant.id, 'pen-f', { fraud: true });
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ fraudFinding: true, depositFrozen: true });
    await lift(merchant.id, 'pen-f');
    expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: [], fraudFinding: true, depositFrozen: true });
    expect((await join(merchant, { planId: 'authenticity' })).status).toBe(201);
  });

  it('J9 a penalty may arrive before the profile: the profile PUT later keeps it (J1 still refuses)', async () => {
    const id = nextId('shop');
    const merchant: Merchant = { role: 'merchant', sub: id, id };
    expect(await penalize(id, 'pen-early')).toEqual({ duplicate: false });
    // Known only by its penalty: not a profile yet.
    expect((await api.call('GET', `/v1/merchants/${id}/quotes/authenticity`, { as: merchant })).status).toBe(404);
    const put = await api.call('PUT', `/v1/merchants/${id}`, {
      as: parties.service,
      body: { name: 'Late Shop', alipayAccount: 'late@alipay.example', categories: ['fmcg'] },
    });
    expect(put.status).toBe(200);
    expect(put.body.penalized).toBe(true);
    expect((await join(merchant, { planId: 'authenticity' })).body.code).toBe('MERCHANT_PENALIZED');
    // And a profile update after a penalty does not erase it either.
    const again = await api.call('PUT', `/v1/merchants/${id}`, {
      as: parties.ops,
      body: { name: 'Late Shop', alipayAccount: 'late2@alipay.example', categories: ['fmcg'] },
    });
    expect(again.body.penalized).toBe(true);
    expect((await readMerchantPartition(id)).merchant).toMatchObject({ activePenaltyIds: ['pen-early'], depositFrozen: true });
  });

  it('J9 out of order: a lift that arrives before its penalty is remembered; the late penalty ends only what it would have ended in order', async () => {
    const merchant = await newMerchant();
    const before = (await join(merchant, { planId: 'authenticity' })).body; // joined 11-01, before the penalty
    await lift(merchant.id, 'pen-late', { occurredAt: '2026-11-03T12:00:00+08:00' });
    clock.set('2026-11-04T08:00:00+08:00');
    try {
      const after = (await join(merchant, { planId: 'live-price' })).body; // joined after the lift
      expect(await penalize(merchant.id, 'pen-late', { occurredAt: PENALIZED_AT })).toEqual({ duplicate: false });
      const items = new Map((await list(merchant)).items.map((e: { enrollmentId: string }) => [e.enrollmentId, e]));
      expect(items.get(before.enrollmentId)).toMatchObject({ status: 'TERMINATED', exitReason: 'violation', exitedAt: PENALIZED_AT });
      expect(items.get(after.enrollmentId)).toMatchObject({ status: 'ACTIVE' });
      expect((await readMerchantPartition(merchant.id)).merchant).toMatchObject({ activePenaltyIds: [], depositFrozen: false });
      expect((await join(merchant, { planId: 'live-quality' })).status).toBe(201);
    } finally {
      clock.set(JOINED_AT);
    }
  });

  it('J1 J9 a penalty racing joins: afterwards no enrollment is ACTIVE, each join was created-then-exited or refused', async () => {
    for (let round = 0; round < 3; round += 1) {
      const merchant = await newMerchant();
      const [outcome, ...joins] = await Promise.all([
        penalize(merchant.id, 'pen-race'),
        ...['authenticity', 'live-quality', 'live-price'].map((planId) => join(merchant, { planId })),
        join(merchant, { planId: 'return-shipping', gift: true }),
      ]);
      expect(outcome).toEqual({ duplicate: false });
      for (const res of joins as { status: number; body: { code?: string } }[]) {
        expect([201, 422]).toContain(res.status);
        if (res.status === 422) expect(res.body.code).toBe('MERCHANT_PENALIZED');
      }
      const items = (await list(merchant)).items;
      expect(items.filter((e: { status: string }) => e.status === 'ACTIVE')).toEqual([]);
      expect(items).toHaveLength((joins as { status: number }[]).filter((r) => r.status === 201).length);
    }
  });

  it('J9 force-exits more enrollments than one transaction holds (40 campaign enrollments)', async () => {
    const merchant = await newMerchant();
    for (let i = 0; i < 40; i += 1) {
      const res = await join(merchant, {
        planId: 'price-protection',
        gift: true,
        campaign: { campaignId: `camp-${i}`, endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] },
      });
      expect(res.status).toBe(201);
    }
    expect(await penalize(merchant.id, 'pen-big')).toEqual({ duplicate: false });
    const items = (await list(merchant)).items;
    expect(items).toHaveLength(40);
    expect(items.every((e: { status: string; exitReason: string }) => e.status === 'TERMINATED' && e.exitReason === 'violation')).toBe(true);
    expect((await outboxOf(merchant.id, '2026-11-02')).filter((t) => t === 'enrollment.terminated')).toHaveLength(40);
    // Every J7 slot was freed: after the lift each campaign can be joined again.
    await lift(merchant.id, 'pen-big');
    const rejoin = await join(merchant, {
      planId: 'price-protection',
      gift: true,
      campaign: { campaignId: 'camp-39', endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] },
    });
    expect(rejoin.status).toBe(201);
  });
});
