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
 * queue, read all day) then need no second round trip. GSI1 (a policy by id, a buyer's claims, a
 * beneficiary's payouts) projects keys only too: a payout confirmation changes the payout, its claim
 * and its policy, and an index projecting ALL would be rewritten for each; its lists fetch the page's
 * items by key. GSI2 (a merchant's lists) projects the few attributes its filters read
 * (`GSI2_ATTRIBUTES`). DueIndex keeps ALL: a job's due items are read and written back whole, and
 * leave the index when done. docs/capacity.md has the measurements.
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

/**
 * What GSI2 (a merchant's policies, claims and withdrawals) carries besides keys: what its
 * filters and sums read — the status of each (a list by status; D3's open claims), and a claim's
 * order line and amount (C11/D5: what approved claims on a line amount to). None of these but the
 * status changes when a payout confirms, and an entry this small is one write unit.
 */
const GSI2_ATTRIBUTES = ['status', 'orderId', 'lineId', 'amountFen'] as const;

export const tableDefinition: TableDefinition = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: { name: 'GSI1PK', type: 'S' }, sortKey: { name: 'GSI1SK', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
    {
      indexName: 'GSI2',
      partitionKey: { name: 'GSI2PK', type: 'S' },
      sortKey: { name: 'GSI2SK', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: GSI2_ATTRIBUTES },
    },
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

/** Whether a Query of this index can filter on `attribute` (the index projects it). */
export function projects(indexName: string, attribute: string): boolean {
  const projection = tableDefinition.globalSecondaryIndexes.find((i) => i.indexName === indexName)?.projection;
  return projection?.type === 'ALL' || (projection?.type === 'INCLUDE' && (projection.nonKeyAttributes ?? []).includes(attribute));
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
