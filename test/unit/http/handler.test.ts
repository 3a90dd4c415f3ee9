import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { httpHandler, MAX_BODY_BYTES } from '#shared/http/handler.ts';
import { HttpProblem } from '#shared/http/problem.ts';
import { defineRoute } from '#shared/http/route.ts';
import { apiEvent, testContext } from '#test/fixtures/api-events.ts';

const route = defineRoute({
  method: 'POST',
  path: '/v1/things/{thingId}',
  operationId: 'postThing',
  summary: 'test route',
  handler: 'test',
  roles: ['merchant', 'ops'],
  params: z.object({ thingId: z.string().check(z.minLength(1)) }),
  query: z.object({ limit: z.optional(z.coerce.number().check(z.int(), z.maximum(100))) }),
  body: z.strictObject({ amountFen: z.int().check(z.nonnegative()) }),
  responses: { 200: { description: 'ok' } },
});

let failWith: unknown;
const handler = httpHandler(route, async ({ params, query, body, principal }) => {
  if (failWith) throw failWith;
  return { status: 200, body: { thingId: params.thingId, limit: query.limit, amountFen: body.amountFen, principal } };
});

const merchant = { sub: 'shop-1', role: 'merchant' };
const call = (overrides: Parameters<typeof apiEvent>[0]) =>
  handler(apiEvent({ method: 'POST', path: '/v1/things/t1', pathParameters: { thingId: 't1' }, ...overrides }), testContext);

describe('httpHandler middleware stack', () => {
  it('passes typed, validated input and the token principal to the route code', async () => {
    failWith = undefined;
    const res = await call({ claims: merchant, body: '{"amountFen": 500}', query: { limit: '20' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(res.body!)).toEqual({ thingId: 't1', limit: 20, amountFen: 500, principal: { role: 'merchant', id: 'shop-1' } });
  });

  it('reads the role of a Cognito ID token from its one group (cognito:groups), as API Gateway or the local runtime flattens it', async () => {
    failWith = undefined;
    for (const groups of ['[merchant]', '["merchant"]', '[merchant everyone]']) {
      const res = await call({ claims: { sub: 'shop-1', token_use: 'id', 'cognito:groups': groups }, body: '{"amountFen": 5}' });
      expect(res.statusCode, groups).toBe(200);
      expect(JSON.parse(res.body!).principal, groups).toEqual({ role: 'merchant', id: 'shop-1' });
    }
  });

  it('never reads the user-writable custom:role; a Cognito access token, no group or two role groups are 401', async () => {
    for (const claims of <Record<string, string>[]>[
      { sub: 'shop-1', 'custom:role': 'merchant' },
      { sub: 'shop-1', token_use: 'id', 'custom:role': 'merchant' },
      { sub: 'shop-1', token_use: 'access', 'cognito:groups': '[merchant]' },
      { sub: 'shop-1', token_use: 'id', 'cognito:groups': '[merchant ops]' },
      { sub: 'shop-1', token_use: 'id', role: 'merchant' },
    ]) {
      const res = await call({ claims, body: '{"amountFen": 5}' });
      expect(res.statusCode, JSON.stringify(claims)).toBe(401);
    }
  });

  it('401 problem without verified claims', async () => {
    const res = await call({ body: '{"amountFen": 1}' });
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body!)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('401 when the token carries an unknown role', async () => {
    const res = await call({ claims: { sub: 'x', role: 'admin' }, body: '{"amountFen": 1}' });
    expect(res.statusCode).toBe(401);
  });

  it('403 problem for a role the route does not allow, before looking at the body', async () => {
    const res = await call({ claims: { sub: 'b1', role: 'buyer' }, body: 'not json' });
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body!)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each([
    ['negative money', '{"amountFen": -1}', 'body.amountFen'],
    ['fractional money', '{"amountFen": 1.5}', 'body.amountFen'],
    ['unknown field', '{"amountFen": 1, "role": "ops"}', 'body'],
    ['missing body', undefined, 'body'],
    ['malformed JSON', '{"amountFen": ', 'body'],
    ['prototype pollution key', '{"amountFen": 1, "__proto__": {"admin": true}}', 'body'],
  ])('400 VALIDATION_FAILED for %s', async (_name, body, path) => {
    const res = await call({ claims: merchant, ...(body === undefined ? {} : { body }) });
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(res.body!);
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', type: 'https://baozhang.dev/problems/validation-failed' });
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('400 lists query errors too', async () => {
    const res = await call({ claims: merchant, body: '{"amountFen": 1}', query: { limit: '1000' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).errors[0].path).toBe('query.limit');
  });

  it('415 for a body that is not JSON', async () => {
    const res = await call({ claims: merchant, body: 'amountFen=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(415);
  });

  it('413 for a body over 256 KB', async () => {
    const big = JSON.stringify({ amountFen: 1, pad: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await call({ claims: merchant, body: big });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body!).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('decodes base64 bodies as API Gateway sends them', async () => {
    failWith = undefined;
    const res = await call({ claims: merchant, body: Buffer.from('{"amountFen": 7}').toString('base64'), isBase64Encoded: true });
    expect(JSON.parse(res.body!).amountFen).toBe(7);
  });

  it('maps a thrown HttpProblem to its problem response', async () => {
    failWith = new HttpProblem(409, 'ALREADY_ENROLLED', 'Already enrolled', 'The plan is already active.', { basis: { planId: 'live-price' } });
    const res = await call({ claims: merchant, body: '{"amountFen": 1}' });
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body!)).toEqual({
      type: 'https://baozhang.dev/problems/already-enrolled',
      title: 'Already enrolled',
      status: 409,
      code: 'ALREADY_ENROLLED',
      detail: 'The plan is already active.',
      basis: { planId: 'live-price' },
    });
  });

  it('an unknown error is a generic 500 that leaks nothing', async () => {
    failWith = new Error('connect ECONNREFUSED 10.0.0.1:8000 secret-table-name');
    const res = await call({ claims: merchant, body: '{"amountFen": 1}' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('ECONNREFUSED');
    expect(res.body).not.toContain('secret');
    expect(JSON.parse(res.body!).code).toBe('INTERNAL_ERROR');
    failWith = undefined;
  });
});

describe('a POST that takes no body', () => {
  const bodyless = defineRoute({
    method: 'POST',
    path: '/v1/jobs/{job}/runs',
    operationId: 'runThing',
    summary: 'test route without a body',
    handler: 'test',
    roles: ['ops'],
    responses: { 200: { description: 'ok' } },
  });
  const run = httpHandler(bodyless, async () => ({ status: 200, body: { ran: true } }));
  const post = (body?: string) =>
    run(
      apiEvent({ method: 'POST', path: '/v1/jobs/payout/runs', claims: { sub: 'ops-1', role: 'ops' }, ...(body === undefined ? {} : { body }) }),
      testContext,
    );

  it('accepts none or {} (clients that always send JSON)', async () => {
    expect((await post()).statusCode).toBe(200);
    expect((await post('{}')).statusCode).toBe(200);
  });

  it('refuses anything else with a 400 that says what to send', async () => {
    for (const body of ['{"job":"x"}', '[]', '1']) {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).errors).toEqual([{ path: 'body', message: 'This route takes no body; send none or {}' }]);
    }
  });
});
