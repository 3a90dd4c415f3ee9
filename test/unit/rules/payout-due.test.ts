import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  CalendarNotCovered,
  dueAfter,
  isOverdue,
  isWeekend,
  libraryCoveredYears,
  makeRulesConfig,
  nextDate,
  payoutDueBy,
  withdrawalPayoutDueBy,
  workingDayCalendar,
} from '#shared/rules/index.ts';
import { config } from './fixtures.ts';

const calendar = workingDayCalendar(config.calendar.years);
/** The `elapsed` day boundary: 24-hour periods, the time of day kept (Units). */
const elapsed = makeRulesConfig({ dayBoundary: 'elapsed' });
const YEAR_2027 = { year: 2027, holidays: ['2027-01-01'], workdays: [] };

describe('PRC working-day calendar', () => {
  it("P2 states which years it covers: the library's 2004–2026", () => {
    const years = Array.from({ length: 23 }, (_, i) => 2004 + i);
    expect(libraryCoveredYears()).toEqual(years);
    expect(calendar.coveredYears).toEqual(years);
  });

  it('P2 National Day week 2026 (1–7 October) is off; the make-up Saturday 10 October and Sunday 20 September are working days', () => {
    for (let day = 1; day <= 7; day += 1) expect(calendar.isWorkingDay(`2026-10-0${day}`)).toBe(false);
    expect(calendar.isWorkingDay('2026-10-08')).toBe(true);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday, 调休上班
    expect(calendar.isWorkingDay('2026-09-20')).toBe(true); // Sunday, 调休上班
    expect(calendar.isWorkingDay('2026-10-11')).toBe(false); // an ordinary Sunday
    expect(calendar.isWorkingDay('2026-11-23')).toBe(true); // an ordinary Monday
  });

  it('P2 a date outside every calendar is reported, not guessed', () => {
    expect(() => calendar.isWorkingDay('2027-01-04')).toThrow(CalendarNotCovered);
    expect(() => calendar.isWorkingDay('2003-12-31')).toThrow(expect.objectContaining({ code: 'CALENDAR_NOT_COVERED', status: 503 }));
  });

  it('P2 accepts an operator-supplied calendar for 2027, and operator corrections for a covered year', () => {
    const extended = workingDayCalendar([YEAR_2027, { year: 2026, holidays: ['2026-11-23'], workdays: [] }]);
    expect(extended.coveredYears.at(-1)).toBe(2027);
    expect(extended.isWorkingDay('2027-01-01')).toBe(false);
    expect(extended.isWorkingDay('2027-01-04')).toBe(true);
    expect(extended.isWorkingDay('2026-11-23')).toBe(false);
    expect(workingDayCalendar().coveredYears).toEqual(libraryCoveredYears());
  });

  it('steps dates across months and years, and knows weekends', () => {
    expect(nextDate('2026-12-31')).toBe('2027-01-01');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(isWeekend('2026-11-22')).toBe(true);
    expect(isWeekend('2026-11-21')).toBe(true);
    expect(isWeekend('2026-11-23')).toBe(false);
  });
});

