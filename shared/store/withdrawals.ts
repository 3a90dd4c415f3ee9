import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, ClaimStatus, WithdrawalStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { queryEveryPartition, queryPages } from './query.ts';
import { fromItem } from './items.ts';
import { itemsInOrder } from './batch-get.ts';
import { indexKeys, keys, listPartitions, prefixes } from './keys.ts';
import { payoutPut, type StoredPayout } from './payouts.ts';
import { transact, type TransactWriteItem, accountUpdate, inGoodStanding, outbox } from './deposit-items.ts';

/**
 * D3 withdrawals: their own partition (the ops route names only the withdrawal), listed per
 * merchant on GSI2; what the withdrawal rules read besides the account (open claims, enrollment,
 * penalty records); and the writes a fraud finding adds to cancel approved ones.
 */

export interface Withdrawal {
  withdrawalId: string;
  merchantId: string;
  amountFen: number;
  reason: string;
  status: WithdrawalStatus;
  requestedAt: string;
  decidedAt?: string;
  decidedBy?: Actor;
  note?: string;
  payoutId?: string;
  payoutDueBy?: string;
  paidAt?: string;
}

/** The penalty items the D3 violation-record check reads. */
export interface PenaltyRecord {
  penaltyId: string;
  penalizedAt?: string;
  liftedAt?: string;
  fraud?: boolean;
}

function withdrawalItem(withdrawal: Withdrawal) {
  return {
    ...keys.withdrawal(withdrawal.withdrawalId),
    ...indexKeys.withdrawalsByMerchant(withdrawal.merchantId, withdrawal.requestedAt, withdrawal.withdrawalId),
    entity: 'DepositWithdrawal',
    ...withdrawal,
  };
}

/**
 * A merchant's withdrawals, newest first: GSI2 `GSI2PK = MERCHANT#id#WITHDRAWALS` (its entries carry
 * the status only), then the withdrawals by key.
 */
export async function withdrawalsByMerchant(merchantId: string, limit: number): Promise<Withdrawal[]> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      ExpressionAttributeValues: { ':pk': listPartitions.withdrawalsByMerchant(merchantId) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return withdrawalsOf(result.Items ?? []);
}

/** A withdrawal by id: GetItem `PK = WITHDRAWAL#id, SK = WITHDRAWAL` (consistent: decisions build on it). */
export async function getWithdrawal(withdrawalId: string): Promise<Withdrawal | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.withdrawal(withdrawalId), ConsistentRead: true }));
  return Item ? fromItem<Withdrawal>(Item) : undefined;
}

/**
 * How many claims on a merchant's orders are in one of `statuses` (D3's open claims): GSI2
 * `GSI2PK = MERCHANT#id#CLAIMS#n` filtered by status, counted (`Select: COUNT`) page by page, every
 * shard in parallel. Its cost follows the merchant's number of claims (small entries: keys and
 * four attributes); a maintained counter would need every claim write to keep it, which the
 * claims store does not do.
 */
