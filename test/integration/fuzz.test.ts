import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { MAX_BODY_BYTES } from '#shared/http/handler.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { keys } from '#shared/store/keys.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { malformedJson, mutatedBody, mutationArbitrary, shapeOf, wrongRoot, type Mutation } from './support/hostile-input.ts';
import { event, orderData } from './support/orders.ts';
import { snapshotDiff, tableSnapshot } from './support/reliability.ts';
import { readItem, seedCovered } from './support/seed.ts';

/**
 * Hostile input: thousands of malformed and adversarial bodies to every POST and PUT route —
 * wrong types, unknown and prototype-polluting keys, missing fields, huge strings, negative,
 * fractional and over-large money, instants out of range, deep nesting, broken JSON, wrong
 * content types, bodies over 256 KB. Every answer must be a 4xx problem, never a 5xx, and not
 * one item of the table may change. The resources the routes name exist (a merchant with a
 * deposit, an order, policies, claims), so a body that slipped through would change something.
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

const RUNS_PER_ROUTE = Number(process.env['FUZZ_RUNS'] ?? 250);
const MERCHANT: Caller = { role: 'merchant', sub: 'shop-fuzz' };
const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'b'.repeat(64) }];
const ids = { enrollment: '', order: '', policy: '', claim: '', withdrawal: 'wdr_00000000000000000000000000', topUp: '' };

interface Target {
  as: Caller;
  path: () => string;
  /** A valid body (checked against the route's schema below); undefined for routes without one. */
  sample: () => unknown;
}

const order = orderData({ merchantId: MERCHANT.sub, lines: [{}, { lineId: 'L2', category: 'fmcg', quantity: 3, unitPriceFen: 2500, paidFen: 7000 }] });

/** One entry per POST/PUT route: a route missing here fails the run. */
const targets: Record<string, Target> = {
  'PUT /v1/merchants/{merchantId}': {
    as: parties.ops,
    path: () => `/v1/merchants/${MERCHANT.sub}`,
    sample: () => ({ name: 'Fuzz Shop', alipayAccount: 'fuzz@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel', 'fmcg'] }),
  },
  'POST /v1/merchants/{merchantId}/enrollments': {
    as: MERCHANT,
    path: () => `/v1/merchants/${MERCHANT.sub}/enrollments`,
    sample: () => ({
      planId: 'price-protection',
      acceptAgreement: true,
      agreementVersion: '2026-09',
      gift: true,
      campaign: { campaignId: 'jhs-2026-1111', endsAt: '2026-11-30T00:00:00+08:00', itemIds: ['item-5521', 'item-7'] },
    }),
  },
  'POST /v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit': {
    as: MERCHANT,
    path: () => `/v1/merchants/${MERCHANT.sub}/enrollments/${ids.enrollment}/exit`,
    sample: () => ({ reason: 'business-difficulty' }),
  },
  'POST /v1/events': {
    as: parties.service,
    path: () => '/v1/events',
    sample: () => ({
      events: [
        { ...event('order.paid', order), id: 'evt-fuzz-paid' },
        {
          ...event('order.refund-completed', {
            orderId: order.orderId,
            lineId: 'L1',
            refundFen: 9000,
            reason: 'quality-issue',
            returned: true,
            requestedAt: '2026-11-23T20:00:00+08:00',
            completedAt: '2026-11-25T09:00:00+08:00',
          }),
          id: 'evt-fuzz-refund',
        },
        { ...event('merchant.penalized', { merchantId: MERCHANT.sub, penaltyId: 'pen-fuzz', reason: 'fake orders', fraud: true }), id: 'evt-fuzz-pen' },
      ],
    }),
  },
  'POST /v1/orders/{orderId}/policies': {
    as: parties.buyer,
    path: () => `/v1/orders/${ids.order}/policies`,
    sample: () => ({ planId: 'return-shipping' }),
  },
  'POST /v1/claims': {
    as: parties.buyer,
    path: () => '/v1/claims',
    sample: () => ({ policyId: ids.policy, lineId: 'L1', proofOrderId: 'ord-proof-fuzz', evidence, description: 'Not genuine' }),
  },
  'POST /v1/claims/{claimId}/evidence': {
    as: parties.buyer,
    path: () => `/v1/claims/${ids.claim}/evidence`,
    sample: () => ({ evidence, note: 'Page 2' }),
  },
  'POST /v1/claims/{claimId}/evidence-uploads': {
    as: parties.buyer,
    path: () => `/v1/claims/${ids.claim}/evidence-uploads`,
    sample: () => ({ type: 'appraisal-report', contentType: 'application/pdf', sizeBytes: 2048, sha256: 'a'.repeat(64) }),
  },
  'POST /v1/policies/{policyId}/evidence-uploads': {
    as: parties.buyer,
    path: () => `/v1/policies/${ids.policy}/evidence-uploads`,
    sample: () => ({ type: 'appraisal-report', contentType: 'image/png', sizeBytes: 4096, sha256: 'b'.repeat(64) }),
  },
  'POST /v1/claims/{claimId}/decisions': {
    as: parties.adjuster,
    path: () => `/v1/claims/${ids.claim}/decisions`,
    sample: () => ({ decision: 'reject', reasonCode: 'GENUINE_ITEM', note: 'Verified genuine' }),
  },
  'POST /v1/jobs/{job}/runs': { as: parties.ops, path: () => '/v1/jobs/expiry/runs', sample: () => undefined },
  'POST /v1/merchants/{merchantId}/deposit/top-ups': {
    as: MERCHANT,
    path: () => `/v1/merchants/${MERCHANT.sub}/deposit/top-ups`,
    sample: () => ({ amountFen: 100_000 }),
  },
  'POST /v1/merchants/{merchantId}/deposit/withdrawals': {
    as: MERCHANT,
    path: () => `/v1/merchants/${MERCHANT.sub}/deposit/withdrawals`,
    sample: () => ({ amountFen: 5_000, reason: 'closing the shop' }),
  },
  'POST /v1/deposit-withdrawals/{withdrawalId}/decisions': {
    as: parties.ops,
    path: () => `/v1/deposit-withdrawals/${ids.withdrawal}/decisions`,
    sample: () => ({ decision: 'approve', note: 'ok' }),
  },
  'POST /v1/claims/{claimId}/advance-compensations': {
    as: parties.ops,
    path: () => `/v1/claims/${ids.claim}/advance-compensations`,
    sample: () => ({ note: 'insurer declined' }),
  },
  'POST /v1/orders/{orderId}/compensations': {
    as: parties.ops,
    path: () => `/v1/orders/${ids.order}/compensations`,
    sample: () => ({ lineId: 'L1', amountFen: 100, reason: 'quality-issue', note: 'broken on arrival' }),
  },
};

