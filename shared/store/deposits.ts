import { GetCommand, QueryCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PaymentInstruction } from '#shared/payments/port.ts';
import { monotonicFactory } from 'ulid';
import type { Actor, Basis, ClaimStatus, Party, WithdrawalStatus } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { queryPages } from './query.ts';
import { effectOf, type AccountChange, type MovementType } from './deposit-ledger.ts';
import { named, transactRetryingConflicts } from './errors.ts';
import { dueItems, type ReadCapacity } from './due.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys, listPartitions, prefixes, type TableKey } from './keys.ts';
import { getDepositAccount, type DepositAccount } from './deposit-account.ts';
import { outboxPut, type OutboundEventType } from './outbox.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';
import { payoutPut, type StoredPayout } from './payouts.ts';

const transact = (names: readonly string[], items: Parameters<typeof transactRetryingConflicts>[1]) =>
  transactRetryingConflicts(names, items);

/**
 * The consumer-protection deposit (D1–D3, J9). A merchant's account and its append-only journal
 * share the partition `DEPOSIT#merchantId`; withdrawals have their own partition (the ops route
 * names only the withdrawal) and are listed per merchant on GSI2; an advance compensation lives in
 * its claim's partition (one per claim). Every change of the account is ONE transaction: the
 * account's `ADD` of the ledger effect guarded by its conditions (deposit-ledger.ts), the journal
 * movement when money moves, the records it concerns and the outbox event — so the balance is
 * always the sum of the journal and never below zero.
 */

export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];


export interface DepositMovement {
  movementId: string;
  merchantId: string;
  type: MovementType;
  /** Signed: + into the deposit, − out of it. The balance is the sum of every `deltaFen`. */
  deltaFen: number;
  at: string;
  actor: Actor;
  withdrawalId?: string;
  claimId?: string;
  advanceId?: string;
  payoutId?: string;
  penaltyId?: string;
  topUpId?: string;
  compensationId?: string;
}

export type TopUpStatus = 'PENDING' | 'CREDITED' | 'EXPIRED';

/** D4: money a merchant is paying in — a number only once the provider confirms it received it. */
export interface TopUp {
  topUpId: string;
  merchantId: string;
  amountFen: number;
  status: TopUpStatus;
  /** The provider's payment instruction (its `paymentId` is the top-up id). */
  payment: PaymentInstruction;
  createdAt: string;
  expiresAt: string;
  createdBy: Actor;
  creditedAt?: string;
  /** The provider's id of the payment, once confirmed. */
  providerRef?: string;
  /** How the confirmation arrived: the provider's signed notification, or the job's query. */
  creditedBy?: 'notification' | 'query';
  movementId?: string;
  expiredAt?: string;
  /** Queries the job made while it was PENDING. */
  checks?: number;
}

export type CompensationStatus = 'PENDING' | 'PAID';

/** D5: ops compensates a buyer from the merchant's deposit for a dispute no policy covers. */
export interface Compensation {
  compensationId: string;
  orderId: string;
  lineId: string;
  merchantId: string;
  buyerId: string;
  amountFen: number;
  reason: string;
  note?: string;
  status: CompensationStatus;
  payoutId: string;
  basis: Basis;
  createdAt: string;
  createdBy: Actor;
  paidAt?: string;
}

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

export type AdvanceStatus = 'PENDING' | 'PAID';

/** The penalty items the D3 violation-record check reads. */
export interface PenaltyRecord {
  penaltyId: string;
  penalizedAt?: string;
  liftedAt?: string;
  fraud?: boolean;
}

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

/** What the deposit rules read from the merchant profile (`MERCHANT#id / PROFILE`). */
export interface DepositHolder {
  merchantId: string;
  /** A profile was PUT (it has a name): only such a merchant may pay in. */
  profiled: boolean;
  alipayAccount: string;
  activePenaltyIds: string[];
  depositFrozen: boolean;
  fraudFinding: boolean;
}