export async function openClaimsOfMerchant(merchantId: string, statuses: readonly ClaimStatus[]): Promise<number> {
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  let count = 0;
  await queryEveryPartition(
    listPartitions.claimsByMerchant(merchantId),
    {
      TableName: tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      FilterExpression: `#status IN (${Object.keys(values).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
      Select: 'COUNT',
    },
    (page) => {
      count += page.Count ?? 0;
    },
  );
  return count;
}

/**
 * D3 request: the withdrawal REQUESTED (`withdrawal-new`), guarded by what the rules decided on —
 * the amount still available (`deposit-available`) and the merchant in good standing
 * (`merchant-in-good-standing`) — and `deposit.withdrawal-requested`. Nothing is held yet: the
 * balance is held when ops approves.
 */
export async function insertWithdrawal(withdrawal: Withdrawal, keepFen = 0): Promise<void> {
  await transact(
    ['withdrawal-new', 'deposit-available', 'merchant-in-good-standing', 'outbox'],
    [
      { Put: { TableName: tableName, Item: withdrawalItem(withdrawal), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.depositAccount(withdrawal.merchantId),
          ConditionExpression: 'availableFen >= :amount',
          // D1: while enrolled, the minimum must stay available after it.
          ExpressionAttributeValues: { ':amount': withdrawal.amountFen + keepFen },
        },
      },
      inGoodStanding(withdrawal.merchantId),
      outbox('deposit.withdrawal-requested', { ...withdrawal }, withdrawal.requestedAt),
    ],
  );
}

/** The withdrawal as decided, written only while it is still REQUESTED (`withdrawal-requested`). */
function decidedWithdrawalPut(withdrawal: Withdrawal): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: withdrawalItem(withdrawal),
      ConditionExpression: '#status = :requested',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':requested': 'REQUESTED' },
    },
  };
}

/**
 * D3 approval: the withdrawal REQUESTED → APPROVED (`withdrawal-requested`), its amount held on the
 * account (`deposit-available`: of two approvals racing for one balance exactly one wins), the
 * merchant still in good standing (`merchant-in-good-standing`: a penalty that arrived while it
 * waited refuses it), its payout record (`payout-new`, paid by the payout job) and
 * `deposit.withdrawal-approved` — one transaction.
 */
export async function approveWithdrawal(input: { withdrawal: Withdrawal; payout: StoredPayout; at: string; keepFen?: number }): Promise<void> {
  const { withdrawal, payout, at, keepFen = 0 } = input;
  await transact(
    ['withdrawal-requested', 'deposit-available', 'merchant-in-good-standing', 'payout-new', 'outbox'],
    [
      decidedWithdrawalPut(withdrawal),
      accountUpdate(withdrawal.merchantId, { kind: 'hold', amountFen: withdrawal.amountFen, keepFen }, at),
      inGoodStanding(withdrawal.merchantId),
      payoutPut(payout),
      outbox('deposit.withdrawal-approved', { ...withdrawal }, at),
    ],
  );
}

/** D3 rejection: REQUESTED → REJECTED (`withdrawal-requested`) and `deposit.withdrawal-rejected`. Nothing was held. */
export async function rejectWithdrawal(withdrawal: Withdrawal, at: string): Promise<void> {
  await transact(['withdrawal-requested', 'outbox'], [decidedWithdrawalPut(withdrawal), outbox('deposit.withdrawal-rejected', { ...withdrawal }, at)]);
}

/**
 * D3: an approved withdrawal whose payout was never handed to the provider is cancelled — the
 * withdrawal APPROVED → CANCELLED (`withdrawal-approved`), its payout PENDING/FAILED → CANCELLED
 * and out of the due index (`payout-unsent`: status and version as read, so a payout-job run that
 * took it to SENDING meanwhile wins and the penalty re-reads), `withdrawal.cancelled`. The hold is
 * released by the caller's account change (the forfeiture), never here: one account update per
 * transaction.
 */
export function withdrawalCancelWrites(
  withdrawal: Withdrawal,
  payout: StoredPayout,
  at: string,
  penaltyId: string,
): { names: string[]; items: TransactWriteItem[] } {
  const versionValues: Record<string, unknown> = payout.version === undefined ? {} : { ':version': payout.version };
  return {
    names: ['withdrawal-approved', 'payout-unsent', 'outbox'],
    items: [
      {
        Update: {
          TableName: tableName,
          Key: keys.withdrawal(withdrawal.withdrawalId),
          UpdateExpression: 'SET #status = :cancelled, cancelledAt = :at, cancelReason = :reason',
          ConditionExpression: '#status = :approved AND payoutId = :payoutId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':cancelled': 'CANCELLED', ':at': at, ':reason': 'fraud', ':approved': 'APPROVED', ':payoutId': payout.payoutId },
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: keys.payout(payout.payoutId),
          UpdateExpression: 'SET #status = :cancelled, cancelledAt = :at REMOVE dueShard, dueAt, nextAttemptAt, queuePK, queueSK ADD #version :one',
          ConditionExpression: `#status IN (:pending, :failed) AND ${payout.version === undefined ? 'attribute_not_exists(#version)' : '#version = :version'}`,
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':cancelled': 'CANCELLED', ':at': at, ':pending': 'PENDING', ':failed': 'FAILED', ':one': 1, ...versionValues },
        },
      },
      outbox(
        'withdrawal.cancelled',
        {
          withdrawalId: withdrawal.withdrawalId,
          merchantId: withdrawal.merchantId,
          payoutId: payout.payoutId,
          amountFen: withdrawal.amountFen,
          reason: 'fraud',
          penaltyId,
        },
        at,
      ),
    ],
  };
}

/** Whether the merchant has any ACTIVE enrollment (D1): Query `PK = MERCHANT#id AND begins_with(SK, ACTIVE#)`, `Limit 1` (consistent). */
export async function hasActiveEnrollment(merchantId: string): Promise<boolean> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :active)',
      ExpressionAttributeValues: { ':pk': keys.merchant(merchantId).PK, ':active': prefixes.activeEnrollment },
      ProjectionExpression: 'SK',
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  return (result.Items ?? []).length > 0;
}

/** Every penalty the merchant was given or had lifted (D3's violation record): Query `PK = MERCHANT#id AND begins_with(SK, PENALTY#)` (consistent). */
export async function penaltyRecordsOf(merchantId: string): Promise<PenaltyRecord[]> {
  const records: PenaltyRecord[] = [];
  for await (const page of queryPages({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :penalty)',
    ExpressionAttributeValues: { ':pk': keys.merchant(merchantId).PK, ':penalty': prefixes.penalty },
    ProjectionExpression: 'penaltyId, penalizedAt, liftedAt, fraud',
    ConsistentRead: true,
  })) {
    records.push(...(page.Items ?? []).map((item) => fromItem<PenaltyRecord>(item)));
  }
  return records;
}

/**
 * A merchant's APPROVED withdrawals (D3: what a fraud finding may cancel): GSI2 `GSI2PK =
 * MERCHANT#id#WITHDRAWALS`, filter `status = APPROVED`, every page; then those withdrawals by key.
 */
/** The withdrawals of GSI2 entries (keys and status only), in order; one gone meanwhile is left out. */
async function withdrawalsOf(entries: readonly Record<string, unknown>[]): Promise<Withdrawal[]> {
  return (await itemsInOrder(entries, { consistent: false })).filter((item) => item !== undefined).map((item) => fromItem<Withdrawal>(item));
}

export async function approvedWithdrawalsOf(merchantId: string): Promise<Withdrawal[]> {
  const found: Withdrawal[] = [];
  for await (const page of queryPages({
    TableName: tableName,
    IndexName: 'GSI2',
    KeyConditionExpression: 'GSI2PK = :pk',
    FilterExpression: '#status = :approved',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': listPartitions.withdrawalsByMerchant(merchantId), ':approved': 'APPROVED' },
  })) {
    found.push(...(await withdrawalsOf(page.Items ?? [])));
  }
  return found;
}
