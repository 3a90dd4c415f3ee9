/**
 * P2: when a payout is due, and whether it is overdue.
 * live-quality: 3 working days of the claim's submission (003); return-shipping: 3 days of
 * approval (001); others: 3 working days of approval (default); each ends at the end of that day
 * (Units). Configurable per plan.
 */
import type { DueRule, RulesConfig } from './config.ts';
import type { WorkingDayCalendar } from './calendar.ts';
import { toMs, type Instant } from './time.ts';
import { deadline, type DayBoundary } from './windows.ts';
import type { PayoutStatus, PlanId } from './types.ts';

/**
 * The due instant of a rule counted from `from` (`deadline`): with the default `end-of-day`
 * boundary, the end of that (working) day (P2, Units).
 */
export function dueAfter(rule: DueRule, from: Instant, calendar: WorkingDayCalendar, boundary: DayBoundary = 'elapsed'): Instant {
  return deadline(from, rule, boundary, calendar);
}

/** P2: a claim's payout due instant, from its submission or its approval as the plan says. */
export function payoutDueBy(claim: { planId: PlanId; submittedAt: Instant }, approvedAt: Instant, calendar: WorkingDayCalendar, config: RulesConfig): Instant {
  const rule = config.plans[claim.planId].payoutDue;
  return dueAfter(rule, rule.from === 'submission' ? claim.submittedAt : approvedAt, calendar, config.dayBoundary);
}

/** D3: approved deposit withdrawals are paid out like claims. */
export function withdrawalPayoutDueBy(approvedAt: Instant, calendar: WorkingDayCalendar, config: RulesConfig): Instant {
  return dueAfter(config.deposit.withdrawalPayoutDue, approvedAt, calendar, config.dayBoundary);
}

/** Settled payouts left Baozhang's hands; anything else still owes the beneficiary. */
const SETTLED: readonly PayoutStatus[] = ['SENT', 'CONFIRMED'];

/** P2: a payout not yet sent after its due instant is overdue (the due instant itself is on time). */
export function isOverdue(payout: { status: PayoutStatus; dueBy: Instant }, now: Instant): boolean {
  return !SETTLED.includes(payout.status) && toMs(now) > toMs(payout.dueBy);
}
