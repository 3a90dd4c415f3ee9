import { dueItems, type ReadCapacity } from './due.ts';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Policy } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { ConditionFailed, named, transactEach } from './errors.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys, listPartitions, prefixes, type TableKey } from './keys.ts';
import { outboxPut } from './outbox.ts';
import { shardedListPage, type Page } from './pagination.ts';

/** A policy as stored: its open or paid claim (C1), the ended ones (`previousClaimIds`), and a live-quality policy's claims per refund (`claimIds`, C7). */
export type StoredPolicy = Policy & { claimId?: string; previousClaimIds?: string[]; claimIds?: Set<string> };

/** The item of a policy: natural key (I6), look-up by id, merchant listing, and — while it is
 *  ACTIVE with a known end — the expiry job's due entry (X1, X4). */
export function policyItem(policy: Policy) {
  return {
    ...keys.policy(policy.orderId, policy.planId, policy.lineId),
    ...indexKeys.policyById(policy.policyId),
    ...indexKeys.policiesByMerchant(policy.merchantId, policy.issuedAt, policy.policyId),
    ...(policy.status === 'ACTIVE' && policy.coverageEnd ? indexKeys.due('EXPIRE', policy.policyId, policy.coverageEnd) : {}),
    entity: 'Policy',
    ...policy,
  };
}

/**
 * Issues policies, each with its `policy.issued` event, in one transaction per batch. Each Put
 * is conditioned on the natural key being free, so a repeated or reordered event can never issue
 * a second policy for the same plan and line (I6). Returns false when another writer got there
 * first (the caller re-reads and recomputes).
 */
export async function issuePolicies(policies: readonly Policy[], at: string): Promise<boolean> {
  const BATCH = 50; // 2 items per policy, 100 items per transaction
  for (let i = 0; i < policies.length; i += BATCH) {
    const batch = policies.slice(i, i + BATCH);
    const transactItems = batch.flatMap((policy) => [
      { Put: { TableName: tableName, Item: policyItem(policy), ConditionExpression: 'attribute_not_exists(PK)' } },
      outboxPut(tableName, 'policy.issued', { ...policy }, at),
    ]);
    try {
      await named(
        transactItems.map((_, j) => (j % 2 === 0 ? 'policy-slot-free' : 'outbox')),
        () => documentClient.send(new TransactWriteCommand({ TransactItems: transactItems })),
      );
    } catch (error) {
      if (error instanceof ConditionFailed) return false;
      throw error;
    }
  }
  return true;
}

/** X2: a return-shipping policy learns its end (delivery + 7 days, or receipt confirmation). */
export async function setCoverageEnd(policy: Policy, coverageEnd: string): Promise<void> {
  const due = indexKeys.due('EXPIRE', policy.policyId, coverageEnd);
  await named(['policy-active'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.policy(policy.orderId, policy.planId, policy.lineId),
        UpdateExpression: 'SET coverageEnd = :end, dueShard = :shard, dueAt = :dueAt',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':end': coverageEnd, ':shard': due.dueShard, ':dueAt': due.dueAt, ':active': 'ACTIVE' },
      }),
    ),
  ).catch((error: unknown) => {
    // Already expired or claimed: its end no longer matters.
    if (!(error instanceof ConditionFailed)) throw error;
  });
}

/**
 * I9: ACTIVE → VOID with its reason, out of the expiry job's due index, and its `policy.voided`
 * event, in one transaction conditioned on the policy being ACTIVE (`policy-active`). Returns
 * false when it no longer was (voided, claimed or expired meanwhile).
 */
export async function voidPolicy(policy: Policy, reason: 'refunded', at: string): Promise<boolean> {
  try {
    await named(['policy-active', 'outbox'], () =>
      documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: keys.policy(policy.orderId, policy.planId, policy.lineId),
                UpdateExpression: 'SET #status = :void, voidReason = :reason, voidedAt = :at REMOVE dueShard, dueAt',
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':void': 'VOID', ':reason': reason, ':at': at, ':active': 'ACTIVE' },
              },
            },
            outboxPut(
              tableName,
              'policy.voided',
              { policyId: policy.policyId, orderId: policy.orderId, planId: policy.planId, lineId: policy.lineId, voidReason: reason },
              at,
            ),
          ],
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionFailed) return false;
    throw error;
  }
}

