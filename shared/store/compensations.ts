/**
 * Dispute compensations (D5) in the order's partition: each compensation of a line, and the
 * line's conditional counter of what they took (`compensatedFen`), so two compensations racing on
 * one line cannot both pass. The payout settles through the deposit store
 * (`deposits.depositPayoutSettledWrites`), like an advance.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { accountUpdate, type Compensation, type TransactWriteItem } from './deposits.ts';
import { transactRetryingConflicts } from './errors.ts';
import { fromItem } from './items.ts';
import { keys, listPartitions, prefixes } from './keys.ts';
import { outboxPut } from './outbox.ts';
import { payoutPut, type StoredPayout } from './payouts.ts';


/** What dispute compensations took of an order line so far: GetItem `PK = ORDER#id, SK = COMPENSATED#lineId` (consistent); 0 when none. */
export async function lineCompensatedFen(orderId: string, lineId: string): Promise<number> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.lineCompensated(orderId, lineId), ConsistentRead: true }));
  const value = Item?.['compensatedFen'];
  return typeof value === 'number' ? value : 0;
}

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
 * D5: the compensation PENDING (`compensation-new`); the line's counter `ADD compensatedFen`
 * (`line-within-net-paid`: what earlier compensations took plus this one stays within `roomFen`,
 * the line's net paid less its claims, as read — two compensations racing on one line cannot
 * both pass); its payout to the buyer from the deposit (`payout-new`); the amount held
 * (`deposit-available`); `deposit.compensated` and, when the hold takes the deposit below the
 * minimum, `deposit.top-up-required` — one transaction.
 */
export async function insertCompensation(input: {
  compensation: Compensation;
  payout: StoredPayout;
  /** The most the line's compensations may add up to (net paid less claims), as read. */
  limitFen: number;
  topUpRequired?: Record<string, unknown>;
}): Promise<void> {
  const { compensation, payout, limitFen, topUpRequired } = input;
  const at = compensation.createdAt;
  await transactRetryingConflicts(
    ['compensation-new', 'line-within-net-paid', 'payout-new', 'deposit-available', 'outbox', ...(topUpRequired ? ['outbox'] : [])],
    [
      {
        Put: {
          TableName: tableName,
          Item: { ...keys.compensation(compensation.orderId, compensation.lineId, compensation.compensationId), entity: 'DisputeCompensation', ...compensation },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: keys.lineCompensated(compensation.orderId, compensation.lineId),
          UpdateExpression: 'SET entity = :entity, updatedAt = :at ADD compensatedFen :amount',
          ConditionExpression: 'attribute_not_exists(compensatedFen) OR compensatedFen <= :room',
          ExpressionAttributeValues: { ':entity': 'LineCompensated', ':at': at, ':amount': compensation.amountFen, ':room': limitFen - compensation.amountFen },
        },
      },
      payoutPut(payout),
      accountUpdate(compensation.merchantId, { kind: 'hold', amountFen: compensation.amountFen }, at),
      outboxPut(tableName, 'deposit.compensated', { ...compensation }, at),
      ...(topUpRequired ? [outboxPut(tableName, 'deposit.top-up-required', topUpRequired, at)] : []),
    ],
  );
}

/**
 * What approved or paid claims on one order line amount to (D5 counts them against the line's
 * loss, C11): GSI2 `GSI2PK = MERCHANT#id#CLAIMS`, filter `orderId`, `lineId`, `status IN
 * (APPROVED, PAID)`, every page. Its cost follows the merchant's claims.
 */
export async function claimedOnLine(merchantId: string, orderId: string, lineId: string): Promise<number> {
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        FilterExpression: 'orderId = :orderId AND lineId = :lineId AND #status IN (:approved, :paid)',
        ProjectionExpression: 'amountFen',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': listPartitions.claimsByMerchant(merchantId), ':orderId': orderId, ':lineId': lineId, ':approved': 'APPROVED', ':paid': 'PAID',
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) total += typeof item['amountFen'] === 'number' ? item['amountFen'] : 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return total;
}
