/**
 * `npm start`: DynamoDB Local (data kept under .data/) + the local API runtime + job timers.
 * SIGINT (Ctrl-C) or SIGTERM — to this process or to the npm process that runs it — stops
 * everything, DynamoDB Local's java process included. A taken port or a data folder already in
 * use by another `npm start` is reported before DynamoDB Local starts.
 */
import './local-env.ts';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
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

/** Refuses a taken port now, before DynamoDB Local starts (listening later would fail after it). */
async function assertPortFree(): Promise<void> {
  await new Promise<void>((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      console.error(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is already in use (another npm start?). Stop it, or choose another port: PORT=3001 npm start`
          : `Cannot listen on port ${port}: ${error.message}`,
      );
      process.exit(1);
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => done()));
  });
}

/** One DynamoDB Local per data folder: a second would share its files. The lock names its owner. */
const lockFile = join(resolve(dataDir), 'baozhang-start.pid');
function lockDataDir(): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  if (existsSync(lockFile)) {
    const owner = Number(readFileSync(lockFile, 'utf8'));
    let alive = false;
    try {
      process.kill(owner, 0);
      alive = owner !== process.pid;
    } catch {
      alive = false; // a stale lock of a process that is gone
    }
    if (alive) {
      console.error(`${dataDir} is in use by another npm start (pid ${owner}). Stop it, or use another folder: DATA_DIR=.data/other npm start`);
      process.exit(1);
    }
  }
  writeFileSync(lockFile, String(process.pid));
}

let db: DynamoDbLocal | undefined;
let runtime: LocalRuntime | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await runtime?.close().catch(() => undefined);
    await db?.stop();
    rmSync(lockFile, { force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
// Whatever ran us (npm, a shell) may die without passing a signal on: once this process is
// re-parented, nobody can stop it any more, so it stops itself.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0);
}, 500).unref();

await assertPortFree();
lockDataDir();

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
const { loadFunctionHandler } = await import('#functions/load-handler.ts');
const { parseCorsOrigins } = await import('#shared/http/cors.ts');
const { localPayPage } = await import('#shared/local/pay-page.ts');
const { localEvidencePage } = await import('#shared/evidence/local.ts');
const { chainPages, consolePages } = await import('#shared/local/console.ts');
// Issue 21: the console is built (esbuild, well under a second) when missing or older than web/.
const { buildWeb, defaultOutdir, webIsStale } = await import('./build-web.ts');
if (webIsStale()) await buildWeb();

const jobIntervals = Object.fromEntries(jobs.map((job) => [job.job, parseDuration(process.env[job.everyEnv] ?? job.every)]));
runtime = createLocalRuntime({
  routes,
  loadHandler: loadFunctionHandler,
  jwtSecret,
  corsOrigins: parseCorsOrigins(process.env['CORS_ORIGINS']),
  jobs,
  jobIntervals,
  // D4: the local payment provider's page, where a top-up's payUrl leads; issue 21: the local
  // evidence storage (presigned PUT/GET, .data/evidence/) and the console at /.
  pages: chainPages(localPayPage, localEvidencePage, consolePages({ distDir: defaultOutdir, jwtSecret })),
  onJobResult: (job, { result, error }) => (error ? console.error(`[job ${job}] failed:`, error) : console.log(`[job ${job}]`, JSON.stringify(result))),
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
  lines.push(
    '',
    `The claims desk: ${url}/  (sign in by picking a role)`,
    `Try: curl ${url}/v1/health`,
    `More tokens: npm run token -- <role> <sub>    The whole story: PORT=${port} npm run demo`,
    'Ctrl-C (or SIGTERM) stops the service and DynamoDB Local.',
  );
  await ensureDemoMerchant(url);
  console.log(lines.join('\n'));
  // P2: one line when the working-day calendar ends within 60 days (docs/operations.md).
  const calendarWarning = (await import('#shared/rules-config.ts')).calendarWarning(new Date());
  if (calendarWarning) console.warn(calendarWarning);
});

/** The printed merchant token names shop-9001: give it a profile on a fresh data folder, so it is not a 404. */
async function ensureDemoMerchant(url: string): Promise<void> {
  const party = DEMO_PARTIES.find((p) => p.role === 'merchant')!;
  const auth = (role: 'ops' | 'service', sub: string) => signToken(jwtSecret, { sub, role }).then((token) => ({ authorization: `Bearer ${token}` }));
  try {
    const probe = await fetch(`${url}/v1/merchants/${party.sub}/quotes/authenticity`, { headers: await auth('ops', 'ops-1') });
    if (probe.status !== 404) return;
    await fetch(`${url}/v1/merchants/${party.sub}`, {
      method: 'PUT',
      headers: { ...(await auth('service', 'order-system')), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Silk', alipayAccount: `${party.sub}@alipay.example`, liveBaseId: 'base-hz-01', categories: ['apparel'] }),
    });
  } catch (error) {
    console.error(`Could not create the demo merchant ${party.sub}:`, (error as Error).message);
  }
}