/**
 * Where a policy is stored, by its id (GSI1 `GSI1PK = POLICY#id`, keys only): its key in its order's
 * partition, and so its order. A claim then reads that partition, the policy with it.
 */
export async function findPolicy(policyId: string): Promise<{ key: TableKey; orderId: string } | undefined> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK = :sk',
      ExpressionAttributeValues: {
        ':pk': indexKeys.policyById(policyId).GSI1PK,
        ':sk': indexKeys.policyById(policyId).GSI1SK,
      },
      Limit: 1,
    }),
  );
  const entry = result.Items?.[0];
  if (!entry) return undefined;
  const key = { PK: String(entry['PK']), SK: String(entry['SK']) };
  return { key, orderId: key.PK.slice(prefixes.order.length) };
}

/** A policy by id: where it is (`findPolicy`), then the policy itself (consistent). */
export async function getPolicy(policyId: string): Promise<StoredPolicy | undefined> {
  const found = await findPolicy(policyId);
  if (!found) return undefined;
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: found.key, ConsistentRead: true }));
  return Item ? fromItem<StoredPolicy>(Item) : undefined;
}

/** A merchant's policies, oldest first (GSI2, `GSI2PK = MERCHANT#id#POLICIES#n`, every shard merged), optionally by status. */
export function listPoliciesByMerchant(merchantId: string, options: { status?: string; cursor?: string; limit: number }): Promise<Page<StoredPolicy>> {
  return shardedListPage<StoredPolicy>('GSI2', listPartitions.policiesByMerchant(merchantId), { ...options, newestFirst: false });
}

/**
 * Policies whose window has ended by `now` (DueIndex, `dueShard = EXPIRE#n AND dueAt <= now`), every
 * shard. `capacity`, when given, receives the read capacity the queries consumed (X4).
 */
export function policiesDueToExpire(nowSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<StoredPolicy[]> {
  return dueItems<StoredPolicy>('EXPIRE', nowSortable, limitPerShard, capacity);
}

/** X1's writes for one policy: ACTIVE → EXPIRED, out of the due index, and its `policy.expired` event. */
function expireWrites(policy: Policy, at: string) {
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.policy(policy.orderId, policy.planId, policy.lineId),
        UpdateExpression: 'SET #status = :expired, expiredAt = :at REMOVE dueShard, dueAt',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'EXPIRED', ':active': 'ACTIVE', ':at': at },
      },
    },
    outboxPut(tableName, 'policy.expired', { policyId: policy.policyId, orderId: policy.orderId, planId: policy.planId }, at),
  ];
}

/** X1 for one policy: true when expired, false when it was no longer ACTIVE (`expirePolicies`). */
export async function expirePolicy(policy: Policy, at: string): Promise<boolean> {
  return (await expirePolicies([policy], at)).length === 1;
}

/** Policies the expiry job hands over at once (2 items each; a transaction takes 100). */
export const EXPIRE_BATCH = 25;

/**
 * X1: ACTIVE → EXPIRED, leaving the due index, each with its `policy.expired` event — several
 * policies to a transaction (`transactEach`), each still conditioned on being ACTIVE, so a run of
 * thousands sends a few hundred writes, not one per policy. A policy changed meanwhile is left
 * out; one that could not be written (an error, or it kept conflicting) goes to `onError`, which
 * throws by default. Returns the policies expired.
 */
export async function expirePolicies(
  policies: readonly Policy[],
  at: string,
  onError: (error: unknown) => void = (error) => {
    throw error;
  },
): Promise<Policy[]> {
  const outcomes = await transactEach(
    policies.map((policy) => ({ names: ['policy-active', 'outbox'], items: expireWrites(policy, at) })),
    'expiry-conflict',
  );
  const expired: Policy[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'written') expired.push(policies[i]!);
    else if (outcome.status === 'error') onError(outcome.error);
    else if (!outcome.failed.includes('policy-active')) onError(new ConditionFailed(outcome.failed));
  });
  return expired;
}
