import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { routes } from '#functions/routes.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { IDEMPOTENCY_TTL_SECONDS } from '#shared/http/idempotency.ts';
import { defineRoute } from '#shared/http/route.ts';
import { createLocalRuntime, type LocalRuntime } from '#shared/local/runtime.ts';
import { DEFAULT_JWT_SECRET } from '#shared/local/tokens.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { readItem, seedCovered, seedProofOrder } from './support/seed.ts';
import { idempotencyRecordKey, longLivedToken, partitionsSnapshot } from './support/reliability.ts';

/**
 * Idempotency-Key on every POST (api.md "Conventions"): replay, reuse, in progress, scoping,
 * expiry — through the local runtime into the real handlers, on this file's table.
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'e'.repeat(64) }];
const newKey = () => `key-${randomUUID()}`;
const withKey = (idempotencyKey: string | undefined): Record<string, string> => (idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey });
const post = (path: string, body: unknown, as: Caller | undefined, idempotencyKey?: string) =>
  api.call('POST', path, { ...(as ? { as } : {}), body, headers: withKey(idempotencyKey) });

const freshBuyer = (): Caller => ({ role: 'buyer', sub: nextId('buyer-idem') });

/** A live-price policy of `buyer` with a good proof order: a claim on it is auto-approved. */
async function claimable(buyer: Caller) {
  const { policy } = await seedCovered('live-price', { buyerId: buyer.sub });
  const proof = await seedProofOrder({ buyerId: buyer.sub });
  return { policy, proof, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } };
}

/** A merchant with a profile (live base bound) that can join any plan. */
async function freshMerchant(): Promise<Caller> {
  const sub = nextId('shop-idem');
  const res = await api.call('PUT', `/v1/merchants/${sub}`, {
    as: parties.service,
    body: { name: 'Idem Shop', alipayAccount: 'idem@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel'] },
  });
  expect(res.status).toBe(200);
  return { role: 'merchant', sub };
}
const joinBody = (planId: string) => ({ planId, acceptAgreement: true, agreementVersion: '2026-09' });

async function claimsOf(buyer: Caller): Promise<string[]> {
  return (await api.call('GET', '/v1/claims', { as: buyer })).body.items.map((c: { claimId: string }) => c.claimId);
}

