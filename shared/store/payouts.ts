import { dueItems, type ReadCapacity } from './due.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get.ts';
import type { Party, PayoutStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';
import { keys, listPartitions } from './keys.ts';
import type { StoredClaim } from './claims.ts';
import { listPage, shardedListPage } from './pagination.ts';
import type { Payee } from '#shared/payments/port.ts';
import { asPayee, profilePayee } from '#shared/payments/payee.ts';
import type { StoredPayout } from './payout-item.ts';

// The record and its item (./payout-item.ts) and the job's writes (./payout-writes.ts), for importers.
export { payoutItem, payoutPut, type DueByBasis, type StoredPayout } from './payout-item.ts';
export * from './payout-writes.ts';

/** A payout by id (`PK = PAYOUT#id`). */
export async function getPayout(payoutId: string): Promise<StoredPayout | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.payout(payoutId), ConsistentRead: true }));
  return result.Item ? fromItem<StoredPayout>(result.Item) : undefined;
}

/**
 * A merchant's Alipay account, from the profile PUT /v1/merchants writes (`MERCHANT#id / PROFILE`).
 * '' when the profile is missing: the payout is still recorded (the approval must not fail), and
 * the payout job cannot pay an empty account — it reports it instead of guessing one.
 */
export async function merchantAlipayAccount(merchantId: string): Promise<string> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.merchant(merchantId), ProjectionExpression: 'alipayAccount' }));
  const account = result.Item?.['alipayAccount'];
  return typeof account === 'string' ? account : '';
}

/** P4: a merchant's payee, from its profile (`alipay`, or the old `alipayAccount` as a logon id). */
export async function merchantPayee(merchantId: string): Promise<Payee | undefined> {
  const result = await documentClient.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.merchant(merchantId),
      ProjectionExpression: 'alipay, alipayAccount, #name',
      ExpressionAttributeNames: { '#name': 'name' },
      ConsistentRead: true,
    }),
  );
  return profilePayee(result.Item?.['alipay'], result.Item?.['alipayAccount'], result.Item?.['name']);
}

/** P4: a buyer's payee, as the order's `order.paid` brought it (`buyerAlipay`). */
export async function orderBuyerPayee(orderId: string): Promise<Payee | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: keys.order(orderId), ProjectionExpression: 'buyerAlipay', ConsistentRead: true }),
  );
  return asPayee(result.Item?.['buyerAlipay']);
}

export interface PayoutPage {
  items: StoredPayout[];
  nextCursor?: string;
}

interface ListOptions {
  status?: PayoutStatus;
  cursor?: string;
  limit: number;
}

function queryPayouts(index: 'GSI1', pk: string, options: ListOptions): Promise<PayoutPage> {
  return listPage<StoredPayout>(index, pk, { ...options, newestFirst: true });
}

/** Payouts to one beneficiary, newest first (GSI1, `GSI1PK = BUYER#id#PAYOUTS` / `MERCHANT#id#PAYOUTS`). */
export function payoutsByBeneficiary(beneficiary: Party, options: ListOptions): Promise<PayoutPage> {
  return queryPayouts('GSI1', listPartitions.payoutsByBeneficiary(beneficiary.role, beneficiary.id), options);
}

/** Every payout, newest first (GSI3, `GSI3PK = PAYOUTS#n`, every shard merged), for ops. */
export function allPayouts(options: ListOptions): Promise<PayoutPage> {
  return shardedListPage<StoredPayout>('GSI3', listPartitions.payoutsAll(), { ...options, newestFirst: true });
}

/**
 * Payouts needing attention — overdue and unsettled, or FAILED for good — oldest first
 * (QueueIndex, `queuePK = ATTENTION#n`, every shard merged): sparse, so the read follows them only.
 */
export function payoutsNeedingAttention(options: { cursor?: string; limit: number }): Promise<PayoutPage> {
  return shardedListPage<StoredPayout>('QueueIndex', listPartitions.payoutsNeedingAttention(), { ...options, newestFirst: false });
}

// ---------------------------------------------------------------------------------------------
// The payout job (P1–P3): the payouts it has to act on, and its conditional writes
// ---------------------------------------------------------------------------------------------

/**
 * Payouts the job must act on by `now` (DueIndex, `dueShard = PAYOUT#n AND dueAt <= now`), every
 * shard in parallel: new ones, retries and queries whose time has come, SENDING ones whose lease
 * expired, and unsettled ones reaching `dueBy` (to report them). Settled payouts are not in the
 * index, so the cost follows the work, not the table. `capacity` receives the read units used.
 */
export function payoutsDue(nowSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<StoredPayout[]> {
  return dueItems<StoredPayout>('PAYOUT', nowSortable, limitPerShard, capacity);
}

/** Claims per BatchGetItem (at most 100): small, so the first payouts of a page get theirs soon. */
const CLAIM_CHUNK = 25;

/**
 * The claims of due payouts (P1: settling one pays its claim), strongly consistent, in BatchGets of
 * 25 sent one after the other in the order given — a page of payouts costs a few BatchGets instead
 * of a GetItem each, and each chunk lands long before the payouts that need it are reached. Keys
 * DynamoDB hands back unprocessed are asked again. Each claim's promise never rejects: it gives
 * the claim, undefined when there is none, or null when its chunk's read failed (the caller reads
 * it again) — so a claim nobody ends up awaiting leaves no unhandled rejection behind.
 */
export function claimsByIds(claimIds: readonly string[]): Map<string, Promise<StoredClaim | undefined | null>> {
  const unique = [...new Set(claimIds)];
  const claims = new Map<string, Promise<StoredClaim | undefined | null>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < unique.length; i += CLAIM_CHUNK) {
    const chunk = unique.slice(i, i + CLAIM_CHUNK);
    const read = previous.then(() => batchGetClaims(chunk)).catch(() => null);
    previous = read;
    for (const claimId of chunk)
      claims.set(
        claimId,
        read.then((found) => (found === null ? null : found.get(claimId))),
      );
  }
  return claims;
}

async function batchGetClaims(claimIds: readonly string[]): Promise<Map<string, StoredClaim>> {
  const items = await batchGetItems(claimIds.map((id) => keys.claim(id)));
  return new Map(items.map((item) => fromItem<StoredClaim>(item)).map((claim) => [claim.claimId, claim]));
}
