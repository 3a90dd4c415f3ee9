import { dueItems, type ReadCapacity } from './due.ts';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get.ts';
import type { HistoryEntry, Party, PayoutStatus, PolicyStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { ConditionFailed, named, transactEach, type TransactItem, type TransactPart } from './errors.ts';
import { fromItem } from './items.ts';
import { dueShards, indexKeys, keys, listPartitions } from './keys.ts';
import type { StoredClaim } from './claims.ts';
import { outboxPut, type OutboundEventType } from './outbox.ts';
import { listPage, shardedListPage } from './pagination.ts';
import type { Payee } from '#shared/payments/port.ts';
import { asPayee, profilePayee } from '#shared/payments/payee.ts';

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
  /** D2: the claim's payout is funded from the merchant's deposit by this advance compensation. */
  advanceId?: string;
  /** `deposit` when the merchant's deposit pays it (D2, D3): its settlement adds `depositPayoutSettledWrites`. */
  source?: 'claim' | 'deposit';
  /** The merchant whose deposit funds a `source: 'deposit'` payout. */
  depositMerchantId?: string;
  /** D5: the dispute compensation this payout pays, and the order line it is for. */
  compensationId?: string;
  compensationOrderId?: string;
  compensationLineId?: string;
  /** D2: when an advance queued this payout again after it had failed for good. */
  requeuedAt?: string;
  /** D3: when a fraud finding cancelled this (withdrawal) payout before it was sent. */
  cancelledAt?: string;
  /** `alipayAccount`: the payee's identity masked ('' while no payee is known), for the wire. */
  beneficiary: Party & { alipayAccount: string };
  /** P4: where the money goes; set when known (at approval, or by the job at send time). */
  payee?: Payee;
  /** P4: the job found no payee to send to; it waits, never sent to a guessed account. */
  deferred?: boolean;
  amountFen: number;
  status: PayoutStatus;
  attempts: number;
  providerRef?: string;
  dueBy: string;
  dueByBasis?: DueByBasis;
  /** True when `dueBy` was counted in calendar days because the working-day calendar ends first (P2). */
  dueByApproximate?: boolean;
  sentAt?: string;
  /** Stored false at creation; responses compute it from `dueBy` (`isOverdue`). */
  overdue: boolean;
  createdAt: string;
  // --- written by the payout job (P1–P3) ---
  /** When the job recorded the provider's confirmation (the claim's `paidAt`). */
  paidAt?: string;
  /** When the provider says it paid, as it says it (for reconciliation). */
  providerPaidAt?: string;
  /** When the job first found the payout past `dueBy` and reported it (P2); `overdue` turns true. */
  overdueAt?: string;
  /** When the job will next act on an unsettled payout: send, resend or query. */
  nextAttemptAt?: string;
  /** Provider queries made (an unknown or processing outcome is queried, never resent blindly). */
  checks?: number;
  /** The last refusal or unknown outcome, kept for operators. */
  lastError?: { code: string; message: string; at: string };
  /** Why a FAILED payout was given up (set only once retries are over). */
  failureCode?: string;
  failedAt?: string;
  /** Optimistic-concurrency counter: every job write expects the version it read and adds one. */
  version?: number;
  /** While SENDING: which run holds the payout, and until when (a crashed run's lease expires). */
  leaseToken?: string;
  leaseUntil?: string;
  /**
   * P3: until when a call of the last sender may still reach the provider (its lease plus the
   * provider's longest call): "not found" before then is not final.
   */
  inFlightUntil?: string;
}

/**
 * The item of a payout: by id, by beneficiary (GSI1), for ops (GSI3), and the payout job's due
 * entry (DueIndex `PAYOUT#n`), due from its creation: it is paid as soon as the job next runs.
 * The job moves the entry to the instant it must act next (`dueAt`), and `null` takes the item out
 * of the index once it is settled (CONFIRMED, or FAILED for good).
 */
export function payoutItem(payout: StoredPayout, dueAt: string | null = payout.createdAt) {
  return {
    ...keys.payout(payout.payoutId),
    ...(dueAt === null ? {} : indexKeys.due('PAYOUT', payout.payoutId, dueAt)),
    ...indexKeys.payoutsByBeneficiary(payout.beneficiary.role, payout.beneficiary.id, payout.createdAt, payout.payoutId),
    ...indexKeys.payoutsAll(payout.createdAt, payout.payoutId),
    ...(needsAttention(payout, dueAt) ? indexKeys.payoutsNeedingAttention(payout.createdAt, payout.payoutId) : {}),
    entity: 'Payout',
    ...payout,
  };
}

/**
 * Issue 20's payouts needing attention (QueueIndex, sparse): FAILED for good (out of the due
 * index), or reported overdue (P2) and not settled.
 */
