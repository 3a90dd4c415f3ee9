import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';
import { handler as healthHandler } from '#functions/health/handler.ts';
import { createLocalRuntime, type LocalRuntime } from '#shared/local/runtime.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';
import { defineRoute } from '#shared/http/route.ts';
import type { ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { testContext } from '#test/fixtures/api-events.ts';

let runtime: LocalRuntime;
let base: string;

// A protected echo route, served by a stand-in module, to see what the runtime hands a handler.
const echoRoute = defineRoute({
  method: 'POST',
  path: '/v1/echo/{id}',
  operationId: 'echo',
  summary: 'echo',
  handler: 'echo',
  roles: ['merchant'],
  responses: {},
});
const seen: unknown[] = [];
const ticks: ScheduledJobEvent[] = [];
const stubs: Record<string, { handler: (event: never) => Promise<unknown> }> = {
  echo: {
    handler: async (event: never) => {
      seen.push(event);
      return { statusCode: 201, headers: { 'content-type': 'application/json', 'x-echo': 'yes' }, body: '{"ok":true}' };
    },
  },
  tick: {
    handler: async (event: never) => {
      ticks.push(event);
      return { job: (event as ScheduledJobEvent).job, processed: 0 };
    },
  },
};

beforeAll(async () => {
  runtime = createLocalRuntime({
    routes: [...routes, echoRoute],
    jwtSecret: DEFAULT_JWT_SECRET,
    loadHandler: async (folder) => stubs[folder] ?? import(`#functions/${folder}/handler.ts`),
    jobs: [{ job: 'expiry', handler: 'tick', everyEnv: 'EXPIRY_EVERY', every: '15m' }],
    jobIntervals: { expiry: 50 },
  });
  await new Promise<void>((resolve) => runtime.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(runtime.server.address() as AddressInfo).port}`;
});
afterAll(() => runtime.close());

describe('local API runtime', () => {
  it('answers GET /v1/health with 200 once the table answers', async () => {
    const res = await fetch(`${base}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('gives the same response as invoking the handler directly with a recorded API Gateway event', async () => {
    const recorded = JSON.parse(readFileSync(new URL('../fixtures/apigw/get-health.json', import.meta.url), 'utf8'));
    const direct = await healthHandler(recorded, testContext);
    const viaRuntime = await fetch(`${base}/v1/health`);
    expect(viaRuntime.status).toBe(direct.statusCode);
    expect(viaRuntime.headers.get('content-type')).toBe(direct.headers?.['content-type']);
    expect(await viaRuntime.text()).toBe(direct.body);
  });

  it('serves the generated OpenAPI document', async () => {
    const res = await fetch(`${base}/v1/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/health', '/v1/openapi.json']));
  });

  it('unknown routes get a problem+json 404', async () => {
    const res = await fetch(`${base}/v1/nowhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('a protected route without a token, or with a bad or expired one, is 401 before any handler runs', async () => {
    const before = seen.length;
    const expired = await signToken(DEFAULT_JWT_SECRET, { sub: 'shop-1', role: 'merchant' }, { expiresIn: 1 });
    const forged = await signToken('not-the-secret', { sub: 'shop-1', role: 'merchant' });
    for (const authorization of [undefined, 'Bearer nonsense', `Bearer ${expired}`, `Bearer ${forged}`, 'Basic abc']) {
      const res = await fetch(`${base}/v1/echo/1`, { method: 'POST', headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(seen.length).toBe(before);
  });

  it('puts verified claims where the API Gateway JWT authorizer puts them and relays the handler result', async () => {
    const token = await signToken(DEFAULT_JWT_SECRET, { sub: 'shop-1', role: 'merchant' });
    const res = await fetch(`${base}/v1/echo/e%201?x=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    const event = seen.at(-1) as {
      requestContext: { authorizer: { jwt: { claims: Record<string, string> } } };
      pathParameters: unknown;
      body: string;
      routeKey: string;
    };
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({ sub: 'shop-1', role: 'merchant' });
    expect(event.pathParameters).toEqual({ id: 'e 1' });
    expect(event.routeKey).toBe('POST /v1/echo/{id}');
    expect(event.body).toBe('{"a":1}');
  });

  it('runs scheduled jobs on their timer with the Scheduler event shape', async () => {
    await expect.poll(() => ticks.length, { timeout: 2000 }).toBeGreaterThan(0);
    const tick = ticks[0]!;
    expect(tick).toMatchObject({ job: 'expiry', attemptNumber: '1' });
    expect(tick.scheduledTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(tick.scheduleArn).toMatch(/^arn:aws:scheduler:/);
  });
});
