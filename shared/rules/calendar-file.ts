/**
 * An operator-supplied year of the PRC working-day calendar (P2), as a file in `calendars/`
 * (`calendars/2027.json`): the State Council notice it comes from, its public holidays (放假) and
 * its make-up working days (调休上班). The file is checked whole — every problem is listed in one
 * error — so an operator fixes it in one pass instead of one complaint at a time.
 */
import type { YearCalendar } from './config.ts';
import { isWeekend } from './calendar.ts';

/** One dated entry of a calendar file: `{date: 'YYYY-MM-DD', name: '春节'}`. */
export interface CalendarFileDay {
  date: string;
  name: string;
}

/** The file's shape. `source` names the official notice, so a reviewer can check the dates against it. */
export interface CalendarFile {
  year: number;
  source: { title: string; publishedOn: string };
  holidays: readonly CalendarFileDay[];
  workdays: readonly CalendarFileDay[];
}

/** A calendar file that cannot be used; `problems` lists every reason, one per line. */
export class CalendarFileInvalid extends Error {
  readonly problems: readonly string[];

  constructor(label: string, problems: readonly string[]) {
    super(`${label} is not a valid working-day calendar:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CalendarFileInvalid';
    this.problems = problems;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `date` is a real `YYYY-MM-DD` date (2027-02-30 is not). */
export function isValidDate(date: unknown): date is string {
  if (typeof date !== 'string' || !DATE.test(date)) return false;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * Checks a parsed calendar file and returns it as the rules use it (dates only). Throws
 * CalendarFileInvalid listing every problem: a missing or malformed field, a date that is not a
 * real date or not in the file's year, a date given twice, a date both a holiday and a working day,
 * a make-up working day that is not a Saturday or Sunday (a weekday is a working day already).
 */
export function parseCalendarFile(value: unknown, label = 'calendar file'): YearCalendar & { source: CalendarFile['source'] } {
  const problems: string[] = [];
  if (!isRecord(value)) throw new CalendarFileInvalid(label, ['must be a JSON object {year, source, holidays, workdays}']);
  for (const key of Object.keys(value)) {
    if (!['year', 'source', 'holidays', 'workdays'].includes(key)) problems.push(`unknown field "${key}"`);
  }
  const year = value['year'];
  const yearOk = Number.isSafeInteger(year) && (year as number) >= 2000 && (year as number) <= 2999;
  if (!yearOk) problems.push(`year must be a whole year such as 2027, got ${JSON.stringify(year)}`);

  const source = value['source'];
  if (!isRecord(source)) {
    problems.push('source must be {title, publishedOn}: the official notice the dates come from');
  } else {
    if (!isText(source['title'])) problems.push('source.title must name the official notice');
    if (!isValidDate(source['publishedOn'])) problems.push(`source.publishedOn must be a date YYYY-MM-DD, got ${JSON.stringify(source['publishedOn'])}`);
  }

  const lists = { holidays: [] as string[], workdays: [] as string[] };
  for (const list of ['holidays', 'workdays'] as const) {
    const days = value[list];
    if (!Array.isArray(days)) {
      problems.push(`${list} must be a list of {date, name} (it may be empty)`);
      continue;
    }
    const seen = new Set<string>();
    days.forEach((day: unknown, i) => {
      const at = `${list}[${i}]`;
      if (!isRecord(day)) return void problems.push(`${at} must be {date, name}`);
      if (!isText(day['name'])) problems.push(`${at}.name must be a non-empty text`);
      const date = day['date'];
      if (!isValidDate(date)) return void problems.push(`${at}.date ${JSON.stringify(date)} is not a date YYYY-MM-DD`);
      if (yearOk && Number(date.slice(0, 4)) !== year) problems.push(`${at}.date ${date} is not in ${year}`);
      if (seen.has(date)) problems.push(`${at}.date ${date} is listed twice in ${list}`);
      else if (list === 'workdays' && !isWeekend(date)) problems.push(`${at}.date ${date} is a weekday: a make-up working day must be a Saturday or Sunday`);
      seen.add(date);
      lists[list].push(date);
    });
  }
  for (const date of new Set(lists.holidays)) {
    if (lists.workdays.includes(date)) problems.push(`${date} is listed both as a holiday and as a working day`);
  }
  if (problems.length > 0) throw new CalendarFileInvalid(label, problems);
  const { title, publishedOn } = source as CalendarFile['source'];
  return { year: year as number, source: { title, publishedOn }, holidays: [...new Set(lists.holidays)], workdays: lists.workdays };
}

/** What a year's calendar changes against plain Monday–Friday: days off on weekdays, working weekends. */
export interface CalendarChanges {
  /** Holidays that fall on a weekday: working days that become days off. */
  weekdaysOff: readonly string[];
  /** Make-up working days: weekend days that become working days. */
  weekendsWorked: readonly string[];
}

export function calendarChanges(year: YearCalendar): CalendarChanges {
  return {
    weekdaysOff: year.holidays.filter((d) => !isWeekend(d)).sort(),
    weekendsWorked: year.workdays.filter((d) => isWeekend(d)).sort(),
  };
}
