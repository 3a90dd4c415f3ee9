import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { itemsInOrder } from './batch-get.ts';
import { InvalidCursor } from './errors.ts';
import { fromItem } from './items.ts';
import { projects, projectsAll, tableDefinition } from './table-definition.ts';

/**
 * The store's list cursors: the query's LastEvaluatedKey, base64url-encoded. Clients never see
 * one bare: the HTTP layer seals it (HMAC, bound to the caller and the query; shared/http/cursor.ts).
 * Checked again here — only for the partition it came from, with exactly its key attributes.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined, expected: { attribute: string; value: string }): Record<string, string> | undefined {
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
 * One page of a list index: `<index>PK = pk`, newest or oldest first, optionally only one status,
 * continued by a cursor bound to the partition. The claims, payouts, policies and withdrawals
 * lists all go through here.
 *
 * An index that projects the status filters in the Query (DynamoDB reads entries, then drops other
 * statuses); one that projects less (GSI1: keys only) is followed by one BatchGetItem of the entries
 * read (eventually consistent, like the index) and filtered then. A page holds `limit` items unless
 * it is the last, and the last page carries no cursor: reading is repeated until `limit + 1` items
 * match or the index ends (a filtered read may match few or none), and the cursor is the key of the
 * page's last item — so the one item read past the page proves there is a next page and is served
 * again by it.
 */
