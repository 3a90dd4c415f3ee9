/**
 * The payout record a claim's approval creates (P1, P2) and the outbox details of a claim: shared
 * by filing (claims.ts) and adjudication.
 */
import { ulid } from 'ulid';
import { countNow, METRIC } from '#shared/metrics.ts';
import { calendar, rulesConfig } from '#shared/rules-config.ts';
import { CalendarNotCovered, dueAfter, payoutDueBy, toMs, type Claim, type Party } from '#shared/rules/index.ts';
import type { StoredClaim } from '#shared/store/claims.ts';
import { merchantAlipayAccount, type DueByBasis, type StoredPayout } from '#shared/store/payouts.ts';

/**
 * The account shown on a new payout (`beneficiary.alipayAccount`). A merchant: the `alipayAccount`
 * of its profile ('' when none). A buyer: '' — a buyer id is not an Alipay account (P4). Either way
 * the payout job sends only to the payee it resolves at send time (the profile's `alipay`, the
 * order's `buyerAlipay`) and defers a payout with none; it never pays a guessed account.
 */
export function alipayAccountOf(beneficiary: Party, merchantAccount: string | undefined): string {
  return beneficiary.role === 'buyer' ? '' : (merchantAccount ?? '');
}

export async function readAlipayAccount(beneficiary: Party): Promise<string> {
  return beneficiary.role === 'buyer' ? '' : merchantAlipayAccount(beneficiary.id);
}

/**
 * The approved claim with its payout record (created PENDING, in the approval's transaction).
 * `payoutDueBy` follows P2; when the working-day calendar does not cover the dates yet (2027+),
 * the approval must not fail: the plan's N days are counted as calendar days — never later than
 * N working days — labelled `dueByBasis: 'calendar-days-fallback'` and `dueByApproximate: true`
 * on the payout and in the claim's basis, and counted in the PayoutDueApproximate metric (the
 * CalendarDaysLeft alarm has asked an operator for the year's calendar well before).
 */
export function withPayout(claim: StoredClaim, approvedAt: string, now: string, alipayAccount: string) {
  const { dueBy, dueByBasis } = payoutDue(claim, approvedAt);
  const payoutId = `pay_${ulid(toMs(now))}`;
  const payout: StoredPayout = {
    payoutId,
    claimId: claim.claimId,
    beneficiary: { role: claim.beneficiary.role, id: claim.beneficiary.id, alipayAccount },
    amountFen: claim.amountFen,
    status: 'PENDING',
    attempts: 0,
    dueBy,
    dueByBasis,
    ...(dueByBasis === 'calendar-days-fallback' ? { dueByApproximate: true } : {}),
    overdue: false,
    createdAt: now,
  };
  const basis = dueByBasis === 'calendar-days-fallback' ? { ...claim.basis, dueByBasis, dueByApproximate: true } : claim.basis;
  return { claim: { ...claim, basis, payoutDueBy: dueBy, payoutId }, payout };
}

function payoutDue(claim: Claim, approvedAt: string): { dueBy: string; dueByBasis: DueByBasis } {
  const rule = rulesConfig.plans[claim.planId].payoutDue;
  try {
    return {
      dueBy: payoutDueBy(claim, approvedAt, calendar(), rulesConfig),
      dueByBasis: rule.calendar === 'working' ? 'working-days' : 'calendar-days',
    };
  } catch (error) {
    if (!(error instanceof CalendarNotCovered)) throw error;
    countNow(METRIC.payoutDueApproximate);
    const from = rule.from === 'submission' ? claim.submittedAt : approvedAt;
    return { dueBy: dueAfter({ ...rule, calendar: 'calendar' }, from, calendar(), rulesConfig.dayBoundary), dueByBasis: 'calendar-days-fallback' };
  }
}

export function claimEventDetail(claim: StoredClaim) {
  return {
    claimId: claim.claimId,
    policyId: claim.policyId,
    planId: claim.planId,
    orderId: claim.orderId,
    lineId: claim.lineId,
    claimant: claim.claimant,
    beneficiary: claim.beneficiary,
    status: claim.status,
    amountFen: claim.amountFen,
    submittedAt: claim.submittedAt,
  };
}

export function approvedEventDetail(claim: StoredClaim, payout: StoredPayout) {
  return {
    claimId: claim.claimId,
    payoutId: payout.payoutId,
    beneficiary: claim.beneficiary,
    amountFen: claim.amountFen,
    payoutDueBy: payout.dueBy,
  };
}