describe('payout due dates (P2)', () => {
  it('P2 Units by default a payout is due at the end of its last (working) day', () => {
    const claim = { planId: 'live-price' as const, submittedAt: '2026-11-22T09:00:00+08:00' };
    expect(payoutDueBy(claim, '2026-11-22T09:00:00+08:00', calendar, config)).toBe('2026-11-25T23:59:59.999+08:00');
    const returnShipping = { planId: 'return-shipping' as const, submittedAt: '2026-09-30T15:00:00+08:00' };
    expect(payoutDueBy(returnShipping, '2026-09-30T23:59:59.999+08:00', calendar, config)).toBe('2026-10-03T23:59:59.999+08:00');
    expect(payoutDueBy(returnShipping, '2026-10-01T00:00:00+08:00', calendar, config)).toBe('2026-10-04T23:59:59.999+08:00');
    expect(withdrawalPayoutDueBy('2026-11-22T09:00:00+08:00', calendar, config)).toBe('2026-11-25T23:59:59.999+08:00');
    expect(dueAfter({ from: 'approval', days: 2, calendar: 'calendar' }, '2026-11-20T11:00:00+08:00', calendar, 'end-of-day')).toBe(
      '2026-11-22T23:59:59.999+08:00',
    );
  });

  it('P2 the examples.md claim: approved Sunday 2026-11-22 09:00 is due Wednesday 2026-11-25 09:00', () => {
    const claim = { planId: 'live-price' as const, submittedAt: '2026-11-22T09:00:00+08:00' };
    expect(payoutDueBy(claim, '2026-11-22T09:00:00+08:00', calendar, elapsed)).toBe('2026-11-25T09:00:00+08:00');
  });

  it('P2 an approval on the eve of National Day 2026 lands after the holiday, counting the make-up Saturday', () => {
    expect(addWorkingDays('2026-09-30T15:00:00+08:00', 1, calendar)).toBe('2026-10-08T15:00:00+08:00');
    expect(addWorkingDays('2026-09-30T15:00:00+08:00', 3, calendar)).toBe('2026-10-10T15:00:00+08:00');
  });

  it('P2 the make-up Sunday 20 September 2026 counts as a working day', () => {
    expect(addWorkingDays('2026-09-19T10:00:00+08:00', 3, calendar)).toBe('2026-09-22T10:00:00+08:00');
  });

  it('P2 working days are counted in Asia/Shanghai, keeping the time of day', () => {
    expect(addWorkingDays('2026-11-20T17:00:00+08:00', 3, calendar)).toBe('2026-11-25T17:00:00+08:00');
    // Friday 20:00 UTC is already Saturday 04:00 in Shanghai: Monday, Tuesday, Wednesday.
    expect(addWorkingDays('2026-11-20T20:00:00Z', 3, calendar)).toBe('2026-11-25T04:00:00+08:00');
    expect(addWorkingDays('2026-11-23T09:00:00+08:00', 0, calendar)).toBe('2026-11-23T09:00:00+08:00');
  });

  it('P2 a due date in 2027 needs the 2027 calendar: reported without it, computed with it', () => {
    const attempt = () => addWorkingDays('2026-12-30T10:00:00+08:00', 3, calendar);
    expect(attempt).toThrow(CalendarNotCovered);
    expect(attempt).toThrow(expect.objectContaining({ basis: { date: '2027-01-01', coveredYears: calendar.coveredYears } }));
    const withOperator = workingDayCalendar(makeRulesConfig({ calendar: { years: [YEAR_2027] } }).calendar.years);
    // Thu 31 Dec, (Fri 1 Jan holiday, weekend), Mon 4, Tue 5 January.
    expect(addWorkingDays('2026-12-30T10:00:00+08:00', 3, withOperator)).toBe('2027-01-05T10:00:00+08:00');
  });

  it('P2 return-shipping is due 3 calendar days (72 h) after approval, holidays or not', () => {
    const claim = { planId: 'return-shipping' as const, submittedAt: '2026-09-30T15:00:00+08:00' };
    expect(payoutDueBy(claim, '2026-09-30T15:00:00+08:00', calendar, elapsed)).toBe('2026-10-03T15:00:00+08:00');
  });

  it('P2 live-quality is due 3 working days after the claim, whenever it is approved', () => {
    const claim = { planId: 'live-quality' as const, submittedAt: '2026-11-22T09:00:00+08:00' };
    expect(payoutDueBy(claim, '2026-11-24T09:00:00+08:00', calendar, elapsed)).toBe('2026-11-25T09:00:00+08:00');
  });

  it('P2 others are due 3 working days after approval (default, configurable)', () => {
    const claim = { planId: 'authenticity' as const, submittedAt: '2026-11-02T09:00:00+08:00' };
    expect(payoutDueBy(claim, '2026-11-20T11:00:00+08:00', calendar, elapsed)).toBe('2026-11-25T11:00:00+08:00');
    const fiveDays = makeRulesConfig({ dayBoundary: 'elapsed', plans: { authenticity: { payoutDue: { days: 5 } } } });
    expect(payoutDueBy(claim, '2026-11-20T11:00:00+08:00', calendar, fiveDays)).toBe('2026-11-27T11:00:00+08:00');
    expect(dueAfter({ from: 'approval', days: 2, calendar: 'calendar' }, '2026-11-20T11:00:00+08:00', calendar)).toBe('2026-11-22T11:00:00+08:00');
  });

  it('D3 an approved withdrawal is due like a claim: 3 working days', () => {
    expect(withdrawalPayoutDueBy('2026-11-22T09:00:00+08:00', calendar, elapsed)).toBe('2026-11-25T09:00:00+08:00');
  });

  it('P2 a payout unpaid after its due instant is overdue; at the instant it is on time', () => {
    const payout = { status: 'PENDING' as const, dueBy: '2026-11-25T09:00:00+08:00' };
    expect(isOverdue(payout, '2026-11-25T09:00:00+08:00')).toBe(false);
    expect(isOverdue(payout, '2026-11-25T09:00:00.001+08:00')).toBe(true);
    expect(isOverdue({ ...payout, status: 'FAILED' }, '2026-11-26T00:00:00+08:00')).toBe(true);
    expect(isOverdue({ ...payout, status: 'UNKNOWN' }, '2026-11-26T00:00:00+08:00')).toBe(true);
    expect(isOverdue({ ...payout, status: 'SENT' }, '2026-11-26T00:00:00+08:00')).toBe(false);
    expect(isOverdue({ ...payout, status: 'CONFIRMED' }, '2026-11-26T00:00:00+08:00')).toBe(false);
  });
});
