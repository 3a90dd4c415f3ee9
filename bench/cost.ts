/**
 * Cost per action (issue 8): runs the round-trip guard (test/integration/round-trips.test.ts),
 * which drives every API action once through the local runtime with the meter on, and reports
 * for each: sequential round trips next to the budget (2, or the listed exception and its
 * reason), the calls, and the capacity consumed — read and write units on the table and on each
 * index (ReturnConsumedCapacity INDEXES). The minimum an action needs is the items it must read
 * and write at their sizes; what it consumes beyond that is measured as reads of an item (or
 * key range) it had already read in the same action (`repeatedReadUnits`, 0 when minimal).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '#infra/bundling.ts';
import { ROUND_TRIP_BUDGET, ROUND_TRIP_EXCEPTIONS, roundTripBudget } from './budgets.ts';
import type { Measurement } from './meter.ts';
import { runSection } from './section.ts';

interface Row {
  action: string;
  status: number;
  measurement: Measurement;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function costRows(rows: Row[]) {
  return rows.map(({ action, measurement }) => {
    const seen = new Set<string>();
    let repeatedReadUnits = 0;
    const byResource: Record<string, { read: number; write: number }> = {};
    for (const call of measurement.calls) {
      if (call.target) {
        if (seen.has(call.target)) repeatedReadUnits += call.readUnits;
        seen.add(call.target);
      }
      // DynamoDB Local reports a table's or index's units as `CapacityUnits` alone: a read's or a
      // write's, as the command is.
      const writes = /Put|Update|Delete|Write/.test(call.command);
      for (const c of call.capacity) {
        const add = (resource: string, units: { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number } | undefined) => {
          if (!units) return;
          const entry = (byResource[resource] ??= { read: 0, write: 0 });
          const unsplit = units.ReadCapacityUnits === undefined && units.WriteCapacityUnits === undefined ? (units.CapacityUnits ?? 0) : 0;
          entry.read = round(entry.read + (units.ReadCapacityUnits ?? (writes ? 0 : unsplit)));
          entry.write = round(entry.write + (units.WriteCapacityUnits ?? (writes ? unsplit : 0)));
        };
        add('table', c.Table);
        for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {})) add(index, units);
      }
    }
    const budget = roundTripBudget(action);
    return {
      action,
      roundTrips: measurement.roundTrips,
      budget,
      withinBudget: measurement.roundTrips <= budget,
      exception: ROUND_TRIP_EXCEPTIONS[action]?.reason,
      calls: measurement.calls.map((c) => `${c.roundTrip}:${c.command}${c.consistent ? '(consistent)' : ''}`),
      readUnits: measurement.readUnits,
      writeUnits: measurement.writeUnits,
      byResource,
      repeatedReadUnits: round(repeatedReadUnits),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSection(
    'cost',
    async () => {
      const report = join(mkdtempSync(join(tmpdir(), 'baozhang-cost-')), 'cost.json');
      const vitest = spawnSync(
        process.execPath,
        [join(projectRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'integration', 'test/integration/round-trips.test.ts'],
        {
          cwd: projectRoot,
          env: { ...process.env, COST_REPORT: report, DYNAMODB_ENDPOINT: '', TABLE_NAME: '' },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      if (vitest.status !== 0) throw new Error('the round-trip guard failed; run npx vitest run test/integration/round-trips.test.ts');
      const rows = costRows(JSON.parse(readFileSync(report, 'utf8')) as Row[]);
      return { budget: ROUND_TRIP_BUDGET, actions: rows };
    },
    { database: false },
  );
}
