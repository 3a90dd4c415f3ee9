/**
 * D2 advance compensation (先行赔付): ops pays a buyer's approved claim from the merchant's deposit.
 * Like every deposit use case: one parallel read, the pure rules decide, one guarded transaction,
 * and a fresh decision when a guard finds the facts changed (./decide-again.ts).
 */
import { ulid } from 'ulid';
import { advanceCompensation, NotFound, normalizeInstant, RuleViolation, toMs, violation, type PayoutStatus, type Principal } from '#shared/rules/index.ts';
import { getAdvance, insertAdvance, requeueAdvancePayout, type Advance } from '#shared/store/advances.ts';
import { getClaim } from '#shared/store/claims.ts';
import { getDepositAccount } from '#shared/store/deposits.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { getPayout, type StoredPayout } from '#shared/store/payouts.ts';
import { decideAgainWhenStale, staleOr } from './decide-again.ts';
import { topUpRequiredDetail } from './deposits.ts';

/** A claim payout never handed to the provider yet (or failed): its funding may still switch to the deposit. */
const ADVANCEABLE_PAYOUT: readonly PayoutStatus[] = ['PENDING', 'FAILED'];

/**
 * D2: failures that no payer can fix — the buyer's account itself was refused, or there is none.
 * A payout that failed for good with one of these would fail again from the deposit: the advance
 * is refused (PAYEE_UNPAYABLE) rather than left holding money forever.
 */
const PAYEE_FAILURE = /^(PAYEE_|NO_ALIPAY_ACCOUNT$|OUT_BIZ_NO_REUSED$)/;

/**
 * POST /v1/claims/{id}/advance-compensations (ops). Ops pays a buyer's approved claim that the
 * insurer does not cover from the merchant's deposit (先行赔付). The buyer is still paid exactly
 * once (P1): the claim's own payout record is switched to the deposit (`source: 'deposit'`) and
 * paid by the payout job like any other; when it settles, the job adds
 * `depositPayoutSettledWrites` and the held amount leaves the deposit with an
 * `advance-compensation` movement. "The insurer covers it" once its transfer is under way or
 * done (the payout is no longer PENDING or FAILED).
 * Steps: 1. the claim (consistent read; unknown: 404); 2. the deposit account, the claim's payout
 * and any advance of the claim (one parallel round trip); 3. `advanceCompensation`; 4. one
 * transaction: the advance, the claim still APPROVED, the payout switched while not yet sent,
 * the amount held, `deposit.advance-compensated`.
 */
export async function advanceCompensate(claimId: string, input: { note?: string }, staff: Principal, now: string): Promise<Advance> {
  const at = normalizeInstant(now);
  return decideAgainWhenStale(async () => {
    const claim = await getClaim(claimId);
    if (!claim) throw new NotFound(`Claim ${claimId}`);
    const [account, payout, existing] = await Promise.all([
      getDepositAccount(claim.merchantId),
      claim.payoutId ? getPayout(claim.payoutId) : Promise.resolve(undefined),
      getAdvance(claimId),
    ]);
    if (existing) return requeueFailedAdvance(existing, payout, at);
    // The deposit compensates consumers; a merchant's own claim (live-quality) is not paid from its own deposit.
    if (claim.beneficiary.role !== 'buyer') {
      throw violation('ADVANCE_NOT_ALLOWED', 'Only a claim that pays a buyer can be paid from the deposit.', {
        rule: 'D2',
        beneficiary: claim.beneficiary.role,
      });
    }
    const insurerCovers = payout !== undefined && !ADVANCEABLE_PAYOUT.includes(payout.status);
    const decision = advanceCompensation({ claim, insurerCovers, availableFen: account.availableFen });
    if (!decision.ok) throw decision.violation;
    if (!payout) throw new Error(`Approved claim ${claimId} has no payout record`);
    // D2: a payout that failed for good is queued again from the deposit — unless the payee itself cannot be paid.
    const failedForGood = payout.status === 'FAILED' && !payout.nextAttemptAt;
    if (failedForGood && PAYEE_FAILURE.test(payout.failureCode ?? payout.lastError?.code ?? '')) {
      throw violation(
        'PAYEE_UNPAYABLE',
        `The buyer's account was refused (${payout.failureCode ?? payout.lastError?.code}); the deposit could not pay it either.`,
        {
          rule: 'D2',
          payoutId: payout.payoutId,
          failureCode: payout.failureCode ?? payout.lastError?.code,
        },
      );
    }
    const advance: Advance = {
      advanceId: `adv_${ulid(toMs(at))}`,
      claimId,
      merchantId: claim.merchantId,
      payoutId: payout.payoutId,
      beneficiary: claim.beneficiary,
      amountFen: decision.amountFen,
      status: 'PENDING',
      basis: { rule: 'D2', ...decision.basis, payoutStatus: payout.status, ...(failedForGood ? { requeued: true, failureCode: payout.failureCode } : {}) },
      ...(input.note ? { note: input.note } : {}),
      createdAt: at,
      createdBy: { role: staff.role, id: staff.id },
    };
    try {
      const topUpRequired = topUpRequiredDetail(claim.merchantId, account.availableFen, advance.amountFen, { advanceId: advance.advanceId, claimId });
      await insertAdvance(advance, {
        requeue: failedForGood,
        ...(payout.version !== undefined ? { payoutVersion: payout.version } : {}),
        ...(topUpRequired ? { topUpRequired } : {}),
      });
    } catch (error) {
      if (error instanceof ConditionFailed && error.failed.includes('advance-new')) {
        const winner = await getAdvance(claimId);
        if (winner) throw advanceExists(winner);
      }
      throw staleOr(error, ['claim-approved', 'payout-not-sent', 'deposit-available', 'advance-new']);
    }
    return advance;
  });
}

/**
 * D2, an advance that exists already: when its payout, already from the deposit, failed for good
 * again (not the buyer's own account), it is queued again — the advance ends in a paid buyer, its
 * hold never stuck. Otherwise the advance exists: 409 ADVANCE_EXISTS (or PAYEE_UNPAYABLE).
 */
async function requeueFailedAdvance(existing: Advance, payout: StoredPayout | undefined, at: string): Promise<Advance> {
  const failedForGood = payout?.advanceId === existing.advanceId && payout.status === 'FAILED' && !payout.nextAttemptAt;
  if (existing.status !== 'PENDING' || !payout || !failedForGood) throw advanceExists(existing);
  const code = payout.failureCode ?? payout.lastError?.code ?? '';
  if (PAYEE_FAILURE.test(code)) {
    throw violation('PAYEE_UNPAYABLE', `The buyer's account was refused (${code}); the deposit cannot pay it either.`, {
      rule: 'D2',
      payoutId: payout.payoutId,
      failureCode: code,
      advanceId: existing.advanceId,
    });
  }
  try {
    await requeueAdvancePayout(existing, payout, at);
  } catch (error) {
    throw staleOr(error, ['advance-payout-failed']);
  }
  return { ...existing, basis: { ...existing.basis, requeued: true, failureCode: code, payoutStatus: 'FAILED', requeuedAt: at } };
}

function advanceExists(existing: Advance): RuleViolation {
  return violation('ADVANCE_EXISTS', `Claim ${existing.claimId} was already advance-compensated.`, {
    rule: 'D2',
    claimId: existing.claimId,
    advanceId: existing.advanceId,
  });
}