// ---------- item builders ----------


function holderOf(merchantId: string, item: Record<string, unknown> | undefined): DepositHolder {
  const penalties = item?.['activePenaltyIds'];
  return {
    merchantId,
    profiled: typeof item?.['name'] === 'string',
    alipayAccount: typeof item?.['alipayAccount'] === 'string' ? item['alipayAccount'] : '',
    // The document client reads a string set as a Set.
    activePenaltyIds: penalties instanceof Set ? [...(penalties as Set<string>)].sort() : [],
    depositFrozen: item?.['depositFrozen'] === true,
    fraudFinding: item?.['fraudFinding'] === true,
  };
}

function withdrawalItem(withdrawal: Withdrawal) {
  return {
    ...keys.withdrawal(withdrawal.withdrawalId),
    ...indexKeys.withdrawalsByMerchant(withdrawal.merchantId, withdrawal.requestedAt, withdrawal.withdrawalId),
    entity: 'DepositWithdrawal',
    ...withdrawal,
  };
}

/** The Put of a journal movement: a movement is written once and never changed (append-only). */
function movementPut(movement: DepositMovement): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.depositMovement(movement.merchantId, movement.at, movement.movementId), entity: 'DepositMovement', ...movement },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/**
 * The account's UpdateItem for one ledger change: `ADD` of the effect's deltas, its guards as the
 * condition. A lower bound of 0 or less always holds (figures are never negative) and is left out,
 * since `figure >= 0` would fail on an account not created yet.
 */
export function accountUpdate(merchantId: string, change: AccountChange, at: string): TransactWriteItem {
  const effect = effectOf(change);
  const conditions: string[] = [];
  const values: Record<string, unknown> = {
    ':entity': 'DepositAccount',
    ':merchantId': merchantId,
    ':at': at,
    ':dBalance': effect.delta.balanceFen,
    ':dHeld': effect.delta.heldFen,
    ':dAvailable': effect.delta.availableFen,
    ':one': 1,
  };
  for (const [figure, bound] of Object.entries(effect.atLeast)) {
    if (bound <= 0) continue;
    conditions.push(`${figure} >= :min_${figure}`);
    values[`:min_${figure}`] = bound;
  }
  for (const [figure, bound] of Object.entries(effect.atMost)) {
    conditions.push(`(attribute_not_exists(${figure}) OR ${figure} <= :max_${figure})`);
    values[`:max_${figure}`] = bound;
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.depositAccount(merchantId),
      UpdateExpression:
        'SET entity = :entity, merchantId = :merchantId, updatedAt = :at ' +
        'ADD balanceFen :dBalance, heldFen :dHeld, availableFen :dAvailable, version :one',
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/** No active penalty, deposit not frozen, no fraud finding (D3, J9) — as the profile says at write time. */
function inGoodStanding(merchantId: string): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.merchant(merchantId),
      ConditionExpression:
        'attribute_not_exists(activePenaltyIds) AND (attribute_not_exists(depositFrozen) OR depositFrozen = :false) ' +
        'AND (attribute_not_exists(fraudFinding) OR fraudFinding = :false)',
      ExpressionAttributeValues: { ':false': false },
    },
  };
}

const outbox = (type: OutboundEventType, detail: Record<string, unknown>, at: string): TransactWriteItem =>
  outboxPut(tableName, type, detail, at);

/** Monotonic within a process: movements recorded at the same instant keep the order they were written in. */
const movementUlid = monotonicFactory();

export const newMovementId = (at: string) => `mov_${movementUlid(Date.parse(at))}`;


// ---------- reads ----------

export { getDepositAccount, type DepositAccount };


/** The profile fields the deposit rules need: GetItem `PK = MERCHANT#id, SK = PROFILE` (consistent, projected). */
export async function getDepositHolder(merchantId: string): Promise<DepositHolder> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.merchant(merchantId),
      ConsistentRead: true,
      ProjectionExpression: '#name, alipayAccount, activePenaltyIds, depositFrozen, fraudFinding',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  return holderOf(merchantId, Item);
}

