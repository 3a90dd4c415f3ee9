import type { Party, PayoutStatus } from '#shared/rules/types.ts';
import type { Payee } from '#shared/payments/port.ts';
import { tableName } from './client.ts';
import { indexKeys, keys } from './keys.ts';

/*
 * The payout record and its item, apart from the payout store's reads and writes: the claim and
 * deposit stores put new payouts in their own transactions (`payoutPut`) without importing the
 * payout store, which reads claims (no import cycle).
 */

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
