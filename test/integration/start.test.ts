import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '#shared/local/dynamodb-local.ts';

describe('npm start without Java', () => {
  it('says so in one clear line with how to install it, and exits non-zero', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java 17\+ is required.*install it/);
  });
});

/** Every live process whose parent chain leads to `root` (read from /proc). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const dataDirs: string[] = [];
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.pid && alive(child.pid)) child.kill('SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function npmStart(port: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'baozhang-start-'));
  dataDirs.push(dataDir);
  const child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, PAYOUT_EVERY: 'off', EXPIRY_EVERY: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes('Baozhang is running')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { child, dataDir, exited, ready, output: () => output };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });

describe('npm start behaves like a service', () => {
  it('SIGTERM to the npm process stops node and DynamoDB Local within 5 s: no orphan, nothing listening (after the demo, twice)', async () => {
    const port = await freePort();
    const start = npmStart(port);
    await start.ready(90_000);
    const tree = descendants(start.child.pid!);
    const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    expect(commands.some((cmd) => cmd.includes('scripts/start.ts'))).toBe(true);
    expect(commands.some((cmd) => cmd.includes('DynamoDBLocal.jar'))).toBe(true);
    // The printed merchant token (shop-9001) is served, not a 404, on a fresh data folder.
    const token = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', 'merchant', 'shop-9001'], { encoding: 'utf8' }).stdout.trim();
    const enrollments = await fetch(`http://127.0.0.1:${port}/v1/merchants/shop-9001/enrollments`, { headers: { authorization: `Bearer ${token}` } });
    expect(enrollments.status).toBe(200);
    // `PORT=… npm run demo` tells the whole story against it, and again on the now used data folder.
    for (const run of [1, 2]) {
      const demo = spawnSync('npm', ['run', 'demo'], { env: { ...process.env, PORT: String(port) }, encoding: 'utf8', timeout: 90_000 });
      expect(demo.status, `demo run ${run}:\n${demo.stdout}\n${demo.stderr}`).toBe(0);
      expect(demo.stdout).toContain('The story is complete.');
    }

    start.child.kill('SIGTERM');
    await start.exited;
    await new Promise((r) => setTimeout(r, 5000));
    expect(tree.filter(alive)).toEqual([]);
    expect(await listening(port)).toBe(false);
  }, 300_000);

  it('a taken port is reported before DynamoDB Local starts', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const start = npmStart(port);
      const seen = new Set<string>();
      const watch = setInterval(() => {
        for (const pid of descendants(start.child.pid!)) {
          try {
            seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
          } catch {
            /* gone */
          }
        }
      }, 50);
      const code = await start.exited;
      clearInterval(watch);
      expect(code).toBe(1);
      expect(start.output()).toMatch(new RegExp(`Port ${port} is already in use`));
      expect([...seen].some((cmd) => cmd.includes('DynamoDBLocal.jar'))).toBe(false); // `java -version` (the Java check) may run
      expect(readdirSync(start.dataDir)).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
