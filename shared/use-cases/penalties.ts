import { later, normalizeInstant, penaltyOutcome, toMs } from '#shared/rules/index.ts';
import { depositForfeitureWrites, getDepositAccount } from '#shared/store/deposits.ts';
import { approvedWithdrawalsOf, type Withdrawal } from '#shared/store/withdrawals.ts';
import { logger } from '#shared/logger.ts';
import { getPayout, type StoredPayout } from '#shared/store/payouts.ts';
import { markEventSeen, readMerchantPartition, recordPenaltyChange, retryWhenMerchantChanged } from '#shared/store/merchants.ts';

/**
 * Violation penalties (J9), from the order system's `merchant.penalized` and
 * `merchant.penalty-lifted` events. Events may repeat and arrive out of order; a repeated event id
 * changes nothing (`{duplicate: true}`), and a lift that arrives before its penalty is remembered
 * so the late penalty ends only what in-order delivery would have ended. Issued policies are
 * never touched: they stay in force.
 */

type EventRef<T extends string> = { id: string; type: T; occurredAt: string };

/**
 * J9: the penalty becomes active (J1 refuses joins), the deposit freezes (a fraud finding
 * forfeits it, D3) and every ACTIVE enrollment is force-exited with reason `violation`.
 * Steps: read the merchant partition (one Query) → `penaltyOutcome` → one transaction with the
 * event marker, the profile, the penalty and each exit (slot freed, `enrollment.terminated`).
 * The profile need not exist yet: penalties may arrive before the profile.
 */
export async function applyPenalty(
  event: EventRef<'merchant.penalized'>,
  data: { merchantId: string; penaltyId: string; reason: string; fraud?: boolean },
): Promise<{ duplicate: boolean }> {
  return retryWhenMerchantChanged(async () => {
    // A fraud finding forfeits the deposit (D3): its account is read alongside, in the same round trip.
    const [{ merchant, enrollments, penalties }, deposit, promised] = await Promise.all([
      readMerchantPartition(data.merchantId),
      data.fraud ? getDepositAccount(data.merchantId) : Promise.resolve(undefined),
      data.fraud ? approvedWithdrawalsWithPayouts(data.merchantId) : Promise.resolve({ unsent: [], inFlight: [] }),
    ]);
    const known = penalties.find((p) => p.penaltyId === data.penaltyId);
    // The same penalty reported again under a new event id: it is in force already.
    if (known?.penalizedAt) return markEventSeen(event);
    const at = normalizeInstant(event.occurredAt);
    const liftedAt = known?.liftedAt;
    // Lifted before we heard of it: in order, enrollments joined after the lift would have survived.
    const affected = liftedAt ? enrollments.filter((e) => toMs(e.joinedAt) <= toMs(liftedAt)) : enrollments;
    const outcome = penaltyOutcome(affected, data, at);
    // An exit is dated at the penalty, or at the join when the join was recorded after the penalty's time.
    const terminated = affected.flatMap((e) => penaltyOutcome([e], data, later(at, e.joinedAt)).terminated);
    return recordPenaltyChange({
      event,
      merchantId: data.merchantId,
      revision: merchant?.revision ?? 0,
      penalty: {
        penaltyId: data.penaltyId,
        reason: data.reason,
        ...(data.fraud ? { fraud: true } : {}),
        penalizedAt: at,
        ...(liftedAt ? { liftedAt } : {}),
      },
      ...(liftedAt ? {} : { addActivePenaltyId: data.penaltyId }),
      // Already lifted: the deposit stays thawed, unless fraud forfeited it.
      ...(liftedAt ? (outcome.forfeitDeposit ? { depositFrozen: true } : {}) : { depositFrozen: outcome.freezeDeposit }),
      ...(outcome.forfeitDeposit ? { fraudFinding: true } : {}),
      // D3: the available balance leaves with a forfeiture movement, in the penalty's transaction.
      // D3: approved withdrawals not yet sent are cancelled with their payouts, their holds forfeited too.
      ...(outcome.forfeitDeposit && deposit
        ? { extraWrites: depositForfeitureWrites(deposit, { penaltyId: data.penaltyId, at }, promised.unsent, promised.inFlight) }
        : {}),
      terminated,
    });
  });
}

/**
 * J9: lifting a penalty removes it from the active ones; with none left the merchant may join
 * again and the deposit thaws — unless a fraud finding forfeited it (the finding is kept).
 * Nothing that was force-exited is restored. Steps as for `applyPenalty`, without exits.
 */
export async function liftPenalty(
  event: EventRef<'merchant.penalty-lifted'>,
  data: { merchantId: string; penaltyId: string },
): Promise<{ duplicate: boolean }> {
  return retryWhenMerchantChanged(async () => {
    const { merchant, penalties } = await readMerchantPartition(data.merchantId);
    const known = penalties.find((p) => p.penaltyId === data.penaltyId);
    if (known?.liftedAt) return markEventSeen(event);
    const active = merchant?.activePenaltyIds ?? [];
    const wasActive = active.includes(data.penaltyId);
    const noneLeft = active.every((id) => id === data.penaltyId);
    return recordPenaltyChange({
      event,
      merchantId: data.merchantId,
      revision: merchant?.revision ?? 0,
      // Unknown penalty: remember the lift, so its penalty arriving later does not take effect.
      penalty: { ...(known ?? { penaltyId: data.penaltyId }), liftedAt: normalizeInstant(event.occurredAt) },
      ...(wasActive ? { removeActivePenaltyId: data.penaltyId } : {}),
      ...(wasActive && noneLeft && !merchant?.fraudFinding ? { depositFrozen: false } : {}),
      terminated: [],
    });
  });
}

/** A withdrawal payout never handed to the provider: a fraud finding may still cancel it (D3). */
const UNSENT: readonly StoredPayout['status'][] = ['PENDING', 'FAILED'];

/**
 * D3: the merchant's APPROVED withdrawals with their payouts — those not yet sent (cancelled by a
 * fraud finding) and those whose transfer is already in flight (let finish, and reported). Reads
 * the payouts consistently; the cancel writes are conditioned on each payout's status and version
 * as read here, so a payout-job run that starts sending one meanwhile makes the penalty read again.
 */
async function approvedWithdrawalsWithPayouts(merchantId: string) {
  const approved = await approvedWithdrawalsOf(merchantId);
  const pairs = await Promise.all(
    approved.filter((w) => w.payoutId).map(async (withdrawal) => ({ withdrawal, payout: await getPayout(withdrawal.payoutId!) })),
  );
  const unsent: { withdrawal: Withdrawal; payout: StoredPayout }[] = [];
  const inFlight: { withdrawalId: string; payoutId: string; status: string }[] = [];
  for (const { withdrawal, payout } of pairs) {
    if (!payout || payout.status === 'CONFIRMED' || payout.status === 'CANCELLED') continue;
    if (UNSENT.includes(payout.status)) unsent.push({ withdrawal, payout });
    else inFlight.push({ withdrawalId: withdrawal.withdrawalId, payoutId: payout.payoutId, status: payout.status });
  }
  if (inFlight.length > 0) logger.warn('Fraud finding: withdrawal transfers already in flight are let finish', { merchantId, inFlight });
  return { unsent, inFlight };
}
