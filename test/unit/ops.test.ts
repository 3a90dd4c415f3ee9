import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarFileNames, renderCalendarIndex } from '../../scripts/calendar-index.ts';
import { runOps } from '../../scripts/ops.ts';
import { calendarFile2027 } from '#test/fixtures/calendar-2027.ts';

/** A scratch repository root with an empty calendars/ folder, and the command's output. */
function scratch() {
  const root = mkdtempSync(join(tmpdir(), 'ops-'));
  mkdirSync(join(root, 'calendars'));
  const out: string[] = [];
  const err: string[] = [];
  const io = { root, out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), now: () => new Date('2026-12-05T02:00:00Z') };
  const file = (name: string, value: unknown) => {
    const path = join(root, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return path;
  };
  return { root, out, err, io, file };
}

describe('npm run ops -- calendar add YEAR FILE', () => {
  it('checks the file, copies it to calendars/YEAR.json, lists it in calendars/index.ts and prints what it changes', async () => {
    const { root, out, err, io, file } = scratch();
    const source = file('notice-2027.json', calendarFile2027());
    expect(await runOps(['calendar', 'add', '2027', source], io)).toBe(0);
    expect(err).toEqual([]);
    expect(JSON.parse(readFileSync(join(root, 'calendars/2027.json'), 'utf8'))).toEqual(calendarFile2027());
    expect(readFileSync(join(root, 'calendars/index.ts'), 'utf8')).toBe(renderCalendarIndex(['2027.json']));
    expect(out).toEqual([
      'calendars/2027.json added from "Test notice for 2027 (not official)" (published 2026-11-20).',
      'Against plain Monday–Friday, 2027 has 2 weekday(s) off and 1 weekend day(s) worked:',
      '  days off:     2027-01-01 Fri, 2027-02-08 Mon',
      '  days worked:  2027-02-06 Sat',
      'Commit calendars/ and deploy: the functions carry the calendar from their next bundle.',
    ]);
    out.length = 0;
    expect(await runOps(['calendar', 'add', '2027', source], io)).toBe(0);
    expect(out[0]).toMatch(/^calendars\/2027\.json replaced from/);
  });

  it('refuses a malformed file with every problem listed, and writes nothing', async () => {
    const { root, err, io, file } = scratch();
    const bad = file('bad.json', calendarFile2027({ workdays: [{ date: '2027-01-04', name: '' }], holidays: [{ date: '2027-13-01', name: 'x' }] }));
    expect(await runOps(['calendar', 'add', '2027', bad], io)).toBe(1);
    expect(err.join('\n').split('\n')).toEqual([
      `${bad} is not a valid working-day calendar:`,
      '  - holidays[0].date "2027-13-01" is not a date YYYY-MM-DD',
      '  - workdays[0].name must be a non-empty text',
      '  - workdays[0].date 2027-01-04 is a weekday: a make-up working day must be a Saturday or Sunday',
    ]);
    expect(calendarFileNames(join(root, 'calendars'))).toEqual([]);
  });

  it('refuses a file of another year, one that is not JSON, and unknown commands', async () => {
    const { err, io, file } = scratch();
    expect(await runOps(['calendar', 'add', '2028', file('a.json', calendarFile2027())], io)).toBe(1);
    expect(err.pop()).toMatch(/is the calendar of 2027, not 2028$/);
    expect(await runOps(['calendar', 'add', '2027', file('b.json', '{ nope')], io)).toBe(1);
    expect(err.pop()).toMatch(/b\.json cannot be read as JSON/);
    expect(await runOps(['calendar', 'remove'], io)).toBe(2);
    expect(err[0]).toMatch(/^usage: npm run ops/);
  });

  it('calendar status prints the years covered, the days left and the warning', async () => {
    const { out, io } = scratch();
    expect(await runOps(['calendar', 'status'], io)).toBe(0);
    expect(out[0]).toBe('Working-day calendar covers 2004–2026; 26 days left.');
    expect(out[1]).toMatch(/^WARNING: the working-day calendar ends in 26 days/);
  });
});

describe('calendars/index.ts', () => {
  it('lists exactly the calendars/YYYY.json files (run npm run ops -- calendar add to regenerate)', () => {
    const dir = new URL('../../calendars/', import.meta.url).pathname;
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toBe(renderCalendarIndex(calendarFileNames(dir)));
  });
});
