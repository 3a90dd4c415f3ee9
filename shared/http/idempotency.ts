/**
 * `Idempotency-Key` on every POST (api.md "Conventions"), on the Powertools idempotency utility:
 * the same key with the same request replays the first response (`Idempotent-Replayed: true`);
 * with a different request it is `422 IDEMPOTENCY_KEY_REUSED`; while the first is still running
 * it is `409 IDEMPOTENCY_IN_PROGRESS`. Records live in the service's one table and expire after
 * 24 hours (`expiresAt`, the table's TTL attribute). docs/reliability.md holds the decisions.
 *
 * - The record key hashes the caller (role and id of the verified token), the route key and the
 *   header: keys are scoped to the caller, so one party's key never replays another's response.
 * - The request it must match is the validated input (path, query, body), so re-serialising the
 *   same JSON differently is still the same request, and the same key on another claim is not.
 * - Only a completed 2xx is stored. A refusal (4xx) or a failure (5xx) releases the key: a refused
 *   request changed nothing, so running it again is safe, and its retry sees the current state.
 * - Requests without the header are not tracked; their safety is the conditional writes'.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyInconsistentStateError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireEnv } from '#shared/config.ts';
import { logger } from '#shared/logger.ts';
import { dynamoClient } from '#shared/store/dynamo.ts';
import { keys } from '#shared/store/keys.ts';
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
 * Powertools' DynamoDB layer on the service table. With a sort key it would put every record
 * under one static partition key (`idempotency#<function>`): one hot partition for every POST of
 * every caller. Its `getKey` is the documented extension point; ours gives each record its own
 * partition, built by the one keys module (`keys.idempotencyRecord`).
 */
class TablePersistenceLayer extends DynamoDBPersistenceLayer {
  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    const { PK, SK } = keys.idempotencyRecord(idempotencyKey);
    return { PK: { S: PK }, SK: { S: SK } };
  }
}

let persistenceStore: TablePersistenceLayer | undefined;

/**
 * One persistence layer per execution environment, created on the first POST that carries a
 * key: every handler shares this stack and some (openapi) run without a table, so the table
 * name is read then, not when the module loads.
 */
function persistence(): TablePersistenceLayer {
  persistenceStore ??= new TablePersistenceLayer({
    tableName: requireEnv('TABLE_NAME'),
    keyAttr: 'PK',
    sortKeyAttr: 'SK',
    expiryAttr: 'expiresAt',
    inProgressExpiryAttr: 'inProgressExpiresAtMs',
    statusAttr: 'idempotencyStatus',
    dataAttr: 'response',
    validationKeyAttr: 'requestHash',
    awsSdkV3Client: dynamoClient,
  });
  return persistenceStore;
}

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
    throw problems.validation([
      { path: 'header.Idempotency-Key', message: `Use 1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters` },
    ]);
  }
  return value;
}

/** The payload Powertools hashes: the caller comes from the verified token only. */
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

/** A replay is the stored response with the replay header added. */
function markReplayed(response: unknown): ApiResult {
  const stored = response as ApiResult;
  return { ...stored, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' } };
}

/** Thrown out of the idempotent function so Powertools releases the key instead of storing the result. */
class NotStored extends Error {
  constructor(readonly result: ApiResult) {
    super('Responses other than 2xx are not stored');
  }
}

/** The settings, per invocation: the context gives the in-progress lock its lifetime (the remaining time). */
function configFor(context: Context): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'request',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    hashFunction: 'sha256',
    lambdaContext: context,
    responseHook: (response) => markReplayed(response) as never,
  });
}

/**
 * Runs `run` once per (caller, route, key): the first run's 2xx response is stored and replayed
 * to every repeat for 24 hours. Uses `makeIdempotent`, whose record is deleted only when the
 * function itself fails — the Middy middleware of this version also deletes a record it never
 * acquired when it rejects a duplicate (powertools-lambda-typescript#5675).
 */
export async function runIdempotently(payload: IdempotencyPayload, context: Context, run: () => Promise<ApiResult>): Promise<ApiResult> {
  let completed: ApiResult | undefined;
  const once = makeIdempotent(
    async (_payload: IdempotencyPayload) => {
      const result = await run();
      const status = result.statusCode ?? 200;
      if (status < 200 || status > 299) throw new NotStored(result);
      completed = result;
      return result;
    },
    { persistenceStore: persistence(), config: configFor(context), keyPrefix: KEY_PREFIX },
  );
  try {
    return (await once(payload)) as ApiResult;
  } catch (error) {
    if (error instanceof NotStored) return error.result;
    if (error instanceof IdempotencyPersistenceLayerError && completed) {
      // The action is done; only storing its response failed (e.g. over the item size). Answer
      // it: a repeat finds the record in progress until its lock lapses, then the action's own
      // conditional writes answer it (CLAIM_EXISTS, ALREADY_ENROLLED, a duplicate event …).
      logger.error('Idempotency record not completed; the response was sent but cannot be replayed', error);
      return completed;
    }
    throw error;
  }
}

/**
 * The innermost layer of the HTTP stack for POST routes: after authorisation (401/403) and
 * validation (400) have accepted the request, runs the route with its `Idempotency-Key`.
 * Other methods, and POSTs without the header, run as they are.
 */
export function idempotentHandler<C extends Context & { principal?: Principal; input?: { params?: unknown; query?: unknown; body?: unknown } }>(
  route: Pick<RouteSpec, 'method' | 'path' | 'roles'>,
  handler: (event: ApiEvent, context: C) => Promise<ApiResult>,
): (event: ApiEvent, context: C) => Promise<ApiResult> {
  if (route.method !== 'POST' || route.roles === 'public') return handler;
  return async (event, context) => {
    const idempotencyKey = idempotencyKeyOf(event);
    if (idempotencyKey === undefined || !context.principal) return handler(event, context);
    const payload = idempotencyPayload(route, context.principal, idempotencyKey, context.input ?? {});
    return runIdempotently(payload, context, () => handler(event, context));
  };
}

/** The idempotency utility's refusals as problems; undefined for any other error. */
export function idempotencyProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof IdempotencyValidationError) {
    return new HttpProblem(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'Idempotency key reused',
      'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    );
  }
  if (error instanceof IdempotencyAlreadyInProgressError || error instanceof IdempotencyInconsistentStateError) {
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
