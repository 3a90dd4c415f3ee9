import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';
import { dueShards, type DueKind } from './keys.ts';

/** Collects the read capacity a job's queries consumed (X4: cost follows the due items). */
export interface ReadCapacity {
  add(units: number): void;
}

/**
 * The work of one kind due by `cutoff` (a `sortableInstant`): DueIndex
 * `dueShard = KIND#n AND dueAt <= cutoff#\uffff`, all shards in parallel, at most `limitPerShard`
 * each. Only due items are in the index, so the read never grows with the rest of the table.
 */
export async function dueItems<T>(kind: DueKind, cutoffSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<T[]> {
  const pages = await Promise.all(
    dueShards(kind).map((shard) =>
      documentClient.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'DueIndex',
          KeyConditionExpression: 'dueShard = :shard AND dueAt <= :cutoff',
          ExpressionAttributeValues: { ':shard': shard, ':cutoff': `${cutoffSortable}#\uffff` },
          Limit: limitPerShard,
          ...(capacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
        }),
      ),
    ),
  );
  for (const page of pages) capacity?.add(page.ConsumedCapacity?.CapacityUnits ?? 0);
  return pages.flatMap((page) => (page.Items ?? []).map((item) => fromItem<T>(item)));
}
