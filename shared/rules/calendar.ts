/**
 * PRC working days (P2): Monday–Friday, minus public holidays, plus official make-up working
 * days (调休). Holidays come from the maintained `chinese-days` library for the years it covers
 * (2004–2026 in 1.5.7), merged with operator-supplied calendars for later years. A date outside
 * every covered year is reported (CalendarNotCovered), never guessed as a plain weekday.
 *
 * The library's data is used rather than its functions: the functions build their date keys in
 * the process's local time zone and answer a day off in zones west of UTC (checked with
 * TZ=America/New_York: 2026-10-10, a make-up Saturday, came out as a day off). The dates come
 * from its data file through calendar-data.ts (generated, dates only: 5 KB instead of 43 KB in a
 * bundle; a unit test keeps it equal to the installed library).
 */
import { HOLIDAYS, WORKDAYS } from './calendar-data.ts';
import type { YearCalendar } from './config-types.ts';
import { CalendarNotCovered } from './errors.ts';

export interface WorkingDayCalendar {
  /** Every year this calendar can answer for, ascending. */
  readonly coveredYears: readonly number[];
  /** Whether `date` (`YYYY-MM-DD`, Asia/Shanghai) is a PRC working day; throws CalendarNotCovered. */
  isWorkingDay(date: string): boolean;
}

interface YearDays {
  holidays: Set<string>;
  workdays: Set<string>;
}

/**
 * The library's data by year, built on first use — not at module load, so a handler that never
 * counts working days neither pays for it at cold start nor carries the data in its bundle.
 * A year the library covers always has holidays (New Year's Day at least).
 */
let libraryYearsCache: ReadonlyMap<number, YearDays> | undefined;
function libraryYears(): ReadonlyMap<number, YearDays> {
  if (libraryYearsCache) return libraryYearsCache;
  const years = new Map<number, YearDays>();
  const dates = (year: string, days: string) => days.split(' ').map((d) => `${year}-${d.slice(0, 2)}-${d.slice(2)}`);
  // Every year the library covers has holidays; make-up working days belong to one of those years.
  for (const [year, days] of Object.entries(HOLIDAYS)) years.set(Number(year), { holidays: new Set(dates(year, days)), workdays: new Set() });
  for (const [year, days] of Object.entries(WORKDAYS)) for (const date of dates(year, days)) years.get(Number(year))!.workdays.add(date);
  libraryYearsCache = years;
  return years;
}

/** The years the calendar library covers, ascending. */
export function libraryCoveredYears(): readonly number[] {
  return [...libraryYears().keys()].sort((a, b) => a - b);
}

/**
 * A calendar from the library's years plus operator-supplied years (`config.calendar.years`).
 * An operator year replaces the library's data for that year, so a late correction needs no release.
 */
export function workingDayCalendar(operatorYears: readonly YearCalendar[] = []): WorkingDayCalendar {
  const years = new Map(libraryYears());
  for (const y of operatorYears) years.set(y.year, { holidays: new Set(y.holidays), workdays: new Set(y.workdays) });
  const coveredYears = [...years.keys()].sort((a, b) => a - b);
  return {
    coveredYears,
    isWorkingDay(date: string): boolean {
      const days = years.get(Number(date.slice(0, 4)));
      if (!days) throw new CalendarNotCovered(date, coveredYears);
      if (days.workdays.has(date)) return true;
      return !isWeekend(date) && !days.holidays.has(date);
    },
  };
}

/** The date after `date` (`YYYY-MM-DD`). */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function isWeekend(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** Below this many days of calendar left, operators are warned (metric alarm, `npm start`). */
export const CALENDAR_WARNING_DAYS = 60;

/**
 * How many days after `today` (`YYYY-MM-DD`, Asia/Shanghai) the calendar still covers without a
 * gap: 26 on 2026-12-05 when 2026 is its last year, 0 on its last day or when `today` is outside it.
 * Payout due dates lie a few days ahead, so this reaching 0 means they are being approximated.
 */
export function calendarDaysLeft(calendar: WorkingDayCalendar, today: string): number {
  let year = Number(today.slice(0, 4));
  if (!calendar.coveredYears.includes(year)) return 0;
  while (calendar.coveredYears.includes(year + 1)) year += 1;
  return Math.round((Date.UTC(year, 11, 31) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}
