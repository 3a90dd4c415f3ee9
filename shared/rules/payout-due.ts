/**
 * P2: when a payout is due, and whether it is overdue.
 * live-quality: 3 working days of the claim's submission (003); return-shipping: 3 days
 * (72 h) of approval (001); others: 3 working days of approval (default). Configurable per plan.
 */
import type { DueRule, RulesConfig } from './config.ts';
import { nextDate, type WorkingDayCalendar } from './calendar.ts';
import { addDays, DAY_MS, SHANGHAI_OFFSET_MS, toIso, toMs, type Instant } from './time.ts';
import type { PayoutStatus, PlanId } from './types.ts';

/**
 * N working days after instant T: step day by day in Asia/Shanghai, count only working days,
 * keep T's time of day. Sunday 09:00 + 3 → Wednesday 09:00 (Mon, Tue, Wed).
 */
export function addWorkingDays(from: Instant, days: number, calendar: WorkingDayCalendar): Instant {
  const local = toMs(from) + SHANGHAI_OFFSET_MS;
  const timeOfDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  let date = toIso(toMs(from)).slice(0, 10);
  for (let counted = 0; counted < days; ) {
    date = nextDate(date);
    if (calendar.isWorkingDay(date)) counted += 1;
  }
  return toIso(Date.parse(`${date}T00:00:00Z`) + timeOfDay - SHANGHAI_OFFSET_MS);
}

/** The due instant of a rule counted from `from`. */
export function dueAfter(rule: DueRule, from: Instant, calendar: WorkingDayCalendar): Instant {
  return rule.calendar === 'working' ? addWorkingDays(from, rule.days, calendar) : addDays(from, rule.days);
}

/** P2: a claim's payout due instant, from its submission or its approval as the plan says. */
export function payoutDueBy(
  claim: { planId: PlanId; submittedAt: Instant },
  approvedAt: Instant,
  calendar: WorkingDayCalendar,
  config: RulesConfig,
): Instant {
  const rule = config.plans[claim.planId].payoutDue;
  return dueAfter(rule, rule.from === 'submission' ? claim.submittedAt : approvedAt, calendar);
}

/** D3: approved deposit withdrawals are paid out like claims. */
export function withdrawalPayoutDueBy(approvedAt: Instant, calendar: WorkingDayCalendar, config: RulesConfig): Instant {
  return dueAfter(config.deposit.withdrawalPayoutDue, approvedAt, calendar);
}

/** Settled payouts left Baozhang's hands; anything else still owes the beneficiary. */
const SETTLED: readonly PayoutStatus[] = ['SENT', 'CONFIRMED'];

/** P2: a payout not yet sent after its due instant is overdue (the due instant itself is on time). */
export function isOverdue(payout: { status: PayoutStatus; dueBy: Instant }, now: Instant): boolean {
  return !SETTLED.includes(payout.status) && toMs(now) > toMs(payout.dueBy);
}
