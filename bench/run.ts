/**
 * `npm run bench`: every figure of issue 8, each next to its baseline or minimum, from a fresh
 * clone. One DynamoDB Local (in memory) serves every section that needs a database; each section
 * runs in its own Node process with its own table (bench/section.ts). Writes bench/results.json and
 * docs/performance.md, and prints the summary table.
 *
 *   npm run bench                 all sections, full size
 *   BENCH_QUICK=1 npm run bench   a smoke run (fewer samples and items; figures not for the report)
 *   npm run bench -- coldstart    only the named sections (results.json keeps the others' last figures)
 */
import '../scripts/local-env.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { projectRoot } from '#infra/bundling.ts';
import { machine } from './section.ts';
import { renderReport, summaryTable } from './report.ts';

export const SECTIONS = ['coldstart', 'overhead', 'cost', 'latency', 'jobs', 'capacity'] as const;
export type SectionName = (typeof SECTIONS)[number];

const RESULTS = join(projectRoot, 'bench/results.json');
const REPORT = join(projectRoot, 'docs/performance.md');

const wanted = process.argv.slice(2).filter((a): a is SectionName => (SECTIONS as readonly string[]).includes(a));
const sections = wanted.length > 0 ? wanted : [...SECTIONS];
const quick = process.env['BENCH_QUICK'] === '1';

const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { sections?: Record<string, unknown> }) : {};
const results: Record<string, unknown> = { ...(previous.sections ?? {}) };
const outDir = mkdtempSync(join(tmpdir(), 'baozhang-bench-'));

const db = await startDynamoDbLocal({ profile: 'throughput' });
try {
  for (const name of sections) {
    const out = join(outDir, `${name}.json`);
    const started = Date.now();
    process.stdout.write(`bench: ${name} … `);
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, `bench/${name}.ts`)], {
      cwd: projectRoot,
      env: { ...process.env, DYNAMODB_ENDPOINT: db.endpoint, BENCH_OUT: out },
      stdio: ['ignore', 'inherit', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0 || !existsSync(out)) throw new Error(`bench section ${name} failed (exit ${child.status})`);
    results[name] = JSON.parse(readFileSync(out, 'utf8'));
    console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
} finally {
  await db.stop();
}

const document = { generatedAt: new Date().toISOString(), quick, machine: machine(), sections: results };
if (quick) {
  console.log('BENCH_QUICK=1: figures printed only; bench/results.json and docs/performance.md are left as they are.');
} else {
  writeFileSync(RESULTS, `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(REPORT, renderReport(document));
  console.log('wrote bench/results.json and docs/performance.md');
}
console.log(summaryTable(document));
