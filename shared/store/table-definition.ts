/**
 * The ONE definition of Baozhang's single DynamoDB table: key schema, indexes and TTL.
 * The CDK stateful stack and the local runtime (DynamoDB Local) both build the table from it,
 * so the two can never drift. Plain data: no AWS SDK or CDK import here.
 *
 * Index roles (see docs/data-model.md for every access pattern):
 * - GSI1, GSI2, GSI3: overloaded indexes (look-up by id, an owner's items in time order, queues).
 * - DueIndex: sparse and sharded. An item carries `dueShard`/`dueAt` only while a scheduled
 *   job still has work to do on it; processing removes the attributes and the item leaves the index.
 * - QueueIndex: sparse and sharded: the review queue (open claims) and the payouts needing
 *   attention; an item is in it only while it waits for a person.
 *
 * Projections (issue 20, docs/capacity.md): an index projecting ALL is rewritten whenever any
 * attribute of its item changes; a KEYS_ONLY index only when the item enters or leaves it. GSI3
 * (every claim, every payout) is read as a list whose items are fetched by key afterwards
 * (BatchGetItem), so it projects keys only and no status change of a claim or payout writes it.
 * QueueIndex projects ALL: its items leave it on almost every change anyway, and its reads (the
 * queue, read all day) then need no second round trip. GSI1, GSI2 and DueIndex keep ALL: their
 * queries answer in one round trip (a policy by id, an owner's list with a status filter, a job's
 * due items written back whole). docs/capacity.md has the measurements.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexProjection {
  readonly type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: IndexProjection;
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Epoch seconds after which DynamoDB deletes the item (idempotency records). */
  readonly timeToLiveAttribute: string;
}

export const tableDefinition: TableDefinition = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: { name: 'GSI1PK', type: 'S' }, sortKey: { name: 'GSI1SK', type: 'S' }, projection: { type: 'ALL' } },
    { indexName: 'GSI2', partitionKey: { name: 'GSI2PK', type: 'S' }, sortKey: { name: 'GSI2SK', type: 'S' }, projection: { type: 'ALL' } },
    { indexName: 'GSI3', partitionKey: { name: 'GSI3PK', type: 'S' }, sortKey: { name: 'GSI3SK', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
    { indexName: 'DueIndex', partitionKey: { name: 'dueShard', type: 'S' }, sortKey: { name: 'dueAt', type: 'S' }, projection: { type: 'ALL' } },
    { indexName: 'QueueIndex', partitionKey: { name: 'queuePK', type: 'S' }, sortKey: { name: 'queueSK', type: 'S' }, projection: { type: 'ALL' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/** The SDK's Projection of an index. */
export function projectionOf(index: IndexDefinition) {
  return {
    ProjectionType: index.projection.type,
    ...(index.projection.type === 'INCLUDE' ? { NonKeyAttributes: [...(index.projection.nonKeyAttributes ?? [])] } : {}),
  };
}

/** Whether a Query of this index returns whole items (else: keys only, to be fetched from the table). */
export function projectsAll(indexName: string): boolean {
  return tableDefinition.globalSecondaryIndexes.find((i) => i.indexName === indexName)?.projection.type === 'ALL';
}

/** The SDK's CreateTable input for this definition (on-demand, each index with its projection). */
export function createTableInput(tableName: string) {
  const { partitionKey, sortKey, globalSecondaryIndexes } = tableDefinition;
  const attributes = new Map<string, KeyAttribute>();
  for (const a of [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(a.name, a);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: globalSecondaryIndexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: i.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: projectionOf(i),
    })),
  };
}
