/**
 * Helpers for the reliability tests (idempotency, concurrency, authorization, fuzz, event
 * histories): tokens that must be refused, whole-table snapshots (a Scan — test code only; no
 * production path ever scans), and the idempotency record a request should have written.
 */
import { createHash } from 'node:crypto';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Principal } from '#shared/http/auth.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys } from '#shared/store/keys.ts';
import type { Caller } from './api.ts';

/** A token that expired a minute ago (otherwise valid). */
export function expiredToken(caller: Caller): Promise<string> {
  return signToken(DEFAULT_JWT_SECRET, { sub: caller.sub, role: caller.role }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
}

/** A well-formed token signed with the wrong secret. */
export function badSignatureToken(caller: Caller): Promise<string> {
  return signToken('not-the-secret-the-api-trusts', { sub: caller.sub, role: caller.role });
}

/** A valid token with a long life, for tests that move the system clock forward. */
export function longLivedToken(caller: Caller): Promise<string> {
  return signToken(DEFAULT_JWT_SECRET, { sub: caller.sub, role: caller.role }, { expiresIn: '7d' });
}

/** JSON with every object's keys sorted, at every depth, so equal items compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v instanceof Set
        ? [...v].sort()
        : v,
  );
}

/** Every item of this test file's table, keyed `PK|SK` (Scan: tests only, to prove nothing changed). */
export async function tableSnapshot(): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.set(`${item['PK']}|${item['SK']}`, canonical(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The differences between two snapshots, as readable lines (empty when nothing changed). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) lines.push(`added ${key}`);
    else if (before.get(key) !== value) lines.push(`changed ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`removed ${key}`);
  return lines;
}

/** The items of some partitions, for "nothing of theirs changed" checks that need no Scan. */
export async function partitionsSnapshot(pks: readonly string[]): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  for (const pk of pks) {
    const result = await documentClient.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
    );
    for (const item of result.Items ?? []) items.set(`${item['PK']}|${item['SK']}`, canonical(item));
  }
  return items;
}

/**
 * Where the idempotency record of (caller, route, key) lives, computed the way Powertools does it
 * (sha256, base64, of the key object with sorted keys, behind the `http` prefix) — so the tests
 * prove the record is keyed by exactly the caller, the route and the header.
 */
export function idempotencyRecordKey(caller: Principal | Caller, route: string, idempotencyKey: string) {
  const id = 'sub' in caller ? caller.sub : caller.id;
  const key = { caller: `${caller.role}:${id}`, idempotencyKey, route };
  const hash = createHash('sha256').update(JSON.stringify(key)).digest('base64');
  return keys.idempotencyRecord(`http#${hash}`);
}
