import { describe, expect, it } from 'vitest';
import {
  CALENDAR_WARNING_DAYS,
  CalendarFileInvalid,
  CalendarNotCovered,
  calendarChanges,
  calendarDaysLeft,
  isValidDate,
  makeRulesConfig,
  parseCalendarFile,
  payoutDueBy,
  workingDayCalendar,
} from '#shared/rules/index.ts';
import { calendarFile2027 } from '#test/fixtures/calendar-2027.ts';

describe('P2 a year calendar file (calendars/YYYY.json)', () => {
  it('is read as the dates the rules count with, and its source', () => {
    expect(parseCalendarFile(calendarFile2027(), 'calendars/2027.json')).toEqual({
      year: 2027,
      source: { title: 'Test notice for 2027 (not official)', publishedOn: '2026-11-20' },
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-08'],
      workdays: ['2027-02-06'],
    });
  });

  it('P2 makes payout due dates across New Year count its working days', () => {
    const year = parseCalendarFile(calendarFile2027());
    const config = makeRulesConfig({ calendar: { years: [year] } });
    const claim = { planId: 'authenticity' as const, submittedAt: '2026-12-29T09:00:00+08:00' };
    // Wednesday 30 December + 3 working days: Thu 31 Dec, (Fri 1 Jan off, weekend), Mon 4, Tue 5 January.
    const dueBy = payoutDueBy(claim, '2026-12-30T10:00:00+08:00', workingDayCalendar(config.calendar.years), config);
    expect(dueBy.slice(0, 10)).toBe('2027-01-05');
    // Without it, the same payout cannot be counted in working days.
    expect(() => payoutDueBy(claim, '2026-12-30T10:00:00+08:00', workingDayCalendar(), config)).toThrow(CalendarNotCovered);
    // The make-up Saturday counts: Friday 5 February + 1 working day is Saturday 6 February.
    expect(workingDayCalendar([year]).isWorkingDay('2027-02-06')).toBe(true);
  });

  it('is refused with every problem listed in one error', () => {
    const malformed = {
      year: 2027,
      source: { title: '', publishedOn: '2026-13-01' },
      holidays: [
        { date: '2027-02-30', name: '春节' }, // no such date
        { date: '2028-01-01', name: '元旦' }, // another year
        { date: '2027-10-01', name: '国庆节' },
        { date: '2027-10-01', name: '国庆节' }, // twice
        { date: '2027-02-06', name: '' }, // also a working day, and unnamed
        'not an entry',
      ],
      workdays: [
        { date: '2027-02-06', name: '调休' },
        { date: '2027-01-04', name: '调休' }, // a Monday
      ],
      extra: true,
    };
    let error: unknown;
    try {
      parseCalendarFile(malformed, 'bad.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CalendarFileInvalid);
    const { problems, message } = error as CalendarFileInvalid;
    expect(problems).toEqual([
      'unknown field "extra"',
      'source.title must name the official notice',
      'source.publishedOn must be a date YYYY-MM-DD, got "2026-13-01"',
      'holidays[0].date "2027-02-30" is not a date YYYY-MM-DD',
      'holidays[1].date 2028-01-01 is not in 2027',
      'holidays[3].date 2027-10-01 is listed twice in holidays',
      'holidays[4].name must be a non-empty text',
      'holidays[5] must be {date, name}',
      'workdays[1].date 2027-01-04 is a weekday: a make-up working day must be a Saturday or Sunday',
      '2027-02-06 is listed both as a holiday and as a working day',
    ]);
    expect(message).toMatch(/^bad\.json is not a valid working-day calendar:\n {2}- unknown field "extra"\n/);
  });

  it.each([
    ['not an object', [], ['must be a JSON object {year, source, holidays, workdays}']],
    [
      'no source, no lists, no year',
      {},
      [
        'year must be a whole year such as 2027, got undefined',
        'source must be {title, publishedOn}: the official notice the dates come from',
        'holidays must be a list of {date, name} (it may be empty)',
        'workdays must be a list of {date, name} (it may be empty)',
      ],
    ],
    ['a year out of range, its dates not checked against it', calendarFile2027({ year: 1999 }), ['year must be a whole year such as 2027, got 1999']],
  ])('refuses %s', (_name, value, problems) => {
    expect(() => parseCalendarFile(value)).toThrow(expect.objectContaining({ problems }));
  });

  it('knows real dates', () => {
    expect(isValidDate('2027-02-28')).toBe(true);
    expect(isValidDate('2027-02-29')).toBe(false);
    expect(isValidDate(20270101)).toBe(false);
  });

  it('tells what a year changes against plain Monday–Friday: weekdays off, weekends worked', () => {
    expect(calendarChanges(parseCalendarFile(calendarFile2027()))).toEqual({
      weekdaysOff: ['2027-01-01', '2027-02-08'],
      weekendsWorked: ['2027-02-06'],
    });
  });
});

describe('P2 days of calendar left (CalendarDaysLeft)', () => {
  const library = workingDayCalendar();
  const extended = workingDayCalendar([parseCalendarFile(calendarFile2027())]);

  it.each([
    ['2026-12-05', library, 26],
    ['2026-12-31', library, 0],
    ['2027-01-04', library, 0],
    ['2026-11-01', library, 60],
    ['2026-12-05', extended, 391],
    ['2003-06-01', library, 0],
  ] as const)('on %s', (today, calendar, days) => {
    expect(calendarDaysLeft(calendar, today)).toBe(days);
  });

  it('warns below 60 days', () => {
    expect(CALENDAR_WARNING_DAYS).toBe(60);
  });
});