/**
 * The payment provider's notifications are not JSON and carry no token: their body is the
 * provider's own signed format, so the JSON mutations above do not apply; they get their own
 * hostile bodies below (`forged notifications`).
 */
const PROVIDER_ROUTES = new Set(['POST /v1/payments/{provider}/notifications']);

const routeKey = (route: RouteSpec) => `${route.method} ${route.path}`;
const writeRoutes = routes.filter((route) => (route.method === 'POST' || route.method === 'PUT') && !PROVIDER_ROUTES.has(routeKey(route)));

async function send(method: string, target: Target, text: string, contentType = 'application/json') {
  return api.call(method, target.path(), {
    as: target.as,
    body: text,
    headers: { 'content-type': contentType },
  });
}

/** What every answer to a hostile body must look like. */
function expectRefused(res: { status: number; headers: Headers; body: any }, expected: number, what: string) {
  expect(res.status, `${what} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`).toBe(expected);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status: expected, code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/) });
}

let before: Map<string, string>;

beforeAll(async () => {
  const profile = targets['PUT /v1/merchants/{merchantId}']!.sample();
  expect((await api.call('PUT', `/v1/merchants/${MERCHANT.sub}`, { as: parties.service, body: profile })).status).toBe(200);
  const joined = await api.call('POST', `/v1/merchants/${MERCHANT.sub}/enrollments`, {
    as: MERCHANT,
    body: { planId: 'authenticity', acceptAgreement: true, agreementVersion: '2026-09' },
  });
  expect(joined.status).toBe(201);
  ids.enrollment = joined.body.enrollmentId;
  const topUp = await api.call('POST', `/v1/merchants/${MERCHANT.sub}/deposit/top-ups`, { as: MERCHANT, body: { amountFen: 200_000 } });
  expect(topUp.status).toBe(201);
  ids.topUp = topUp.body.topUpId;
  const covered = await seedCovered('authenticity', { merchantId: MERCHANT.sub });
  ids.order = covered.order.orderId;
  ids.policy = covered.policy.policyId;
  const claim = await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: ids.policy, lineId: 'L1', evidence } });
  expect(claim.status).toBe(201);
  ids.claim = claim.body.claimId;
  expect((await api.call('POST', `/v1/claims/${ids.claim}/decisions`, { as: parties.adjuster, body: { decision: 'request-info' } })).status).toBe(200);
  before = await tableSnapshot();
});

