import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, Basis, Party } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { named } from './errors.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys } from './keys.ts';
import { transact, type TransactWriteItem, accountUpdate, outbox } from './deposit-items.ts';

/** D2 advance compensation: one per claim, in the claim's partition; the claim's payout switched to the deposit. */

export type AdvanceStatus = 'PENDING' | 'PAID';

/** D2: a claim's payout funded from the merchant's deposit (its amount held until the payout settles). */
export interface Advance {
  advanceId: string;
  claimId: string;
  merchantId: string;
  payoutId: string;
  beneficiary: Party;
  amountFen: number;
  status: AdvanceStatus;
  basis: Basis;
  note?: string;
  createdAt: string;
  createdBy: Actor;
  paidAt?: string;
}

/** A claim's advance compensation: GetItem `PK = CLAIM#id, SK = ADVANCE` (consistent). */
export async function getAdvance(claimId: string): Promise<Advance | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.advance(claimId), ConsistentRead: true }));
  return Item ? fromItem<Advance>(Item) : undefined;
}

/**
 * D2 advance compensation: the advance (`advance-new`: one per claim); the claim still APPROVED
 * (`claim-approved`); the claim's own payout switched to the deposit (`payout-not-sent`: still
 * PENDING or FAILED, never sent, not already funded from the deposit, same amount) — so the buyer
 * is paid once, by the same payout, through the same payout job (P1); the amount held on the
 * account (`deposit-available`); and `deposit.advance-compensated` — one transaction.
 */
export async function insertAdvance(
  advance: Advance,
  options: { payoutVersion?: number; requeue?: boolean; topUpRequired?: Record<string, unknown> } = {},
): Promise<void> {
  const at = advance.createdAt;
  const requeue = options.requeue === true;
  await transact(
    ['advance-new', 'claim-approved', 'payout-not-sent', 'deposit-available', 'outbox', ...(options.topUpRequired ? ['outbox'] : [])],
    [
      {
        Put: {
          TableName: tableName,
          Item: { ...keys.advance(advance.claimId), entity: 'AdvanceCompensation', ...advance },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.claim(advance.claimId),
          ConditionExpression: '#status = :approved AND payoutId = :payoutId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':approved': 'APPROVED', ':payoutId': advance.payoutId },
        },
      },
      advancePayoutSwitch(advance, requeue, options.payoutVersion),
      accountUpdate(advance.merchantId, { kind: 'hold', amountFen: advance.amountFen }, at),
      outbox('deposit.advance-compensated', { ...advance }, at),
      ...(options.topUpRequired ? [outbox('deposit.top-up-required', options.topUpRequired, at)] : []),
    ],
  );
}

/**
 * D2, an advance's payout that failed for good once more (the deposit's transfer refused too, e.g.
 * the payer account's balance again): queued again exactly as read (`advance-payout-failed`: still
 * FAILED for good, still this advance's, the version read) — back in the payout job's due index now,
 * with a fresh count of attempts and its failure kept in `lastError`. The hold stays: it is what pays.
 */
export async function requeueAdvancePayout(advance: Advance, payout: { payoutId: string; version?: number }, at: string): Promise<void> {
  const due = indexKeys.due('PAYOUT', payout.payoutId, at);
  const values: Record<string, unknown> = {
    ':one': 1,
    ':zero': 0,
    ':at': at,
    ':failed': 'FAILED',
    ':advanceId': advance.advanceId,
    ':dueShard': due.dueShard,
    ':dueAt': due.dueAt,
  };
  if (payout.version !== undefined) values[':version'] = payout.version;
  await named(['advance-payout-failed'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.payout(payout.payoutId),
        // Queued again: out of the payouts needing attention (issue 20) until the job's next write decides again.
        UpdateExpression:
          'SET attempts = :zero, nextAttemptAt = :at, dueShard = :dueShard, dueAt = :dueAt, requeuedAt = :at REMOVE failureCode, failedAt, queuePK, queueSK ADD #version :one',
        ConditionExpression: `#status = :failed AND attribute_not_exists(nextAttemptAt) AND advanceId = :advanceId AND ${
          payout.version === undefined ? 'attribute_not_exists(#version)' : '#version = :version'
        }`,
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * D2: the claim's payout switched to the deposit. `version` + 1, as every payout-job write does: a
 * job run that read the payout before this switch fails its own version condition and re-reads.
 * A payout that had FAILED for good is queued again (`requeue`): back in the payout job's due
 * index now, with a fresh count of attempts, its failure kept in `lastError` — guarded by the
 * version read, so it is requeued exactly as it was read.
 */
function advancePayoutSwitch(advance: Advance, requeue: boolean, version: number | undefined): TransactWriteItem {
  const values: Record<string, unknown> = {
    ':one': 1,
    ':deposit': 'deposit',
    ':advanceId': advance.advanceId,
    ':merchantId': advance.merchantId,
    ':pending': 'PENDING',
    ':failed': 'FAILED',
    ':amount': advance.amountFen,
  };
  let set = 'SET #source = :deposit, advanceId = :advanceId, depositMerchantId = :merchantId';
  let remove = '';
  let condition = '#status IN (:pending, :failed) AND attribute_not_exists(#source) AND amountFen = :amount';
  if (requeue) {
    const due = indexKeys.due('PAYOUT', advance.payoutId, advance.createdAt);
    set += ', attempts = :zero, nextAttemptAt = :at, dueShard = :dueShard, dueAt = :dueAt, requeuedAt = :at';
    remove = ' REMOVE failureCode, failedAt, queuePK, queueSK';
    Object.assign(values, { ':zero': 0, ':at': advance.createdAt, ':dueShard': due.dueShard, ':dueAt': due.dueAt });
    condition += version === undefined ? ' AND attribute_not_exists(#version)' : ' AND #version = :version';
    if (version !== undefined) values[':version'] = version;
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.payout(advance.payoutId),
      UpdateExpression: `${set}${remove} ADD #version :one`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#source': 'source', '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: values,
    },
  };
}
