import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  idempotencyNaturalKey,
  idempotencyPayload,
  idempotencyProblem,
  LOCK_MARGIN_MS,
  lockUntilMs,
  REPLAYED_HEADER,
  runIdempotently,
} from '#shared/http/idempotency.ts';
import { HttpProblem } from '#shared/http/problem.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { testContext } from '#test/fixtures/api-events.ts';

/**
 * The idempotency protocol's DynamoDB calls, one by one, against a scripted client: what each
 * keyed POST sends and how many round trips it costs. The behaviour end to end, on DynamoDB
 * Local, is test/integration/idempotency.test.ts.
 */
type Sent = { command: string; input: Record<string, any> };
let sent: Sent[];
let answers: Array<(input: Record<string, any>) => unknown>;

beforeEach(() => {
  sent = [];
  answers = [];
  vi.spyOn(documentClient, 'send').mockImplementation((async (command: { constructor: { name: string }; input: Record<string, any> }) => {
    sent.push({ command: command.constructor.name, input: command.input });
    const answer = answers.shift();
    return answer ? answer(command.input) : {};
  }) as never);
});
afterEach(() => vi.restoreAllMocks());

const route = { method: 'POST', path: '/v1/things/{thingId}' } as const;
const caller = { role: 'merchant', id: 'shop-1' } as const;
const payload = (body: unknown, key = 'k-1') => idempotencyPayload(route, caller, key, { params: { thingId: 't1' }, query: {}, body });
const created = { statusCode: 201, headers: { 'content-type': 'application/json', location: '/v1/things/t1' }, body: '{"id":"t1"}' };

const refusedWith = (item: Record<string, AttributeValue>) => () => {
  throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: item });
};
/** What a refused put returns: the existing record, in DynamoDB's own format (ALL_OLD). */
const existing = (status: string, requestHash: string, response?: typeof created): Record<string, AttributeValue> => ({
  idempotencyStatus: { S: status },
  requestHash: { S: requestHash },
  expiresAt: { N: String(Math.round(Date.now() / 1000) + 3600) },
  inProgressExpiresAtMs: { N: String(Date.now() + 5000) },
  ...(response
    ? {
        response: {
          M: {
            statusCode: { N: String(response.statusCode) },
            headers: { M: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, { S: v }])) },
            body: { S: response.body },
          },
        },
      }
    : {}),
});

/** The first run of a key: the record it puts, and the response it stores. */
async function firstRun(body: unknown) {
  const result = await runIdempotently(payload(body), testContext, async () => created);
  return { result, put: sent[0]!.input, update: sent[1]?.input };
}