export interface MovementPage {
  items: DepositMovement[];
  nextCursor?: string;
}

/** A deposit's journal, newest first: Query `PK = DEPOSIT#id AND begins_with(SK, MOVEMENT#)` (consistent). */
export async function depositJournal(merchantId: string, options: { limit: number; cursor?: string }): Promise<MovementPage> {
  const pk = keys.depositAccount(merchantId).PK;
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :movement)',
      ExpressionAttributeValues: { ':pk': pk, ':movement': prefixes.depositMovement },
      ExclusiveStartKey: decodeCursor(options.cursor, { attribute: 'PK', value: pk }),
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: options.limit,
    }),
  );
  const nextCursor = encodeCursor(result.LastEvaluatedKey);
  return { items: (result.Items ?? []).map((item) => fromItem<DepositMovement>(item)), ...(nextCursor ? { nextCursor } : {}) };
}

/** A merchant's withdrawals, newest first: GSI2 `GSI2PK = MERCHANT#id#WITHDRAWALS`. */
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
  return (result.Items ?? []).map((item) => fromItem<Withdrawal>(item));
}

/** A withdrawal by id: GetItem `PK = WITHDRAWAL#id, SK = WITHDRAWAL` (consistent: decisions build on it). */
export async function getWithdrawal(withdrawalId: string): Promise<Withdrawal | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: keys.withdrawal(withdrawalId), ConsistentRead: true }),
  );
  return Item ? fromItem<Withdrawal>(Item) : undefined;
}

/** A claim's advance compensation: GetItem `PK = CLAIM#id, SK = ADVANCE` (consistent). */
export async function getAdvance(claimId: string): Promise<Advance | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.advance(claimId), ConsistentRead: true }));
  return Item ? fromItem<Advance>(Item) : undefined;
}

/**
 * How many claims on a merchant's orders are in one of `statuses` (D3's open claims): GSI2
 * `GSI2PK = MERCHANT#id#CLAIMS` filtered by status, counted (`Select: COUNT`) page by page. Its cost
 * follows the merchant's number of claims; a maintained counter would need every claim write to
 * keep it, which the claims store does not do.
 */
export async function openClaimsOfMerchant(merchantId: string, statuses: readonly ClaimStatus[]): Promise<number> {
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  let count = 0;
  for await (const page of queryPages({
    TableName: tableName,
    IndexName: 'GSI2',
    KeyConditionExpression: 'GSI2PK = :pk',
    FilterExpression: `#status IN (${Object.keys(values).join(', ')})`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': listPartitions.claimsByMerchant(merchantId), ...values },
    Select: 'COUNT',
  })) {
    count += page.Count ?? 0;
  }
  return count;
}

// ---------- writes ----------

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
      {
        Put: {
          TableName: tableName,
          Item: withdrawalItem(withdrawal),
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':requested': 'REQUESTED' },
        },
      },
      accountUpdate(withdrawal.merchantId, { kind: 'hold', amountFen: withdrawal.amountFen, keepFen }, at),
      inGoodStanding(withdrawal.merchantId),
      payoutPut(payout),
      outbox('deposit.withdrawal-approved', { ...withdrawal }, at),
    ],
  );
}

/** D3 rejection: REQUESTED → REJECTED (`withdrawal-requested`) and `deposit.withdrawal-rejected`. Nothing was held. */
export async function rejectWithdrawal(withdrawal: Withdrawal, at: string): Promise<void> {
  await transact(
    ['withdrawal-requested', 'outbox'],
    [
      {
        Put: {
          TableName: tableName,
          Item: withdrawalItem(withdrawal),
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':requested': 'REQUESTED' },
        },
      },
      outbox('deposit.withdrawal-rejected', { ...withdrawal }, at),
    ],
  );
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
        UpdateExpression: 'SET attempts = :zero, nextAttemptAt = :at, dueShard = :dueShard, dueAt = :dueAt, requeuedAt = :at REMOVE failureCode, failedAt, queuePK, queueSK ADD #version :one',
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

