/**
 * `Idempotency-Key` on every POST (api.md "Conventions"): the same key with the same request
 * replays the first response (`Idempotent-Replayed: true`); with a different request it is
 * `422 IDEMPOTENCY_KEY_REUSED`; while the first is still running it is `409 IDEMPOTENCY_IN_PROGRESS`.
 * Records live in the service's one table and expire after 24 hours (`expiresAt`, the table's TTL
 * attribute). docs/reliability.md holds the decisions.
 *
 * The protocol is Powertools idempotency's (same record, same lock condition, same attributes),
 * written here because the utility and its JMESPath engine (~45 KB) cost every handler's cold start.
 *
 * - The record key hashes the caller (role and id of the verified token), the route key and the
 *   header: keys are scoped to the caller, so one party's key never replays another's response.
 * - The request it must match is the validated input (path, query, body), so re-serialising the
 *   same JSON differently is still the same request, and the same key on another claim is not.
 * - A 2xx and a failure (5xx, thrown or answered) are stored; only a refusal (4xx) releases the
 *   key. A refused request changed nothing, so running it again is safe. A 5xx may come after the
 *   action committed (a response that breaks the contract, a timeout of a later step): freeing the
 *   key then would let the retry do it twice, so the 5xx is replayed instead — as Stripe does — and
 *   the client retries with a new key once it has looked. (issue #18, docs/security.md)
 * - The in-progress lock outlives the longest invocation that could still be writing: the
 *   function's configured timeout plus a margin (`FUNCTION_TIMEOUT_SECONDS`, set by the CDK
 *   function), not merely the invocation's remaining time. After a timeout the lock lapses and a
 *   retry runs again: what it may find done, the action's own conditional writes must refuse
 *   (natural keys: `idempotencyNaturalKey` below gives a use case one).
 * - Requests without the header are not tracked; their safety is the conditional writes'.
 *
 * Round trips of a keyed POST: one conditional PutItem (acquire; a refused one returns the existing
 * record, so a replay or refusal costs nothing more), the action, then one UpdateItem (complete)
 * or DeleteItem (release). The records themselves are read and written by shared/store/idempotency.ts;
 * this module decides what to write and how to answer.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '#shared/logger.ts';
import { acquireIdempotencyRecord, COMPLETED, completeIdempotencyRecord, idempotencyRecordKey, releaseIdempotencyRecord } from '#shared/store/idempotency.ts';
import type { TableKey } from '#shared/store/keys.ts';
import { countNow, METRIC } from '#shared/metrics.ts';
import type { Principal } from './auth.ts';
import { HttpProblem, problems } from './problem.ts';
import type { RouteSpec } from './route.ts';

type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
type ApiResult = APIGatewayProxyStructuredResultV2;

/** Request header, as API Gateway hands it over (lower-cased). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Response header on a replay. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** How long a completed request can be replayed (api.md does not say; Stripe keeps keys 24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Part of every record's hashed key, so records of this API can never meet another use's. */
const KEY_PREFIX = 'http';
/**
 * The function timeout when the environment does not say (npm start, tests): API Gateway's
 * integration timeout, the longest an HTTP handler runs.
 */
const DEFAULT_FUNCTION_TIMEOUT_MS = 29_000;
/**
 * Beyond the function's timeout: a write the SDK sent just before the sandbox froze is still
 * applied by DynamoDB, and clocks of two invocations differ a little.
 */
export const LOCK_MARGIN_MS = 30_000;

/** What identifies a request (`key`) and what a repeat of it must match (`request`). */
export interface IdempotencyPayload {
  key: { caller: string; route: string; idempotencyKey: string };
  request: { params: unknown; query: unknown; body: unknown };
}

/**
 * The `Idempotency-Key` of a request: undefined when absent, 400 VALIDATION_FAILED when present
 * but not 1–255 printable ASCII characters.
 */
export function idempotencyKeyOf(event: Pick<ApiEvent, 'headers'>): string | undefined {
  const value = event.headers?.[IDEMPOTENCY_KEY_HEADER];
  if (value === undefined) return undefined;
  if (value.length < 1 || value.length > IDEMPOTENCY_KEY_MAX_LENGTH || !/^[\x20-\x7e]+$/.test(value)) {
    throw problems.validation([{ path: 'header.Idempotency-Key', message: `Use 1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters` }]);
  }
  return value;
}

