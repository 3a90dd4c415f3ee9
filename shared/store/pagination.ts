import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { InvalidCursor } from './errors.ts';
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
  if (!valid) throw new InvalidCursor();
  return key as Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Items one filtered Query reads at most: a filter drops items after the read, so read ahead. */
const FILTERED_READ_AHEAD = 4;
const MAX_QUERY_LIMIT = 1000;

/**
 * One page of a list index: `<index>PK = pk`, newest or oldest first, optionally only one status
 * (a filter: DynamoDB reads items, then drops other statuses), continued by a cursor bound to
 * the partition. The claims, payouts and policies lists all go through here.
 *
 * A page holds `limit` items unless it is the last, and the last page carries no cursor: the
 * Query is repeated until `limit + 1` items match or the index ends (a filtered Query may return
 * few or none of what it read), and the cursor is the key of the page's last item — so the one
 * item read past the page proves there is a next page and is served again by it.
 */
export async function listPage<T>(
  index: 'GSI1' | 'GSI2' | 'GSI3',
  pk: string,
  options: { status?: string; cursor?: string; limit: number; newestFirst: boolean },
): Promise<Page<T>> {
  const pkAttribute = `${index}PK`;
  const skAttribute = `${index}SK`;
  const matched: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(options.cursor, { attribute: pkAttribute, value: pk });
  do {
    const wanted = options.limit + 1 - matched.length;
    const result = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index,
        KeyConditionExpression: `${pkAttribute} = :pk`,
        ...(options.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':pk': pk, ...(options.status ? { ':status': options.status } : {}) },
        ExclusiveStartKey: startKey,
        ScanIndexForward: !options.newestFirst,
        Limit: options.status ? Math.min(MAX_QUERY_LIMIT, wanted * FILTERED_READ_AHEAD) : wanted,
      }),
    );
    matched.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey && matched.length <= options.limit);

  const page = matched.slice(0, options.limit);
  const last = page.at(-1);
  const more = matched.length > options.limit;
  const nextCursor = more && last ? encodeCursor({ PK: last['PK'], SK: last['SK'], [pkAttribute]: last[pkAttribute], [skAttribute]: last[skAttribute] }) : undefined;
  return { items: page.map((item) => fromItem<T>(item)), ...(nextCursor ? { nextCursor } : {}) };
}