export async function listPage<T>(
  index: 'GSI1' | 'GSI2' | 'GSI3',
  pk: string,
  options: { status?: string; cursor?: string; limit: number; newestFirst: boolean },
): Promise<Page<T>> {
  const { pk: pkAttribute, sk: skAttribute } = indexKeyAttributes(index);
  const matched: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(options.cursor, { attribute: pkAttribute, value: pk });
  do {
    const wanted = options.limit + 1 - matched.length;
    const result = await indexQuery(index, pk, options, startKey, options.status ? Math.min(MAX_QUERY_LIMIT, wanted * FILTERED_READ_AHEAD) : wanted);
    for (const item of await itemsOf(index, result.Items ?? [], options.status)) if (item) matched.push(item);
    startKey = result.LastEvaluatedKey;
  } while (startKey && matched.length <= options.limit);

  const page = matched.slice(0, options.limit);
  const last = page.at(-1);
  const more = matched.length > options.limit;
  const nextCursor =
    more && last ? encodeCursor({ PK: last['PK'], SK: last['SK'], [pkAttribute]: last[pkAttribute], [skAttribute]: last[skAttribute] }) : undefined;
  return { items: page.map((item) => fromItem<T>(item)), ...(nextCursor ? { nextCursor } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Lists spread over shards (issue 20): GSI3's every-claim / every-payout lists, the QueueIndex
// ---------------------------------------------------------------------------------------------

type Key = Record<string, string>;

/**
 * Where each shard of a sharded list stands: `[PK, SK, index SK]` of the last item it gave to a page
 * (its index PK is the shard's own), or null (from its start) — positional and deflated, so a
 * cursor over 32 shards stays ~1 KB in a URL — after the list's name (its first partition without
 * the shard number), so a cursor is only ever taken for the list it came from.
 */
type ShardPosition = [string, string, string] | null;

const listName = (pks: readonly string[]) => pks[0]!.replace(/#\d+$/, '');

function encodeShardCursor(pks: readonly string[], positions: readonly ShardPosition[]): string {
  return deflateRawSync(JSON.stringify([listName(pks), positions])).toString('base64url');
}

function decodeShardCursor(cursor: string | undefined, index: string, pks: readonly string[]): (Key | null)[] {
  if (cursor === undefined) return pks.map(() => null);
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateRawSync(Buffer.from(cursor, 'base64url'), { maxOutputLength: 64 * 1024 }).toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const [list, positions] = Array.isArray(parsed) && parsed.length === 2 ? (parsed as [unknown, unknown]) : [undefined, undefined];
  const valid =
    list === listName(pks) &&
    Array.isArray(positions) &&
    positions.length === pks.length &&
    positions.every(
      (position: unknown) =>
        position === null || (Array.isArray(position) && position.length === 3 && position.every((v) => typeof v === 'string' && v !== '')),
    );
  if (!valid) throw new InvalidCursor();
  const { pk, sk } = indexKeyAttributes(index);
  return (positions as ShardPosition[]).map((position, i) => (position ? { PK: position[0], SK: position[1], [pk]: pks[i]!, [sk]: position[2] } : null));
}

/**
 * One Query of a list index's partition `pk`, newest or oldest first, from `startKey`: with a
 * status, filtered in the Query when the index projects the status (DynamoDB reads the entries,
 * then drops the other statuses); otherwise `itemsOf` filters the items read.
 */
function indexQuery(
  index: string,
  pk: string,
  options: { status?: string; newestFirst: boolean },
  startKey: Record<string, unknown> | undefined,
  limit: number,
): Promise<QueryCommandOutput> {
  const filter = options.status !== undefined && projects(index, 'status');
  return documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: `${indexKeyAttributes(index).pk} = :pk`,
      ...(filter ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': pk, ...(filter ? { ':status': options.status } : {}) },
      ExclusiveStartKey: startKey,
      ScanIndexForward: !options.newestFirst,
      Limit: limit,
    }),
  );
}

/**
 * The items index entries stand for, in order: the entries themselves when the index projects
 * ALL, else the items fetched by key (eventually consistent, like the index; undefined where
 * gone); undefined too where an
 * item is not of `status`.
 */
async function itemsOf(index: string, entries: readonly Record<string, unknown>[], status: string | undefined) {
  const items = projectsAll(index) ? entries : await itemsInOrder(entries, { consistent: false });
  return items.map((item) => (item && (status === undefined || item['status'] === status) ? item : undefined));
}

function indexKeyAttributes(index: string): { pk: string; sk: string } {
  const definition = tableDefinition.globalSecondaryIndexes.find((i) => i.indexName === index)!;
  return { pk: definition.partitionKey.name, sk: definition.sortKey.name };
}

/**
 * One page of a list spread over shards (`pks`, one partition each): every shard is queried in
 * parallel, a few items each, and the shards are merged in sort-key order — newest or oldest
 * first — refilling a shard whose items ran out before the page is full (another round). The
 * cursor holds every shard's position (the last item it gave to a page), so the next page
 * continues each shard exactly where the merge left it. Reads and filters as `listPage` does
 * (`indexQuery`, `itemsOf`): an index that does not project ALL is followed by one BatchGetItem of
 * the page's items, and a status the index does not project is filtered on the items read
 * (read ahead ×4).
 */
export async function shardedListPage<T>(
  index: 'GSI2' | 'GSI3' | 'QueueIndex',
  pks: readonly string[],
  options: { status?: string; cursor?: string; limit: number; newestFirst: boolean },
): Promise<Page<T>> {
  const { pk: pkAttribute, sk: skAttribute } = indexKeyAttributes(index);
  const starts = decodeShardCursor(options.cursor, index, pks);
  const readAhead = options.status ? FILTERED_READ_AHEAD : 1;
  const chunk = Math.min(MAX_QUERY_LIMIT, Math.max(2, Math.ceil(((options.limit + 1) * readAhead) / pks.length) + 1));
  const shards = pks.map((pk, i) => ({
    pk,
    readFrom: starts[i] ?? undefined,
    ended: false,
    buffer: [] as Record<string, unknown>[],
    /** The shard's position for the cursor: its start, then each item taken from it (with its sequence). */
    taken: [] as { seq: number; key: Key }[],
  }));
  const keyOf = (item: Record<string, unknown>): Key => ({
    PK: item['PK'] as string,
    SK: item['SK'] as string,
    [pkAttribute]: item[pkAttribute] as string,
    [skAttribute]: item[skAttribute] as string,
  });
  const fill = async (shard: (typeof shards)[number]) => {
    const result = await indexQuery(index, shard.pk, options, shard.readFrom, chunk);
    shard.buffer.push(...(result.Items ?? []));
    shard.readFrom = result.LastEvaluatedKey as Key | undefined;
    if (!shard.readFrom) shard.ended = true;
  };
  const before = (a: string, b: string) => (options.newestFirst ? a > b : a < b);

  const matched: { item: Record<string, unknown>; seq: number }[] = [];
  let seq = 0;
  while (matched.length <= options.limit) {
    await Promise.all(shards.filter((s) => s.buffer.length === 0 && !s.ended).map(fill));
    const wanted = Math.min(100, (options.limit + 1 - matched.length) * readAhead);
    const picked: { item: Record<string, unknown>; seq: number }[] = [];
    while (picked.length < wanted) {
      const live = shards.filter((s) => s.buffer.length > 0 || !s.ended);
      // A shard with nothing buffered but more to read could hold the next item: refill first.
      if (live.length === 0 || live.some((s) => s.buffer.length === 0)) break;
      let next = live[0]!;
      for (const s of live) if (before(s.buffer[0]![skAttribute] as string, next.buffer[0]![skAttribute] as string)) next = s;
      const item = next.buffer.shift()!;
      seq += 1;
      next.taken.push({ seq, key: keyOf(item) });
      picked.push({ item, seq });
    }
    if (picked.length === 0) {
      if (shards.every((s) => s.buffer.length === 0 && s.ended)) break;
      continue;
    }
    const items = await itemsOf(
      index,
      picked.map((p) => p.item),
      options.status,
    );
    picked.forEach((p, i) => {
      const item = items[i];
      if (item) matched.push({ item, seq: p.seq });
    });
  }

  const page = matched.slice(0, options.limit);
  const more = matched.length > options.limit;
  const lastSeq = page.at(-1)?.seq ?? 0;
  const nextCursor = more
    ? encodeShardCursor(
        pks,
        shards.map((s, i): ShardPosition => {
          const key = s.taken.filter((t) => t.seq <= lastSeq).at(-1)?.key ?? starts[i];
          return key ? [key['PK']!, key['SK']!, key[skAttribute]!] : null;
        }),
      )
    : undefined;
  return { items: page.map(({ item }) => fromItem<T>(item)), ...(nextCursor ? { nextCursor } : {}) };
}