describe('runIdempotently: the round trips', () => {
  it('a first run: one conditional put (INPROGRESS, 24 h expiry, the lock past the function timeout plus a margin), the action, one update to COMPLETED', async () => {
    const before = Date.now();
    const { result, put, update } = await firstRun({ amountFen: 500, note: 'x' });
    expect(result).toBe(created);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'UpdateCommand']);

    expect(put['Item']).toMatchObject({ SK: 'IDEMPOTENCY', idempotencyStatus: 'INPROGRESS', requestHash: expect.any(String) });
    expect(put['Item'].PK).toMatch(/^IDEMPOTENCY#http#[A-Za-z0-9+/]{43}=$/);
    expect(put['Item'].expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 24 * 3600);
    // testContext has 10 s left; the function's timeout (29 s by default) is longer and wins.
    expect(put['Item'].inProgressExpiresAtMs).toBeGreaterThanOrEqual(before + 29_000 + LOCK_MARGIN_MS);
    expect(put['Item'].inProgressExpiresAtMs).toBeLessThanOrEqual(Date.now() + 29_000 + LOCK_MARGIN_MS);
    expect(put['ReturnValuesOnConditionCheckFailure']).toBe('ALL_OLD');
    expect(put['ConditionExpression']).toBe('attribute_not_exists(PK) OR #expiresAt < :nowS OR (#status = :inProgress AND #lock < :nowMs)');

    expect(update).toMatchObject({
      Key: { PK: put['Item'].PK, SK: 'IDEMPOTENCY' },
      ConditionExpression: '#status = :inProgress AND #lock = :lock',
      ExpressionAttributeValues: { ':completed': 'COMPLETED', ':response': created, ':lock': put['Item'].inProgressExpiresAtMs },
    });
  });

  it('a repeat of a completed request: one round trip — the refused put returns the record — and the stored response, marked replayed', async () => {
    const { put } = await firstRun({ amountFen: 500, note: 'x' });
    sent = [];
    answers.push(refusedWith(existing('COMPLETED', put['Item'].requestHash, created)));
    const run = vi.fn(async () => created);
    // The same request with its keys in another order is the same request, under the same record.
    const replay = await runIdempotently(payload({ note: 'x', amountFen: 500 }), testContext, run);
    expect(run).not.toHaveBeenCalled();
    expect(sent.map((s) => s.command)).toEqual(['PutCommand']);
    expect(sent[0]!.input['Item'].PK).toBe(put['Item'].PK);
    expect(sent[0]!.input['Item'].requestHash).toBe(put['Item'].requestHash);
    expect(replay).toEqual({ ...created, headers: { ...created.headers, [REPLAYED_HEADER]: 'true' } });
  });

  it('another request under the key is 422 IDEMPOTENCY_KEY_REUSED, checked before the status; a running one is 409 with retry-after', async () => {
    const { put } = await firstRun({ amountFen: 500 });
    const run = vi.fn(async () => created);
    answers.push(refusedWith(existing('INPROGRESS', put['Item'].requestHash)));
    const running = await runIdempotently(payload({ amountFen: 500 }), testContext, run).catch((error: unknown) => error);
    expect(idempotencyProblem(running)).toMatchObject({ status: 409, code: 'IDEMPOTENCY_IN_PROGRESS', extra: { headers: { 'retry-after': '1' } } });

    for (const status of ['INPROGRESS', 'COMPLETED']) {
      answers.push(refusedWith(existing(status, put['Item'].requestHash, created)));
      const reused = await runIdempotently(payload({ amountFen: 501 }), testContext, run).catch((error: unknown) => error);
      expect(idempotencyProblem(reused)).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    }
    expect(run).not.toHaveBeenCalled();
    expect(idempotencyProblem(new Error('other'))).toBeUndefined();
  });

  it('a 4xx answer or a thrown refusal deletes the record, only if it is still ours, and the answer or error goes on', async () => {
    const conflict = { statusCode: 409, headers: {}, body: '{}' };
    expect(await runIdempotently(payload({ amountFen: 1 }), testContext, async () => conflict)).toBe(conflict);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'DeleteCommand']);
    expect(sent[1]!.input).toMatchObject({
      Key: { PK: sent[0]!.input['Item'].PK },
      ConditionExpression: '#status = :inProgress AND #lock = :lock',
      ExpressionAttributeValues: { ':lock': sent[0]!.input['Item'].inProgressExpiresAtMs },
    });

    sent = [];
    const refusal = new HttpProblem(422, 'PROOF_ORDER_PAID', 'Refused', 'x');
    await expect(runIdempotently(payload({ amountFen: 2 }), testContext, async () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'DeleteCommand']);

    // Another request took the key after our lock lapsed: its record stays, our answer still goes out.
    sent = [];
    answers.push(() => ({}), refusedWith({}));
    expect(await runIdempotently(payload({ amountFen: 3 }), testContext, async () => conflict)).toBe(conflict);
  });

  it('#18 finding 3: a failure (thrown, or a 5xx answer) keeps the key — it may have come after the commit — and is stored for replay', async () => {
    const boom = new Error('boom after the commit');
    const answer = await runIdempotently(payload({ amountFen: 2 }), testContext, async () => Promise.reject(boom));
    expect(answer).toMatchObject({ statusCode: 500 });
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'UpdateCommand']);
    expect(sent[1]!.input).toMatchObject({ ExpressionAttributeValues: { ':completed': 'COMPLETED', ':response': answer } });

    sent = [];
    const mapped = { statusCode: 503, headers: {}, body: '{"code":"X"}' };
    expect(
      await runIdempotently(
        payload({ amountFen: 5 }),
        testContext,
        async () => Promise.reject(boom),
        () => mapped,
      ),
    ).toBe(mapped);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'UpdateCommand']);

    sent = [];
    const failed = { statusCode: 502, headers: {}, body: '{}' };
    expect(await runIdempotently(payload({ amountFen: 6 }), testContext, async () => failed)).toBe(failed);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'UpdateCommand']);
  });

  it('#18 finding 3: the lock outlives the function, not just the invocation’s remaining time', () => {
    const now = 1_000_000;
    const almostOver = { getRemainingTimeInMillis: () => 50 };
    expect(lockUntilMs(now, almostOver)).toBe(now + 29_000 + LOCK_MARGIN_MS);
    expect(lockUntilMs(now, undefined)).toBe(now + 29_000 + LOCK_MARGIN_MS);
    process.env['FUNCTION_TIMEOUT_SECONDS'] = '240';
    try {
      expect(lockUntilMs(now, almostOver)).toBe(now + 240_000 + LOCK_MARGIN_MS);
      expect(lockUntilMs(now, { getRemainingTimeInMillis: () => 900_000 })).toBe(now + 900_000 + LOCK_MARGIN_MS);
    } finally {
      delete process.env['FUNCTION_TIMEOUT_SECONDS'];
    }
  });

  it('idempotencyNaturalKey: one stable id per (caller, route, key), none without the header', () => {
    const event = (key?: string, routeKey = 'POST /v1/merchants/{merchantId}/deposit/top-ups') => ({
      routeKey,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
    const a = idempotencyNaturalKey(event('k-1'), caller)!;
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(idempotencyNaturalKey(event('k-1'), caller)).toBe(a);
    expect(idempotencyNaturalKey(event('k-2'), caller)).not.toBe(a);
    expect(idempotencyNaturalKey(event('k-1'), { role: 'merchant', id: 'shop-2' })).not.toBe(a);
    expect(idempotencyNaturalKey(event('k-1', 'POST /v1/other'), caller)).not.toBe(a);
    expect(idempotencyNaturalKey(event(), caller)).toBeUndefined();
  });

  it('when the response cannot be stored (e.g. over 400 KB) the action’s response is still returned', async () => {
    answers.push(
      () => ({}),
      () => {
        throw new Error('Item size has exceeded the maximum allowed size');
      },
    );
    expect(await runIdempotently(payload({ amountFen: 4 }), testContext, async () => created)).toBe(created);
    expect(sent.map((s) => s.command)).toEqual(['PutCommand', 'UpdateCommand']);
  });

  it('the record key is the caller, the route and the header: another caller, route or key is another record', async () => {
    await runIdempotently(payload({}), testContext, async () => created);
    await runIdempotently(idempotencyPayload(route, { role: 'ops', id: 'shop-1' }, 'k-1', { params: { thingId: 't1' } }), testContext, async () => created);
    await runIdempotently(idempotencyPayload({ ...route, path: '/v1/other' }, caller, 'k-1', {}), testContext, async () => created);
    await runIdempotently(payload({}, 'k-2'), testContext, async () => created);
    const pks = sent.filter((s) => s.command === 'PutCommand').map((s) => s.input['Item'].PK);
    expect(new Set(pks).size).toBe(4);
  });
});
