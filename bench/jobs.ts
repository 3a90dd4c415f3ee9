/**
 * Job scale (issue 8): the payout and expiry jobs over 1,000 and 10,000 due items among 100,000
 * settled ones — wall time, items per second, consumed capacity — and the proof that their reads
 * grow with the due items only. `node --import tsx bench/jobs.ts` (BENCH_QUICK=1: 10,000 settled,
 * 200 and 1,000 due).
 *
 * One table, in this order (the settled items are seeded once, not per N: 200,000 items is most of
 * the section's time):
 * 1. templates made by the service itself: a merchant with an Alipay account, a live-quality
 *    policy, a refund claim filed and approved by `fileClaim` (claim, policy slot, PENDING payout),
 *    then paid by the payout job — so the settled payout and the CLAIMED policy are as the job
 *    leaves them;
 * 2. each job over N₁ due items with nothing settled beside them ("alone");
 * 3. 100,000 settled payouts (CONFIRMED, out of the due index) and 100,000 settled policies (half
 *    EXPIRED, half CLAIMED), copies of the templates under new ids, built by the stores' own
 *    `payoutItem` / `policyItem`, BatchWrite 25 at a time, a bounded number in flight;
 * 4. each job over N₁ and then N₂ due items among them. Each case seeds its own due items (copies
 *    under new ids: for payouts the approved claim, its policy and its PENDING payout, as the
 *    approval's transaction writes them; for expiry ACTIVE policies past their window) and drains
 *    them; a drained item leaves the due index, so it is settled for the next case.
 *
 * Each job runs through its scheduled handler (functions/payout, functions/expire-windows: the
 * local payment provider, no faults, its ledger in memory: it stands for Alipay; a last case
 * keeps it in the table as `npm start` does), invocation after invocation with a Lambda's 4-minute budget
 * (infra/handlers.ts JOB_TIMEOUT) until one ends with nothing left. Capacity comes from the Meter
 * on the service's DynamoDB client; `dueQueryReadUnits` is the DueIndex queries' share.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { machine, runSection } from './section.ts';

/** The Lambda timeout of both jobs (infra/handlers.ts JOB_TIMEOUT). */
const JOB_BUDGET_MS = 4 * 60_000;
/** BatchWrite requests in flight while seeding. */
const SEED_PARALLELISM = 8;
/** Payouts approved at T0 (a Monday), paid 5 minutes later: before their due date (no P2 report). */
const T0 = '2026-11-23T10:00:00+08:00';

/**
 * The process serving `endpoint` (DynamoDB Local) on Linux, found through /proc: its listening
 * socket's inode, then the process holding it. Undefined elsewhere, or when it is not visible.
 */
function serverPid(endpoint: string): number | undefined {
  try {
    const port = Number(new URL(endpoint).port);
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields.length > 9 && fields[3] === '0A' && Number.parseInt(fields[1]!.split(':').at(-1)!, 16) === port) inodes.add(fields[9]!);
      }
    }
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (inodes.has(target.slice('socket:['.length, -1))) return Number(pid);
        }
      } catch {
        /* not ours to read, or gone */
      }
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}

/** CPU seconds a process has used (user + system), from /proc; undefined when unreadable. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

interface CaseResult {
  due: number;
  settled: number;
  wallSeconds: number;
  itemsPerSecond: number;
  readUnits: number;
  writeUnits: number;
  dueQueryReadUnits: number;
  readUnitsPerDueItem: number;
  concurrency: number;
  runs: number;
  /** What else helps read the figures. */
  detail: Record<string, unknown>;
}

