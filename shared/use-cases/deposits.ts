/**
 * The consumer-protection deposit (消保保证金, D1–D3, J9): withdrawals under ops review (the
 * minimum kept while enrolled, none with a violation record) and the deposit's view (advance
 * compensation is ./advances.ts, top-ups ./top-ups.ts, dispute compensations ./compensations.ts,
 * penalties ./penalties.ts). Each use case reads what the rules need in one parallel round
 * trip, lets the pure rules decide, and writes ONE transaction whose conditions guard the same
 * facts the rules read (shared/store/deposits.ts, withdrawals.ts). When a condition fails because
 * the deposit or the merchant changed in between, it reads again and the rules decide again
 * (./decide-again.ts), so the answer is always the precise rule (e.g. the loser of two approvals gets INSUFFICIENT_DEPOSIT).
 */
import { ulid } from 'ulid';
import type { Principal } from '#shared/rules/types.ts';
import { calendar, rulesConfig } from '#shared/rules-config.ts';
import {
  Conflict,
  NotFound,
  RuleViolation,
  CLAIM_TRANSITIONS,
  decideWithdrawal,
  depositStatus,
  dueAfter,
  fallsBelowMinimum,
  violationRecords,
  withdrawalKeepFen,
  nextStatus,
  normalizeInstant,
  toMs,
  toReason,
  WITHDRAWAL_LIFECYCLE,
  withdrawalPayoutDueBy,
  type Actor,
  type ClaimStatus,
  type WithdrawalDecision,
} from '#shared/rules/index.ts';
import type { DepositHolder } from '#shared/store/deposit-items.ts';
import { depositJournal, getDepositAccount, getDepositHolder, type DepositAccount } from '#shared/store/deposits.ts';
import {
  approveWithdrawal,
  getWithdrawal,
  hasActiveEnrollment,
  insertWithdrawal,
  openClaimsOfMerchant,
  penaltyRecordsOf,
  rejectWithdrawal,
  withdrawalsByMerchant,
  type Withdrawal,
} from '#shared/store/withdrawals.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { decideAgainWhenStale, staleOr } from './decide-again.ts';
import type { StoredPayout } from '#shared/store/payouts.ts';
import { payoutDue, pendingPayout, type PayoutDue } from './new-payout.ts';

/** Claims not yet in a final status (D3's "open claims"): those the claim lifecycle still moves on. */
export const OPEN_CLAIM_STATUSES: readonly ClaimStatus[] = (Object.keys(CLAIM_TRANSITIONS) as ClaimStatus[]).filter(
  (status) => Object.keys(CLAIM_TRANSITIONS[status]).length > 0,
);

/** GET /v1/merchants/{id}/deposit lists this many of the latest withdrawals and journal movements. */
const RECENT_WITHDRAWALS = 50;
const RECENT_MOVEMENTS = 20;