function needsAttention(payout: StoredPayout, dueAt: string | null): boolean {
  if (payout.status === 'FAILED' && dueAt === null) return true;
  return payout.overdueAt !== undefined && payout.status !== 'CONFIRMED' && payout.status !== 'CANCELLED';
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
    for (const claimId of chunk) claims.set(claimId, read.then((found) => (found === null ? null : found.get(claimId))));
  }
  return claims;
}

async function batchGetClaims(claimIds: readonly string[]): Promise<Map<string, StoredClaim>> {
  const items = await batchGetItems(claimIds.map((id) => keys.claim(id)));
  return new Map(items.map((item) => fromItem<StoredClaim>(item)).map((claim) => [claim.claimId, claim]));
}

/** What a job write expects to find: the status and version it read, and its lease while SENDING. */
export interface PayoutGuard {
  status: PayoutStatus;
  version?: number;
  leaseToken?: string;
}

export interface PayoutEvent {
  type: OutboundEventType;
  detail: Record<string, unknown>;
}


/**
 * The whole payout item, written only if it is still as read (`payout-unchanged`): same status,
 * same version (absent until the job first writes it) and, while SENDING, the same lease. The
 * written record carries version + 1, so of two runs acting on one read exactly one write wins.
 */
function guardedPut(previous: PayoutGuard, payout: StoredPayout, dueAt: string | null) {
  const conditions = ['#status = :expectedStatus'];
  const values: Record<string, unknown> = { ':expectedStatus': previous.status };
  if (previous.version === undefined) conditions.push('attribute_not_exists(#version)');
  else {
    conditions.push('#version = :expectedVersion');
    values[':expectedVersion'] = previous.version;
  }
  if (previous.leaseToken !== undefined) {
    conditions.push('leaseToken = :expectedLease');
    values[':expectedLease'] = previous.leaseToken;
  }
  return {
    Put: {
      TableName: tableName,
      Item: payoutItem(payout, dueAt),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: values,
    },
  };
}

const nextVersion = (previous: PayoutGuard, payout: StoredPayout): StoredPayout => ({ ...payout, version: (previous.version ?? 0) + 1 });

/**
 * One step of the job on one payout (mark SENDING, record an outcome, reschedule, flag overdue):
 * the payout as the step leaves it, its due entry moved to `dueAt` (`null`: out of the index), and
 * the step's outbox events, in one conditional write. Returns the record as written, or undefined
 * when the payout changed since it was read (another run acted first: this one steps aside).
 */
export async function savePayoutStep(input: PayoutWrite): Promise<StoredPayout | undefined> {
  const [outcome] = await writePayouts([input]);
  switch (outcome!.status) {
    case 'error':
      throw outcome!.error;
    case 'refused':
      throw new ConditionFailed(outcome!.failed);
    case 'skipped':
      return undefined;
    case 'written':
      return outcome!.payout;
  }
}

/** The claim a confirmed payout pays (P1): it becomes PAID, its policy CLAIMED. */
export interface ClaimPayment {
  claimId: string;
  /** The history length the claim was read with; the rules' `pay` transition appends `entry`. */
  historyLength: number;
  entry: HistoryEntry;
  paidAt: string;
  policy: { orderId: string; planId: string; lineId?: string };
  /** The policy statuses the lifecycle lets become CLAIMED. */
  claimableStatuses: readonly PolicyStatus[];
}

/**
 * A write the confirmation transaction carries besides the payout. `group` names what it settles
 * (`claim`, `policy`, `deposit` …); `name` names its condition.
 */
export interface SettlementWrite {
  group: string;
  name: string;
  item: TransactItem;
}

/**
 * D3: a deposit withdrawal is handed to the provider only while its merchant has no fraud finding —
 * a ConditionCheck on the profile in the same write that takes the payout to SENDING
 * (`merchant-not-fraudulent`), so a finding recorded at any moment before is never outrun, whatever
 * the penalty's (eventually consistent) look-up of approved withdrawals saw.
 */
export function noFraudFindingCheck(merchantId: string): SettlementWrite {
  return {
    group: 'merchant',
    name: 'merchant-not-fraudulent',
    item: {
      ConditionCheck: {
        TableName: tableName,
        Key: keys.merchant(merchantId),
        ConditionExpression: 'attribute_not_exists(fraudFinding) OR fraudFinding = :false',
        ExpressionAttributeValues: { ':false': false },
      },
    },
  };
}

/**
 * The claim and policy items of a confirmation: the claim APPROVED → PAID with `paidAt` and its
 * history entry (`claim-approved`: still APPROVED with the history it was read with), and its policy
 * → CLAIMED, leaving the expiry job's due index (`policy-claimable`: still this claim's policy, in
 * a status the lifecycle lets become CLAIMED).
 */
