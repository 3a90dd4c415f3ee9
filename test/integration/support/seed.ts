/**
 * Seeds orders, policies and merchant profiles straight into this test file's table, shaped
 * exactly as the stores write them (`policyItem`, the order item), so claim and expiry tests do
 * not depend on the order-events handler. Policies come from the issuance rules (`policiesFor`)
 * with a synthetic enrollment, so their windows and amounts are the real ones.
 */
import { BatchWriteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { rulesConfig } from '#shared/rules-config.ts';
import {
  claimsFromRefund,
  PLAN_DEFINITIONS,
  policiesFor,
  type Campaign,
  type Claim,
  type Enrollment,
  type Order,
  type PlanId,
  type Policy,
} from '#shared/rules/index.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { fromItem } from '#shared/store/items.ts';
import { keys, sortableInstant, type TableKey } from '#shared/store/keys.ts';
import { getClaim, type StoredClaim } from '#shared/store/claims.ts';
import { getPayout, type StoredPayout } from '#shared/store/payouts.ts';
import { policyItem } from '#shared/store/policies.ts';
import { fileClaim } from '#shared/use-cases/claims.ts';
import { orderData } from './orders.ts';

export const SHIPPED_AT = '2026-11-21T18:00:00+08:00';
export const CAMPAIGN: Campaign = { campaignId: 'jhs-2026-1111', endsAt: '2026-11-25T00:00:00+08:00', itemIds: ['item-5521'] };

export function orderItem(order: Record<string, unknown> & { orderId: string }) {
  return { ...keys.order(order.orderId), entity: 'Order', ...order };
}

export async function seedOrder(data: Record<string, unknown> & { orderId: string }): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName, Item: orderItem(data) }));
}

function enrollmentFor(planId: PlanId, merchantId: string): Enrollment {
  return {
    enrollmentId: `enr_seed_${planId}`,
    merchantId,
    planId,
    status: 'ACTIVE',
    rateBps: planId === 'live-quality' || planId === 'live-price' ? 20 : 50,
    agreementVersion: rulesConfig.plans[planId].agreementVersion,
    joinedAt: '2026-09-01T00:00:00+08:00',
    ...(planId === 'price-protection' ? { campaign: CAMPAIGN, gift: true } : {}),
    ...(planId === 'return-shipping' ? { gift: true } : {}),
  };
}

/** The policy the issuance rules give `order` for `planId` on line `lineId` (or per order). */
export function policyFor(order: Order, planId: PlanId, lineId?: string, overrides: Partial<Policy> = {}): Policy {
  const drafts = policiesFor(order, [enrollmentFor(planId, order.merchantId)], rulesConfig);
  const draft = drafts.find((d) => d.planId === planId && (lineId === undefined || d.lineId === lineId));
  if (!draft) throw new Error(`The rules issue no ${planId} policy for order ${order.orderId}`);
  const { naturalKey: _key, premiumBasis: _basis, ...rest } = draft;
  return { ...rest, policyId: `pol_${ulid()}`, status: 'ACTIVE', ...overrides };
}

export async function seedPolicy(policy: Policy): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName, Item: policyItem(policy) }));
}

/**
 * An order (paid 2026-11-21 10:15 +08:00, shipped the same evening through a live base) and its
 * policy of `planId`, both stored. price-protection orders carry the campaign of CAMPAIGN.
 */
export async function seedCovered(
  planId: PlanId,
  orderOverrides: Parameters<typeof orderData>[0] = {},
  policyOverrides: Partial<Policy> = {},
): Promise<{ order: Order; policy: Policy }> {
  const order = orderData({
    shippedAt: SHIPPED_AT,
    ...(planId === 'price-protection' ? { campaignId: CAMPAIGN.campaignId } : {}),
    ...orderOverrides,
  }) as unknown as Order;
  const lineId = PLAN_DEFINITIONS[planId].issuedPer === 'order' ? undefined : order.lines[0]?.lineId;
  const policy = policyFor(order, planId, lineId, policyOverrides);
  await Promise.all([seedOrder(order as unknown as Order & Record<string, unknown>), seedPolicy(policy)]);
  return { order, policy };
}