/** D1: the `deposit.top-up-required` event when a hold takes the available balance below the minimum. */
export function topUpRequiredDetail(merchantId: string, availableBeforeFen: number, amountFen: number, cause: Record<string, unknown>) {
  const availableAfterFen = availableBeforeFen - amountFen;
  if (!fallsBelowMinimum(availableBeforeFen, availableAfterFen, rulesConfig)) return undefined;
  return {
    merchantId,
    availableFen: availableAfterFen,
    minimumFen: rulesConfig.deposit.minimumFen,
    shortFen: rulesConfig.deposit.minimumFen - availableAfterFen,
    ...cause,
  };
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

export interface DepositSummary {
  merchantId: string;
  balanceFen: number;
  heldFen: number;
  availableFen: number;
  minimumFen: number;
  meetsMinimum: boolean;
  frozen: boolean;
  forfeited: boolean;
}

/** D1, J9: the account's figures as the rules state them, with the profile's frozen and forfeited flags. */
function summary(account: DepositAccount, holder: DepositHolder): DepositSummary {
  const status = depositStatus({ balanceFen: account.balanceFen, heldFen: account.heldFen, frozen: holder.depositFrozen }, rulesConfig);
  return { merchantId: account.merchantId, ...status, forfeited: holder.fraudFinding };
}

/**
 * GET /v1/merchants/{id}/deposit. Steps: account, profile, latest withdrawals and latest journal
 * movements — four reads in ONE parallel round trip. A merchant Baozhang has neither a profile nor a
 * deposit of is 404.
 */
export async function viewDeposit(merchantId: string) {
  const [account, holder, withdrawals, journal] = await Promise.all([
    getDepositAccount(merchantId),
    getDepositHolder(merchantId),
    withdrawalsByMerchant(merchantId, RECENT_WITHDRAWALS),
    depositJournal(merchantId, { limit: RECENT_MOVEMENTS }),
  ]);
  if (!holder.profiled && account.version === 0) throw new NotFound(`Merchant ${merchantId}`);
  return { ...summary(account, holder), withdrawals, movements: journal.items };
}

// ---------------------------------------------------------------------------------------------
// D3 withdrawals
// ---------------------------------------------------------------------------------------------

/** D3: the rules' WITHDRAWAL_NOT_ALLOWED, listing every failing condition in `basis.refusals` and `errors`. */
function refused(decision: Extract<WithdrawalDecision, { ok: false }>): RuleViolation {
  const { violation: v, refusals } = decision;
  const amountCodes = ['INVALID_AMOUNT', 'INSUFFICIENT_DEPOSIT', 'DEPOSIT_BELOW_MINIMUM'];
  return new RuleViolation({
    code: v.code,
    status: v.status,
    title: v.title,
    detail: v.detail,
    basis: { ...v.basis, refusals: refusals.map(toReason) },
    fields: refusals.map((r) => ({ path: amountCodes.includes(r.code) ? 'body.amountFen' : 'merchant', message: `${r.code}: ${r.detail}` })),
  });
}

/**
 * The D1/D3 check, from one parallel round trip: account, profile, open claims on the merchant's
 * orders, whether it is enrolled in any plan (D1: the minimum stays) and its penalty records (D3).
 * Returns `keepFen`, what the write's condition must leave available.
 */
async function withdrawalCheck(merchantId: string, amountFen: number, now: string) {
  const [account, holder, openClaims, enrolled, penalties] = await Promise.all([
    getDepositAccount(merchantId),
    getDepositHolder(merchantId),
    openClaimsOfMerchant(merchantId, OPEN_CLAIM_STATUSES),
    hasActiveEnrollment(merchantId),
    penaltyRecordsOf(merchantId),
  ]);
  const keepFen = withdrawalKeepFen(enrolled, rulesConfig);
  const decision = decideWithdrawal({
    enrolled,
    minimumFen: keepFen,
    violationRecords: violationRecords(penalties, now, rulesConfig).length,
    amountFen,
    availableFen: account.availableFen,
    // J9: a frozen deposit is a penalty's doing; once lifted, only a fraud finding keeps it frozen (reported as such).
    activePenalty: holder.activePenaltyIds.length > 0 || (holder.depositFrozen && !holder.fraudFinding),
    openClaims,
    fraudFinding: holder.fraudFinding,
  });
  if (!decision.ok) throw refused(decision);
  return { account, holder, keepFen };
}

/**
 * POST /v1/merchants/{id}/deposit/withdrawals, by the merchant itself. Steps: 1. the D3 check
 * (one round trip); a refusal is 422 with every failing condition and stores nothing; 2. one
 * transaction: the withdrawal REQUESTED, guarded by the amount still available and the merchant
 * still in good standing, and `deposit.withdrawal-requested`.
 */
export async function requestWithdrawal(merchantId: string, input: { amountFen: number; reason: string }, now: string): Promise<Withdrawal> {
  const at = normalizeInstant(now);
  return decideAgainWhenStale(async () => {
    const { keepFen } = await withdrawalCheck(merchantId, input.amountFen, at);
    const withdrawal: Withdrawal = {
      withdrawalId: `wdr_${ulid(toMs(at))}`,
      merchantId,
      amountFen: input.amountFen,
      reason: input.reason,
      status: 'REQUESTED',
      requestedAt: at,
    };
    try {
      await insertWithdrawal(withdrawal, keepFen);
    } catch (error) {
      throw staleOr(error, ['deposit-available', 'merchant-in-good-standing']);
    }
    return withdrawal;
  });
}

/**
 * D3: when an approved withdrawal is due to be paid. When the holiday calendar does not cover the
 * dates yet, the approval must not fail: the days are counted as calendar days (never later than
 * working days), labelled `calendar-days-fallback` and `dueByApproximate`, and counted in the
 * PayoutDueApproximate metric.
 */
export function withdrawalDue(approvedAt: string): PayoutDue {
  const rule = rulesConfig.deposit.withdrawalPayoutDue;
  return payoutDue(
    rule.calendar,
    () => withdrawalPayoutDueBy(approvedAt, calendar(), rulesConfig),
    () => dueAfter({ ...rule, calendar: 'calendar' }, approvedAt, calendar()),
  );
}

/** The payout of an approved withdrawal: to the merchant's Alipay account, from its deposit. */
function withdrawalPayout(withdrawal: Withdrawal, alipayAccount: string, at: string): StoredPayout {
  return pendingPayout(at, withdrawalDue(at), {
    withdrawalId: withdrawal.withdrawalId,
    source: 'deposit',
    depositMerchantId: withdrawal.merchantId,
    beneficiary: { role: 'merchant', id: withdrawal.merchantId, alipayAccount },
    amountFen: withdrawal.amountFen,
  });
}

/** The withdrawal changed status under us: the lifecycle's ILLEGAL_TRANSITION (409) against what it is now. */
async function explainDecided(withdrawalId: string, target: Withdrawal['status'], actor: Actor): Promise<never> {
  const current = await getWithdrawal(withdrawalId);
  if (current) nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, current.status, target, actor);
  throw new Conflict(`Withdrawal ${withdrawalId} changed while the request ran; read it again.`);
}

