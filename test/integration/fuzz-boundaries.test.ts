import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { cursorBinding, sealCursor } from '#shared/http/cursor.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { parties, useApi, type Caller } from './support/api.ts';

/**
 * Hostile input at the edges issue #18 closed (docs/security.md): crafted and forged cursors —
 * including correctly signed ones around malformed store keys —, path segments with broken or
 * exotic percent-encoding, control characters and lone surrogates in text, bodies that are not
 * UTF-8 or declare another charset. Every answer is a problem below 500. `FUZZ_REQUESTS` sets the
 * total (default 400 for npm test; `npm run fuzz` sends 10,000).
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

const TOTAL = Number(process.env['FUZZ_REQUESTS'] ?? 400);
const PER_CATEGORY = Math.max(1, Math.ceil(TOTAL / 4));
const TIMEOUT = 60_000 + PER_CATEGORY * 100;
const statuses = new Map<number, number>();
let sent = 0;

const callerFor = (route: RouteSpec): Caller | undefined => {
  if (route.roles === 'public') return undefined;
  const role = route.roles[0]!;
  return Object.values(parties).find((party) => party.role === role);
};
const routeKey = (route: RouteSpec) => `${route.method} ${route.path}`;

async function expectBelow500(res: { status: number; headers: Headers; body: any }, what: string) {
  sent += 1;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  expect(res.status, `${what} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) expect(res.headers.get('content-type'), what).toBe('application/problem+json');
}

// ---------- generators ----------
const hex = (byte: number) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
const hostileSegment = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => [...bytes].map(hex).join('')),
  fc.constantFrom(
    '%ff%fe',
    '%c0%80',
    '%ed%a0%80',
    '%e4%bf',
    '%00',
    '%0a',
    '%1b',
    '%7f',
    '%2e%2e',
    '%2F',
    '%5C',
    '%25',
    '%',
    '%g0',
    '%2',
    'a%',
    '..;',
    '%u0041',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((text) => encodeURIComponent(text)),
  fc.integer({ min: 65, max: 400 }).map((n) => 'a'.repeat(n)),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9._:-]{1,10}$/), fc.constantFrom('%00', '%20', '%E2%80%AE', '%EF%BB%BF', '%C2%85')).map(([id, bad]) => `${id}${bad}`),
);
const CONTROLS = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u000d', '\u001b', '\u001f', '\u007f', '\u0085', '\u009b'];
const LONE = ['\ud800', '\udbff', '\udc00', '\udfff'];
const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0x80], [0x80], [0xe4, 0xbf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]];

/** Text-bearing bodies: validation runs before any lookup, so the ids need not exist. */
const textTargets: Array<{ method: string; path: string; as: Caller; sample: Record<string, unknown>; fields: string[] }> = [
  {
    method: 'PUT',
    path: '/v1/merchants/shop-fuzz-text',
    as: parties.ops,
    sample: { name: 'Fuzz Shop', alipayAccount: 'fuzz@alipay.example', categories: ['apparel'] },
    fields: ['name', 'alipayAccount'],
  },
  {
    method: 'POST',
    path: `/v1/merchants/${parties.merchant.sub}/deposit/withdrawals`,
    as: parties.merchant,
    sample: { amountFen: 100, reason: 'closing the shop' },
    fields: ['reason'],
  },
  { method: 'POST', path: '/v1/claims/clm_fuzz/decisions', as: parties.adjuster, sample: { decision: 'reject', note: 'Verified genuine' }, fields: ['note'] },
  { method: 'POST', path: '/v1/claims', as: parties.buyer, sample: { policyId: 'pol_fuzz', description: 'Not genuine' }, fields: ['policyId', 'description'] },
  {
    method: 'POST',
    path: `/v1/merchants/${parties.merchant.sub}/enrollments`,
    as: parties.merchant,
    sample: { planId: 'authenticity', acceptAgreement: true, agreementVersion: '2026-09' },
    fields: ['agreementVersion'],
  },
];

const listRoutes = routes.filter((route) => route.method === 'GET' && route.query && 'cursor' in ((route.query as any)._zod.def.shape ?? {}));
const pathRoutes = routes.filter((route) => route.path.includes('{'));

function concretePath(route: RouteSpec, fill: (name: string) => string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    params[name] = fill(name);
    return params[name]!;
  });
  return { path, params };
}
const sampleParam = (name: string) =>
  name === 'merchantId' ? parties.merchant.sub : name === 'job' ? 'expiry' : name === 'planId' ? 'authenticity' : `${name.replace(/Id$/, '')}_fuzz`;