/** The record a deposit-funded payout paid (withdrawal, advance, compensation) → PAID, if still `expected` and the same `ref`. */
function markPaid(key: TableKey, expected: 'APPROVED' | 'PENDING', refAttribute: 'payoutId' | 'advanceId', ref: string, at: string): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #status = :paid, paidAt = :at',
      ConditionExpression: `#status = :${expected.toLowerCase()} AND ${refAttribute} = :${refAttribute}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':paid': 'PAID', ':at': at, [`:${expected.toLowerCase()}`]: expected, [`:${refAttribute}`]: ref },
    },
  };
}

/**
 * The items the payout job adds to the transaction that marks a `source: 'deposit'` payout
 * CONFIRMED (none for any other payout): the withdrawal APPROVED → PAID, or the advance PENDING →
 * PAID (each conditioned on its status and this payout, so a repeat changes nothing); the held
 * amount leaves the account (`balanceFen >= :amount AND heldFen >= :amount`); and the journal
 * movement (`withdrawal` / `advance-compensation`). Names for `named()`:
 * `depositPayoutSettledConditionNames`.
 */
export function depositPayoutSettledWrites(payout: StoredPayout, at: string): TransactWriteItem[] {
  if (payout.source !== 'deposit') return [];
  const merchantId = payout.depositMerchantId ?? payout.beneficiary.id;
  const amountFen = payout.amountFen;
  const movementId = newMovementId(at);
  const base = { movementId, merchantId, deltaFen: -amountFen, at, actor: { role: 'system' } as Actor, payoutId: payout.payoutId };
  if (payout.withdrawalId) {
    return [
      markPaid(keys.withdrawal(payout.withdrawalId), 'APPROVED', 'payoutId', payout.payoutId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'withdrawal' }, at),
      movementPut({ ...base, type: 'withdrawal', withdrawalId: payout.withdrawalId }),
    ];
  }
  if (payout.advanceId && payout.claimId) {
    return [
      markPaid(keys.advance(payout.claimId), 'PENDING', 'advanceId', payout.advanceId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'advance-compensation' }, at),
      movementPut({ ...base, type: 'advance-compensation', claimId: payout.claimId, advanceId: payout.advanceId }),
    ];
  }
  if (payout.compensationId && payout.compensationOrderId && payout.compensationLineId) {
    return [
      markPaid(keys.compensation(payout.compensationOrderId, payout.compensationLineId, payout.compensationId), 'PENDING', 'payoutId', payout.payoutId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'compensation' }, at),
      movementPut({ ...base, type: 'compensation', compensationId: payout.compensationId }),
    ];
  }
  throw new Error(`Deposit payout ${payout.payoutId} names neither a withdrawal, an advance nor a compensation`);
}

/** The condition names of `depositPayoutSettledWrites(payout, …)`, item by item, for `named()`. */
export function depositPayoutSettledConditionNames(payout: StoredPayout): string[] {
  if (payout.source !== 'deposit') return [];
  return [payout.withdrawalId ? 'withdrawal-approved' : payout.advanceId ? 'advance-pending' : 'compensation-pending', 'deposit-held', 'movement-new'];
}

/**
 * D3, J9: the writes a fraud finding adds to its penalty's transaction — the available balance as
 * read, plus the holds of the withdrawals it cancels (`cancelled`: approved, not yet sent), leave
 * the account (`deposit-unchanged`: exactly that much is still available, else the penalty
 * re-reads), a `forfeiture` movement and `deposit.forfeited`; each cancelled withdrawal → CANCELLED
 * with its payout (`withdrawalCancelWrites`). Money held for transfers already in flight and for
 * advance or dispute compensations stays promised to their payouts. None when nothing is left.
 */
export function depositForfeitureWrites(
  account: DepositAccount,
  penalty: { penaltyId: string; at: string },
  cancelled: readonly { withdrawal: Withdrawal; payout: StoredPayout }[] = [],
  inFlight: readonly { withdrawalId: string; payoutId: string; status: string }[] = [],
): { names: string[]; items: TransactWriteItem[] } {
  const releasedFen = cancelled.reduce((sum, c) => sum + c.withdrawal.amountFen, 0);
  const forfeitFen = account.availableFen + releasedFen;
  const cancels = cancelled.map((c) => withdrawalCancelWrites(c.withdrawal, c.payout, penalty.at, penalty.penaltyId));
  if (forfeitFen <= 0) return { names: cancels.flatMap((c) => c.names), items: cancels.flatMap((c) => c.items) };
  const { merchantId } = account;
  const movement: DepositMovement = {
    movementId: newMovementId(penalty.at),
    merchantId,
    type: 'forfeiture',
    deltaFen: -forfeitFen,
    at: penalty.at,
    actor: { role: 'system' },
    penaltyId: penalty.penaltyId,
  };
  return {
    names: ['deposit-unchanged', 'movement-new', 'outbox', ...cancels.flatMap((c) => c.names)],
    items: [
      accountUpdate(merchantId, { kind: 'forfeit', amountFen: forfeitFen, releasedFen }, penalty.at),
      movementPut(movement),
      outbox(
        'deposit.forfeited',
        {
          merchantId,
          penaltyId: penalty.penaltyId,
          forfeitFen,
          heldFen: account.heldFen - releasedFen,
          cancelledWithdrawalIds: cancelled.map((c) => c.withdrawal.withdrawalId),
          // D3: transfers already in flight finish; reported here for operators.
          inFlightWithdrawals: inFlight,
        },
        penalty.at,
      ),
      ...cancels.flatMap((c) => c.items),
    ],
  };
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
      outbox('withdrawal.cancelled', { withdrawalId: withdrawal.withdrawalId, merchantId: withdrawal.merchantId, payoutId: payout.payoutId, amountFen: withdrawal.amountFen, reason: 'fraud', penaltyId }, at),
    ],
  };
}

// ---------- D1, D3: what the withdrawal rules read besides the account ----------

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

/** A merchant's APPROVED withdrawals (D3: what a fraud finding may cancel): GSI2 `GSI2PK = MERCHANT#id#WITHDRAWALS`, filter `status = APPROVED`, every page. */
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
    found.push(...(page.Items ?? []).map((item) => fromItem<Withdrawal>(item)));
  }
  return found;
}

