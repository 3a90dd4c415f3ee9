/**
 * The HTTP idempotency records (shared/http/idempotency.ts holds the protocol): one item per
 * (caller, route, `Idempotency-Key`), under `keys.idempotencyRecord`, in the service's one table.
 * This module only reads and writes them; every time, lock and expiry it writes is the caller's.
 *
 * The record (docs/data-model.md): `idempotencyStatus` INPROGRESS | COMPLETED, `requestHash`,
 * `expiresAt` (epoch seconds, the table's TTL attribute), `inProgressExpiresAtMs` (the lock) and,
 * once completed, `response`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { requireEnv } from '#shared/config.ts';
import { documentClient } from './dynamo.ts';
import { keys, type TableKey } from './keys.ts';

export const IN_PROGRESS = 'INPROGRESS';
export const COMPLETED = 'COMPLETED';

/** The record's attributes, as expression names. */
const names = {
  '#status': 'idempotencyStatus',
  '#expiresAt': 'expiresAt',
  '#lock': 'inProgressExpiresAtMs',
  '#response': 'response',
};
/** Still the record this invocation acquired: in progress, with its own lock (each acquire's lock is later than the one it replaced). */
const OURS = '#status = :inProgress AND #lock = :lock';

let tableName: string | undefined;

/**
 * Read on the first POST that carries a key, not when the module loads: every handler shares
 * this module (through the HTTP stack) and some (openapi) run without a table.
 */
function table(): string {
  tableName ??= requireEnv('TABLE_NAME');
  return tableName;
}

/** The record's table key, from the caller's hash of (caller, route, key). */
export function idempotencyRecordKey(hashedKey: string): TableKey {
  return keys.idempotencyRecord(hashedKey);
}

/** A record as stored (the fields the protocol reads back). */
export interface IdempotencyRecord {
  idempotencyStatus?: string;
  requestHash?: string;
  response?: unknown;
}

/**
 * Takes the key with one conditional PutItem: free when there is no record, it expired
 * (`expiresAt` before `nowMs`), or it is in progress with a lapsed lock. Refused, the put returns
 * the record that holds the key (ALL_OLD), so the caller can answer without another read.
 */
export async function acquireIdempotencyRecord(
  Key: TableKey,
  record: { requestHash: string; nowMs: number; lockUntilMs: number; expiresAtS: number },
): Promise<{ acquired: true } | { acquired: false; holder: IdempotencyRecord }> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...Key,
          idempotencyStatus: IN_PROGRESS,
          requestHash: record.requestHash,
          expiresAt: record.expiresAtS,
          inProgressExpiresAtMs: record.lockUntilMs,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR #expiresAt < :nowS OR (#status = :inProgress AND #lock < :nowMs)',
        ExpressionAttributeNames: { '#status': names['#status'], '#expiresAt': names['#expiresAt'], '#lock': names['#lock'] },
        ExpressionAttributeValues: { ':nowS': record.nowMs / 1000, ':nowMs': record.nowMs, ':inProgress': IN_PROGRESS },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { acquired: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A refused write's ALL_OLD item comes in DynamoDB's own format, not the document client's.
    return { acquired: false, holder: unmarshall(error.Item ?? {}) as IdempotencyRecord };
  }
}

/** Stores the response: COMPLETED, replayable until `expiresAtS`. Refused (ConditionalCheckFailedException) when the lock is no longer ours. */
export async function completeIdempotencyRecord(Key: TableKey, lock: number, response: unknown, expiresAtS: number): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key,
      UpdateExpression: 'SET #status = :completed, #response = :response, #expiresAt = :expiresAt',
      ConditionExpression: OURS,
      ExpressionAttributeNames: { '#status': names['#status'], '#lock': names['#lock'], '#response': names['#response'], '#expiresAt': names['#expiresAt'] },
      ExpressionAttributeValues: {
        ':completed': COMPLETED,
        ':response': response,
        ':expiresAt': expiresAtS,
        ':inProgress': IN_PROGRESS,
        ':lock': lock,
      },
    }),
  );
}

/**
 * Deletes the record if it is still ours. False when it is not (our lock lapsed and another
 * request took the key): nothing to free.
 */
export async function releaseIdempotencyRecord(Key: TableKey, lock: number): Promise<boolean> {
  try {
    await documentClient.send(
      new DeleteCommand({
        TableName: table(),
        Key,
        ConditionExpression: OURS,
        ExpressionAttributeNames: { '#status': names['#status'], '#lock': names['#lock'] },
        ExpressionAttributeValues: { ':inProgress': IN_PROGRESS, ':lock': lock },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
