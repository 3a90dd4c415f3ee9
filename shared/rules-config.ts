import { CALENDAR_FILES } from '../calendars/index.ts';
import {
  CALENDAR_WARNING_DAYS,
  calendarDaysLeft,
  makeRulesConfig,
  parseCalendarFile,
  toIso,
  workingDayCalendar,
  type DeepPartial,
  type RulesConfig,
  type WorkingDayCalendar,
  type YearCalendar,
} from '#shared/rules/index.ts';
import { settings } from '#shared/config.ts';

/**
 * The rules configuration every handler passes to the pure rules: the defaults of product.md,
 * overridden by the operator's `RULES_CONFIG` (a JSON object, e.g. rates, brackets) without a code
 * change. Read once per execution environment; an invalid override fails at start-up, naming the
 * setting.
 *
 * Working-day calendar years after the library's come from `calendars/YYYY.json` (bundled with the
 * functions, see calendars/README.md), each checked at load. A year also given in RULES_CONFIG
 * `calendar.years` takes the RULES_CONFIG one: the emergency path that needs no release.
 */
function loadOverrides(): DeepPartial<RulesConfig> {
  const raw = settings().rulesConfig;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as DeepPartial<RulesConfig>;
  } catch (error) {
    throw new Error('RULES_CONFIG is not valid JSON', { cause: error });
  }
}

/** The year files of calendars/, checked (CalendarFileInvalid lists every problem of a bad one). */
export const calendarFileYears: readonly YearCalendar[] = CALENDAR_FILES.map(({ file, data }) => parseCalendarFile(data, file));

/** The overrides with the calendar files' years added, RULES_CONFIG's own years winning. */
export function withCalendarFiles(overrides: DeepPartial<RulesConfig>, files: readonly YearCalendar[]): DeepPartial<RulesConfig> {
  const given = overrides.calendar?.years ?? [];
  const fromFiles = files.filter((file) => !given.some((year) => year.year === file.year));
  if (fromFiles.length === 0) return overrides;
  return { ...overrides, calendar: { ...overrides.calendar, years: [...fromFiles, ...given] } };
}

export const rulesConfig = makeRulesConfig(withCalendarFiles(loadOverrides(), calendarFileYears));

let calendarCache: WorkingDayCalendar | undefined;
/** The PRC working-day calendar (library years + calendar files + RULES_CONFIG years), built on first use. */
export function calendar(): WorkingDayCalendar {
  calendarCache ??= workingDayCalendar(rulesConfig.calendar.years);
  return calendarCache;
}

/** The Asia/Shanghai date of an instant, `YYYY-MM-DD`. */
function shanghaiDate(now: Date): string {
  return toIso(now.getTime()).slice(0, 10);
}

/** Days of working-day calendar left after `now`'s date (the CalendarDaysLeft metric). */
export function calendarDaysLeftAt(now: Date, workingDays: WorkingDayCalendar = calendar()): number {
  return calendarDaysLeft(workingDays, shanghaiDate(now));
}

/**
 * A one-line warning when fewer than 60 days of calendar are left after `now` (printed by
 * `npm start`; in AWS the CalendarDaysLeft alarm says the same), otherwise undefined.
 */
export function calendarWarning(now: Date, workingDays: WorkingDayCalendar = calendar()): string | undefined {
  const daysLeft = calendarDaysLeftAt(now, workingDays);
  if (daysLeft >= CALENDAR_WARNING_DAYS) return undefined;
  const today = shanghaiDate(now);
  // The year to add: the first one from today's on that the calendar lacks.
  let next = Number(today.slice(0, 4));
  while (workingDays.coveredYears.includes(next)) next += 1;
  const state =
    daysLeft > 0
      ? `ends in ${daysLeft} days (last year covered: ${next - 1})`
      : `does not cover the days after ${today}: payout due dates are approximated in calendar days`;
  return `WARNING: the working-day calendar ${state}. Add ${next}: npm run ops -- calendar add ${next} FILE (docs/operations.md)`;
}
