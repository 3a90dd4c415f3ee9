import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { idempotencyPayload, idempotencyProblem, runIdempotently } from '#shared/http/idempotency.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { DEFAULT_JWT_SECRET, LOCAL_AUDIENCE, LOCAL_ISSUER } from '#shared/local/tokens.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { nextId } from './support/orders.ts';
import { idempotencyRecordKey } from './support/reliability.ts';
import { seedApprovedClaim } from './support/seed.ts';

/**
 * The security regression suite of issue #18 (docs/security.md names the boundary each test
 * proves). Every test here failed on the code before the fix it guards; the infra half (bus
 * policy, least-privilege IAM, Cognito) is test/infra/security.test.ts.
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

/** A locally signed token with exactly these claims (iss and aud are the local ones unless given). */
async function rawToken(claims: Record<string, unknown>, options: { exp?: boolean } = {}): Promise<string> {
  const jwt = new SignJWT({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.exp !== false) jwt.setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(DEFAULT_JWT_SECRET));
}
const asToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
/** GET /v1/jobs… is not a route; POST /v1/jobs/{job}/runs is ops-only but runs a job: GET /v1/payouts scoped by role tells ops from others. */
const payoutsAs = async (token: string) => api.call('GET', '/v1/payouts', asToken(token));

describe('Finding 1 — the role comes from a claim the user cannot change', () => {
  it('a token whose only role is the user-writable custom:role "ops" is 401, never ops', async () => {
    const res = await payoutsAs(await rawToken({ sub: 'user-1', 'custom:role': 'ops' }));
    expect(res.status).toBe(401);
  });

  it('a Cognito ID token: the role is its one group (cognito:groups); custom:role next to it is ignored', async () => {
    const ops = await payoutsAs(await rawToken({ sub: 'staff-7', token_use: 'id', 'cognito:groups': ['ops'] }));
    expect(ops.status).toBe(200);
    const buyerClaimingOps = await api.call(
      'POST',
      '/v1/jobs/expiry/runs',
      asToken(await rawToken({ sub: 'buyer-7', token_use: 'id', 'cognito:groups': ['buyer'], 'custom:role': 'ops', role: 'ops' })),
    );
    expect(buyerClaimingOps.status).toBe(403);
  });

  it('a Cognito token with no group, two roles among its groups, or of another token_use (access) is 401', async () => {
    for (const claims of [
      { token_use: 'id', 'custom:role': 'ops' },
      { token_use: 'id', 'cognito:groups': ['ops', 'buyer'] },
      { token_use: 'access', 'cognito:groups': ['ops'] },
    ]) {
      const res = await payoutsAs(await rawToken({ sub: 'user-2', ...claims }));
      expect(res.status, JSON.stringify(claims)).toBe(401);
    }
  });
});

describe('Finding 4 — tokens: an expiry is required and the subject is a string', () => {
  it('a token without exp is 401', async () => {
    expect((await payoutsAs(await rawToken({ sub: 'ops-1', role: 'ops' }, { exp: false }))).status).toBe(401);
  });
  it('a numeric or array sub is 401, never stringified into an id', async () => {
    expect((await payoutsAs(await rawToken({ sub: 9001, role: 'ops' }))).status).toBe(401);
    expect((await payoutsAs(await rawToken({ sub: ['ops-1'], role: 'ops' }))).status).toBe(401);
  });
});

