import { outboxEventsOn } from '#shared/store/outbox-reads.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { applyPenalty } from '#shared/use-cases/penalties.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { nextId } from './support/orders.ts';

/**
 * Merchants, plans, quotes and enrollments (J1–J10) through the local runtime. Each test uses its
 * own merchant, so the tests share this file's table without seeing each other's enrollments.
 */
const api = useApi();
const NOW = '2026-11-01T10:00:00+08:00';
const AGREEMENT = '2026-09';
const accepted = { acceptAgreement: true, agreementVersion: AGREEMENT };
const campaign = (campaignId = 'jhs-2026-1111') => ({ campaignId, endsAt: '2026-11-12T00:00:00+08:00', itemIds: ['item-5521'] });

beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

const profile = (overrides: Record<string, unknown> = {}) => ({
  name: 'Acme Silk',
  alipayAccount: 'acme@alipay.example',
  liveBaseId: 'base-hz-01',
  categories: ['apparel'],
  ...overrides,
});

/** A fresh merchant with a profile; returns the merchant's own caller. */
async function newMerchant(overrides: Record<string, unknown> = {}): Promise<Caller & { id: string }> {
  const id = nextId('shop');
  const res = await api.call('PUT', `/v1/merchants/${id}`, { as: parties.service, body: profile(overrides) });
  expect(res.status).toBe(200);
  return { role: 'merchant', sub: id, id };
}

/** The merchant itself, calling with its own token. */
const self = (merchant: { id: string }): Caller => ({ role: 'merchant', sub: merchant.id });
const join = (merchant: { id: string }, body: Record<string, unknown>, as: Caller = self(merchant)) =>
  api.call('POST', `/v1/merchants/${merchant.id}/enrollments`, { as, body: { ...accepted, ...body } });
const list = (merchant: { id: string }, as: Caller = self(merchant)) => api.call('GET', `/v1/merchants/${merchant.id}/enrollments`, { as });
const quote = (merchant: { id: string }, planId: string, as: Caller = self(merchant)) =>
  api.call('GET', `/v1/merchants/${merchant.id}/quotes/${planId}`, { as });
const exit = (merchant: { id: string }, enrollmentId: string, reason = 'policy-change', as: Caller = self(merchant)) =>
  api.call('POST', `/v1/merchants/${merchant.id}/enrollments/${enrollmentId}/exit`, { as, body: { reason } });

/** Types of the outbound events about one enrollment, read from the outbox partition of the test day. */
async function outboxFor(enrollmentId: string): Promise<string[]> {
  const Items: Record<string, any>[] = await outboxEventsOn('2026-11-01');
  // Sorted: under the test's standing clock, events of one instant have no order among themselves.
  return Items.filter((item) => item['detail']?.enrollmentId === enrollmentId)
    .map((item) => String(item['type']))
    .sort();
}

describe('GET /v1/plans', () => {
  it("J4 serves the catalog with each plan's agreementVersion to any role; live plans capped at 20 bp", async () => {
    for (const as of [parties.buyer, parties.merchant, parties.adjuster, parties.ops, parties.service]) {
      const res = await api.call('GET', '/v1/plans', { as });
      expect(res.status).toBe(200);
      const ids = res.body.items.map((p: { planId: string }) => p.planId);
      expect(ids).toEqual(['authenticity', 'return-shipping', 'price-protection', 'live-quality', 'live-price']);
      expect(res.body.deposit).toMatchObject({ kind: 'deposit', minimumFen: 100_000 });
    }
    const { body } = await api.call('GET', '/v1/plans', { as: parties.buyer });
    for (const plan of body.items.filter((p: { kind: string }) => p.kind === 'insurance')) expect(plan.agreementVersion).toBe(AGREEMENT);
    const live = body.items.filter((p: { planId: string }) => p.planId.startsWith('live-'));
    expect(live.map((p: { rateCapBps: number }) => p.rateCapBps)).toEqual([20, 20]);
  });

  it('needs a token (401)', async () => {
    const res = await api.call('GET', '/v1/plans');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });
});

