/**
 * Cold start (issue 8): every handler bundle built exactly as CDK builds it (bench/bundles.ts),
 * its size and gzipped size, and its module load time — the median of 25 fresh Node processes,
 * each timing `await import(bundle)` — next to the baseline bundle (a document client and one
 * GetItem, bundled the same way). Processes run round-robin over the bundles, so a busy moment of
 * the machine falls on all of them rather than on one; "× baseline" is the median of each round's
 * load over the baseline's load in the same round.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE, budgetOf, bundleAll, type BundleReport } from './bundles.ts';
import { median, percentile, runSection } from './section.ts';

/** The load-time goal: at most 1.3 × the baseline's. */
export const LOAD_RATIO_BUDGET = 1.3;

const PROBE = `const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));`;

// What Lambda's environment gives a function at start-up (values are placeholders: nothing is called).
const LAMBDA_ENV = {
  PATH: process.env['PATH'] ?? '',
  AWS_REGION: 'cn-north-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
  AWS_SESSION_TOKEN: 'example',
  AWS_LAMBDA_FUNCTION_NAME: 'baozhang-bench',
  TABLE_NAME: 'baozhang-bench',
  EVENT_BUS_NAME: 'baozhang-bench',
  PAYMENT_PROVIDER: 'local',
  POWERTOOLS_SERVICE_NAME: 'baozhang',
  POWERTOOLS_METRICS_NAMESPACE: 'Baozhang',
  LOG_LEVEL: 'INFO',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function loadOnce(file: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, file], { env: LAMBDA_ENV, encoding: 'utf8' });
  return Number(out);
}

export interface ColdStartRow {
  name: string;
  bytes: number;
  gzipBytes: number;
  loadMsMedian: number;
  loadMsP90: number;
  loadRatio: number;
  withinSizeBudget: boolean;
  withinLoadBudget: boolean;
  biggest: Record<string, number>;
}

export async function coldStart(samples: number): Promise<{ samples: number; baseline: ColdStartRow; bundles: ColdStartRow[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'baozhang-bundles-'));
  const reports: BundleReport[] = await bundleAll(dir);
  const times = new Map<string, number[]>(reports.map((r) => [r.name, []]));
  for (const r of reports) loadOnce(r.file); // warm the file system cache once
  for (let i = 0; i < samples; i++) for (const r of reports) times.get(r.name)!.push(loadOnce(r.file));
  const baselineSample = times.get(BASELINE)!;
  const rows = reports.map((r): ColdStartRow => {
    const sample = times.get(r.name)!;
    const loadMsMedian = median(sample);
    // Each round's load next to the baseline's in the same round: what the machine's load does to
    // both (it drifts over a run) cancels out, so the ratio is steadier than a ratio of medians.
    const ratio = median(sample.map((ms, i) => ms / baselineSample[i]!));
    return {
      name: r.name,
      bytes: r.bytes,
      gzipBytes: r.gzipBytes,
      loadMsMedian: Math.round(loadMsMedian * 100) / 100,
      loadMsP90: Math.round(percentile(sample, 90) * 100) / 100,
      loadRatio: Math.round(ratio * 100) / 100,
      withinSizeBudget: r.bytes <= budgetOf(r.name),
      withinLoadBudget: ratio <= LOAD_RATIO_BUDGET,
      biggest: Object.fromEntries(Object.entries(r.composition).slice(0, 5)),
    };
  });
  return { samples, baseline: rows.find((r) => r.name === BASELINE)!, bundles: rows.filter((r) => r.name !== BASELINE) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSection('coldstart', async ({ quick }) => coldStart(quick ? 5 : 25), { database: false });
}
