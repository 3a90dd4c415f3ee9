/**
 * Units: the ONE window and deadline function. "Within N days (inclusive)" of instant T ends at
 * the end of the N-th Shanghai calendar day after T's date (23:59:59.999 +08:00); "within N
 * working days" at the end of the N-th PRC working day after it. Every window, due date and
 * expiry is computed here. The `elapsed` day boundary restores 24-hour periods (T + N × 24 h, and
 * for working days T's time of day on the N-th working day) for operators who want them.
 */
import { nextDate, type WorkingDayCalendar } from './calendar.ts';
import { addDays, DAY_MS, endOfShanghaiDay, SHANGHAI_OFFSET_MS, shanghaiDate, toIso, toMs, type Instant } from './time.ts';

export type { DayBoundary } from './config-types.ts';
import type { DayBoundary } from './config-types.ts';

/** A length of time counted in calendar days or PRC working days. */
export interface Span {
  days: number;
  calendar: 'calendar' | 'working';
}

/**
 * N working days after instant T: step day by day in Asia/Shanghai, count only working days,
 * keep T's time of day. Sunday 09:00 + 3 → Wednesday 09:00 (Mon, Tue, Wed).
 */
export function addWorkingDays(from: Instant, days: number, calendar: WorkingDayCalendar): Instant {
  const local = toMs(from) + SHANGHAI_OFFSET_MS;
  const timeOfDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  let date = shanghaiDate(from);
  for (let counted = 0; counted < days; ) {
    date = nextDate(date);
    if (calendar.isWorkingDay(date)) counted += 1;
  }
  return toIso(Date.parse(`${date}T00:00:00Z`) + timeOfDay - SHANGHAI_OFFSET_MS);
}

/**
 * The last instant of a window of `span` from `from` (inclusive): with `end-of-day`, the end of
 * the N-th (working) day after `from`'s Shanghai date; with `elapsed`, `from` + N days to the
 * millisecond. A working-day span needs the working-day calendar.
 */
export function deadline(from: Instant, span: Span, boundary: DayBoundary, workingDays?: WorkingDayCalendar): Instant {
  let shifted: Instant;
  if (span.calendar === 'working') {
    if (!workingDays) throw new RangeError('a working-day span needs the working-day calendar');
    shifted = addWorkingDays(from, span.days, workingDays);
  } else {
    shifted = addDays(from, span.days);
  }
  return boundary === 'end-of-day' ? endOfShanghaiDay(shanghaiDate(shifted)) : shifted;
}

/** `deadline` for calendar days, the common case. */
export function daysAfter(from: Instant, days: number, boundary: DayBoundary): Instant {
  return deadline(from, { days, calendar: 'calendar' }, boundary);
}