describe('Finding 4 — malformed paths and identifiers', () => {
  it('a path whose percent-encoding is not UTF-8 (/v1/claims/%ff%fe) is 400, not 500', async () => {
    const res = await api.call('GET', '/v1/claims/%ff%fe', { as: parties.adjuster });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
  it('an identifier outside 1–64 of A–Z a–z 0–9 . _ : - is 400 VALIDATION_FAILED naming the field', async () => {
    for (const id of ['clm%20x', 'a'.repeat(65), 'clm%00x', 'x%2Fy', '%E4%BF%9D']) {
      const res = await api.call('GET', `/v1/claims/${id}`, { as: parties.adjuster });
      expect(res.status, id).toBe(400);
      expect(res.body.errors?.[0]?.path, id).toBe('path.claimId');
    }
  });
});

describe('Finding 4 — free text is valid Unicode without control characters', () => {
  const merchant = () => `/v1/merchants/${nextId('shop-sec')}`;
  const profile = { name: 'Sec Shop', alipayAccount: 'sec@alipay.example', categories: ['apparel'] };
  it('NUL bytes and other controls in a name or alipayAccount are 400 naming the field', async () => {
    for (const [field, value] of [
      ['name', 'Sec\u0000Shop'],
      ['alipayAccount', 'sec\u0000@alipay.example'],
      ['name', 'Sec\u001bShop'],
      ['name', 'Sec\nShop'],
    ] as const) {
      const res = await api.call('PUT', merchant(), { as: parties.ops, body: { ...profile, [field]: value } });
      expect(res.status, `${field} ${JSON.stringify(value)}`).toBe(400);
      expect(res.body.errors?.[0]?.path).toBe(`body.${field}`);
    }
  });
  it('a lone surrogate is 400 (the JSON escape \\ud800 decodes to one)', async () => {
    const text = JSON.stringify(profile).replace('"Sec Shop"', '"Sec \\ud800 Shop"');
    const res = await api.call('PUT', merchant(), { as: parties.ops, body: text });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.path).toBe('body.name');
  });
  it('a reason with a NUL byte is 400; notes may hold newlines and tabs', async () => {
    const withdrawal = await api.call('POST', `/v1/merchants/${parties.merchant.sub}/deposit/withdrawals`, {
      as: parties.merchant,
      body: { amountFen: 100, reason: 'closing\u0000' },
    });
    expect(withdrawal.status).toBe(400);
    expect(withdrawal.body.errors?.[0]?.path).toBe('body.reason');
  });
  it('the profile with valid Unicode (CJK, emoji) is stored', async () => {
    expect((await api.call('PUT', merchant(), { as: parties.ops, body: { ...profile, name: '保障小店 🛡️' } })).status).toBe(200);
  });
});

describe('Finding 4 — only UTF-8 JSON bodies', () => {
  const body = JSON.stringify({ name: 'Sec Shop', alipayAccount: 'sec@alipay.example', categories: [] });
  it('charset=utf-16 (or any charset but utf-8) is 415; utf-8 and no charset are read', async () => {
    for (const contentType of ['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json;charset=UTF-16LE']) {
      const res = await api.call('PUT', `/v1/merchants/${nextId('shop-cs')}`, { as: parties.ops, body, headers: { 'content-type': contentType } });
      expect(res.status, contentType).toBe(415);
    }
    for (const contentType of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json']) {
      const res = await api.call('PUT', `/v1/merchants/${nextId('shop-cs')}`, { as: parties.ops, body, headers: { 'content-type': contentType } });
      expect(res.status, contentType).toBe(200);
    }
  });
  it('bytes that are not UTF-8 are 400, not silently replaced', async () => {
    const res = await fetch(`${api.base}/v1/merchants/${nextId('shop-bytes')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await api.token(parties.ops)}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"name":"Sec '), Buffer.from([0xff, 0xfe]), Buffer.from('","alipayAccount":"a@b.example","categories":[]}')]),
    });
    expect(res.status).toBe(400);
  });
});

describe('Finding 4 — cursors are signed and bound to the caller and the query', () => {
  const merchant = `shop-cursor-${randomUUID().slice(0, 8)}`;
  const merchantCaller: Caller = { role: 'merchant', sub: merchant };
  beforeAll(async () => {
    await seedApprovedClaim(merchant, '2026-11-23T10:00:00+08:00');
    await seedApprovedClaim(merchant, '2026-11-23T11:00:00+08:00');
    await seedApprovedClaim(merchant, '2026-11-23T12:00:00+08:00');
  });
  const page = (as: Caller, query: string) => api.call('GET', `/v1/claims?${query}`, { as });
  const invalid = (res: { status: number; body: any; headers: Headers }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.code).toBe('INVALID_CURSOR');
  };

  it('a cursor continues the same list for the same caller', async () => {
    const first = await page(merchantCaller, 'limit=1');
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await page(merchantCaller, `limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0].claimId).not.toBe(first.body.items[0].claimId);
  });

  it('a forged cursor (the old unsigned format, with extra or missing key fields) is 400 INVALID_CURSOR, not 500', async () => {
    const pk = `MERCHANT#${merchant}#CLAIMS`;
    for (const key of [
      { GSI2PK: pk, GSI2SK: '2026', PK: 'CLAIM#x', SK: 'CLAIM', extra: 'x' },
      { GSI2PK: pk },
      { GSI2PK: pk, GSI2SK: 1 },
      { GSI2PK: `MERCHANT#shop-7777#CLAIMS`, GSI2SK: '2026', PK: 'CLAIM#x', SK: 'CLAIM' },
    ]) {
      invalid(await page(merchantCaller, `cursor=${Buffer.from(JSON.stringify(key)).toString('base64url')}`));
    }
    invalid(await page(merchantCaller, 'cursor=not-a-cursor'));
  });

  it('an altered cursor, another caller’s cursor, or a cursor for another filter is 400 INVALID_CURSOR', async () => {
    const { nextCursor } = (await page(merchantCaller, 'limit=1')).body;
    const flipped = `${nextCursor.slice(0, 5)}${nextCursor[5] === 'A' ? 'B' : 'A'}${nextCursor.slice(6)}`;
    invalid(await page(merchantCaller, `limit=1&cursor=${flipped}`));
    invalid(await page(parties.adjuster, `limit=1&cursor=${nextCursor}`));
    invalid(await page({ role: 'merchant', sub: 'shop-7777' }, `limit=1&cursor=${nextCursor}`));
    invalid(await page(merchantCaller, `limit=1&status=PAID&cursor=${nextCursor}`));
    invalid(await api.call('GET', `/v1/payouts?cursor=${nextCursor}`, { as: merchantCaller }));
  });
});

