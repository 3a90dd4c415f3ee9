/**
 * Every page of a Query, in order — the one "query until LastEvaluatedKey runs out" loop, the
 * SDK's own paginator on the shared document client (so the round-trip meter sees each page).
 */
import { paginateQuery, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client.ts';

export function queryPages(input: QueryCommandInput): AsyncIterable<QueryCommandOutput> {
  return paginateQuery({ client: documentClient }, input);
}

/** Every item of a Query, all pages read. */
export async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPages(input)) items.push(...(page.Items ?? []));
  return items;
}

/**
 * Every page of one Query over each of `partitions` (a list spread over shards), the partitions
 * read in parallel: the key condition names the partition `:pk`, and `visit` sees every page.
 */
export async function queryEveryPartition(partitions: readonly string[], input: QueryCommandInput, visit: (page: QueryCommandOutput) => void): Promise<void> {
  await Promise.all(
    partitions.map(async (pk) => {
      for await (const page of queryPages({ ...input, ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':pk': pk } })) visit(page);
    }),
  );
}
