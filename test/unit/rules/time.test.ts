import { describe, expect, it } from 'vitest';
import { addDays, DAY_MS, elapsedDays, isInside, later, normalizeInstant, toIso, toMs } from '#shared/rules/index.ts';

describe('time (ISO-8601 with offset; output in +08:00)', () => {
  it.each([
    ['2026-11-22T09:00+08:00', Date.UTC(2026, 10, 22, 1, 0)],
    ['2026-11-22T01:00:00Z', Date.UTC(2026, 10, 22, 1, 0)],
    ['2026-11-21T20:00:00-05:00', Date.UTC(2026, 10, 22, 1, 0)],
    ['2026-11-22T09:00:00.5+08:00', Date.UTC(2026, 10, 22, 1, 0, 0, 500)],
    ['2026-11-22T09:00:00.123+08:00', Date.UTC(2026, 10, 22, 1, 0, 0, 123)],
  ])('parses %s', (iso, ms) => {
    expect(toMs(iso)).toBe(ms);
  });

  it.each(['2026-11-22T09:00:00', '2026-11-22', 'yesterday', '2026-02-30T00:00:00+08:00', '2026-11-22T24:00:00+08:00'])(
    'refuses %s (no offset, or not a real instant)',
    (iso) => {
      expect(() => toMs(iso)).toThrow(RangeError);
    },
  );

  it('formats in Asia/Shanghai with milliseconds only when non-zero', () => {
    expect(toIso(Date.UTC(2026, 10, 25, 1))).toBe('2026-11-25T09:00:00+08:00');
    expect(toIso(Date.UTC(2026, 10, 25, 1, 0, 0, 7))).toBe('2026-11-25T09:00:00.007+08:00');
    expect(normalizeInstant('2026-11-25T01:00:00Z')).toBe('2026-11-25T09:00:00+08:00');
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
  });

  it('counts days as 24-hour periods', () => {
    expect(addDays('2026-10-01T10:00:00+08:00', 30)).toBe('2026-10-31T10:00:00+08:00');
    expect(elapsedDays('2026-10-01T10:00:00+08:00', '2026-11-01T12:00:00+08:00')).toBe(31);
    expect(elapsedDays('2026-10-01T10:00:00+08:00', '2026-10-01T09:59:59.999+08:00')).toBe(-1);
    expect(DAY_MS).toBe(86_400_000);
  });

  it('windows are inclusive: the last instant is inside, one millisecond later is not', () => {
    const window = { start: '2026-10-01T10:00:00+08:00', end: '2026-10-31T10:00:00+08:00' };
    expect(isInside('2026-10-01T10:00:00+08:00', window)).toBe(true);
    expect(isInside('2026-10-01T09:59:59.999+08:00', window)).toBe(false);
    expect(isInside('2026-10-31T10:00:00+08:00', window)).toBe(true);
    expect(isInside('2026-10-31T10:00:00.001+08:00', window)).toBe(false);
    expect(isInside('2030-01-01T00:00:00+08:00', { start: window.start })).toBe(true);
  });

  it('picks the later instant', () => {
    expect(later('2026-10-01T10:00:00+08:00', '2026-10-01T02:00:01Z')).toBe('2026-10-01T02:00:01Z');
    expect(later('2026-10-01T10:00:01+08:00', '2026-10-01T02:00:00Z')).toBe('2026-10-01T10:00:01+08:00');
  });
});
