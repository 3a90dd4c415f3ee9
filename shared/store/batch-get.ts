import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import type { TableKey } from './keys.ts';

type BatchRequest = Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }>;

/**
 * Items by key (at most 100), strongly consistent unless `consistent: false` (a list read from an
 * index, itself eventually consistent), in one BatchGetItem. Keys DynamoDB hands back
 * unprocessed (throttling) are asked again, exactly those, after a short backoff. Absent items are
 * simply not returned.
 */
export async function batchGetItems(itemKeys: readonly TableKey[], options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let request: BatchRequest | undefined = { [tableName]: { Keys: itemKeys.map((key) => ({ ...key })), ConsistentRead: options.consistent ?? true } };
  for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
    const result = await documentClient.send(new BatchGetCommand({ RequestItems: request }));
    found.push(...(result.Responses?.[tableName] ?? []));
    request = result.UnprocessedKeys as BatchRequest | undefined;
  }
  return found;
}

/**
 * The items of `itemKeys` (table keys, or index entries carrying them) in the same order, undefined where there is none: one `batchGetItems`
 * per 100 keys, in parallel.
 */
export async function itemsInOrder(
  itemKeys: readonly (TableKey | Record<string, unknown>)[],
  options: { consistent?: boolean } = {},
): Promise<(Record<string, unknown> | undefined)[]> {
  const keys = itemKeys.map((key) => ({ PK: String(key['PK']), SK: String(key['SK']) }));
  const chunks = Array.from({ length: Math.ceil(keys.length / 100) }, (_, i) => keys.slice(i * 100, (i + 1) * 100));
  const found = (await Promise.all(chunks.map((chunk) => batchGetItems(chunk, options)))).flat();
  const byKey = new Map(found.map((item) => [`${String(item['PK'])}\u0000${String(item['SK'])}`, item]));
  return keys.map((k) => byKey.get(`${k.PK}\u0000${k.SK}`));
}