// ---------- D4 top-ups ----------

/** `expiresAt` is the table's TTL attribute: a top-up keeps its expiry as `payableUntil` (and is never deleted by TTL). */
function topUpItem(topUp: TopUp, dueAt: string | null) {
  const { expiresAt, ...rest } = topUp;
  return { ...keys.topUp(topUp.topUpId), ...(dueAt ? indexKeys.due('TOPUP', topUp.topUpId, dueAt) : {}), entity: 'DepositTopUp', ...rest, payableUntil: expiresAt };
}

function topUpOf(item: Record<string, unknown>): TopUp {
  const { payableUntil, ...rest } = fromItem<Omit<TopUp, 'expiresAt'> & { payableUntil: string }>(item);
  return { ...rest, expiresAt: payableUntil } as TopUp;
}

/** A top-up by id: GetItem `PK = TOPUP#id, SK = TOPUP` (consistent). */
export async function getTopUp(topUpId: string): Promise<TopUp | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.topUp(topUpId), ConsistentRead: true }));
  return Item ? topUpOf(Item) : undefined;
}

/** PENDING top-ups whose next provider query (or expiry) is due: DueIndex `dueShard = TOPUP#n AND dueAt <= cutoff`. */
export async function topUpsDue(cutoffSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<TopUp[]> {
  // dueItems strips the key attributes; payableUntil is kept and mapped back.
  const items = await dueItems<Record<string, unknown>>('TOPUP', cutoffSortable, limitPerShard, capacity);
  return items.map(topUpOf);
}

/**
 * D4 start: the top-up PENDING with its payment instruction (`top-up-new`: its id is new — for a
 * request with an Idempotency-Key the id is derived from it, so a retried request cannot create a
 * second one), due for the job's first query at `dueAt`; the merchant must have a profile
 * (`merchant-profiled` → 404). Nothing touches the account: a top-up is no money yet.
 */
export async function insertTopUp(topUp: TopUp, dueAt: string): Promise<void> {
  await transact(
    ['top-up-new', 'merchant-profiled'],
    [
      { Put: { TableName: tableName, Item: topUpItem(topUp, dueAt), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.merchant(topUp.merchantId),
          ConditionExpression: 'attribute_exists(#name)',
          ExpressionAttributeNames: { '#name': 'name' },
        },
      },
    ],
  );
}

/**
 * D4 credit, exactly once: the top-up PENDING → CREDITED and out of the due index
 * (`top-up-pending`: still PENDING, same amount — a replayed notification or a query racing it
 * fails here and credits nothing), the `top-up` movement (`movement-new`), the account's `ADD`
 * (`balance-within-limit`) and `deposit.credited` — one transaction.
 */
export async function creditTopUp(topUp: TopUp, confirmation: { providerRef: string; at: string; by: 'notification' | 'query' }): Promise<DepositMovement> {
  const { at } = confirmation;
  const movement: DepositMovement = {
    movementId: newMovementId(at),
    merchantId: topUp.merchantId,
    type: 'top-up',
    deltaFen: topUp.amountFen,
    at,
    actor: { role: 'system', id: `payment:${topUp.payment.provider}` },
    topUpId: topUp.topUpId,
  };
  await transact(
    ['top-up-pending', 'movement-new', 'balance-within-limit', 'outbox'],
    [
      {
        Update: {
          TableName: tableName,
          Key: keys.topUp(topUp.topUpId),
          UpdateExpression: 'SET #status = :credited, creditedAt = :at, providerRef = :ref, creditedBy = :by, movementId = :movementId REMOVE dueShard, dueAt',
          ConditionExpression: '#status = :pending AND amountFen = :amount',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':credited': 'CREDITED', ':at': at, ':ref': confirmation.providerRef, ':by': confirmation.by, ':movementId': movement.movementId,
            ':pending': 'PENDING', ':amount': topUp.amountFen,
          },
        },
      },
      movementPut(movement),
      accountUpdate(topUp.merchantId, { kind: 'top-up', amountFen: topUp.amountFen }, at),
      outbox('deposit.credited', { merchantId: topUp.merchantId, topUpId: topUp.topUpId, amountFen: topUp.amountFen, providerRef: confirmation.providerRef, movementId: movement.movementId }, at),
    ],
  );
  return movement;
}

/** D4: an unpaid top-up PENDING → EXPIRED and out of the due index (`top-up-pending`). */
export async function expireTopUp(topUpId: string, at: string): Promise<void> {
  await named(['top-up-pending'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.topUp(topUpId),
        UpdateExpression: 'SET #status = :expired, expiredAt = :at REMOVE dueShard, dueAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'EXPIRED', ':at': at, ':pending': 'PENDING' },
      }),
    ),
  );
}

/** D4: a PENDING top-up the provider has not confirmed yet is queried again at `dueAt` (`top-up-pending`). */
export async function rescheduleTopUp(topUpId: string, dueAt: string): Promise<void> {
  const due = indexKeys.due('TOPUP', topUpId, dueAt);
  await named(['top-up-pending'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.topUp(topUpId),
        UpdateExpression: 'SET dueShard = :shard, dueAt = :dueAt ADD checks :one',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':shard': due.dueShard, ':dueAt': due.dueAt, ':one': 1, ':pending': 'PENDING' },
      }),
    ),
  );
}
