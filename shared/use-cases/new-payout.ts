/**
 * A new payout record (P1, P2, D2–D5): what every approval that pays — a claim's, a withdrawal's, a
 * dispute compensation's — creates, PENDING, in its own transaction; and when it is due.
 */
import { ulid } from 'ulid';
import { countNow, METRIC } from '#shared/metrics.ts';
import { CalendarNotCovered, toMs } from '#shared/rules/index.ts';
import type { DueByBasis, StoredPayout } from '#shared/store/payouts.ts';

export interface PayoutDue {
  dueBy: string;
  dueByBasis: DueByBasis;
}

/**
 * When a new payout is due: `exact()`, counted in the rule's days (`calendar`). When the holiday
 * calendar does not cover the dates yet (2027+), the approval must not fail: `fallback()` counts the
 * days as calendar days — never later than working days — labelled `calendar-days-fallback`, and
 * counted in the PayoutDueApproximate metric (the CalendarDaysLeft alarm has asked an operator for
 * the year's calendar well before).
 */
export function payoutDue(calendar: 'working' | 'calendar', exact: () => string, fallback: () => string): PayoutDue {
  try {
    return { dueBy: exact(), dueByBasis: calendar === 'working' ? 'working-days' : 'calendar-days' };
  } catch (error) {
    if (!(error instanceof CalendarNotCovered)) throw error;
    countNow(METRIC.payoutDueApproximate);
    return { dueBy: fallback(), dueByBasis: 'calendar-days-fallback' };
  }
}

/**
 * A payout created at `at`, PENDING and not attempted yet, due as `due` says (`dueByApproximate`
 * when that is the fallback), with what it pays and where from (`fields`).
 */
export function pendingPayout(at: string, due: PayoutDue, fields: Pick<StoredPayout, 'beneficiary' | 'amountFen'> & Partial<StoredPayout>): StoredPayout {
  return {
    payoutId: `pay_${ulid(toMs(at))}`,
    ...fields,
    status: 'PENDING',
    attempts: 0,
    dueBy: due.dueBy,
    dueByBasis: due.dueByBasis,
    ...(due.dueByBasis === 'calendar-days-fallback' ? { dueByApproximate: true } : {}),
    overdue: false,
    createdAt: at,
  };
}