describe(`hostile input at the boundaries: ${TOTAL} requests, none answered with a 5xx`, () => {
  it('there are list routes with cursors and routes with path parameters to fuzz', () => {
    expect(listRoutes.map(routeKey)).toEqual(expect.arrayContaining(['GET /v1/claims', 'GET /v1/payouts']));
    expect(pathRoutes.length).toBeGreaterThan(10);
  });

  it('cursors: random strings, unsigned store keys, altered signatures, and correctly signed envelopes around malformed store keys — 400, never 5xx', {
    timeout: TIMEOUT,
  }, async () => {
    const storeKey = fc.dictionary(
      fc.constantFrom('PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK', 'extra', '__proto__', ''),
      fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.constant('CLAIMS')),
      { maxKeys: 6 },
    );
    const cursorCase = fc.oneof(
      fc.string({ maxLength: 200 }).map((text) => ({ kind: 'random', text })),
      storeKey.map((key) => ({ kind: 'unsigned', text: Buffer.from(JSON.stringify(key)).toString('base64url') })),
      storeKey.map((key) => ({ kind: 'signed', key })),
      fc.tuple(storeKey, fc.nat(60)).map(([key, flip]) => ({ kind: 'altered', key, flip })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...listRoutes), cursorCase, async (route, c) => {
        const as = callerFor(route)!;
        const { path, params } = concretePath(route, sampleParam);
        let cursor: string;
        if (c.kind === 'random' || c.kind === 'unsigned') cursor = (c as { text: string }).text;
        else {
          const inner = Buffer.from(JSON.stringify((c as { key: unknown }).key)).toString('base64url') || 'e30';
          cursor = await sealCursor(inner, cursorBinding({ role: as.role, id: as.sub }, routeKey(route), params, {}));
          if (c.kind === 'altered') {
            const at = cursor.length - 1 - ((c as { flip: number }).flip % 40);
            cursor = `${cursor.slice(0, at)}${cursor[at] === 'A' ? 'B' : 'A'}${cursor.slice(at + 1)}`;
          }
        }
        const res = await api.call('GET', `${path}?cursor=${encodeURIComponent(cursor)}`, { as });
        await expectBelow500(res, `${routeKey(route)} ${c.kind} cursor ${JSON.stringify(cursor).slice(0, 80)}`);
        expect(res.status, c.kind).toBe(400);
      }),
      { numRuns: PER_CATEGORY, endOnFailure: true },
    );
  });

  it('path parameters with broken, overlong, control-character or exotic percent-encoding — 4xx, never 5xx', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pathRoutes), hostileSegment, async (route, segment) => {
        const { path } = concretePath(route, () => segment);
        const body = route.method === 'GET' ? undefined : '{}';
        const res = await api.call(route.method, path, { ...(callerFor(route) ? { as: callerFor(route)! } : {}), ...(body ? { body } : {}) });
        await expectBelow500(res, `${route.method} ${path}`);
      }),
      { numRuns: PER_CATEGORY, endOnFailure: true },
    );
  });

  it('control characters and lone surrogates in text and ids — 400 naming the field', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...textTargets), fc.nat(), fc.constantFrom(...CONTROLS, ...LONE), fc.nat(), async (target, f, bad, at) => {
        const field = target.fields[f % target.fields.length]!;
        const value = String(target.sample[field]);
        const i = at % (value.length + 1);
        // JSON.stringify escapes a lone surrogate as \udXXX, which JSON.parse decodes back to one.
        const text = JSON.stringify({ ...target.sample, [field]: `${value.slice(0, i)}${bad}${value.slice(i)}` });
        const res = await api.call(target.method, target.path, { as: target.as, body: text });
        await expectBelow500(res, `${target.method} ${target.path} ${field} with U+${bad.charCodeAt(0).toString(16)}`);
        expect(res.status).toBe(400);
        expect(res.body.errors?.map((e: { path: string }) => e.path)).toContain(`body.${field}`);
      }),
      { numRuns: PER_CATEGORY, endOnFailure: true },
    );
  });

  it('bodies that are not UTF-8 (400) or declare another charset (415)', { timeout: TIMEOUT }, async () => {
    const charset = fc.constantFrom('utf-16', 'UTF-16LE', 'utf-32', 'latin1', 'iso-8859-1', 'gbk', 'us-ascii', 'x-unknown', '');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...textTargets),
        fc.boolean(),
        fc.constantFrom(...INVALID_UTF8),
        fc.nat(),
        charset,
        async (target, badBytes, bytes, at, declared) => {
          const text = JSON.stringify(target.sample);
          const quote = text.indexOf('"', text.indexOf(':') + 1) + 1 + (at % 3);
          const body = badBytes ? Buffer.concat([Buffer.from(text.slice(0, quote)), Buffer.from(bytes), Buffer.from(text.slice(quote))]) : Buffer.from(text);
          const contentType = badBytes ? 'application/json' : `application/json; charset=${declared}`;
          const res = await fetch(`${api.base}${target.path}`, {
            method: target.method,
            headers: { authorization: `Bearer ${await api.token(target.as)}`, 'content-type': contentType },
            body,
          });
          const parsed = { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
          await expectBelow500(parsed, `${target.method} ${target.path} ${badBytes ? `bytes ${bytes}` : contentType}`);
          expect(res.status).toBe(badBytes ? 400 : 415);
        },
      ),
      { numRuns: PER_CATEGORY, endOnFailure: true },
    );
  });

  it('sent what it promised, and not one 5xx', () => {
    expect(sent).toBeGreaterThanOrEqual(TOTAL);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
  });
});
