/**
 * `npm start`: DynamoDB Local (data kept under .data/) + the local API runtime + job timers.
 * Ctrl-C stops everything, DynamoDB Local's java process included.
 */
import './local-env.ts';
import { assertJava, ensureTable, JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import type { LocalRuntime } from '#shared/local/runtime.ts';
import { DEFAULT_JWT_SECRET, DEMO_PARTIES, signToken } from '#shared/local/tokens.ts';

const port = Number(process.env['PORT'] ?? 3000);
const tableName = process.env['TABLE_NAME'] ?? 'baozhang';
const jwtSecret = process.env['JWT_SECRET'] ?? DEFAULT_JWT_SECRET;
const dataDir = process.env['DATA_DIR'] ?? '.data/dynamodb';

try {
  assertJava();
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

let db: DynamoDbLocal | undefined;
let runtime: LocalRuntime | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await runtime?.close().catch(() => undefined);
    await db?.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

db = await startDynamoDbLocal({ dbPath: dataDir });
process.env['DYNAMODB_ENDPOINT'] = db.endpoint;
process.env['TABLE_NAME'] = tableName;
process.env['AWS_REGION'] ??= 'local';
process.env['POWERTOOLS_SERVICE_NAME'] ??= 'baozhang';
process.env['LOG_LEVEL'] ??= 'WARN';
process.env['LOCAL_PAY_BASE_URL'] ??= `http://127.0.0.1:${port}`;
await ensureTable(db.endpoint, tableName);

// Handler modules read their configuration at load time, so they are imported only now.
const { createLocalRuntime, parseDuration } = await import('#shared/local/runtime.ts');
const { routes } = await import('#functions/routes.ts');
const { jobs } = await import('#functions/jobs.ts');
const { localPayPage } = await import('#shared/local/pay-page.ts');

const jobIntervals = Object.fromEntries(jobs.map((job) => [job.job, parseDuration(process.env[job.everyEnv] ?? job.every)]));
runtime = createLocalRuntime({
  routes,
  jwtSecret,
  jobs,
  jobIntervals,
  // D4: the local payment provider's page, where a top-up's payUrl leads.
  pages: localPayPage,
  onJobResult: (job, { result, error }) =>
    error ? console.error(`[job ${job}] failed:`, error) : console.log(`[job ${job}]`, JSON.stringify(result)),
});

runtime.server.on('error', (error) => {
  console.error(`Cannot listen on port ${port}: ${(error as Error).message}`);
  void shutdown(1);
});
runtime.server.listen(port, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${port}`;
  const lines = [
    `Baozhang is running at ${url}  (DynamoDB Local ${db!.endpoint}, table '${tableName}', data in ${dataDir})`,
    `Jobs: ${jobs.map((j) => `${j.job} every ${process.env[j.everyEnv] ?? j.every}`).join(', ') || 'none yet'}`,
    '',
    'Tokens for the demo parties (valid 12 h):',
  ];
  for (const party of DEMO_PARTIES) {
    lines.push(`  ${party.label.padEnd(9)} ${party.sub.padEnd(13)} ${await signToken(jwtSecret, party)}`);
  }
  lines.push('', `Try: curl ${url}/v1/health`, 'Ctrl-C stops the service and DynamoDB Local.');
  console.log(lines.join('\n'));
});