describe('Idempotency-Key: replay', () => {
  it('the same key and request replays the first response — status, body, location — with Idempotent-Replayed: true; one claim, one payout', async () => {
    const buyer = freshBuyer();
    const { body } = await claimable(buyer);
    const key = newKey();
    const first = await post('/v1/claims', body, buyer, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await post('/v1/claims', body, buyer, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe('application/json');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.body).toEqual(first.body);

    // The same request serialised differently (key order, whitespace) is the same request.
    const reordered = `{ "proofOrderId": "${body.proofOrderId}",\n  "lineId": "L1", "policyId": "${body.policyId}" }`;
    const third = await post('/v1/claims', reordered, buyer, key);
    expect(third.status).toBe(201);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body).toEqual(first.body);

    expect(await claimsOf(buyer)).toEqual([first.body.claimId]);
    expect((await api.call('GET', '/v1/payouts', { as: buyer })).body.items).toHaveLength(1);
  });

  it('a replay answers from the record even after the state moved on: an event batch replays {accepted: 2}, without the key it is {duplicates: 2}', async () => {
    const order = orderData({ merchantId: nextId('shop') });
    const batch = {
      events: [event('order.paid', order), event('order.shipped', { orderId: order.orderId, shippedAt: '2026-11-21T18:00:00+08:00' })],
    };
    const key = newKey();
    const first = await post('/v1/events', batch, parties.service, key);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const replay = await post('/v1/events', batch, parties.service, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const untracked = await post('/v1/events', batch, parties.service);
    expect(untracked.body).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(untracked.headers.get('idempotent-replayed')).toBeNull();
  });

  it('without the header nothing is tracked: an identical repeat gets the conditional write’s answer (C1 CLAIM_EXISTS)', async () => {
    const buyer = freshBuyer();
    const { body } = await claimable(buyer);
    expect((await post('/v1/claims', body, buyer)).status).toBe(201);
    const repeat = await post('/v1/claims', body, buyer);
    expect(repeat.status).toBe(409);
    expect(repeat.body.code).toBe('CLAIM_EXISTS');
    expect(repeat.headers.get('idempotent-replayed')).toBeNull();
    expect(await claimsOf(buyer)).toHaveLength(1);
  });
});

describe('Idempotency-Key: reuse', () => {
  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED, changes nothing, and leaves the first response replayable', async () => {
    const merchant = await freshMerchant();
    const path = `/v1/merchants/${merchant.sub}/enrollments`;
    const key = newKey();
    const first = await post(path, joinBody('authenticity'), merchant, key);
    expect(first.status).toBe(201);
    const before = await partitionsSnapshot([`MERCHANT#${merchant.sub}`]);

    const reused = await post(path, joinBody('live-price'), merchant, key);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(reused.body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      type: 'https://baozhang.dev/problems/idempotency-key-reused',
    });
    expect(await partitionsSnapshot([`MERCHANT#${merchant.sub}`])).toEqual(before);

    // The refused reuse must not have removed the record it was compared with.
    const replay = await post(path, joinBody('authenticity'), merchant, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('the same key on another resource of the same route is another request: 422, and that claim is untouched', async () => {
    const claims: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const { policy } = await seedCovered('authenticity');
      const res = await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', evidence }, parties.buyer);
      expect(res.status).toBe(201);
      claims.push(res.body.claimId);
    }
    const key = newKey();
    const decision = { decision: 'request-info', note: 'Add the receipt' };
    expect((await post(`/v1/claims/${claims[0]}/decisions`, decision, parties.adjuster, key)).status).toBe(200);
    const other = await post(`/v1/claims/${claims[1]}/decisions`, decision, parties.adjuster, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const untouched = await api.call('GET', `/v1/claims/${claims[1]}`, { as: parties.adjuster });
    expect(untouched.body.status).toBe('UNDER_REVIEW');
    expect(untouched.body.history).toHaveLength(1);
  });
});

describe('Idempotency-Key: scope', () => {
  it('keys are scoped to the caller: two buyers with the same key each get their own claim', async () => {
    const [a, b] = [freshBuyer(), freshBuyer()];
    const [caseA, caseB] = [await claimable(a), await claimable(b)];
    const key = newKey();
    const resA = await post('/v1/claims', caseA.body, a, key);
    const resB = await post('/v1/claims', caseB.body, b, key);
    expect([resA.status, resB.status]).toEqual([201, 201]);
    expect(resB.headers.get('idempotent-replayed')).toBeNull();
    expect(resB.body.claimId).not.toBe(resA.body.claimId);
    expect(await claimsOf(a)).toEqual([resA.body.claimId]);
    expect(await claimsOf(b)).toEqual([resB.body.claimId]);

    // Even with the first caller's very request: another caller never receives its response.
    const stranger = await post('/v1/claims', caseA.body, freshBuyer(), key);
    expect(stranger.status).toBe(404);
    expect(stranger.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.stringify(stranger.body)).not.toContain(resA.body.claimId);
    // B's own request under the key is B's: A's body there is a reuse, not A's response.
    const reuse = await post('/v1/claims', caseA.body, b, key);
    expect(reuse.status).toBe(422);
    expect(JSON.stringify(reuse.body)).not.toContain(resA.body.claimId);
  });

  it('keys are scoped to the role: the same id with another role runs its own request', async () => {
    const merchant = await freshMerchant();
    const path = `/v1/merchants/${merchant.sub}/enrollments`;
    const key = newKey();
    const asMerchant = await post(path, joinBody('authenticity'), merchant, key);
    const asOps = await post(path, joinBody('live-price'), { role: 'ops', sub: merchant.sub }, key);
    expect([asMerchant.status, asOps.status]).toEqual([201, 201]);
    expect(asOps.body.planId).toBe('live-price');
  });

  it('keys are scoped to the route: the same key on another POST route is independent', async () => {
    const { policy } = await seedCovered('authenticity');
    const key = newKey();
    const claim = await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', evidence }, parties.buyer, key);
    expect(claim.status).toBe(201);
    expect((await post(`/v1/claims/${claim.body.claimId}/decisions`, { decision: 'request-info' }, parties.adjuster)).status).toBe(200);
    const answered = await post(`/v1/claims/${claim.body.claimId}/evidence`, { evidence }, parties.buyer, key);
    expect(answered.status).toBe(200);
    expect(answered.body.status).toBe('UNDER_REVIEW');
  });
});

describe('Idempotency-Key: what is stored', () => {
  it('the record: its own partition per (caller, route, key), COMPLETED with the response, expiring 24 hours later', async () => {
    const buyer = freshBuyer();
    const { body } = await claimable(buyer);
    const key = newKey();
    const startedAt = Date.now() / 1000;
    const res = await post('/v1/claims', body, buyer, key);
    expect(res.status).toBe(201);
    const recordKey = idempotencyRecordKey(buyer, 'POST /v1/claims', key);
    expect(recordKey.PK).toMatch(/^IDEMPOTENCY#http#/);
    const record = await readItem(recordKey);
    expect(record).toMatchObject({
      idempotencyStatus: 'COMPLETED',
      requestHash: expect.any(String),
      response: { statusCode: 201, body: JSON.stringify(res.body) },
    });
    expect(Number(record!['expiresAt'])).toBeGreaterThanOrEqual(Math.floor(startedAt + IDEMPOTENCY_TTL_SECONDS) - 1);
    expect(Number(record!['expiresAt'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000 + IDEMPOTENCY_TTL_SECONDS) + 1);
    // Another caller's record of the same key is another partition.
    expect(idempotencyRecordKey(parties.otherBuyer, 'POST /v1/claims', key).PK).not.toBe(recordKey.PK);
  });

  it('a refusal does not consume the key: 422 PROOF_ORDER_PAID, then the corrected request with the same key is filed', async () => {
    const buyer = freshBuyer();
    const { policy } = await seedCovered('live-price', { buyerId: buyer.sub });
    const paidProof = await seedProofOrder({ buyerId: buyer.sub, paidAt: '2026-11-22T08:31:00+08:00' });
    const goodProof = await seedProofOrder({ buyerId: buyer.sub });
    const key = newKey();
    const refused = await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', proofOrderId: paidProof.orderId }, buyer, key);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('PROOF_ORDER_PAID');
    expect(await readItem(idempotencyRecordKey(buyer, 'POST /v1/claims', key))).toBeUndefined();
    const corrected = await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', proofOrderId: goodProof.orderId }, buyer, key);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });

  it('authentication (401), role (403), validation (400) and another party’s resource (404) come first and leave the key unused', async () => {
    const merchant = await freshMerchant();
    const path = `/v1/merchants/${merchant.sub}/enrollments`;
    const key = newKey();
    expect((await post(path, joinBody('authenticity'), undefined, key)).status).toBe(401);
    expect((await post(path, joinBody('authenticity'), parties.buyer, key)).status).toBe(403);
    expect((await post(path, { ...joinBody('authenticity'), role: 'ops' }, merchant, key)).status).toBe(400);
    expect((await post(path, joinBody('authenticity'), parties.otherMerchant, key)).status).toBe(404);
    for (const caller of [merchant, parties.buyer, parties.otherMerchant]) {
      expect(await readItem(idempotencyRecordKey(caller, 'POST /v1/merchants/{merchantId}/enrollments', key))).toBeUndefined();
    }
    const joined = await post(path, joinBody('authenticity'), merchant, key);
    expect(joined.status).toBe(201);
    expect(joined.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a malformed Idempotency-Key is 400 VALIDATION_FAILED; 1 and 255 characters are accepted', async () => {
    const merchant = await freshMerchant();
    const path = `/v1/merchants/${merchant.sub}/enrollments`;
    for (const bad of ['', 'x'.repeat(256), 'caf\u00e9']) {
      const res = await post(path, joinBody('authenticity'), merchant, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'header.Idempotency-Key' }] });
    }
    expect((await post(path, joinBody('authenticity'), merchant, 'k')).status).toBe(201);
    expect((await post(path, joinBody('live-price'), merchant, 'k'.repeat(255))).status).toBe(201);
    expect((await api.call('GET', `/v1/merchants/${merchant.sub}/enrollments`, { as: merchant })).body.items).toHaveLength(2);
  });

  it('PUT and GET ignore the header (an upsert and a read are idempotent by themselves)', async () => {
    const merchantId = nextId('shop-idem');
    const key = newKey();
    const profile = (name: string) => ({ name, alipayAccount: 'x@alipay.example', categories: [] });
    const first = await api.call('PUT', `/v1/merchants/${merchantId}`, { as: parties.ops, body: profile('One'), headers: withKey(key) });
    const second = await api.call('PUT', `/v1/merchants/${merchantId}`, { as: parties.ops, body: profile('Two'), headers: withKey(key) });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.name).toBe('Two');
    const read = await api.call('GET', '/v1/plans', { as: parties.buyer, headers: withKey(key) });
    expect(read.status).toBe(200);
    expect(read.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('Idempotency-Key: expiry', () => {
  afterEach(() => vi.useRealTimers());

  it('records expire after 24 hours: until then another body is 422, afterwards the key runs a new request', async () => {
    const merchant = await freshMerchant();
    const path = `/v1/merchants/${merchant.sub}/enrollments`;
    const token = await longLivedToken(merchant);
    const call = (planId: string) =>
      api.call('POST', path, { body: joinBody(planId), headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'daily-1' } });
    const base = Date.now();
    expect((await call('authenticity')).status).toBe(201);

    // Powertools reads Date.now(); only Date is faked, so sockets and timers run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(base + (IDEMPOTENCY_TTL_SECONDS - 60) * 1000);
    expect((await call('live-price')).body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    vi.setSystemTime(base + (IDEMPOTENCY_TTL_SECONDS + 60) * 1000);
    const fresh = await call('live-price');
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.planId).toBe('live-price');
  });
});

describe('Idempotency-Key: in progress', () => {
  // A POST whose code waits for the test to release it, served by the same stack as every route.
  const latchRoute = defineRoute({
    method: 'POST',
    path: '/v1/latches',
    operationId: 'latch',
    summary: 'test: waits until released',
    handler: 'latch',
    roles: ['buyer'],
    body: z.strictObject({ outcome: z.enum(['created', 'conflict', 'crash']) }),
    responses: { 201: { description: 'done' }, 409: { description: 'returned, not thrown' } },
  });
  let runs = 0;
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const latchHandler = httpHandler(latchRoute, async ({ body }) => {
    runs += 1;
    const run = runs;
    await gate;
    if (body.outcome === 'crash') throw new Error('boom');
    return body.outcome === 'conflict' ? { status: 409, body: { run } } : { status: 201, body: { run } };
  });
  let runtime: LocalRuntime;
  let base: string;
  beforeAll(async () => {
    runtime = createLocalRuntime({ routes: [latchRoute], jwtSecret: DEFAULT_JWT_SECRET, loadHandler: async () => ({ handler: latchHandler }) });
    await new Promise<void>((resolve) => runtime.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(runtime.server.address() as AddressInfo).port}`;
  });
  afterAll(() => runtime.close());
  const latch = async (outcome: string, key: string) => {
    const res = await fetch(`${base}/v1/latches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await api.token(parties.buyer)}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ outcome }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  const closeGate = () => {
    gate = new Promise<void>((resolve) => (release = resolve));
  };

  it('409 IDEMPOTENCY_IN_PROGRESS while the first request runs, then the first response is replayed', async () => {
    closeGate();
    runs = 0;
    const key = newKey();
    const first = latch('created', key);
    await vi.waitFor(() => expect(runs).toBe(1));
    const during = await latch('created', key);
    expect(during.status).toBe(409);
    expect(during.headers.get('content-type')).toBe('application/problem+json');
    expect(during.headers.get('retry-after')).toBe('1');
    expect(during.body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' });
    // A different body under the running key is a reuse, not a wait.
    expect((await latch('conflict', key)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    release();
    expect((await first).status).toBe(201);
    const after = await latch('created', key);
    expect(after).toMatchObject({ status: 201, body: { run: 1 } });
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(runs).toBe(1);
  });

  it('#18 finding 3: a failure (500) after the action may have committed keeps the key — the retry replays the 500 and runs nothing; a 4xx releases it', async () => {
    runs = 0;
    gate = Promise.resolve();
    const crashKey = newKey();
    const first = await latch('crash', crashKey);
    expect(first.status).toBe(500);
    const again = await latch('crash', crashKey);
    expect(again.status).toBe(500);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(runs).toBe(1);
    const conflictKey = newKey();
    expect((await latch('conflict', conflictKey)).status).toBe(409);
    const retried = await latch('conflict', conflictKey);
    expect(retried).toMatchObject({ status: 409, body: { run: 3 } });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('Idempotency-Key in the OpenAPI document', () => {
  it('every POST documents the header, the replay header on its 2xx, and the 409 and 422 problems', async () => {
    const doc = (await api.call('GET', '/v1/openapi.json')).body;
    // The provider's notifications (public, signed) are idempotent by the top-up's status, not by the header.
    const posts = routes.filter((route) => route.method === 'POST' && route.roles !== 'public');
    expect(posts.length).toBeGreaterThan(5);
    for (const route of posts) {
      const operation = doc.paths[route.path].post;
      expect(operation.parameters, route.path).toContainEqual(
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }),
      );
      for (const [status, response] of Object.entries(operation.responses as Record<string, { headers?: object }>)) {
        if (/^2/.test(status)) expect(response.headers, `${route.path} ${status}`).toHaveProperty('Idempotent-Replayed');
      }
      expect(operation.responses['409'].content).toHaveProperty('application/problem+json');
      expect(operation.responses['422'].content).toHaveProperty('application/problem+json');
    }
    const put = doc.paths['/v1/merchants/{merchantId}'].put;
    expect(put.parameters.map((p: { name: string }) => p.name)).not.toContain('Idempotency-Key');
  });
});
