/**
 * Every key of the single table, built in one place (style principle 5). Each builder is named
 * after the entity or access pattern it serves; docs/data-model.md lists each with its key
 * condition, and test/unit/store/data-model.test.ts keeps the two in step.
 *
 * Sort keys that order by time use `sortableInstant` (UTC, fixed width) so that lexical order is
 * time order whatever offset an instant arrived with.
 */
import { createHash } from 'node:crypto';

export interface TableKey {
  PK: string;
  SK: string;
}

/**
 * Number of shards of each due-work partition in DueIndex; a job queries every shard. 32 so that no
 * shard takes more than ~3% of the index's writes (issue 20: no key above 5% of its index's writes).
 */
export const DUE_SHARDS = 32;

/**
 * Shards of every write-hot partition that is not one entity's own (issue 20): the staff lists of
 * every claim and every payout (GSI3), the review queue and the payouts needing attention
 * (QueueIndex), and each day's outbox. The shard is `shardOf(id, SPREAD_SHARDS)`, so an item stays
 * in its shard for life; a list reads every shard in parallel and merges them in order. At 32 a
 * shard takes ~1/32 of its kind's writes: 1,000 WCU/s per partition × 32.
 */
export const SPREAD_SHARDS = 32;

/**
 * Shards of each merchant's own lists (GSI2: its policies, the claims on its orders): one merchant's
 * writes are bounded by that merchant, but a flagship store at a peak is a great many of them — in
 * one partition its policies list would cap it at ≈ 175 covered orders a second (docs/capacity.md).
 * 16 shards: ≈ 2,700; a list page reads every shard in parallel.
 */
export const MERCHANT_LIST_SHARDS = 16;

/** Claim statuses of the adjusters' review queue (QueueIndex, sparse: only while open). */
export const REVIEW_STATUSES = ['UNDER_REVIEW', 'NEEDS_INFO'] as const;

export type DueKind = 'EXPIRE' | 'LAPSE' | 'PAYOUT' | 'TOPUP';