describe('PUT /v1/merchants/{merchantId}', () => {
  it('upserts the profile for service and ops, and a second PUT replaces the fields (an absent liveBaseId unbinds it)', async () => {
    const id = nextId('shop');
    const created = await api.call('PUT', `/v1/merchants/${id}`, { as: parties.service, body: profile() });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ merchantId: id, ...profile(), penalized: false, updatedAt: NOW });

    const { liveBaseId: _unbound, ...withoutBase } = profile({ name: 'Acme Silk II', categories: ['apparel', 'fmcg'] });
    const updated = await api.call('PUT', `/v1/merchants/${id}`, { as: parties.ops, body: withoutBase });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ merchantId: id, ...withoutBase, penalized: false, updatedAt: NOW });
    // The stored profile is what the rules now see: no live base (J3).
    const q = await quote({ id }, 'live-price', parties.ops);
    expect(q.body.reasons.map((r: { code: string }) => r.code)).toEqual(['LIVE_BASE_REQUIRED']);
  });

  it('is refused to merchants, buyers and adjusters (403) and without a token (401)', async () => {
    for (const as of [parties.merchant, parties.buyer, parties.adjuster]) {
      const res = await api.call('PUT', `/v1/merchants/${parties.merchant.sub}`, { as, body: profile() });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect((await api.call('PUT', '/v1/merchants/shop-x', { body: profile() })).status).toBe(401);
  });

  it('P4 takes the payee as `alipay` {identity, identityType, name?}; the old alipayAccount string stays accepted', async () => {
    const id = nextId('shop-payee');
    const put = (body: Record<string, unknown>) => api.call('PUT', `/v1/merchants/${id}`, { as: parties.service, body });
    const userId = { identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' };
    const res = await put(profile({ alipayAccount: undefined, alipay: userId }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ merchantId: id, alipay: userId });
    expect(res.body.alipayAccount).toBeUndefined();
    const logon = { identity: 'acme@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: '张三' };
    expect((await put(profile({ alipayAccount: undefined, alipay: logon }))).body).toMatchObject({ alipay: logon });
    // The old form replaces the new one: the profile is the last one put.
    const old = await put(profile());
    expect(old.body).toMatchObject({ alipayAccount: 'acme@alipay.example' });
    expect(old.body.alipay).toBeUndefined();
  });

  it('P4 rejects a payee Alipay would refuse (400): a user id that is not 2088 + 12 digits, a logon id without the real name', async () => {
    const put = (alipay: Record<string, unknown>) =>
      api.call('PUT', '/v1/merchants/shop-x', { as: parties.service, body: profile({ alipayAccount: undefined, alipay }) });
    for (const identity of ['2088', '20881021462251350', '1088102146225135', 'buyer-417']) {
      const res = await put({ identity, identityType: 'ALIPAY_USER_ID' });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('body.alipay.identity');
    }
    const nameless = await put({ identity: 'acme@alipay.example', identityType: 'ALIPAY_LOGON_ID' });
    expect(nameless.status).toBe(400);
    expect(nameless.body.errors.map((e: { path: string }) => e.path)).toContain('body.alipay.name');
    expect((await put({ identity: 'acme@alipay.example', identityType: 'EMAIL' })).status).toBe(400);
  });

  it('rejects malformed profiles (400): missing fields, unknown fields, a bad id', async () => {
    const missing = await api.call('PUT', '/v1/merchants/shop-x', { as: parties.service, body: { name: 'x', categories: [] } });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('VALIDATION_FAILED');
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toContain('body.alipayAccount');
    const unknown = await api.call('PUT', '/v1/merchants/shop-x', { as: parties.service, body: { ...profile(), penalized: false } });
    expect(unknown.status).toBe(400);
    const badId = await api.call('PUT', '/v1/merchants/%20bad', { as: parties.service, body: profile() });
    expect(badId.status).toBe(400);
  });
});

describe('GET /v1/merchants/{merchantId}/quotes/{planId}', () => {
  it("J4 quotes eligibility and the rate fixed from the merchant's categories", async () => {
    const merchant = await newMerchant({ categories: ['apparel', 'electronics'] });
    const res = await quote(merchant, 'authenticity');
    expect(res.status).toBe(200);
    // The highest configured rate among its categories (apparel 60, electronics 40).
    expect(res.body).toEqual({ planId: 'authenticity', eligible: true, reasons: [], rateBps: 60, agreementVersion: AGREEMENT, gift: 'none' });
  });

  it('J4 live plans never quote more than 20 bp, whatever the categories', async () => {
    for (const categories of [['apparel'], ['fmcg'], ['home-appliance'], ['apparel', 'fmcg', 'home-appliance'], ['books'], []]) {
      const merchant = await newMerchant({ categories });
      for (const planId of ['live-quality', 'live-price']) {
        const res = await quote(merchant, planId);
        expect(res.status).toBe(200);
        expect(res.body.rateBps).toBeLessThanOrEqual(20);
        expect(res.body.rateBps).toBeGreaterThan(0);
      }
    }
  });

  it('J4 lists every failing reason, in rule order, with its basis (J3, J10)', async () => {
    const merchant = await newMerchant({ liveBaseId: undefined, categories: ['books'] });
    const res = await quote(merchant, 'live-quality');
    expect(res.status).toBe(200);
    expect(res.body.eligible).toBe(false);
    expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(['LIVE_BASE_REQUIRED', 'CATEGORY_NOT_COVERED']);
    expect(res.body.reasons[1].basis).toMatchObject({ rule: 'J10', merchantCategories: ['books'] });
    expect(res.body.rateBps).toBeLessThanOrEqual(20);
  });

  it("J1 a penalized merchant's quote lists MERCHANT_PENALIZED", async () => {
    const merchant = await newMerchant();
    await applyPenalty(
      { id: nextId('evt'), type: 'merchant.penalized', occurredAt: NOW },
      { merchantId: merchant.id, penaltyId: 'pen-1', reason: 'counterfeit listing' },
    );
    const res = await quote(merchant, 'authenticity');
    expect(res.body.eligible).toBe(false);
    expect(res.body.reasons).toEqual([expect.objectContaining({ code: 'MERCHANT_PENALIZED', basis: { rule: 'J1', penaltyIds: ['pen-1'] } })]);
  });

  it('J7 a quote for a plan already active says ALREADY_ENROLLED', async () => {
    const merchant = await newMerchant();
    expect((await join(merchant, { planId: 'authenticity' })).status).toBe(201);
    const res = await quote(merchant, 'authenticity');
    expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(['ALREADY_ENROLLED']);
  });

  it("404 for an unknown merchant, and for another merchant's id (never its data); 403 buyer; 400 unknown plan", async () => {
    const merchant = await newMerchant();
    const unknown = await quote({ id: 'shop-nobody' }, 'authenticity', parties.ops);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const other = await quote(merchant, 'authenticity', parties.otherMerchant);
    expect(other.status).toBe(404);
    expect(other.body).not.toHaveProperty('rateBps');
    expect((await quote(merchant, 'authenticity', parties.buyer)).status).toBe(403);
    expect((await quote(merchant, 'authenticity', parties.adjuster)).status).toBe(403);
    expect((await api.call('GET', `/v1/merchants/${merchant.id}/quotes/authenticity`)).status).toBe(401);
    const badPlan = await quote(merchant, 'deposit');
    expect(badPlan.status).toBe(400);
    expect(badPlan.body.errors[0].path).toBe('path.planId');
    expect((await quote(merchant, 'authenticity', parties.ops)).status).toBe(200);
  });
});

describe('POST /v1/merchants/{merchantId}/enrollments (join)', () => {
  it('joins with 201: the enrollment ACTIVE, rate fixed at join, agreement version, enr_ id; enrollment.joined is recorded', async () => {
    const merchant = await newMerchant();
    const res = await join(merchant, { planId: 'live-price' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      enrollmentId: expect.stringMatching(/^enr_[0-9A-HJKMNP-TV-Z]{26}$/),
      merchantId: merchant.id,
      planId: 'live-price',
      status: 'ACTIVE',
      rateBps: 20,
      agreementVersion: AGREEMENT,
      joinedAt: NOW,
    });
    expect(await outboxFor(res.body.enrollmentId)).toEqual(['enrollment.joined']);
    const listed = await list(merchant);
    expect(listed.body.items).toEqual([res.body]);
  });

  it('J1 a merchant with an active penalty cannot join (422 MERCHANT_PENALIZED) and nothing is stored', async () => {
    const merchant = await newMerchant();
    await applyPenalty(
      { id: nextId('evt'), type: 'merchant.penalized', occurredAt: NOW },
      { merchantId: merchant.id, penaltyId: 'pen-9', reason: 'fake orders' },
    );
    const res = await join(merchant, { planId: 'authenticity' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'MERCHANT_PENALIZED', basis: { rule: 'J1' } });
    expect((await list(merchant)).body.items).toEqual([]);
  });

  it('J2 joining needs the agreement accepted, at its current version (422 AGREEMENT_NOT_ACCEPTED)', async () => {
    const merchant = await newMerchant();
    const unticked = await join(merchant, { planId: 'authenticity', acceptAgreement: false });
    expect(unticked.status).toBe(422);
    expect(unticked.body).toMatchObject({ code: 'AGREEMENT_NOT_ACCEPTED', basis: { rule: 'J2', acceptAgreement: false, currentVersion: AGREEMENT } });
    const stale = await join(merchant, { planId: 'authenticity', agreementVersion: '2025-01' });
    expect(stale.status).toBe(422);
    expect(stale.body).toMatchObject({ code: 'AGREEMENT_NOT_ACCEPTED', basis: { agreementVersion: '2025-01' } });
    expect((await list(merchant)).body.items).toEqual([]);
  });

  it('J3 live plans need a bound live-stream base (422 LIVE_BASE_REQUIRED)', async () => {
    const merchant = await newMerchant({ liveBaseId: undefined });
    for (const planId of ['live-quality', 'live-price']) {
      const res = await join(merchant, { planId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'LIVE_BASE_REQUIRED', basis: { rule: 'J3' } });
    }
    expect((await join(merchant, { planId: 'authenticity' })).status).toBe(201);
  });

  it('J10 live-quality is refused to a merchant with no covered category (422 CATEGORY_NOT_COVERED)', async () => {
    const merchant = await newMerchant({ categories: ['books', 'electronics'] });
    const res = await join(merchant, { planId: 'live-quality' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'CATEGORY_NOT_COVERED',
      basis: { rule: 'J10', coveredCategories: ['apparel', 'fmcg', 'home-appliance'], merchantCategories: ['books', 'electronics'] },
    });
    // live-price covers every category.
    expect((await join(merchant, { planId: 'live-price' })).status).toBe(201);
    const covered = await newMerchant({ categories: ['books', 'fmcg'] });
    expect((await join(covered, { planId: 'live-quality' })).status).toBe(201);
  });

  it('J6 price-protection is joined per campaign, as a gift only', async () => {
    const merchant = await newMerchant();
    const noCampaign = await join(merchant, { planId: 'price-protection', gift: true });
    expect(noCampaign.status).toBe(422);
    expect(noCampaign.body).toMatchObject({ code: 'CAMPAIGN_REQUIRED', basis: { rule: 'J6' } });
    const notGift = await join(merchant, { planId: 'price-protection', gift: false, campaign: campaign() });
    expect(notGift.status).toBe(422);
    expect(notGift.body).toMatchObject({ code: 'GIFT_REQUIRED', basis: { rule: 'J6' } });
    const ended = await join(merchant, { planId: 'price-protection', gift: true, campaign: { ...campaign(), endsAt: '2026-10-31T23:59:59+08:00' } });
    expect(ended.status).toBe(422);
    expect(ended.body.code).toBe('CAMPAIGN_ENDED');

    const first = await join(merchant, { planId: 'price-protection', gift: true, campaign: campaign() });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ planId: 'price-protection', gift: true, campaign: campaign(), status: 'ACTIVE' });
    const again = await join(merchant, { planId: 'price-protection', gift: true, campaign: campaign() });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ALREADY_ENROLLED', basis: { rule: 'J7', enrollmentId: first.body.enrollmentId } });
    const second = await join(merchant, { planId: 'price-protection', gift: true, campaign: campaign('618-2027') });
    expect(second.status).toBe(201);
    expect((await list(merchant)).body.items).toHaveLength(2);
  });

  it('J6 the flash-sale join of examples.md (no gift) is accepted as a gift, as its quote says', async () => {
    const merchant = await newMerchant();
    const quote = await api.call('GET', `/v1/merchants/${merchant.sub}/quotes/price-protection`, { as: merchant });
    expect(quote.body).toMatchObject({ eligible: true, reasons: [], gift: 'implied' });
    const res = await join(merchant, { planId: 'price-protection', campaign: campaign() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ planId: 'price-protection', gift: true, status: 'ACTIVE' });
  });

  it('J6 return-shipping is joined as a merchant gift only', async () => {
    const merchant = await newMerchant();
    const res = await join(merchant, { planId: 'return-shipping' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('GIFT_REQUIRED');
    const gifted = await join(merchant, { planId: 'return-shipping', gift: true });
    expect(gifted.status).toBe(201);
    expect(gifted.body).toMatchObject({ gift: true, rateBps: 0 });
  });

  it('a campaign on a plan not joined per campaign is malformed (400), so J7 cannot be sidestepped', async () => {
    const merchant = await newMerchant();
    const res = await join(merchant, { planId: 'live-price', campaign: campaign() });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('body.campaign');
  });

  it('J7 a second join of an active plan is 409 ALREADY_ENROLLED', async () => {
    const merchant = await newMerchant();
    const first = await join(merchant, { planId: 'authenticity' });
    expect(first.status).toBe(201);
    const second = await join(merchant, { planId: 'authenticity' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'ALREADY_ENROLLED', basis: { rule: 'J7', enrollmentId: first.body.enrollmentId } });
    expect((await list(merchant)).body.items).toHaveLength(1);
  });

  it('J7 20 parallel joins of the same plan: exactly one enrollment, the other 19 are 409 ALREADY_ENROLLED', async () => {
    const merchant = await newMerchant();
    const results = await Promise.all(Array.from({ length: 20 }, () => join(merchant, { planId: 'live-price' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.code).toBe('ALREADY_ENROLLED');
    const items = (await list(merchant)).body.items;
    expect(items).toHaveLength(1);
    expect(items[0].enrollmentId).toBe(results.find((r) => r.status === 201)!.body.enrollmentId);
  });

  it('ops may join for a merchant; another merchant gets 404, a buyer 403, no token 401; malformed bodies 400', async () => {
    const merchant = await newMerchant();
    const other = await join(merchant, { planId: 'authenticity' }, parties.otherMerchant);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND');
    const buyer = await join(merchant, { planId: 'price-protection', gift: true, campaign: campaign() }, parties.buyer);
    expect(buyer.status).toBe(403);
    const anonymous = await api.call('POST', `/v1/merchants/${merchant.id}/enrollments`, { body: { ...accepted, planId: 'authenticity' } });
    expect(anonymous.status).toBe(401);
    for (const body of [
      { planId: 'deposit' },
      { planId: 'authenticity', acceptAgreement: 'yes' },
      { planId: 'authenticity', merchantId: 'shop-7777' },
      { planId: 'price-protection', gift: true, campaign: { ...campaign(), itemIds: [] } },
    ]) {
      const res = await join(merchant, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await list(merchant)).body.items).toEqual([]);
    const byOps = await join(merchant, { planId: 'authenticity' }, parties.ops);
    expect(byOps.status).toBe(201);
    expect(byOps.body.merchantId).toBe(merchant.id);
  });

  it('a merchant without a profile gets 404', async () => {
    const res = await join({ id: 'shop-unprofiled' }, { planId: 'authenticity' }, { role: 'merchant', sub: 'shop-unprofiled' });
    expect(res.status).toBe(404);
  });
});

describe('GET /v1/merchants/{merchantId}/enrollments', () => {
  it('J5 Live Select qualified exactly while both live plans are active', async () => {
    const merchant = await newMerchant();
    expect((await list(merchant)).body).toEqual({ items: [], liveSelectQualified: false });
    const quality = await join(merchant, { planId: 'live-quality' });
    expect((await list(merchant)).body.liveSelectQualified).toBe(false);
    await join(merchant, { planId: 'live-price' });
    await join(merchant, { planId: 'authenticity' });
    const both = await list(merchant);
    expect(both.body.liveSelectQualified).toBe(true);
    // Oldest first.
    expect(both.body.items.map((e: { planId: string }) => e.planId)).toEqual(['live-quality', 'live-price', 'authenticity']);

    expect((await exit(merchant, quality.body.enrollmentId)).status).toBe(200);
    expect((await list(merchant)).body.liveSelectQualified).toBe(false);
  });

  it('ops sees any merchant; another merchant 404 (no data); buyer and adjuster 403; no token 401; unknown merchant 404', async () => {
    const merchant = await newMerchant();
    await join(merchant, { planId: 'authenticity' });
    expect((await list(merchant, parties.ops)).body.items).toHaveLength(1);
    const other = await list(merchant, parties.otherMerchant);
    expect(other.status).toBe(404);
    expect(other.body).not.toHaveProperty('items');
    expect((await list(merchant, parties.buyer)).status).toBe(403);
    expect((await list(merchant, parties.adjuster)).status).toBe(403);
    expect((await api.call('GET', `/v1/merchants/${merchant.id}/enrollments`)).status).toBe(401);
    expect((await list({ id: 'shop-nobody' }, parties.ops)).status).toBe(404);
  });
});

describe('POST /v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit', () => {
  it('J8 exits with a reason: 200 TERMINATED with exitedAt and exitReason; enrollment.terminated is recorded; the plan can be joined again', async () => {
    const merchant = await newMerchant();
    const joined = await join(merchant, { planId: 'authenticity' });
    const res = await exit(merchant, joined.body.enrollmentId, 'business-difficulty');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...joined.body, status: 'TERMINATED', exitedAt: NOW, exitReason: 'business-difficulty' });
    expect(await outboxFor(joined.body.enrollmentId)).toEqual(['enrollment.joined', 'enrollment.terminated']);
    expect((await list(merchant)).body.items).toEqual([res.body]);
    // The J7 slot was freed with the exit.
    expect((await join(merchant, { planId: 'authenticity' })).status).toBe(201);
  });

  it('J8 no second exit: 409 ENROLLMENT_NOT_ACTIVE and the first exit stands', async () => {
    const merchant = await newMerchant();
    const joined = await join(merchant, { planId: 'live-price' });
    expect((await exit(merchant, joined.body.enrollmentId, 'misoperation')).status).toBe(200);
    const again = await exit(merchant, joined.body.enrollmentId, 'other');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ENROLLMENT_NOT_ACTIVE', basis: { rule: 'J8', status: 'TERMINATED' } });
    expect((await list(merchant)).body.items[0].exitReason).toBe('misoperation');
    expect(await outboxFor(joined.body.enrollmentId)).toEqual(['enrollment.joined', 'enrollment.terminated']);
  });

  it('J8 concurrent exits of one enrollment: one 200, the rest 409', async () => {
    const merchant = await newMerchant();
    const joined = await join(merchant, { planId: 'authenticity' });
    const results = await Promise.all(Array.from({ length: 5 }, () => exit(merchant, joined.body.enrollmentId)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
  });

  it('bad paths: unknown enrollment 404, another merchant 404, buyer 403, no token 401, bad reason or id 400, violation is not a reason a merchant gives', async () => {
    const merchant = await newMerchant();
    const joined = await join(merchant, { planId: 'authenticity' });
    const id = joined.body.enrollmentId;
    expect((await exit(merchant, 'enr_01JD0000000000000000000000')).status).toBe(404);
    const other = await exit(merchant, id, 'other', parties.otherMerchant);
    expect(other.status).toBe(404);
    // Another merchant using its own id in the path cannot reach this enrollment either.
    const otherMerchant = await newMerchant();
    expect((await exit(otherMerchant, id)).status).toBe(404);
    expect((await exit(merchant, id, 'other', parties.buyer)).status).toBe(403);
    expect((await api.call('POST', `/v1/merchants/${merchant.id}/enrollments/${id}/exit`, { body: { reason: 'other' } })).status).toBe(401);
    for (const reason of ['violation', 'bored']) {
      const res = await exit(merchant, id, reason);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('body.reason');
    }
    expect((await exit(merchant, 'not-an-enrollment')).status).toBe(400);
    expect((await list(merchant)).body.items[0].status).toBe('ACTIVE');
    expect((await exit(merchant, id, 'other', parties.ops)).status).toBe(200);
  });
});
