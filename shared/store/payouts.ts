import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Party, PayoutStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys, listPartitions } from './keys.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';

/**
 * How `dueBy` was computed (P2): the plan's rule on the PRC working-day calendar, the plan's rule
 * in calendar days, or — when the holiday calendar does not cover the dates yet — the plan's
 * number of days counted as calendar days, which is never later than the working-day answer.
 */
export type DueByBasis = 'working-days' | 'calendar-days' | 'calendar-days-fallback';

/** A payout record as stored: created PENDING in the same transaction as the claim's approval. */
export interface StoredPayout {
  payoutId: string;
  claimId?: string;
  withdrawalId?: string;
  beneficiary: Party & { alipayAccount: string };
  amountFen: number;
  status: PayoutStatus;
  attempts: number;
  providerRef?: string;
  dueBy: string;
  dueByBasis?: DueByBasis;
  sentAt?: string;
  /** Stored false at creation; responses compute it from `dueBy` (`isOverdue`). */
  overdue: boolean;
  createdAt: string;
}

/**
 * The item of a payout: by id, by beneficiary (GSI1), for ops (GSI3), and the payout job's due
 * entry (DueIndex `PAYOUT#n`), due from its creation: it is paid as soon as the job next runs.
 */
export function payoutItem(payout: StoredPayout) {
  return {
    ...keys.payout(payout.payoutId),
    ...indexKeys.due('PAYOUT', payout.payoutId, payout.createdAt),
    ...indexKeys.payoutsByBeneficiary(payout.beneficiary.role, payout.beneficiary.id, payout.createdAt, payout.payoutId),
    ...indexKeys.payoutsAll(payout.createdAt, payout.payoutId),
    entity: 'Payout',
    ...payout,
  };
}

/** The Put of a new payout inside an approval's transaction; named `payout-new` (P1: one per claim). */
export function payoutPut(payout: StoredPayout) {
  return {
    Put: { TableName: tableName, Item: payoutItem(payout), ConditionExpression: 'attribute_not_exists(PK)' },
  };
}

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
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: keys.merchant(merchantId), ProjectionExpression: 'alipayAccount' }),
  );
  const account = result.Item?.['alipayAccount'];
  return typeof account === 'string' ? account : '';
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

async function queryPayouts(index: 'GSI1' | 'GSI3', pk: string, options: ListOptions): Promise<PayoutPage> {
  const pkAttribute = `${index}PK`;
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: `${pkAttribute} = :pk`,
      ...(options.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': pk, ...(options.status ? { ':status': options.status } : {}) },
      ExclusiveStartKey: decodeCursor(options.cursor, { attribute: pkAttribute, value: pk }),
      ScanIndexForward: false,
      Limit: options.limit,
    }),
  );
  const nextCursor = encodeCursor(result.LastEvaluatedKey);
  return { items: (result.Items ?? []).map((item) => fromItem<StoredPayout>(item)), ...(nextCursor ? { nextCursor } : {}) };
}

/** Payouts to one beneficiary, newest first (GSI1, `GSI1PK = BUYER#id#PAYOUTS` / `MERCHANT#id#PAYOUTS`). */
export function payoutsByBeneficiary(beneficiary: Party, options: ListOptions): Promise<PayoutPage> {
  return queryPayouts('GSI1', listPartitions.payoutsByBeneficiary(beneficiary.role, beneficiary.id), options);
}

/** Every payout, newest first (GSI3, `GSI3PK = PAYOUTS`), for ops. */
export function allPayouts(options: ListOptions): Promise<PayoutPage> {
  return queryPayouts('GSI3', listPartitions.payoutsAll(), options);
}
