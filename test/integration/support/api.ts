import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Role } from '#shared/http/auth.ts';
import { createLocalRuntime, type LocalRuntime } from '#shared/local/runtime.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';

/**
 * Drives the API the way a client does: HTTP through the local runtime (route matching, token
 * verification, the payload-2.0 event) into the real handlers, against this file's fresh table
 * in DynamoDB Local. Call `useApi()` at the top of a test file.
 */
export interface Caller {
  role: Role;
  sub: string;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Api {
  base: string;
  runtime: LocalRuntime;
  call<T = any>(method: string, path: string, options?: { as?: Caller; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  token(caller: Caller): Promise<string>;
}

export const parties = {
  merchant: { role: 'merchant', sub: 'shop-9001' },
  otherMerchant: { role: 'merchant', sub: 'shop-7777' },
  buyer: { role: 'buyer', sub: 'buyer-417' },
  otherBuyer: { role: 'buyer', sub: 'buyer-999' },
  adjuster: { role: 'adjuster', sub: 'adjuster-1' },
  ops: { role: 'ops', sub: 'ops-1' },
  service: { role: 'service', sub: 'order-system' },
} as const satisfies Record<string, Caller>;

/** `pages`: more local pages after the payment page and the evidence storage (the e2e tests add the console). */
export function useApi(options: { pages?: NonNullable<Parameters<typeof createLocalRuntime>[0]['pages']> } = {}): Api {
  const api = {} as Api;
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    const { routes } = await import('#functions/routes.ts');
    const { jobs } = await import('#functions/jobs.ts');
    const { loadFunctionHandler } = await import('#functions/load-handler.ts');
    const { localPayPage } = await import('#shared/local/pay-page.ts');
    const { localEvidencePage } = await import('#shared/evidence/local.ts');
    const { chainPages } = await import('#shared/local/console.ts');
    const pages = chainPages(localPayPage, localEvidencePage, ...(options.pages ? [options.pages] : []));
    api.runtime = createLocalRuntime({ routes, jobs, loadHandler: loadFunctionHandler, jwtSecret: DEFAULT_JWT_SECRET, pages });
    await new Promise<void>((resolve) => api.runtime.server.listen(0, '127.0.0.1', resolve));
    api.base = `http://127.0.0.1:${(api.runtime.server.address() as AddressInfo).port}`;
    // The local payment provider's links and notifications point at this file's runtime (D4).
    process.env['LOCAL_PAY_BASE_URL'] = api.base;
  });
  afterAll(() => api.runtime?.close());

  api.token = async (caller) => {
    const key = `${caller.role}:${caller.sub}`;
    if (!tokens.has(key)) tokens.set(key, await signToken(DEFAULT_JWT_SECRET, { sub: caller.sub, role: caller.role }));
    return tokens.get(key)!;
  };
  api.call = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) headers['authorization'] = `Bearer ${await api.token(options.as)}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${api.base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: body as any };
  };
  return api;
}