/** `2026-11-21T10:15:00+08:00` → `2026-11-21T02:15:00.000Z`: fixed-width UTC, lexically ordered. */
export function sortableInstant(instant: string | Date | number): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not an instant: ${String(instant)}`);
  return date.toISOString();
}

export function shardOf(id: string, shards = DUE_SHARDS): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % shards;
}

export const keys = {
  /** A merchant's profile (name, Alipay account, live base, categories, penalties). */
  merchant: (merchantId: string): TableKey => ({ PK: `MERCHANT#${merchantId}`, SK: 'PROFILE' }),
  /** One enrollment of a merchant; enrollment ids are ULIDs, so SK order is join order. */
  enrollment: (merchantId: string, enrollmentId: string): TableKey => ({
    PK: `MERCHANT#${merchantId}`,
    SK: `ENROLLMENT#${enrollmentId}`,
  }),
  /** Exists while the merchant has an ACTIVE enrollment of the plan (and campaign): J7's guard. */
  activeEnrollmentSlot: (merchantId: string, planId: string, campaignId?: string): TableKey => ({
    PK: `MERCHANT#${merchantId}`,
    SK: campaignId ? `ACTIVE#${planId}#${campaignId}` : `ACTIVE#${planId}`,
  }),
  /**
   * A violation penalty of a merchant (J9), active or lifted: remembers a lift that arrived before
   * its penalty, so events in any order converge.
   */
  penalty: (merchantId: string, penaltyId: string): TableKey => ({
    PK: `MERCHANT#${merchantId}`,
    SK: `PENALTY#${penaltyId}`,
  }),
  /** The order as Baozhang knows it: the merged state of every order event received. */
  order: (orderId: string): TableKey => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' }),
  /** A policy, keyed by its natural key (plan and line, or the order for return-shipping): I6's guard. */
  policy: (orderId: string, planId: string, lineId?: string): TableKey => ({
    PK: `ORDER#${orderId}`,
    SK: `POLICY#${planId}#${lineId ?? '-'}`,
  }),
  /**
   * A completed refund on an order, by its `refundId` (default: the event id), so one refund
   * counts once whatever event carried it (I9); kept so automatic claims converge whatever the
   * event order.
   */
  refund: (orderId: string, refundId: string): TableKey => ({ PK: `ORDER#${orderId}`, SK: `REFUND#${refundId}` }),
  /**
   * The compensation ledger of one order line (C11, D5): fen compensated per kind of loss and the
   * references entered, written in the transaction of whatever compensates the line.
   */
  compensationLedger: (orderId: string, lineId: string): TableKey => ({ PK: `ORDER#${orderId}`, SK: `LEDGER#${lineId}` }),
  claim: (claimId: string): TableKey => ({ PK: `CLAIM#${claimId}`, SK: 'CLAIM' }),
  payout: (payoutId: string): TableKey => ({ PK: `PAYOUT#${payoutId}`, SK: 'PAYOUT' }),
  /**
   * A merchant's consumer-protection deposit account (D1–D3): `balanceFen`, `heldFen` and
   * `availableFen` (= balance − held, kept as its own attribute because conditions cannot subtract).
   */
  depositAccount: (merchantId: string): TableKey => ({ PK: `DEPOSIT#${merchantId}`, SK: 'ACCOUNT' }),
  /**
   * One movement of a deposit's append-only journal, next to its account (same partition, so a
   * Query reads the journal in time order); the balance is the sum of every movement's `deltaFen`.
   */
  depositMovement: (merchantId: string, at: string, movementId: string): TableKey => ({
    PK: `DEPOSIT#${merchantId}`,
    SK: `MOVEMENT#${sortableInstant(at)}#${movementId}`,
  }),
  /** A deposit withdrawal (D3), by id: the ops decision route names only the withdrawal. */
  withdrawal: (withdrawalId: string): TableKey => ({ PK: `WITHDRAWAL#${withdrawalId}`, SK: 'WITHDRAWAL' }),
  /**
   * A deposit top-up (D4), by id: the id is the provider's idempotency key (`out_trade_no`), and,
   * for a request with an Idempotency-Key, derived from it (`topUpIdFor`), so a retried request
   * finds the top-up it already created.
   */
  topUp: (topUpId: string): TableKey => ({ PK: `TOPUP#${topUpId}`, SK: 'TOPUP' }),
  /** A dispute compensation (D5) of an order line, in the order's partition. */
  compensation: (orderId: string, lineId: string, compensationId: string): TableKey => ({
    PK: `ORDER#${orderId}`,
    SK: `COMPENSATION#${lineId}#${compensationId}`,
  }),
  /** The advance compensation (D2) of a claim, in the claim's partition: at most one per claim. */
  advance: (claimId: string): TableKey => ({ PK: `CLAIM#${claimId}`, SK: 'ADVANCE' }),
  /**
   * The Powertools idempotency record of one (caller, route, Idempotency-Key), by its hashed key
   * (shared/http/idempotency.ts): a partition per record, never one hot partition for all.
   */
  idempotencyRecord: (hashedKey: string): TableKey => ({ PK: `IDEMPOTENCY#${hashedKey}`, SK: 'IDEMPOTENCY' }),
  /** The item `GET /v1/health` reads; it never exists, so the probe costs one 0.5 RCU read. */
  healthProbe: (): TableKey => ({ PK: 'HEALTH', SK: 'HEALTH' }),
  /** Marks an inbound event id as processed: a repeated id changes nothing. */
  inboundEvent: (eventId: string): TableKey => ({ PK: `EVENT#${eventId}`, SK: 'EVENT' }),
  /**
   * An outbound event (transactional outbox), partitioned by UTC day and spread over
   * `SPREAD_SHARDS` partitions of the day by its id (issue 20: a day's events in one partition
   * would cap Baozhang at ~1,000 events a second). The stream carries each to EventBridge; the
   * pipe's filter is the `OUTBOX#` prefix.
   */
  outboxEvent: (at: string, eventId: string): TableKey => {
    const sortable = sortableInstant(at);
    return { PK: `OUTBOX#${sortable.slice(0, 10)}#${shardOf(eventId, SPREAD_SHARDS)}`, SK: `${sortable}#${eventId}` };
  },
  /**
   * A transfer the `local` payment provider made (npm start, tests), keyed by the payout id it
   * was sent with (`out_biz_no`): like Alipay, the local provider makes one transfer per key.
   */
  localTransfer: (outBizNo: string): TableKey => ({ PK: `LOCALPAY#${outBizNo}`, SK: 'TRANSFER' }),
  /** A collection the `local` provider opened (D4), keyed by the top-up id (`out_trade_no`). */
  localCollection: (outTradeNo: string): TableKey => ({ PK: `LOCALPAY#${outTradeNo}`, SK: 'COLLECTION' }),
};