/**
 * A merchant with an Alipay account and a live-quality refund claim on a new covered order of
 * theirs, filed at `at` and approved at once by the real use case (C7): the claim, its policy (the
 * claim's slot taken) and its PENDING payout, as stored.
 */
/**
 * A covered live-quality order of `merchantId` whose line L1 was refunded for a quality problem at
 * `at`: the merchant's automatic claim, filed (C7) — approved with its PENDING payout.
 */
export async function fileQualityRefundClaim(merchantId: string, at: string): Promise<{ claim: Claim; policy: Policy }> {
  const { order, policy } = await seedCovered('live-quality', { merchantId });
  const refund = {
    orderId: order.orderId,
    lineId: 'L1',
    refundFen: 9000,
    reason: 'quality-issue',
    returned: true,
    requestedAt: '2026-11-22T20:00:00+08:00',
    completedAt: at,
  };
  const [draft] = claimsFromRefund(refund, order, [policy], rulesConfig);
  return { claim: await fileClaim(draft!, at), policy };
}

export async function seedApprovedClaim(
  merchantId: string,
  at: string,
): Promise<{ claim: StoredClaim; policy: Policy & Record<string, unknown>; payout: StoredPayout }> {
  await seedMerchant(merchantId, `${merchantId}@alipay.example`);
  const { claim: filed, policy } = await fileQualityRefundClaim(merchantId, at);
  const claim = (await getClaim(filed.claimId))!;
  return {
    claim,
    policy: (await readRecord<Policy & Record<string, unknown>>(keys.policy(policy.orderId, policy.planId, policy.lineId)))!,
    payout: (await getPayout(claim.payoutId!))!,
  };
}

/** A proof order (举证订单): placed, never paid — unless `overrides.paidAt` says otherwise. */
export async function seedProofOrder(overrides: Parameters<typeof orderData>[0] = {}): Promise<Order> {
  const { paidAt: _paid, ...unpaid } = orderData({
    placedAt: '2026-11-22T08:30:00+08:00',
    lines: [{ unitPriceFen: 7000, paidFen: 7000 }],
    ...overrides,
  });
  // A test may still pay it, to see PROOF_ORDER_PAID.
  const order = overrides.paidAt === undefined ? unpaid : { ...unpaid, paidAt: overrides.paidAt };
  await seedOrder(order);
  return order as unknown as Order;
}

/** A merchant profile as PUT /v1/merchants stores it (only what claims read: the Alipay account). */
export async function seedMerchant(merchantId: string, alipayAccount: string): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.merchant(merchantId), entity: 'Merchant', merchantId, name: merchantId, alipayAccount, categories: [], penalized: false },
    }),
  );
}

/** Many items in BatchWrite chunks of 25, re-sending whatever DynamoDB hands back unprocessed. */
export async function batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const writeChunk = async (chunk: Record<string, unknown>[]) => {
    let pending: { PutRequest: { Item: Record<string, unknown> } }[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  };
  for (let i = 0; i < chunks.length; i += 10) await Promise.all(chunks.slice(i, i + 10).map(writeChunk));
}

export async function readItem<T = Record<string, unknown>>(key: TableKey): Promise<(T & Record<string, unknown>) | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return result.Item as (T & Record<string, unknown>) | undefined;
}

export async function readRecord<T>(key: TableKey): Promise<T | undefined> {
  const item = await readItem(key);
  return item ? fromItem<T>(item) : undefined;
}

export interface OutboxRecord {
  type: string;
  occurredAt: string;
  detail: Record<string, unknown>;
}

/** The outbound events recorded on the UTC day of `at`. */
export async function outboxOn(at: string): Promise<OutboxRecord[]> {
  const { outboxEventsOn } = await import('#shared/store/outbox-reads.ts');
  return (await outboxEventsOn(sortableInstant(at).slice(0, 10))) as unknown as OutboxRecord[];
}
