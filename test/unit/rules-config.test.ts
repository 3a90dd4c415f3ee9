import { describe, expect, it, vi } from 'vitest';
import { calendarFile2027 } from '#test/fixtures/calendar-2027.ts';

// calendars/index.ts as `npm run ops -- calendar add 2027 …` writes it, with the test's 2027 file.
vi.mock('../../calendars/index.ts', async () => {
  const { calendarFile2027: file } = await import('#test/fixtures/calendar-2027.ts');
  return { CALENDAR_FILES: [{ file: 'calendars/2027.json', data: file() }] };
});

const { calendar, calendarDaysLeftAt, calendarFileYears, calendarWarning, rulesConfig, withCalendarFiles } = await import('#shared/rules-config.ts');
const { parseCalendarFile, workingDayCalendar } = await import('#shared/rules/index.ts');

describe('P2 the rules configuration loads calendars/YYYY.json', () => {
  it('adds each checked year file to the working-day calendar', () => {
    expect(calendarFileYears.map((y) => y.year)).toEqual([2027]);
    expect(rulesConfig.calendar.years.map((y) => y.year)).toEqual([2027]);
    expect(calendar().coveredYears.at(-1)).toBe(2027);
    expect(calendar().isWorkingDay('2027-01-01')).toBe(false);
    expect(calendar().isWorkingDay('2027-02-06')).toBe(true);
  });

  it('lets a RULES_CONFIG year replace the file of the same year', () => {
    const fromFile = parseCalendarFile(calendarFile2027());
    const override = { year: 2027, holidays: [], workdays: [] };
    expect(withCalendarFiles({ calendar: { years: [override] } }, [fromFile])).toEqual({ calendar: { years: [override] } });
    expect(withCalendarFiles({ claims: { needsInfoLapseDays: 9 } }, [fromFile])).toEqual({
      claims: { needsInfoLapseDays: 9 },
      calendar: { years: [fromFile] },
    });
    expect(withCalendarFiles({}, [])).toEqual({});
  });
});

describe('P2 the calendar warning (npm start) and days left (CalendarDaysLeft), on an injected clock', () => {
  const library = workingDayCalendar();

  it('warns in one line when the calendar ends within 60 days', () => {
    const now = new Date('2026-12-05T02:00:00Z'); // 10:00 in Shanghai
    expect(calendarDaysLeftAt(now, library)).toBe(26);
    expect(calendarWarning(now, library)).toBe(
      'WARNING: the working-day calendar ends in 26 days (last year covered: 2026). Add 2027: npm run ops -- calendar add 2027 FILE (docs/operations.md)',
    );
  });

  it('says due dates are approximated once the calendar has run out', () => {
    expect(calendarWarning(new Date('2027-01-04T02:00:00Z'), library)).toBe(
      'WARNING: the working-day calendar does not cover the days after 2027-01-04: payout due dates are approximated in calendar days. Add 2027: npm run ops -- calendar add 2027 FILE (docs/operations.md)',
    );
    expect(calendarWarning(new Date('2026-12-31T02:00:00Z'), library)).toMatch(/after 2026-12-31: .* Add 2027:/);
  });

  it('is silent with 60 days or more left, and counts in Shanghai dates', () => {
    expect(calendarWarning(new Date('2026-10-31T16:00:00Z'), library)).toBeUndefined(); // 1 November in Shanghai: 60 days
    expect(calendarDaysLeftAt(new Date('2026-12-05T02:00:00Z'))).toBe(391); // with the 2027 file
    expect(calendarWarning(new Date('2026-12-05T02:00:00Z'))).toBeUndefined();
  });
});
