import libraryData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { render } from '../../../scripts/calendar-data.ts';
import { readFileSync } from 'node:fs';
import { workingDayCalendar } from '#shared/rules/calendar.ts';

describe('P2 calendar data (generated from chinese-days)', () => {
  it('is what `npm run calendar-data` writes from the installed library', () => {
    const committed = readFileSync(new URL('../../../shared/rules/calendar-data.ts', import.meta.url), 'utf8');
    expect(committed, 'shared/rules/calendar-data.ts is stale: run npm run calendar-data').toBe(render());
  });

  it('answers every library holiday as a day off and every make-up day as a working day', () => {
    const calendar = workingDayCalendar();
    for (const date of Object.keys(libraryData.holidays)) expect(calendar.isWorkingDay(date), date).toBe(false);
    for (const date of Object.keys(libraryData.workdays)) expect(calendar.isWorkingDay(date), date).toBe(true);
  });
});
