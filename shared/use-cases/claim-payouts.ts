/**
 * The payout record a claim's approval creates (P1, P2) and the outbox details of a claim: shared
 * by filing (claims.ts) and adjudication.
 */
import { calendar, rulesConfig } from '#shared/rules-config.ts';
import { dueAfter, payoutDueBy, type Party } from '#shared/rules/index.ts';
import type { StoredClaim } from '#shared/store/claims.ts';
import { merchantAlipayAccount, type StoredPayout } from '#shared/store/payouts.ts';
import { payoutDue, pendingPayout } from './new-payout.ts';

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
  const rule = rulesConfig.plans[claim.planId].payoutDue;
  const due = payoutDue(
    rule.calendar,
    () => payoutDueBy(claim, approvedAt, calendar(), rulesConfig),
    () => dueAfter({ ...rule, calendar: 'calendar' }, rule.from === 'submission' ? claim.submittedAt : approvedAt, calendar(), rulesConfig.dayBoundary),
  );
  const payout = pendingPayout(now, due, {
    claimId: claim.claimId,
    beneficiary: { role: claim.beneficiary.role, id: claim.beneficiary.id, alipayAccount },
    amountFen: claim.amountFen,
  });
  const basis = payout.dueByApproximate ? { ...claim.basis, dueByBasis: due.dueByBasis, dueByApproximate: true } : claim.basis;
  return { claim: { ...claim, basis, payoutDueBy: due.dueBy, payoutId: payout.payoutId }, payout };
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
