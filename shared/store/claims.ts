import { dueItems, type ReadCapacity } from './due.ts';
import { GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Claim, ClaimStatus, PolicyStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { transactRetryingConflicts } from './errors.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys, listPartitions, REVIEW_STATUSES } from './keys.ts';
import { outboxPut, type OutboundEventType } from './outbox.ts';
import { listPage, shardedListPage } from './pagination.ts';
import { payoutPut, type StoredPayout } from './payout-item.ts';
import type { StoredPolicy } from './policies.ts';
import type { CompensationEntry } from '#shared/rules/compensation.ts';
import { compensationWrite } from './compensation.ts';

const transact = (names: readonly string[], items: Parameters<typeof transactRetryingConflicts>[1]) => transactRetryingConflicts(names, items);

/**
 * A claim as stored: the domain claim plus what the store needs to find and guard it — the order's
 * merchant (claims-by-merchant listing and visibility) and the id of the payout its approval created.
 */
export type StoredClaim = Claim & { merchantId: string; payoutId?: string };

/** The natural key of a policy: the item a claim takes the one claim slot of (C1). */
export interface PolicyRef {
  orderId: string;
  planId: string;
  lineId?: string;
}

export interface OutboundEvent {
  type: OutboundEventType;
  detail: Record<string, unknown>;
}

/**
 * The item of a claim: by id; listed for its buyer (GSI1), the order's merchant (GSI2) and staff
 * (GSI3, sharded); while UNDER_REVIEW or NEEDS_INFO in the review queue (QueueIndex, sparse); and,
 * while it waits in NEEDS_INFO, the expiry job's lapse entry (DueIndex `LAPSE#n`). The item is
 * always written whole, so a transition drops the queue and lapse entries it no longer needs.
 */
export function claimItem(claim: StoredClaim, lapsesAt?: string) {
  const buyerId = claim.claimant.role === 'buyer' ? claim.claimant.id : claim.beneficiary.role === 'buyer' ? claim.beneficiary.id : undefined;
  return {
    ...keys.claim(claim.claimId),
    ...(buyerId ? indexKeys.claimsByBuyer(buyerId, claim.submittedAt, claim.claimId) : {}),
    ...indexKeys.claimsByMerchant(claim.merchantId, claim.submittedAt, claim.claimId),
    ...indexKeys.claimsAll(claim.submittedAt, claim.claimId),
    ...(isReviewStatus(claim.status) ? indexKeys.reviewQueue(claim.status, claim.submittedAt, claim.claimId) : {}),
    ...(lapsesAt ? indexKeys.due('LAPSE', claim.claimId, lapsesAt) : {}),
    entity: 'Claim',
    ...claim,
  };
}

const isReviewStatus = (status: string): status is (typeof REVIEW_STATUSES)[number] => (REVIEW_STATUSES as readonly string[]).includes(status);

/** A claim by id (`PK = CLAIM#id`), strongly consistent: decisions build on what it returns. */
export async function getClaim(claimId: string): Promise<StoredClaim | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.claim(claimId), ConsistentRead: true }));
  return result.Item ? fromItem<StoredClaim>(result.Item) : undefined;
}

/** A policy by its natural key (`PK = ORDER#id, SK = POLICY#plan#line`), strongly consistent. */
export async function policyByNaturalKey(ref: PolicyRef): Promise<StoredPolicy | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: keys.policy(ref.orderId, ref.planId, ref.lineId), ConsistentRead: true }),
  );
  return result.Item ? fromItem<StoredPolicy>(result.Item) : undefined;
}

const outboxPuts = (events: readonly OutboundEvent[], at: string) => events.map((e) => outboxPut(tableName, e.type, e.detail, at));

/**
 * Files a claim in one transaction: the claim item (`claim-new`); the policy's one claim slot
 * (`claim-slot-free`: `attribute_not_exists(claimId) AND #status IN (...)` — C1's guard, and no
 * claim on a policy that is no longer in force) — or, for a claim per refund (C7), the policy's
 * set of claims (`policy-claimable`, the refund's ledger entry being the slot); the payout when the
 * claim starts APPROVED (`payout-new`); the line's compensation ledger entry when an approved
 * claim pays a shared loss (`ledger-unchanged`, C11); and the outbox events. Throws
 * ConditionFailed naming what failed.
 */
export async function createClaim(input: {
  claim: StoredClaim;
  policy: PolicyRef;
  policyStatuses: readonly PolicyStatus[];
  /** C7: the claim pays one refund; several claims share the policy. */
  perRefund?: boolean;
  compensation?: CompensationEntry;
  payout?: StoredPayout;
  events: readonly OutboundEvent[];
  at: string;
}): Promise<void> {
  const { claim, policy, policyStatuses, payout, events, at, compensation } = input;
  const statusValues = Object.fromEntries(policyStatuses.map((status, i) => [`:s${i}`, status]));
  const inForce = `#status IN (${Object.keys(statusValues).join(', ')})`;
  const slot = input.perRefund
    ? { UpdateExpression: 'ADD claimIds :claimIds', ConditionExpression: inForce, values: { ':claimIds': new Set([claim.claimId]) } }
    : {
        UpdateExpression: 'SET claimId = :claimId',
        ConditionExpression: `attribute_not_exists(claimId) AND ${inForce}`,
        values: { ':claimId': claim.claimId },
      };
  const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
    { Put: { TableName: tableName, Item: claimItem(claim), ConditionExpression: 'attribute_not_exists(PK)' } },
    {
      Update: {
        TableName: tableName,
        Key: keys.policy(policy.orderId, policy.planId, policy.lineId),
        UpdateExpression: slot.UpdateExpression,
        ConditionExpression: slot.ConditionExpression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...slot.values, ...statusValues },
      },
    },
    ...(payout ? [payoutPut(payout)] : []),
    ...(compensation ? [compensationWrite(compensation)] : []),
    ...outboxPuts(events, at),
  ];
  const names = [
    'claim-new',
    input.perRefund ? 'policy-claimable' : 'claim-slot-free',
    ...(payout ? ['payout-new'] : []),
    ...(compensation ? ['ledger-unchanged'] : []),
    ...events.map(() => 'outbox'),
  ];
  await transact(names, transactItems);
}