describe('hostile input to every POST and PUT route', () => {
  it('every POST/PUT route of functions/routes.ts has a fuzz target with a valid sample body', () => {
    expect(Object.keys(targets).sort()).toEqual(writeRoutes.map(routeKey).sort());
    for (const route of writeRoutes) {
      const sample = targets[routeKey(route)]!.sample();
      if (route.body) expect(route.body.safeParse(sample).error, routeKey(route)).toBeUndefined();
      else expect(sample).toBeUndefined();
    }
  });

  describe.each(writeRoutes.map((route) => [routeKey(route), route] as const))('%s', (name, route) => {
    const target = () => targets[name]!;

    it(`${RUNS_PER_ROUTE} mutated bodies (types, unknown and __proto__ keys, missing fields, huge strings, bad money, bad instants, deep nesting): each a 4xx problem`, async () => {
      const sample = target().sample() ?? {};
      const nodes = shapeOf(route.body, sample);
      const arbitrary = fc.array(mutationArbitrary(nodes), { minLength: 1, maxLength: 3 });
      const seen = new Map<Mutation['kind'], number>();
      await fc.assert(
        fc.asyncProperty(arbitrary, async (mutations) => {
          const { text, applied } = mutatedBody(sample, mutations);
          for (const m of applied) seen.set(m.kind, (seen.get(m.kind) ?? 0) + 1);
          const expected = Buffer.byteLength(text) > MAX_BODY_BYTES ? 413 : 400;
          expectRefused(await send(route.method, target(), text), expected, `${applied.map((m) => `${m.kind} at ${m.path.join('.') || '(root)'}`).join(', ')}`);
        }),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      // The generator really exercised the categories this route's shape allows.
      expect(seen.get('wrong type') ?? 0).toBeGreaterThan(0);
      expect(seen.get('deep nesting') ?? 0).toBeGreaterThan(0);
    });

    it('broken JSON, the wrong root type and the wrong content type: 400 / 415 problems', async () => {
      const sampleText = JSON.stringify(target().sample() ?? {});
      await fc.assert(
        fc.asyncProperty(fc.oneof(malformedJson(sampleText), wrongRoot), async (text) => {
          // A POST that takes no body accepts `{}` (api.md): that is no malformed body for it.
          fc.pre(route.body !== undefined || text.trim() !== '{}');
          expectRefused(await send(route.method, target(), text), 400, `body ${JSON.stringify(text.slice(0, 80))}`);
        }),
        { numRuns: 40, endOnFailure: true },
      );
      for (const contentType of [
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      ]) {
        expectRefused(await send(route.method, target(), sampleText, contentType), 415, contentType);
      }
    });
  });

  it('D4 forged notifications: random and tampered provider bodies are each a 4xx problem and credit nothing', async () => {
    const fields = { out_trade_no: ids.topUp, trade_no: 'ltd_fuzz', trade_status: 'TRADE_SUCCESS', total_amount: '2000.00', gmt_payment: NOW };
    const tampered = fc
      .record({ key: fc.constantFrom(...Object.keys(fields)), value: fc.string({ maxLength: 40 }) })
      .map(({ key, value }) => new URLSearchParams({ ...fields, [key]: value, sign: 'f'.repeat(64) }).toString());
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), tampered), async (text) => {
        const res = await fetch(`${api.base}/v1/payments/local/notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: text,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('the 256 KB limit: a body of exactly 256 KB is read (and refused for its content); one byte more is 413 before parsing', async () => {
    const target = targets['POST /v1/claims']!;
    const frame = '{"padding":""}';
    const exact = `{"padding":"${'x'.repeat(MAX_BODY_BYTES - frame.length)}"}`;
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    expectRefused(await send('POST', target, exact), 400, 'exactly 256 KB');
    const over = `{"padding":"${'x'.repeat(MAX_BODY_BYTES - frame.length + 1)}"}`;
    expectRefused(await send('POST', target, over), 413, '256 KB + 1');
    // Multi-byte characters count as bytes, not characters.
    const wide = `{"padding":"${'保'.repeat(Math.ceil(MAX_BODY_BYTES / 3))}"}`;
    expectRefused(await send('POST', target, wide), 413, '256 KB of 3-byte characters');
  });

  it('after everything above: not one item of the table changed, and no prototype was polluted', async () => {
    expect(snapshotDiff(before, await tableSnapshot())).toEqual([]);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});

describe('the one place unknown fields are allowed: an event’s data (the order system owns that schema)', () => {
  it('prototype-polluting keys inside data are dropped: the event is accepted, nothing is polluted or stored', async () => {
    const data = orderData({ merchantId: 'shop-fuzz-data' }) as Record<string, unknown>;
    const text = JSON.stringify({ id: 'evt-fuzz-proto', type: 'order.paid', occurredAt: NOW, data }).replace(
      '"orderId":',
      '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":{"isAdmin":true},"orderId":',
    );
    const res = await api.call('POST', '/v1/events', { as: parties.service, body: text });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const stored = await readItem(keys.order(String(data['orderId'])));
    expect(stored).toBeDefined();
    expect(Object.keys(stored!)).not.toEqual(expect.arrayContaining(['__proto__']));
    expect(stored).not.toHaveProperty('constructor.prototype.polluted');
    expect(Object.hasOwn(stored!, 'prototype')).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});