export function claimPaidWrites(payment: ClaimPayment, at: string): SettlementWrite[] {
  const statusValues = Object.fromEntries(payment.claimableStatuses.map((status, i) => [`:s${i}`, status]));
  return [
    {
      group: 'claim',
      name: 'claim-approved',
      item: {
        Update: {
          TableName: tableName,
          Key: keys.claim(payment.claimId),
          UpdateExpression: 'SET #status = :paid, paidAt = :paidAt, #history = list_append(#history, :entry)',
          ConditionExpression: '#status = :approved AND size(#history) = :historyLength',
          ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
          ExpressionAttributeValues: {
            ':paid': payment.entry.status,
            ':paidAt': payment.paidAt,
            ':entry': [payment.entry],
            ':approved': 'APPROVED',
            ':historyLength': payment.historyLength,
          },
        },
      },
    },
    {
      group: 'policy',
      name: 'policy-claimable',
      item: {
        Update: {
          TableName: tableName,
          Key: keys.policy(payment.policy.orderId, payment.policy.planId, payment.policy.lineId),
          UpdateExpression: 'SET #status = :claimed, claimedAt = :at REMOVE dueShard, dueAt',
          // C7: a live-quality policy pays one claim per refund (its `claimIds`), in any status it has.
          ConditionExpression: `(claimId = :claimId AND #status IN (${Object.keys(statusValues).join(', ')})) OR contains(claimIds, :claimId)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'CLAIMED', ':at': at, ':claimId': payment.claimId, ...statusValues },
        },
      },
    },
  ];
}

/**
 * One write of the payout job on one payout: the payout as the step leaves it (guarded by
 * `payout-unchanged`), its due entry moved to `dueAt` (`null`: out of the index), what a
 * confirmation settles besides (`writes`: claim and policy, a deposit's withdrawal or advance) and
 * the step's outbox events — all or nothing.
 */
export interface PayoutWrite {
  previous: PayoutGuard;
  payout: StoredPayout;
  dueAt: string | null;
  writes?: readonly SettlementWrite[];
  events?: readonly PayoutEvent[];
  at: string;
}

/**
 * What became of one payout write: written (the payout as written); skipped (another run changed
 * the payout first: nothing of it written); or refused (nothing of it written) because the parts
 * named in `failed` did not hold.
 */
export type PayoutWriteOutcome =
  | { status: 'written'; payout: StoredPayout }
  | { status: 'skipped' }
  | { status: 'refused'; failed: string[] }
  | { status: 'error'; error: unknown };

/** The name a payout write gets when it keeps conflicting with other writers: left as they left it. */
const KEPT_CONFLICTING = 'payout-conflict';

function partOf(write: PayoutWrite, payout: StoredPayout): TransactPart {
  return {
    names: ['payout-unchanged', ...(write.writes ?? []).map((part) => part.name), ...(write.events ?? []).map(() => 'outbox')],
    items: [
      guardedPut(write.previous, payout, write.dueAt),
      ...(write.writes ?? []).map((part) => part.item),
      ...(write.events ?? []).map((event) => outboxPut(tableName, event.type, event.detail, write.at)),
    ],
  };
}

/**
 * The payout job's writes (P1–P3), each all or nothing. Alone, a plain step is one conditional
 * PutItem; together, several payouts share transactions (`transactEach`), so a busy run sends a
 * few transactions instead of one write per step. Skipped: another run changed the payout first,
 * or its write kept conflicting with other writers (its next run finds out what became of it).
 * The outcome of each is returned in order, never thrown.
 */
export async function writePayouts(writes: readonly PayoutWrite[]): Promise<PayoutWriteOutcome[]> {
  const payouts = writes.map((write) => nextVersion(write.previous, write.payout));
  const only = writes.length === 1 ? writes[0]! : undefined;
  if (only && !only.writes?.length && !only.events?.length) {
    try {
      await named(['payout-unchanged'], () => documentClient.send(new PutCommand(guardedPut(only.previous, payouts[0]!, only.dueAt).Put)));
      return [{ status: 'written', payout: payouts[0]! }];
    } catch (error) {
      return [error instanceof ConditionFailed ? { status: 'skipped' } : { status: 'error', error }];
    }
  }
  const outcomes = await transactEach(
    writes.map((write, i) => partOf(write, payouts[i]!)),
    KEPT_CONFLICTING,
  );
  return outcomes.map((outcome, i): PayoutWriteOutcome => {
    if (outcome.status === 'written') return { status: 'written', payout: payouts[i]! };
    if (outcome.status === 'error') return outcome;
    const changed = outcome.failed.includes('payout-unchanged') || outcome.failed.includes(KEPT_CONFLICTING);
    return changed ? { status: 'skipped' } : outcome;
  });
}