describe('Finding 3 — a keyed write retried after its invocation died after the commit has one effect', () => {
  it('the lock outlives the invocation: with 50 ms left, an invocation that committed and then hangs (a timeout) still holds the key 150 ms later — the retry is 409, not a second credit', async () => {
    let effects = 0;
    const payload = idempotencyPayload(
      { method: 'POST', path: '/v1/merchants/{merchantId}/deposit/top-ups' },
      { role: 'merchant', id: nextId('shop-lock') },
      'k-1',
      { body: { amountFen: 50_000 } },
    );
    const almostOver = { getRemainingTimeInMillis: () => 50 } as unknown as Context;
    void runIdempotently(payload, almostOver, async () => {
      effects += 1; // the credit committed …
      return new Promise(() => undefined); // … and the invocation never finishes
    });
    await vi.waitFor(() => expect(effects).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const retry = await runIdempotently(payload, almostOver, async () => {
      effects += 1;
      return { statusCode: 201, body: '{}' };
    }).catch((error: unknown) => error);
    expect(idempotencyProblem(retry)?.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(effects).toBe(1);
  });

  it('join: the first run commits but never records completion (a timeout); once the lock lapses the retry is refused by the data (one enrollment)', async () => {
    const sub = nextId('shop-timeout');
    const caller: Caller = { role: 'merchant', sub };
    const put = await api.call('PUT', `/v1/merchants/${sub}`, {
      as: parties.service,
      body: { name: 'Timeout Shop', alipayAccount: 'timeout@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel'] },
    });
    expect(put.status).toBe(200);
    const key = `timeout-${randomUUID()}`;
    const body = { planId: 'authenticity', acceptAgreement: true, agreementVersion: '2026-09' };
    const path = `/v1/merchants/${sub}/enrollments`;
    expect((await api.call('POST', path, { as: caller, body, headers: { 'idempotency-key': key } })).status).toBe(201);
    // What a timeout after the commit leaves: the record in progress, its completion never written,
    // its lock lapsed.
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: idempotencyRecordKey(caller, 'POST /v1/merchants/{merchantId}/enrollments', key),
        UpdateExpression: 'SET idempotencyStatus = :p, inProgressExpiresAtMs = :past REMOVE #response',
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: { ':p': 'INPROGRESS', ':past': Date.now() - 1 },
      }),
    );
    const retry = await api.call('POST', path, { as: caller, body, headers: { 'idempotency-key': key } });
    expect(retry.status).toBe(409);
    const list = await api.call('GET', path, { as: caller });
    expect(list.body.items.filter((e: { planId: string }) => e.planId === 'authenticity')).toHaveLength(1);
  });
});
