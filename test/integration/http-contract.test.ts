import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, type LocalRuntime } from '#shared/local/runtime.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';

/**
 * docs/api.md "Conventions" as the local runtime serves them: a bodyless POST takes none or `{}`,
 * a known path with a method it does not serve is 405 with `Allow`, CORS for configured origins only.
 */
let runtime: LocalRuntime;
let base: string;
let ops: string;

beforeAll(async () => {
  const { routes } = await import('#functions/routes.ts');
  const { jobs } = await import('#functions/jobs.ts');
  const { loadFunctionHandler } = await import('#functions/load-handler.ts');
  runtime = createLocalRuntime({ routes, jobs, loadHandler: loadFunctionHandler, jwtSecret: DEFAULT_JWT_SECRET, corsOrigins: ['https://shop.example'] });
  await new Promise<void>((resolve) => runtime.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(runtime.server.address() as AddressInfo).port}`;
  ops = await signToken(DEFAULT_JWT_SECRET, { sub: 'ops-1', role: 'ops' });
});
afterAll(() => runtime?.close());

const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });

describe('routes', () => {
  it('a POST that takes no body accepts {} as well as none', async () => {
    for (const body of [undefined, '{}']) {
      const res = await call('POST', '/v1/jobs/expiry/runs', { authorization: `Bearer ${ops}`, 'content-type': 'application/json' }, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ job: 'expiry' });
    }
  });

  it('a known path with a method it does not serve is 405 with Allow; an unknown path stays 404', async () => {
    const res = await call('DELETE', '/v1/plans', { authorization: `Bearer ${ops}` });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    const enrollments = await call('PUT', '/v1/merchants/shop-1/enrollments');
    expect(enrollments.status).toBe(405);
    expect(enrollments.headers.get('allow')).toBe('POST, GET');
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
  });
});

describe('CORS', () => {
  it('answers a configured origin (also on errors) and exposes the headers a client reads', async () => {
    const res = await call('GET', '/v1/health', { origin: 'https://shop.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('idempotent-replayed');
    const unauthenticated = await call('GET', '/v1/plans', { origin: 'https://shop.example' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('answers the preflight of a known path with its methods and the allowed request headers', async () => {
    const res = await call('OPTIONS', '/v1/claims', { origin: 'https://shop.example', 'access-control-request-method': 'POST' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('POST, GET');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, idempotency-key');
  });

  it('says nothing to another origin', async () => {
    const res = await call('GET', '/v1/health', { origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await call('OPTIONS', '/v1/claims', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