await runSection('jobs', async (ctx) => {
  const { serviceMeter } = await import('./meter.ts');
  const meter = await serviceMeter();
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { fixedClock, setClock } = await import('#shared/clock.ts');
  const { localScheduledEvent } = await import('#shared/jobs/scheduled-event.ts');
  const { toIso, toMs } = await import('#shared/rules/index.ts');
  const { claimItem } = await import('#shared/store/claims.ts');
  const { documentClient, tableName } = await import('#shared/store/client.ts');
  const { DUE_SHARDS, keys } = await import('#shared/store/keys.ts');
  const { getPayout, payoutItem } = await import('#shared/store/payouts.ts');
  const { policyItem } = await import('#shared/store/policies.ts');
  const { concurrency: payoutConcurrency } = (await import('#functions/payout/settings.ts')).payoutSettingsFromEnv();
  const { expiryConcurrency } = await import('#shared/use-cases/expiry.ts');
  const { handler: payoutHandler } = await import('#functions/payout/handler.ts');
  const { handler: expiryHandler } = await import('#functions/expire-windows/handler.ts');
  const { readRecord, seedApprovedClaim } = await import('#test/integration/support/seed.ts');
  type StoredClaim = import('#shared/store/claims.ts').StoredClaim;
  type StoredPayout = import('#shared/store/payouts.ts').StoredPayout;
  type Policy = import('#shared/rules/index.ts').Policy;
  type StoredPolicy = import('#shared/store/policies.ts').StoredPolicy;
  type Item = Record<string, unknown>;

  const settledCount = ctx.quick ? 10_000 : 100_000;
  const sizes = ctx.quick ? [200, 1_000] : [1_000, 10_000];
  const dynamoPid = serverPid(ctx.endpoint);
  const clock = fixedClock(T0);
  setClock(clock);
  const log = (message: string) => process.stderr.write(`[jobs] ${message}\n`);

  /** `count` items made by `make(i)`, BatchWrite 25 at a time, SEED_PARALLELISM in flight, unprocessed ones re-sent. */
  async function seed(count: number, perIndex: number, make: (i: number) => Item[]): Promise<void> {
    meter.enabled = false;
    try {
      const chunk = Math.max(1, Math.floor(25 / perIndex));
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const from = next;
          next = Math.min(count, next + chunk);
          let pending = Array.from({ length: next - from }, (_, k) => make(from + k))
            .flat()
            .map((Item) => ({ PutRequest: { Item } }));
          for (let attempt = 0; pending.length > 0; attempt += 1) {
            if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
            const result = await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
            pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
          }
        }
      };
      await Promise.all(Array.from({ length: SEED_PARALLELISM }, worker));
    } finally {
      meter.enabled = true;
    }
  }

  // --- 1. templates, made and paid by the service ---------------------------------------------
  const approved = await seedApprovedClaim('shop-bench', T0);
  if (approved.claim.status !== 'APPROVED' || approved.payout.status !== 'PENDING') throw new Error('template claim is not approved with a pending payout');
  clock.set(toIso(toMs(T0) + 5 * 60_000));
  await payoutHandler(localScheduledEvent('payout', new Date(), 'bench-template'), { getRemainingTimeInMillis: () => JOB_BUDGET_MS });
  const paid = {
    payout: (await getPayout(approved.claim.payoutId!))!,
    policy: (await readRecord<StoredPolicy & { claimedAt?: string }>(keys.policy(approved.policy.orderId, approved.policy.planId, approved.policy.lineId)))!,
  };
  if (paid.payout.status !== 'CONFIRMED' || paid.policy.status !== 'CLAIMED') throw new Error('template payout was not settled');
  const expiryNow = toIso(toMs(approved.policy.coverageEnd!) + 24 * 3_600_000);

  const pad = (i: number) => String(i).padStart(7, '0');
  const { claimId: _c, claimedAt: _ca, ...activePolicy } = paid.policy;

  /** An approved claim, its policy (slot taken) and its PENDING payout, under ids of `tag`/`i`. */
  const approvedItems =
    (tag: string) =>
    (i: number): Item[] => {
      const id = `${tag}${pad(i)}`;
      const claimId = `clm_B${id}`;
      const payoutId = `pay_B${id}`;
      const orderId = `ord-b-${id}`;
      const policyId = `pol_B${id}`;
      const claim: StoredClaim = { ...approved.claim, claimId, orderId, policyId, payoutId };
      const claimPolicy = { ...approved.policy, orderId, policyId, claimId } as Policy;
      const payout: StoredPayout = { ...approved.payout, payoutId, claimId };
      return [claimItem(claim), policyItem(claimPolicy), payoutItem(payout)];
    };
  /** An ACTIVE policy whose window ended before `expiryNow`. */
  const expiringItem =
    (tag: string) =>
    (i: number): Item[] => {
      const id = `${tag}${pad(i)}`;
      return [policyItem({ ...activePolicy, status: 'ACTIVE', orderId: `ord-x-${id}`, policyId: `pol_X${id}` } as Policy)];
    };
  /** A settled payout (CONFIRMED, out of the due index) as the job leaves it. */
  const settledPayout = (i: number): Item[] => [
    payoutItem({ ...paid.payout, payoutId: `pay_SETTLED${pad(i)}`, claimId: `clm_SETTLED${pad(i)}` } as StoredPayout, null),
  ];
  /** A settled policy: half EXPIRED (as the expiry job leaves it), half CLAIMED (as a paid claim leaves it). */
  const settledPolicy = (i: number): Item[] => {
    const ids = { orderId: `ord-s-${pad(i)}`, policyId: `pol_SETTLED${pad(i)}` };
    return [
      policyItem(
        (i % 2 === 0
          ? { ...activePolicy, ...ids, status: 'EXPIRED', expiredAt: expiryNow }
          : { ...paid.policy, ...ids, claimId: `clm_SETTLED${pad(i)}` }) as StoredPolicy,
      ),
    ];
  };

  /** Invokes `invoke` with a fresh 4-minute budget each time until an invocation leaves nothing. */
  async function drain<R extends { readCapacityUnits: number }>(
    invoke: (remainingMs: () => number, run: number) => Promise<R>,
    leftOver: (result: R, remainingMs: number) => number,
  ) {
    meter.reset();
    const results: R[] = [];
    const cpuBefore = { node: process.cpuUsage(), dynamo: cpuSecondsOf(dynamoPid), load: os.loadavg()[0]! };
    const started = performance.now();
    for (let run = 1; ; run += 1) {
      const deadline = Date.now() + JOB_BUDGET_MS;
      const result = await invoke(() => deadline - Date.now(), run);
      results.push(result);
      if (leftOver(result, deadline - Date.now()) === 0) break;
      if (run >= 20) throw new Error(`still items left after ${run} runs: ${JSON.stringify(result)}`);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const nodeCpu = process.cpuUsage(cpuBefore.node);
    const dynamoAfter = cpuSecondsOf(dynamoPid);
    const cpu = {
      nodeSeconds: (nodeCpu.user + nodeCpu.system) / 1e6,
      dynamoDbLocalSeconds: dynamoAfter === undefined || cpuBefore.dynamo === undefined ? undefined : dynamoAfter - cpuBefore.dynamo,
      loadAverageBefore: cpuBefore.load,
      loadAverageAfter: os.loadavg()[0]!,
    };
    const measurement = meter.read();
    const dueQueries = measurement.calls.filter(
      (call) => call.command === 'Query' && call.capacity.some((c) => c.GlobalSecondaryIndexes?.['DueIndex'] !== undefined),
    );
    const byCommand: Record<string, number> = {};
    for (const call of measurement.calls) byCommand[call.command] = (byCommand[call.command] ?? 0) + 1;
    return {
      results,
      wallSeconds,
      measurement,
      dueQueryReadUnits: round(results.reduce((n, r) => n + r.readCapacityUnits, 0)),
      meteredDueQueryReadUnits: round(dueQueries.reduce((n, c) => n + c.readUnits, 0)),
      dueQueries: dueQueries.length,
      callsByCommand: byCommand,
      cpu,
    };
  }

  const round = (n: number) => Math.round(n * 1000) / 1000;
  const sum = <T>(items: readonly T[], pick: (item: T) => number) => items.reduce((n, item) => n + pick(item), 0);

  let settledPayouts = 1; // the template
  let settledPolicies = 1; // the template (CLAIMED)

  /**
   * `ledger`: where the local payment provider keeps its transfers. `memory` (the figures): the
   * provider stands for Alipay, whose books are not kept in Baozhang's table, nor by its database;
   * `table` (as `npm start` keeps them): one more conditional write per payout on DynamoDB Local.
   */
  async function payoutCase(due: number, tag: string, ledger: 'memory' | 'table' = 'memory'): Promise<CaseResult> {
    process.env['LOCAL_PAY_LEDGER'] = ledger;
    log(`payout: seeding ${due} approved claims (${settledPayouts} settled payouts beside them; provider ledger in ${ledger})`);
    await seed(due, 3, approvedItems(tag));
    clock.set(toIso(toMs(T0) + 5 * 60_000));
    const run = await drain(
      (remainingMs, n) => payoutHandler(localScheduledEvent('payout', new Date(), `bench-${tag}-${n}`), { getRemainingTimeInMillis: remainingMs }),
      (result) => result.leftForNextRun + result.errors,
    );
    const confirmed = sum(run.results, (r) => r.confirmed);
    if (confirmed !== due) throw new Error(`payout ${tag}: ${confirmed} of ${due} confirmed: ${JSON.stringify(run.results)}`);
    const result = caseResult(due, settledPayouts, payoutConcurrency, run, DUE_SHARDS, {
      confirmed,
      sent: sum(run.results, (r) => r.sent),
      skipped: sum(run.results, (r) => r.skipped),
    });
    result.detail['providerLedger'] = ledger;
    settledPayouts += due;
    settledPolicies += due; // their policies are CLAIMED now
    log(`payout ${due}: ${result.wallSeconds} s, ${result.itemsPerSecond}/s, due-query RCU ${result.dueQueryReadUnits}`);
    return result;
  }

  async function expiryCase(due: number, tag: string): Promise<CaseResult> {
    log(`expiry: seeding ${due} policies past their window (${settledPolicies} settled policies beside them)`);
    await seed(due, 1, expiringItem(tag));
    clock.set(expiryNow);
    // The expiry job reports no "left for the next run": it stops early only below 10 s left.
    const run = await drain(
      (remainingMs, n) => expiryHandler(localScheduledEvent('expiry', new Date(), `bench-${tag}-${n}`), { getRemainingTimeInMillis: remainingMs }),
      (result, remainingMs) => result.failed + (remainingMs < 10_000 ? 1 : 0),
    );
    const expired = sum(run.results, (r) => r.expired);
    if (expired !== due) throw new Error(`expiry ${tag}: ${expired} of ${due} expired: ${JSON.stringify(run.results)}`);
    // Each round queries the EXPIRE and the LAPSE shards.
    const result = caseResult(due, settledPolicies, expiryConcurrency, run, 2 * DUE_SHARDS, { expired, failed: sum(run.results, (r) => r.failed) });
    settledPolicies += due;
    log(`expiry ${due}: ${result.wallSeconds} s, ${result.itemsPerSecond}/s, due-query RCU ${result.dueQueryReadUnits}`);
    return result;
  }

  function caseResult(
    due: number,
    settled: number,
    concurrency: number,
    run: Awaited<ReturnType<typeof drain>>,
    queriesPerRound: number,
    counts: Record<string, number>,
  ): CaseResult {
    return {
      due,
      settled,
      wallSeconds: round(run.wallSeconds),
      itemsPerSecond: Math.round(due / run.wallSeconds),
      readUnits: run.measurement.readUnits,
      writeUnits: run.measurement.writeUnits,
      dueQueryReadUnits: run.dueQueryReadUnits,
      readUnitsPerDueItem: round(run.dueQueryReadUnits / due),
      concurrency,
      runs: run.results.length,
      detail: {
        ...counts,
        totalReadUnitsPerItem: round(run.measurement.readUnits / due),
        writeUnitsPerItem: round(run.measurement.writeUnits / due),
        roundTrips: run.measurement.roundTrips,
        /** Rounds of the job's loop (read the due page, act on it), the last one finding nothing. */
        loops: run.dueQueries / queriesPerRound,
        dueQueries: run.dueQueries,
        meteredDueQueryReadUnits: run.meteredDueQueryReadUnits,
        callsByCommand: run.callsByCommand,
        /**
         * CPU per item — what the machine's other load does not change much: the job's process and
         * DynamoDB Local's. `cpuFloorSeconds`: the wall time those would need on this machine's cores
         * with nothing else running — both sharing the cores, and DynamoDB Local's share done one
         * request at a time.
         */
        cpu: cpuSummary(run.cpu, due),
      },
    };
  }

  function cpuSummary(cpu: Awaited<ReturnType<typeof drain>>['cpu'], due: number) {
    const node = (cpu.nodeSeconds * 1000) / due;
    const dynamo = cpu.dynamoDbLocalSeconds === undefined ? undefined : (cpu.dynamoDbLocalSeconds * 1000) / due;
    const cores = os.cpus().length;
    // DynamoDB Local does one table's work one request at a time (docs/performance.md): its CPU
    // per item is a floor of its own, however many cores.
    const floorMs = dynamo === undefined ? undefined : Math.max(node, dynamo, (node + dynamo) / cores);
    return {
      nodeMsPerItem: round(node),
      dynamoDbLocalMsPerItem: dynamo === undefined ? null : round(dynamo),
      cpuFloorSeconds: floorMs === undefined ? null : round((floorMs * due) / 1000),
      loadAverage: [round(cpu.loadAverageBefore), round(cpu.loadAverageAfter)],
    };
  }

  // --- 2. N₁ due items alone --------------------------------------------------------------------
  const [small, large] = sizes as [number, number];
  const alone = { payout: await payoutCase(small, 'A'), expiry: await expiryCase(small, 'A') };

  // --- 3. the settled items ----------------------------------------------------------------------
  log(`seeding ${settledCount} settled payouts and ${settledCount} settled policies`);
  const seedStarted = performance.now();
  await seed(settledCount, 1, settledPayout);
  await seed(settledCount, 1, settledPolicy);
  settledPayouts += settledCount;
  settledPolicies += settledCount;
  const seedSeconds = round((performance.now() - seedStarted) / 1000);
  log(`seeded in ${seedSeconds} s`);

  // --- 4. N₁ and N₂ due items among them ---------------------------------------------------------
  const payout = { [small]: await payoutCase(small, 'B'), [large]: await payoutCase(large, 'C') };
  const providerLedgerInTable = { [large]: await payoutCase(large, 'D', 'table') };
  const expiry = { [small]: await expiryCase(small, 'B'), [large]: await expiryCase(large, 'C') };

  const growth = (aloneCase: CaseResult, crowded: CaseResult, bigger: CaseResult) => ({
    /** Same due items, with and without the settled ones beside them: equal when reads ignore the settled. */
    dueQueryReadUnitsAlone: aloneCase.dueQueryReadUnits,
    dueQueryReadUnitsAmongSettled: crowded.dueQueryReadUnits,
    /** Per due item at N₁ and N₂: flat when reads follow the due items. */
    perDueItem: { [small]: crowded.readUnitsPerDueItem, [large]: bigger.readUnitsPerDueItem },
  });

  return {
    machine: machine(),
    quick: ctx.quick,
    jobBudgetSeconds: JOB_BUDGET_MS / 1000,
    dynamoDbLocalPid: dynamoPid ?? null,
    settledSeeded: { payouts: settledCount, policies: settledCount, seconds: seedSeconds },
    payout: { alone: { [small]: alone.payout }, amongSettled: payout, providerLedgerInTable },
    expiry: { alone: { [small]: alone.expiry }, amongSettled: expiry },
    readsGrowWithDueItemsOnly: {
      payout: growth(alone.payout, payout[small]!, payout[large]!),
      expiry: growth(alone.expiry, expiry[small]!, expiry[large]!),
    },
  };
});