/**
 * D4: the top-up id of a request that carried an Idempotency-Key — a hash of the merchant and the
 * key, so the same request retried (even after the HTTP idempotency record expired) names the same
 * top-up and its `attribute_not_exists` write cannot create a second one.
 */
export function topUpIdFor(merchantId: string, idempotencyKey: string): string {
  return `top_${createHash('sha256').update(`${merchantId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

/** Key prefixes used in key conditions (begins_with). */
export const prefixes = {
  order: 'ORDER#',
  enrollment: 'ENROLLMENT#',
  penalty: 'PENALTY#',
  policy: 'POLICY#',
  refund: 'REFUND#',
  compensationLedger: 'LEDGER#',
  depositMovement: 'MOVEMENT#',
  activeEnrollment: 'ACTIVE#',
  compensation: (lineId: string) => `COMPENSATION#${lineId}#`,
  outboxDay: (day: string) => `OUTBOX#${day}`,
};

/** The partitions of one UTC day's outbox (`OUTBOX#<day>#<n>`, n = 0..SPREAD_SHARDS − 1). */
export function outboxPartitions(day: string): string[] {
  return Array.from({ length: SPREAD_SHARDS }, (_, shard) => `${prefixes.outboxDay(day)}#${shard}`);
}

/** Index attributes an item carries so the access patterns below can find it. */
export const indexKeys = {
  /** GSI1: a policy by its id. */
  policyById: (policyId: string) => ({ GSI1PK: `POLICY#${policyId}`, GSI1SK: 'POLICY' }),
  /** GSI2: a merchant's policies, newest last, in `MERCHANT_LIST_SHARDS` shards by id. */
  policiesByMerchant: (merchantId: string, issuedAt: string, policyId: string) => ({
    GSI2PK: `MERCHANT#${merchantId}#POLICIES#${shardOf(policyId, MERCHANT_LIST_SHARDS)}`,
    GSI2SK: `${sortableInstant(issuedAt)}#${policyId}`,
  }),
  /** GSI1: claims a buyer submitted or benefits from. */
  claimsByBuyer: (buyerId: string, submittedAt: string, claimId: string) => ({
    GSI1PK: `BUYER#${buyerId}#CLAIMS`,
    GSI1SK: `${sortableInstant(submittedAt)}#${claimId}`,
  }),
  /** GSI2: claims on a merchant's orders (including its own quality claims), in `MERCHANT_LIST_SHARDS` shards by id. */
  claimsByMerchant: (merchantId: string, submittedAt: string, claimId: string) => ({
    GSI2PK: `MERCHANT#${merchantId}#CLAIMS#${shardOf(claimId, MERCHANT_LIST_SHARDS)}`,
    GSI2SK: `${sortableInstant(submittedAt)}#${claimId}`,
  }),
  /** GSI3 (KEYS_ONLY): every claim, for adjusters and ops, in `SPREAD_SHARDS` shards by id. */
  claimsAll: (submittedAt: string, claimId: string) => ({
    GSI3PK: `CLAIMS#${shardOf(claimId, SPREAD_SHARDS)}`,
    GSI3SK: `${sortableInstant(submittedAt)}#${claimId}`,
  }),
  /**
   * QueueIndex (sparse, sharded, KEYS_ONLY): the adjusters' review queue — a claim carries
   * `queuePK`/`queueSK` only while UNDER_REVIEW or NEEDS_INFO (one partition set per status), so
   * the queue's reads grow with the queue, never with every claim filed.
   */
  reviewQueue: (status: string, submittedAt: string, claimId: string) => ({
    queuePK: `REVIEW#${status}#${shardOf(claimId, SPREAD_SHARDS)}`,
    queueSK: `${sortableInstant(submittedAt)}#${claimId}`,
  }),
  /**
   * QueueIndex (sparse, sharded, KEYS_ONLY): payouts needing attention — overdue and unsettled, or
   * FAILED for good. Set only while so; a payout that settles or is queued again leaves it.
   */
  payoutsNeedingAttention: (createdAt: string, payoutId: string) => ({
    queuePK: `ATTENTION#${shardOf(payoutId, SPREAD_SHARDS)}`,
    queueSK: `${sortableInstant(createdAt)}#${payoutId}`,
  }),
  /** GSI1: payouts to a beneficiary. */
  payoutsByBeneficiary: (role: string, id: string, createdAt: string, payoutId: string) => ({
    GSI1PK: `${role.toUpperCase()}#${id}#PAYOUTS`,
    GSI1SK: `${sortableInstant(createdAt)}#${payoutId}`,
  }),
  /** GSI2: a merchant's deposit withdrawals, newest last. */
  withdrawalsByMerchant: (merchantId: string, requestedAt: string, withdrawalId: string) => ({
    GSI2PK: `MERCHANT#${merchantId}#WITHDRAWALS`,
    GSI2SK: `${sortableInstant(requestedAt)}#${withdrawalId}`,
  }),
  /** GSI3 (KEYS_ONLY): every payout, for ops, in `SPREAD_SHARDS` shards by id. */
  payoutsAll: (createdAt: string, payoutId: string) => ({
    GSI3PK: `PAYOUTS#${shardOf(payoutId, SPREAD_SHARDS)}`,
    GSI3SK: `${sortableInstant(createdAt)}#${payoutId}`,
  }),
  /**
   * DueIndex (sparse, sharded): work a scheduled job must do at `dueAt`. The attributes are
   * removed when the work is done, so the item leaves the index and the job never reads it again.
   */
  due: (kind: DueKind, id: string, dueAt: string) => ({
    dueShard: `${kind}#${shardOf(id)}`,
    dueAt: `${sortableInstant(dueAt)}#${id}`,
  }),
};

/** The DueIndex partitions a job of this kind reads. */
export function dueShards(kind: DueKind): string[] {
  return Array.from({ length: DUE_SHARDS }, (_, shard) => `${kind}#${shard}`);
}

const ANY_INSTANT = '1970-01-01T00:00:00Z';

/** `<prefix>#0` … `<prefix>#n-1`: the partitions of a list spread over `shards` (`SPREAD_SHARDS`). */
function shardsOf(prefix: string, shards = SPREAD_SHARDS): string[] {
  return Array.from({ length: shards }, (_, shard) => `${prefix}#${shard}`);
}

/** A merchant list's shards, from the key of its shard 0 (so they cannot drift from `indexKeys`). */
const merchantShards = (shardZero: string) => shardsOf(shardZero.replace(/#\d+$/, ''), MERCHANT_LIST_SHARDS);

/**
 * The partition value of each list index, for key conditions and cursor binding. Derived from
 * `indexKeys` (the sort part is irrelevant here) so a list query can never drift from the items.
 */
export const listPartitions = {
  /** GSI1 */
  claimsByBuyer: (buyerId: string) => indexKeys.claimsByBuyer(buyerId, ANY_INSTANT, '').GSI1PK,
  /** GSI2: every shard of a merchant's claims. */
  claimsByMerchant: (merchantId: string) => merchantShards(indexKeys.claimsByMerchant(merchantId, ANY_INSTANT, '').GSI2PK),
  /** GSI2: every shard of a merchant's policies. */
  policiesByMerchant: (merchantId: string) => merchantShards(indexKeys.policiesByMerchant(merchantId, ANY_INSTANT, '').GSI2PK),
  /** GSI3: every shard of the list of every claim. */
  claimsAll: () => shardsOf('CLAIMS'),
  /** GSI1 */
  payoutsByBeneficiary: (role: string, id: string) => indexKeys.payoutsByBeneficiary(role, id, ANY_INSTANT, '').GSI1PK,
  /** GSI3: every shard of the list of every payout. */
  payoutsAll: () => shardsOf('PAYOUTS'),
  /** QueueIndex: every shard of the review queue of one status. */
  reviewQueue: (status: string) => shardsOf(`REVIEW#${status}`),
  /** QueueIndex: every shard of the payouts needing attention. */
  payoutsNeedingAttention: () => shardsOf('ATTENTION'),
  /** GSI2 */
  withdrawalsByMerchant: (merchantId: string) => indexKeys.withdrawalsByMerchant(merchantId, ANY_INSTANT, '').GSI2PK,
};
