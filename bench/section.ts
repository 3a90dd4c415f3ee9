/**
 * How one benchmark section runs: in its own Node process (`node --import tsx bench/<section>.ts`)
 * with its own table, so module-scope configuration (TABLE_NAME) and data never leak between
 * sections. `npm run bench` (bench/run.ts) starts one DynamoDB Local and passes its endpoint in
 * DYNAMODB_ENDPOINT; run alone, a section starts its own. The section's result (JSON) goes to
 * BENCH_OUT, or to stdout when that is unset.
 */
import '../scripts/local-env.ts';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '#shared/local/dynamodb-local.ts';

export interface SectionContext {
  endpoint: string;
  tableName: string;
  /** BENCH_QUICK=1: fewer samples and items, for a smoke run (figures not for the report). */
  quick: boolean;
}

/** A fresh table on the same DynamoDB Local (for a section that needs a second, clean one). */
export async function freshTable(endpoint: string, prefix = 'bench'): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, name);
  return name;
}

export interface SectionOptions {
  /**
   * false: the section touches no table (e.g. in-process handler overhead), so no DynamoDB Local
   * is started and no table created; TABLE_NAME is set to a placeholder (modules that read it at
   * import time still load) and `endpoint` is DYNAMODB_ENDPOINT or ''. Default true.
   */
  database?: boolean;
}

/**
 * Sets the environment the handlers and stores read at import time, then runs `body`. Import the
 * service's modules inside `body` (dynamic import), never at the top of a section file.
 */
export async function runSection(name: string, body: (context: SectionContext) => Promise<unknown>, options: SectionOptions = {}): Promise<void> {
  const database = options.database ?? true;
  let db: DynamoDbLocal | undefined;
  let endpoint = process.env['DYNAMODB_ENDPOINT'];
  if (!endpoint && database) {
    db = await startDynamoDbLocal({ profile: 'throughput' });
    endpoint = db.endpoint;
  }
  try {
    const tableName = database && endpoint ? await freshTable(endpoint, `bench-${name}`) : `bench-${name}-no-table`;
    endpoint ??= '';
    if (endpoint) process.env['DYNAMODB_ENDPOINT'] = endpoint;
    process.env['TABLE_NAME'] = tableName;
    process.env['AWS_REGION'] ??= 'local';
    process.env['LOG_LEVEL'] ??= 'SILENT';
    process.env['POWERTOOLS_SERVICE_NAME'] ??= 'baozhang';
    process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
    const started = Date.now();
    const result = await body({ endpoint, tableName, quick: process.env['BENCH_QUICK'] === '1' });
    const out = { section: name, seconds: (Date.now() - started) / 1000, result };
    const json = JSON.stringify(out, null, 2);
    if (process.env['BENCH_OUT']) writeFileSync(process.env['BENCH_OUT'], json);
    else console.log(json);
  } finally {
    await db?.stop();
  }
}

/** Percentile (nearest rank) of a sample, in the sample's unit. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (sample: readonly number[]) => percentile(sample, 50);

/** The machine the figures come from (for the report). */
export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}