/** The payload that is hashed: the caller comes from the verified token only. */
export function idempotencyPayload(
  route: Pick<RouteSpec, 'method' | 'path'>,
  caller: Principal,
  idempotencyKey: string,
  input: { params?: unknown; query?: unknown; body?: unknown },
): IdempotencyPayload {
  return {
    key: { caller: `${caller.role}:${caller.id}`, route: `${route.method} ${route.path}`, idempotencyKey },
    request: { params: input.params ?? {}, query: input.query ?? {}, body: input.body ?? null },
  };
}

/**
 * Object keys by name, case-insensitively first — the order Powertools used, so records written
 * before this module replaced it still match — then exactly, so the order is total.
 */
function byName(a: string, b: string): number {
  const [la, lb] = [a.toLowerCase(), b.toLowerCase()];
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value with every plain object's keys sorted: its JSON is the same whatever the key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  // A null prototype: a `__proto__` key is stored as data, never as the prototype.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort(byName)) sorted[key] = canonical((value as Record<string, unknown>)[key]);
  return sorted;
}

/** SHA-256 (base64) of the canonical JSON. */
function hashOf(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('base64');
}

/** The record's table key: `IDEMPOTENCY#http#<sha256 of {caller, idempotencyKey, route}>`. */
function recordKey(payload: IdempotencyPayload): TableKey {
  return idempotencyRecordKey(`${KEY_PREFIX}#${hashOf(payload.key)}`);
}

/** Another request under the key, or the key's first request still running. */
class IdempotencyKeyReused extends Error {
  override name = 'IdempotencyKeyReused';
}
class IdempotencyInProgress extends Error {
  override name = 'IdempotencyInProgress';
}

