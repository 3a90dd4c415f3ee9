import { describe, expect, it } from 'vitest';
import { CalendarNotCovered, ConfigError, IllegalTransition, NotFound, RuleViolation, toReason, violation } from '#shared/rules/index.ts';

describe('typed errors', () => {
  it('a RuleViolation defaults to 422 and carries title, detail and basis', () => {
    const v = new RuleViolation({ code: 'X', title: 'T', detail: 'D.' });
    expect(v).toBeInstanceOf(Error);
    expect([v.status, v.code, v.title, v.detail, v.message, v.basis]).toEqual([422, 'X', 'T', 'D.', 'D.', undefined]);
  });

  it('NotFound is the one 404: a default sentence, or the given detail with its basis', () => {
    expect(new NotFound('Claim clm_1')).toMatchObject({ status: 404, code: 'NOT_FOUND', detail: 'Claim clm_1 was not found.', basis: undefined });
    expect(new NotFound('Policy p', 'No policy p is visible to you.', { rule: 'C9' })).toMatchObject({
      status: 404,
      detail: 'No policy p is visible to you.',
      basis: { rule: 'C9' },
    });
  });

  it('violation() gives the standard title and status of a code', () => {
    expect(violation('ALREADY_ENROLLED', 'd').status).toBe(409);
    expect(violation('CLAIM_EXISTS', 'd').status).toBe(409);
    expect(violation('NOT_FOUND', 'd').status).toBe(404);
    const outside = violation('OUTSIDE_WINDOW', 'late', { rule: 'C2' });
    expect(outside).toMatchObject({ status: 422, title: 'Outside the claim window', basis: { rule: 'C2' } });
  });

  it('toReason turns a violation into a plain value', () => {
    expect(toReason(violation('NO_PRICE_DROP', 'd', { rule: 'C4' }))).toEqual({
      code: 'NO_PRICE_DROP',
      title: 'No price drop',
      detail: 'd',
      basis: { rule: 'C4' },
    });
    expect(toReason(violation('NO_PRICE_DROP', 'd'))).toEqual({ code: 'NO_PRICE_DROP', title: 'No price drop', detail: 'd' });
  });

  it('IllegalTransition is a 409 RuleViolation naming from, action and actor', () => {
    const e = new IllegalTransition('claim', 'PAID', 'approve', { role: 'adjuster', id: 'adj-1' });
    expect(e).toBeInstanceOf(RuleViolation);
    expect(e).toMatchObject({ code: 'ILLEGAL_TRANSITION', status: 409, basis: { machine: 'claim', from: 'PAID', action: 'approve' } });
  });

  it.each([
    [[2004, 2005, 2006, 2026], '2004–2006, 2026'],
    [[2026], '2026'],
    [[], 'none'],
  ])('CalendarNotCovered names the date and covered years %j', (years, text) => {
    const e = new CalendarNotCovered('2027-01-04', years);
    expect(e).not.toBeInstanceOf(RuleViolation);
    expect(e).toMatchObject({ code: 'CALENDAR_NOT_COVERED', status: 503, basis: { date: '2027-01-04', coveredYears: years } });
    expect(e.detail).toContain(`covered years: ${text}.`);
  });

  it('ConfigError names the setting', () => {
    expect(new ConfigError('plans.live-price', 'bad')).toMatchObject({
      path: 'plans.live-price',
      message: 'Invalid rules configuration at plans.live-price: bad',
    });
  });
});