/**
 * POST /v1/deposit-withdrawals/{id}/decisions (ops). Steps: 1. the withdrawal (consistent read;
 * a decided one is 409 ILLEGAL_TRANSITION); reject: 2. one transaction, REQUESTED → REJECTED.
 * Approve: 2. the D3 check again on fresh figures (one parallel round trip) — a penalty, an open
 * claim or a fraud finding that arrived while it waited refuses it (422); 3. one transaction:
 * APPROVED, the amount held (never promised twice), the merchant still in good standing, the
 * payout record for the payout job, `deposit.withdrawal-approved`.
 */
export async function decideWithdrawalRequest(
  withdrawalId: string,
  input: { decision: 'approve' | 'reject'; note?: string },
  staff: Principal,
  now: string,
): Promise<Withdrawal> {
  const at = normalizeInstant(now);
  const actor: Actor = { role: staff.role, id: staff.id };
  const target = input.decision === 'approve' ? 'APPROVED' : 'REJECTED';
  return decideAgainWhenStale(async () => {
    const withdrawal = await getWithdrawal(withdrawalId);
    if (!withdrawal) throw new NotFound(`Withdrawal ${withdrawalId}`);
    nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, withdrawal.status, target, actor);
    const decided: Withdrawal = { ...withdrawal, status: target, decidedAt: at, decidedBy: actor, ...(input.note ? { note: input.note } : {}) };
    try {
      if (target === 'REJECTED') {
        await rejectWithdrawal(decided, at);
        return decided;
      }
      const { holder, keepFen } = await withdrawalCheck(withdrawal.merchantId, withdrawal.amountFen, at);
      const payout = withdrawalPayout(decided, holder.alipayAccount, at);
      const approved: Withdrawal = { ...decided, payoutId: payout.payoutId, payoutDueBy: payout.dueBy };
      await approveWithdrawal({ withdrawal: approved, payout, at, keepFen });
      return approved;
    } catch (error) {
      if (error instanceof ConditionFailed && error.failed.includes('withdrawal-requested')) return explainDecided(withdrawalId, target, actor);
      throw staleOr(error, ['deposit-available', 'merchant-in-good-standing']);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// D2 advance compensation
// ---------------------------------------------------------------------------------------------