/**
 * C1: a claim that ended REJECTED or LAPSED frees its policy line's slot, and is remembered on the
 * policy (`previousClaimIds`) so the claimant may file again up to the limit and every claim of
 * the line stays visible. Conditioned on the slot still holding this claim (`slot-held`).
 */
function releaseSlotWrite(ref: PolicyRef, claimId: string) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.policy(ref.orderId, ref.planId, ref.lineId),
      UpdateExpression: 'SET previousClaimIds = list_append(if_not_exists(previousClaimIds, :empty), :ids) REMOVE claimId',
      ConditionExpression: 'claimId = :claimId',
      ExpressionAttributeValues: { ':empty': [], ':ids': [claimId], ':claimId': claimId },
    },
  };
}

/**
 * Writes a claim's transition (A2, A4, X3) with optimistic concurrency: the claim must still be in
 * the status, and have the history length, it was read with (`claim-unchanged`), so of two racing
 * writers exactly one wins — even when the status went away and came back in between. An approval
 * adds its payout (`payout-new`) in the same transaction.
 */
export async function saveClaimTransition(input: {
  previous: Pick<Claim, 'status' | 'history'>;
  claim: StoredClaim;
  lapsesAt?: string;
  payout?: StoredPayout;
  /** C1: the claim ended (REJECTED, LAPSED): free its policy line's slot. */
  releaseSlot?: PolicyRef;
  /** C11: an approval enters the shared loss it pays in the line's ledger. */
  compensation?: CompensationEntry;
  events: readonly OutboundEvent[];
  at: string;
}): Promise<void> {
  const { previous, claim, lapsesAt, payout, events, at, releaseSlot, compensation } = input;
  const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
    {
      Put: {
        TableName: tableName,
        Item: claimItem(claim, lapsesAt),
        ConditionExpression: '#status = :expected AND size(#history) = :historyLength',
        ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
        ExpressionAttributeValues: { ':expected': previous.status, ':historyLength': previous.history.length },
      },
    },
    ...(payout ? [payoutPut(payout)] : []),
    ...(releaseSlot ? [releaseSlotWrite(releaseSlot, claim.claimId)] : []),
    ...(compensation ? [compensationWrite(compensation)] : []),
    ...outboxPuts(events, at),
  ];
  const names = [
    'claim-unchanged',
    ...(payout ? ['payout-new'] : []),
    ...(releaseSlot ? ['slot-held'] : []),
    ...(compensation ? ['ledger-unchanged'] : []),
    ...events.map(() => 'outbox'),
  ];
  await transact(names, transactItems);
}

/**
 * Claims whose NEEDS_INFO lapse instant is at or before `cutoff` (DueIndex,
 * `dueShard = LAPSE#n AND dueAt <= cutoff`), every shard; only due items are read (X4).
 */
export function claimsDueToLapse(cutoffSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<StoredClaim[]> {
  return dueItems<StoredClaim>('LAPSE', cutoffSortable, limitPerShard, capacity);
}

export interface ClaimPage {
  items: StoredClaim[];
  nextCursor?: string;
}

interface ListOptions {
  status?: ClaimStatus;
  cursor?: string;
  limit: number;
}

/** Claims a buyer submitted or benefits from, newest first (GSI1, `GSI1PK = BUYER#id#CLAIMS`). */
export function claimsByBuyer(buyerId: string, options: ListOptions): Promise<ClaimPage> {
  return listPage<StoredClaim>('GSI1', listPartitions.claimsByBuyer(buyerId), { ...options, newestFirst: true });
}

/** Claims on a merchant's orders, newest first (GSI2, `GSI2PK = MERCHANT#id#CLAIMS#n`, every shard merged). */
export function claimsByMerchant(merchantId: string, options: ListOptions): Promise<ClaimPage> {
  return shardedListPage<StoredClaim>('GSI2', listPartitions.claimsByMerchant(merchantId), { ...options, newestFirst: true });
}

/**
 * Every claim, newest first (GSI3, `GSI3PK = CLAIMS#n`, every shard merged). Filtered by an open
 * status (UNDER_REVIEW, NEEDS_INFO) it is the review queue (`reviewQueue`): only open claims are read.
 */
export function allClaims(options: ListOptions): Promise<ClaimPage> {
  if (options.status && isReviewStatus(options.status)) return reviewQueue(options.status, { ...options, newestFirst: true });
  return shardedListPage<StoredClaim>('GSI3', listPartitions.claimsAll(), { ...options, newestFirst: true });
}

/**
 * The adjusters' review queue of one status (QueueIndex, `queuePK = REVIEW#<status>#n`, every shard
 * merged; oldest first unless `newestFirst`): sparse, so its reads grow with the queue only.
 */
export function reviewQueue(status: (typeof REVIEW_STATUSES)[number], options: { cursor?: string; limit: number; newestFirst?: boolean }): Promise<ClaimPage> {
  return shardedListPage<StoredClaim>('QueueIndex', listPartitions.reviewQueue(status), {
    ...(options.cursor ? { cursor: options.cursor } : {}),
    limit: options.limit,
    newestFirst: options.newestFirst ?? false,
  });
}
