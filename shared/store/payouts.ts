import { dueItems, type ReadCapacity } from './due.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { itemsInOrder } from './batch-get.ts';
import type { Party, PayoutStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';
import { keys, listPartitions, type TableKey } from './keys.ts';
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

/**
 * P4 for a page of payouts: the payee of each merchant's profile (`alipay`, or the old
 * `alipayAccount` as a logon id), read together (BatchGets, strongly consistent). Each promise
 * never rejects: the payee, undefined when none is on record, or null when the read failed.
 */
export function merchantPayees(merchantIds: readonly string[]): Map<string, Promise<Payee | undefined | null>> {
  return readTogether(merchantIds, keys.merchant, (item) => profilePayee(item?.['alipay'], item?.['alipayAccount'], item?.['name']));
}

/** P4 for a page of payouts: the buyer's payee each order's `order.paid` brought (`buyerAlipay`), read together. */
export function orderBuyerPayees(orderIds: readonly string[]): Map<string, Promise<Payee | undefined | null>> {
  return readTogether(orderIds, keys.order, (item) => asPayee(item?.['buyerAlipay']));
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

/** Items per BatchGetItem (at most 100): small, so the first payouts of a page get theirs soon. */
const READ_CHUNK = 25;

/**
 * Items of a page of due payouts read together, strongly consistent, in BatchGets of 25 sent one
 * after the other in the order given — a page costs a few BatchGets instead of a GetItem each, and
 * each chunk lands long before the payouts that need it are reached. Keys DynamoDB hands back
 * unprocessed are asked again. Each id's promise never rejects: `pick` of its item (undefined
 * item when there is none), or null when its chunk's read failed (the caller reads it again) — so
 * an id nobody ends up awaiting leaves no unhandled rejection behind.
 */
function readTogether<T>(
  ids: readonly string[],
  keyOf: (id: string) => TableKey,
  pick: (item: Record<string, unknown> | undefined) => T | undefined,
): Map<string, Promise<T | undefined | null>> {
  const unique = [...new Set(ids)];
  const reads = new Map<string, Promise<T | undefined | null>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < unique.length; i += READ_CHUNK) {
    const chunk = unique.slice(i, i + READ_CHUNK);
    const read = previous.then(() => itemsInOrder(chunk.map(keyOf))).catch(() => null);
    previous = read;
    chunk.forEach((id, j) => {
      reads.set(
        id,
        read.then((items) => (items === null ? null : pick(items[j]))),
      );
    });
  }
  return reads;
}

/** P1: the claims of a page of due payouts (settling one pays its claim), read together. */
export function claimsByIds(claimIds: readonly string[]): Map<string, Promise<StoredClaim | undefined | null>> {
  return readTogether(claimIds, keys.claim, (item) => (item ? fromItem<StoredClaim>(item) : undefined));
}
