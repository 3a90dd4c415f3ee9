/**
 * The payout job's pure decisions on one record (no I/O): the status a step reaches through
 * PAYOUT_LIFECYCLE, what its next write must find, and when the job must act on it next.
 */
import { isOverdue, nextStatus, PAYOUT_LIFECYCLE, toIso, toMs, type PayoutStatus } from '#shared/rules/index.ts';
import type { PayoutGuard, StoredPayout } from '#shared/store/payout-store.ts';

/** The status a payout reaches through each of `steps`, every hop checked by PAYOUT_LIFECYCLE. */
export function through(from: PayoutStatus, ...steps: PayoutStatus[]): PayoutStatus {
  return steps.reduce((status, to) => nextStatus('payout', PAYOUT_LIFECYCLE, status, to), from);
}

/** What the next write must find: the record as this run last read or wrote it. */
export function guardOf(payout: StoredPayout): PayoutGuard {
  return {
    status: payout.status,
    ...(payout.version !== undefined ? { version: payout.version } : {}),
    ...(payout.status === 'SENDING' && payout.leaseToken ? { leaseToken: payout.leaseToken } : {}),
  };
}

/** The job's scheduling (lease, next attempt), cleared from a record that moves on. */
export function unscheduled(payout: StoredPayout): StoredPayout {
  const { leaseToken: _token, leaseUntil: _until, nextAttemptAt: _next, ...rest } = payout;
  return rest;
}

/** When the job must next act on a payout: its retry or query time, its lease's end, or now. */
export function actionAt(payout: StoredPayout): string {
  if (payout.status === 'SENDING' && payout.leaseUntil) return payout.leaseUntil;
  return payout.nextAttemptAt ?? payout.createdAt;
}

/**
 * Where the payout's DueIndex entry goes: the next action, or — earlier — the first instant it is
 * overdue, so the run that reports it (P2) comes on time even while a retry waits. `null` once
 * settled: CONFIRMED, or FAILED for good.
 */
export function dueFor(payout: StoredPayout): string | null {
  if (isSettled(payout)) return null;
  const act = actionAt(payout);
  // A held payout is left to its run until the lease ends; it is reported after, if still unpaid.
  if (payout.status === 'SENDING') return act;
  const firstOverdue = toIso(toMs(payout.dueBy) + 1);
  const reportPending = !payout.overdue && isOverdue(payout, firstOverdue);
  return reportPending && toMs(firstOverdue) < toMs(act) ? firstOverdue : act;
}

/** The status a confirmation moves a payout to, through the lifecycle's hops, from where it is. */
export function confirmedFrom(status: PayoutStatus): PayoutStatus {
  switch (status) {
    case 'SENT':
      return through('SENT', 'CONFIRMED');
    case 'SENDING':
    case 'UNKNOWN':
      return through(status, 'SENT', 'CONFIRMED');
    default: // PENDING, FAILED (even for good): the provider says it paid, so it did
      return through(status, 'SENDING', 'SENT', 'CONFIRMED');
  }
}

/** A late confirmation `confirmed` (built over an older read) laid over the payout as it is now. */
export function confirmedOver(fresh: StoredPayout, confirmed: StoredPayout): StoredPayout {
  const { failureCode: _code, failedAt: _failed, deferred: _deferred, ...rest } = unscheduled(fresh);
  return {
    ...rest,
    status: confirmedFrom(fresh.status),
    providerRef: confirmed.providerRef!,
    sentAt: fresh.sentAt ?? confirmed.sentAt!,
    paidAt: confirmed.paidAt!,
    ...(confirmed.providerPaidAt ? { providerPaidAt: confirmed.providerPaidAt } : {}),
  };
}

/** CONFIRMED, CANCELLED (D3), or FAILED for good (no retry planned): the job has nothing left to do. */
export function isSettled(payout: StoredPayout): boolean {
  return payout.status === 'CONFIRMED' || payout.status === 'CANCELLED' || (payout.status === 'FAILED' && !payout.nextAttemptAt);
}

/** The parties and references an event names (never the beneficiary's account). */
export function eventDetail(payout: StoredPayout) {
  return {
    payoutId: payout.payoutId,
    claimId: payout.claimId,
    withdrawalId: payout.withdrawalId,
    advanceId: payout.advanceId,
    compensationId: payout.compensationId,
    beneficiary: { role: payout.beneficiary.role, id: payout.beneficiary.id },
    amountFen: payout.amountFen,
    attempts: payout.attempts,
  };
}