/** A replay is the stored response with the replay header added. */
function markReplayed(stored: ApiResult): ApiResult {
  return { ...stored, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' } };
}

/** The function's configured timeout (`FUNCTION_TIMEOUT_SECONDS`, set by infra/function.ts). */
function functionTimeoutMs(): number {
  const seconds = Number(process.env['FUNCTION_TIMEOUT_SECONDS']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_FUNCTION_TIMEOUT_MS;
}

/**
 * The lock's end: no sooner than the longest this invocation can still be writing — its remaining
 * time or the function's whole timeout, whichever is longer — plus a margin.
 */
export function lockUntilMs(now: number, context: Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined): number {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
  return now + Math.max(Number.isFinite(remaining) ? remaining : 0, functionTimeoutMs()) + LOCK_MARGIN_MS;
}

/** When a record written now expires (epoch seconds, the table's TTL attribute). */
function expiresAtS(nowMs: number): number {
  return Math.round(nowMs / 1000 + IDEMPOTENCY_TTL_SECONDS);
}

/**
 * Takes the key: free when there is no record, it expired, or it is in progress with a lapsed
 * lock. Refused, the store hands back the record that holds the key, answered here: another
 * request → 422, a completed one → its response, a running one → 409.
 * Returns the lock taken, or the response to replay.
 */
async function acquire(Key: TableKey, requestHash: string, context: Context): Promise<{ lock: number; replay?: undefined } | { replay: ApiResult }> {
  // Wall-clock time, not the injectable domain clock: the TTL sweep and the lock are about real time.
  const now = Date.now();
  const lock = lockUntilMs(now, context);
  const taken = await acquireIdempotencyRecord(Key, { requestHash, nowMs: now, lockUntilMs: lock, expiresAtS: expiresAtS(now) });
  if (taken.acquired) return { lock };
  // The condition ran against this item with our `now`: it is neither expired nor a lapsed lock.
  const { holder } = taken;
  if (holder.requestHash !== requestHash) {
    throw new IdempotencyKeyReused('This Idempotency-Key was already used for a different request');
  }
  if (holder.idempotencyStatus === COMPLETED && holder.response && typeof holder.response === 'object') {
    countNow(METRIC.idempotentReplays);
    return { replay: markReplayed(holder.response as ApiResult) };
  }
  throw new IdempotencyInProgress('A request with this Idempotency-Key is still running');
}

/** Stores the 2xx (or 5xx) response: COMPLETED, replayable for 24 hours from now. */
async function complete(Key: TableKey, lock: number, response: ApiResult): Promise<void> {
  await completeIdempotencyRecord(Key, lock, response, expiresAtS(Date.now()));
}

/**
 * Frees the key after a refusal, if the record is still ours. If this fails the key stays locked
 * until the lock lapses, then is free: logged, and the request answered.
 */
async function release(Key: TableKey, lock: number): Promise<void> {
  try {
    await releaseIdempotencyRecord(Key, lock); // false: our lock lapsed and another request took the key
  } catch (error) {
    logger.warn('Idempotency record not released; the key is free once its lock lapses', error as Error);
  }
}

/** Maps a thrown error to its answer (the HTTP stack passes its one error map). */
export type Respond = (error: unknown) => ApiResult;

/** Without the HTTP stack's map: problems keep their status, anything else is a 500. */
const defaultRespond: Respond = (error) => {
  const problem = error instanceof HttpProblem ? error : (idempotencyProblem(error) ?? problems.internal());
  return { statusCode: problem.status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(problem.toProblem()) };
};

/**
 * Runs `run` once per (caller, route, key): the first run's 2xx or 5xx response is stored and
 * replayed to every repeat for 24 hours. A 4xx answer or a thrown refusal releases the key.
 */
export async function runIdempotently(
  payload: IdempotencyPayload,
  context: Context,
  run: () => Promise<ApiResult>,
  respond: Respond = defaultRespond,
): Promise<ApiResult> {
  const Key = recordKey(payload);
  const taken = await acquire(Key, hashOf(payload.request), context);
  if (taken.replay) return taken.replay;
  let result: ApiResult;
  try {
    result = await run();
  } catch (error) {
    const answer = respond(error);
    if ((answer.statusCode ?? 500) < 500) {
      await release(Key, taken.lock);
      throw error;
    }
    // It may have committed before it failed: keep the key, and the answer.
    result = answer;
  }
  const status = result.statusCode ?? 200;
  if (status < 200 || (status > 299 && status < 500)) {
    await release(Key, taken.lock);
    return result;
  }
  try {
    await complete(Key, taken.lock, result);
  } catch (error) {
    // The action is done; only storing its response failed (e.g. over the item size, or our lock
    // lapsed). Answer it: a repeat finds the record in progress until its lock lapses, then the
    // action's own conditional writes answer it (CLAIM_EXISTS, ALREADY_ENROLLED, a duplicate event …).
    logger.error('Idempotency record not completed; the response was sent but cannot be replayed', error as Error);
  }
  return result;
}

/**
 * A natural key for the one effect a keyed request stands for (e.g. a top-up's id): the same
 * caller, route and `Idempotency-Key` always give the same key, so a use case that writes it with
 * `attribute_not_exists` does the work at most once even when the idempotency record could not
 * hold the retry back (its lock lapsed after a timeout). 22 base64url characters (128 bits of
 * SHA-256) — a valid id (api.md). Undefined when the request has no `Idempotency-Key`.
 */
export function idempotencyNaturalKey(event: Pick<ApiEvent, 'headers' | 'routeKey'>, caller: Principal): string | undefined {
  const idempotencyKey = idempotencyKeyOf(event);
  if (idempotencyKey === undefined) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(['natural-key/v1', `${caller.role}:${caller.id}`, event.routeKey, idempotencyKey]))
    .digest('base64url')
    .slice(0, 22);
}

/**
 * The innermost layer of the HTTP stack for POST routes: after authorisation (401/403) and
 * validation (400) have accepted the request, runs the route with its `Idempotency-Key`.
 * Other methods, and POSTs without the header, run as they are.
 */
export function idempotentHandler<C extends Context & { principal?: Principal; input?: { params?: unknown; query?: unknown; body?: unknown } }>(
  route: Pick<RouteSpec, 'method' | 'path' | 'roles'>,
  handler: (event: ApiEvent, context: C) => Promise<ApiResult>,
  respond?: Respond,
): (event: ApiEvent, context: C) => Promise<ApiResult> {
  if (route.method !== 'POST' || route.roles === 'public') return handler;
  return async (event, context) => {
    const idempotencyKey = idempotencyKeyOf(event);
    if (idempotencyKey === undefined || !context.principal) return handler(event, context);
    const payload = idempotencyPayload(route, context.principal, idempotencyKey, context.input ?? {});
    return runIdempotently(payload, context, () => handler(event, context), respond);
  };
}

/** The idempotency refusals as problems; undefined for any other error. */
export function idempotencyProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof IdempotencyKeyReused) {
    return new HttpProblem(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'Idempotency key reused',
      'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    );
  }
  if (error instanceof IdempotencyInProgress) {
    return new HttpProblem(
      409,
      'IDEMPOTENCY_IN_PROGRESS',
      'Request in progress',
      'A request with this Idempotency-Key is still running; retry it shortly to get its response.',
      { headers: { 'retry-after': '1' } },
    );
  }
  return undefined;
}
