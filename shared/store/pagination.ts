import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invalidCursor } from '#shared/http/cursor.ts';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';

/**
 * The store's list cursors: the query's LastEvaluatedKey, base64url-encoded. Clients never see
 * one bare: the HTTP layer seals it (HMAC, bound to the caller and the query; shared/http/cursor.ts).
 * Checked again here — only for the partition it came from, with exactly its key attributes.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : undefined;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: { attribute: string; value: string },
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  // Exactly the key attributes of this query (the table's, plus the index's): anything more or
  // less would reach DynamoDB as a malformed ExclusiveStartKey (a 500), so it is refused here.
  const attributes = expected.attribute === 'PK' ? ['PK', 'SK'] : ['PK', 'SK', expected.attribute, expected.attribute.replace(/PK$/, 'SK')];
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).sort().join() === [...attributes].sort().join() &&
    Object.values(key).every((v) => typeof v === 'string' && v !== '') &&
    (key as Record<string, string>)[expected.attribute] === expected.value;
  if (!valid) throw invalidCursor();
  return key as Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * One page of a list index: `<index>PK = pk`, newest or oldest first, optionally only one status
 * (a filter: DynamoDB reads the page, then drops other statuses), continued by a cursor bound to
 * the partition. The claims, payouts and policies lists all go through here.
 */
export async function listPage<T>(
  index: 'GSI1' | 'GSI2' | 'GSI3',
  pk: string,
  options: { status?: string; cursor?: string; limit: number; newestFirst: boolean },
): Promise<Page<T>> {
  const pkAttribute = `${index}PK`;
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: `${pkAttribute} = :pk`,
      ...(options.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': pk, ...(options.status ? { ':status': options.status } : {}) },
      ExclusiveStartKey: decodeCursor(options.cursor, { attribute: pkAttribute, value: pk }),
      ScanIndexForward: !options.newestFirst,
      Limit: options.limit,
    }),
  );
  const nextCursor = encodeCursor(result.LastEvaluatedKey);
  return { items: (result.Items ?? []).map((item) => fromItem<T>(item)), ...(nextCursor ? { nextCursor } : {}) };
}
