/**
 * Dispute compensations (D5) in the order's partition: each compensation of a line, entered in the
 * line's compensation ledger (C11, `compensation.compensationWrite`, loss `dispute`) in the same
 * transaction, so two compensations racing on one line cannot both pass and the same loss is never
 * paid twice. The payout settles through the deposit store (`deposits.depositPayoutSettledWrites`),
 * like an advance.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { queryEveryPartition } from './query.ts';
import { compensationWrite } from './compensation.ts';
import { accountUpdate } from './deposit-items.ts';
import type { Compensation } from './deposits.ts';
import { transactRetryingConflicts } from './errors.ts';
import { fromItem } from './items.ts';
import { keys, listPartitions, prefixes } from './keys.ts';
import { outboxPut } from './outbox.ts';
import { payoutPut, type StoredPayout } from './payouts.ts';

/** An order line's dispute compensations: Query `PK = ORDER#id AND begins_with(SK, COMPENSATION#lineId#)` (consistent). */
export async function compensationsOfLine(orderId: string, lineId: string): Promise<Compensation[]> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).PK, ':prefix': prefixes.compensation(lineId) },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => fromItem<Compensation>(item));
}

/**
 * D5: the compensation PENDING (`compensation-new`); its entry in the line's ledger, loss `dispute`
 * (`ledger-unchanged`: the ledger still holds the dispute total the amount was decided against —
 * two compensations racing on one line cannot both pass); its payout to the buyer from the deposit
 * (`payout-new`); the amount held (`deposit-available`); `deposit.compensated` and, when the hold
 * takes the deposit below the minimum, `deposit.top-up-required` — one transaction.
 */
export async function insertCompensation(input: {
  compensation: Compensation;
  payout: StoredPayout;
  /** What the line's ledger held for disputes when the amount was decided (0 without a ledger). */
  disputeFenBefore: number;
  topUpRequired?: Record<string, unknown>;
}): Promise<void> {
  const { compensation, payout, disputeFenBefore, topUpRequired } = input;
  const at = compensation.createdAt;
  await transactRetryingConflicts(
    ['compensation-new', 'ledger-unchanged', 'payout-new', 'deposit-available', 'outbox', ...(topUpRequired ? ['outbox'] : [])],
    [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...keys.compensation(compensation.orderId, compensation.lineId, compensation.compensationId),
            entity: 'DisputeCompensation',
            ...compensation,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      compensationWrite({
        orderId: compensation.orderId,
        lineId: compensation.lineId,
        loss: 'dispute',
        amountFen: compensation.amountFen,
        ref: `compensation:${compensation.compensationId}`,
        expectedFen: disputeFenBefore,
      }),
      payoutPut(payout),
      accountUpdate(compensation.merchantId, { kind: 'hold', amountFen: compensation.amountFen }, at),
      outboxPut(tableName, 'deposit.compensated', { ...compensation }, at),
      ...(topUpRequired ? [outboxPut(tableName, 'deposit.top-up-required', topUpRequired, at)] : []),
    ],
  );
}

/**
 * What approved or paid claims on one order line amount to (D5 counts them against the line's
 * loss, C11): GSI2 `GSI2PK = MERCHANT#id#CLAIMS#n`, filter `orderId`, `lineId`, `status IN
 * (APPROVED, PAID)`, every page of every shard, in parallel. Its cost follows the merchant's claims.
 */
export async function claimedOnLine(merchantId: string, orderId: string, lineId: string): Promise<number> {
  let total = 0;
  await queryEveryPartition(
    listPartitions.claimsByMerchant(merchantId),
    {
      TableName: tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      FilterExpression: 'orderId = :orderId AND lineId = :lineId AND #status IN (:approved, :paid)',
      ProjectionExpression: 'amountFen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':orderId': orderId, ':lineId': lineId, ':approved': 'APPROVED', ':paid': 'PAID' },
    },
    (page) => {
      for (const item of page.Items ?? []) total += typeof item['amountFen'] === 'number' ? item['amountFen'] : 0;
    },
  );
  return total;
}
