// Reading the outbox back, apart from outbox.ts: every writer imports outbox.ts, and only operators,
// the key migration and tests read it (a dynamic import here made esbuild keep all of the DynamoDB
// client in every bundle).
import { tableName } from './client.ts';
import { outboxPartitions } from './keys.ts';
import { queryAll } from './query.ts';

/**
 * Every outbound event recorded on one UTC day, oldest first: the day's `SPREAD_SHARDS` outbox
 * partitions (`OUTBOX#<day>#n`) read in parallel, strongly consistent, and merged by sort key.
 * For operators, the migration and tests; the service itself never reads its outbox (the stream does).
 */
export async function outboxEventsOn(day: string): Promise<Record<string, unknown>[]> {
  const shards = await Promise.all(
    outboxPartitions(day).map((pk) =>
      queryAll({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
    ),
  );
  return shards.flat().sort((a, b) => (String(a['SK']) < String(b['SK']) ? -1 : String(a['SK']) > String(b['SK']) ? 1 : 0));
}
