/**
 * P1, P3 — the payout job's crash and fault harness. Each seed drives one reproducible history:
 * 1–4 approved claims (amounts up to a quarter of 2^53 fen each), then job runs killed before or
 * after any store or provider call, frozen past their lease while another run takes over, against
 * a provider that refuses, times out with the transfer made, or completes late — the clock moved
 * on between runs — until a calm phase settles everything. After each seed: every payout
 * CONFIRMED with one transfer, every claim PAID, one `payout.sent` each, no transfer sent again
 * for a key the provider had received, and Σ transferred = Σ approved, exactly.
 *
 * `CRASH_SEEDS` (default 1000) sets the number of seeds (`npm run test:soak`: 10,000);
 * `CRASH_SEED=<n>` replays one seed and prints its kill points. A failing seed prints
 * `replay with CRASH_SEED=<n>`.
 */
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { localProvider, localProviderCalls, resetLocalProvider, setLocalProviderFaults, type LocalProviderFaults } from '#shared/payments/local.ts';
import { toIso, toMs, type Policy } from '#shared/rules/index.ts';
import { claimItem, type StoredClaim } from '#shared/store/claims.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { fromItem } from '#shared/store/items.ts';
import { keys } from '#shared/store/keys.ts';
import { policyItem } from '#shared/store/policies.ts';
import { getPayout, payoutItem, type StoredPayout } from '#shared/store/payouts.ts';
import { payoutRetryPolicy, runPayouts } from '#shared/use-cases/payouts.ts';
import { FaultInjector, rngOf, type FaultPlan, type Rng } from './support/crash-harness.ts';
import { seedApprovedClaim } from './support/seed.ts';

const T0 = '2026-11-23T10:00:00+08:00';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const single = process.env['CRASH_SEED'];
const SEEDS = single !== undefined ? [Number(single)] : Array.from({ length: Number(process.env['CRASH_SEEDS'] ?? 1000) }, (_, i) => i + 1);
/** Fault runs per seed at most; then calm runs (no faults, the clock past every lease and backoff). */
const MAX_FAULT_RUNS = 3;
const MAX_CALM_RUNS = 3;
/** Every transient fault is cured in the end: the give-up path (5 attempts) is proven in payouts.test.ts. */
const retry = { ...payoutRetryPolicy, maxAttempts: 1_000 };
/** Amounts up to a quarter of 2^53: four of them still sum to a safe integer. */
const MAX_AMOUNT = Math.floor(Number.MAX_SAFE_INTEGER / 4);

const clock = fixedClock(T0);
const injector = new FaultInjector();
const provider = injector.wrap(localProvider);
let uninstall: () => void;

interface Template {
  claim: StoredClaim;
  policy: Policy & Record<string, unknown>;
  payout: StoredPayout;
}
let template: Template;

beforeAll(async () => {
  setClock(clock);
  uninstall = injector.install();
  // One approved claim made by the real use case: every seed's claims, policies and payouts are
  // copies of its items under the seed's own ids, so no seed ever touches another's.
  template = await seedApprovedClaim('shop-crash', T0);
  const { claim } = template;
  expect(template.claim.status).toBe('APPROVED');
  expect(template.payout).toMatchObject({ status: 'PENDING', claimId: claim.claimId });
  // The template itself is paid by a clean run, so every seed starts with nothing due.
  await runPayouts({ provider: localProvider, now: () => toIso(clock.now().getTime()), retry });
  expect((await getPayout(claim.payoutId!))!.status).toBe('CONFIRMED');
});

afterAll(() => {
  uninstall?.();
  setClock(systemClock);
  resetLocalProvider();
});

interface SeededClaim {
  claimId: string;
  payoutId: string;
  amountFen: number;
}

function amount(rng: Rng): number {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.int(1, 10_000);
    case 1:
      return rng.int(10_000, 10_000_000);
    case 2:
      return MAX_AMOUNT - rng.int(0, 1000); // near the top
    default:
      return rng.int(1, MAX_AMOUNT);
  }
}

/** The seed's approved claims, their policies and PENDING payouts, in one BatchWrite. */
async function seedClaims(seed: number, rng: Rng): Promise<SeededClaim[]> {
  const count = rng.int(1, 4);
  const seeded: SeededClaim[] = [];
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `${String(seed).padStart(6, '0')}x${i}`;
    const claimId = `clm_CRASH${id}`;
    const payoutId = `pay_CRASH${id}`;
    const orderId = `ord-crash-${id}`;
    const amountFen = amount(rng);
    // Due in 10 minutes to 3 days: some seeds go overdue mid-way (P2's report write is a kill point too).
    const dueBy = toIso(toMs(T0) + rng.pick([10 * MINUTE, 2 * HOUR, 3 * 24 * HOUR]));
    const claim: StoredClaim = { ...template.claim, claimId, orderId, policyId: `pol_CRASH${id}`, amountFen, payoutId, payoutDueBy: dueBy };
    const policy = { ...template.policy, orderId, policyId: `pol_CRASH${id}`, claimId } as Policy;
    const payout: StoredPayout = { ...template.payout, payoutId, claimId, amountFen, dueBy, createdAt: T0 };
    items.push(claimItem(claim), policyItem(policy), payoutItem(payout));
    seeded.push({ claimId, payoutId, amountFen });
  }
  await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return seeded;
}

function faultPlan(rng: Rng, payouts: number): FaultPlan {
  const r = rng.next();
  if (r < 0.15) return { kind: 'none' };
  if (r < 0.25) return { kind: 'kill', counter: 'query', at: rng.int(0, 15), phase: rng.pick(['before', 'after'] as const) };
  if (r < 0.32) return { kind: 'stall', at: rng.int(0, 3 * payouts) };
  // P3: stalls inside the transfer call — before the request leaves, or with its answer late.
  if (r < 0.4) return { kind: 'stall-provider', at: rng.int(0, payouts), phase: rng.pick(['before-call', 'late-answer'] as const) };
  return { kind: 'kill', counter: 'call', at: rng.int(0, 5 * payouts), phase: rng.pick(['before', 'after'] as const) };
}

function providerFaults(rng: Rng): LocalProviderFaults {
  return {
    ...(rng.chance(0.25) ? { failNext: rng.int(1, 2) } : {}),
    ...(rng.chance(0.25) ? { timeoutNext: 1 } : {}),
    ...(rng.chance(0.2) ? { lateNext: 1, lateByMs: rng.pick([30 * SECOND, 3 * MINUTE, 20 * MINUTE]) } : {}),
    ...(rng.chance(0.2) ? { queryTimeoutNext: 1 } : {}),
  };
}

const job = () => runPayouts({ provider, now: () => toIso(clock.now().getTime()), retry, concurrency: 1 });

/** The seed's payouts, claims and provider transfers, in one consistent BatchGet. */
async function readBack(seeded: SeededClaim[]) {
  const wanted = seeded.flatMap(({ payoutId, claimId }) => [keys.payout(payoutId), keys.claim(claimId), keys.localTransfer(payoutId)]);
  const result = await documentClient.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: wanted, ConsistentRead: true } } }));
  const items = new Map((result.Responses?.[tableName] ?? []).map((item) => [`${item['PK']}|${item['SK']}`, item]));
  const at = (key: { PK: string; SK: string }) => items.get(`${key.PK}|${key.SK}`);
  return seeded.map(({ payoutId, claimId }) => ({
    payout: fromItem<StoredPayout>(at(keys.payout(payoutId))!),
    claim: at(keys.claim(claimId)),
    transfer: at(keys.localTransfer(payoutId)),
  }));
}

/** One seed's history; resolves with a failure description, or undefined when every check held. */
async function runSeed(seed: number): Promise<string | undefined> {
  const rng = rngOf(seed);
  clock.set(T0);
  resetLocalProvider();
  injector.reset();
  const seeded = await seedClaims(seed, rng);
  const faultRuns = rng.int(1, MAX_FAULT_RUNS);

  // Fault runs (the clock moved on by a random step after each), then calm runs, until settled.
  let state: Awaited<ReturnType<typeof readBack>> = [];
  for (let run = 0; run < faultRuns + MAX_CALM_RUNS; run += 1) {
    const calm = run >= faultRuns;
    const plan = calm ? ({ kind: 'none' } as const) : faultPlan(rng, seeded.length);
    setLocalProviderFaults(calm ? {} : providerFaults(rng));
    const outcome = await injector.run(plan, job, async () => {
      // The frozen run's lease ends; a healthy run takes over, then the frozen one wakes up.
      clock.advance(retry.leaseMs + SECOND);
      await job();
    });
    if (single !== undefined) console.log(`run ${run}${calm ? ' (calm)' : ''}: ${JSON.stringify(plan)} → ${outcome}`);
    clock.advance(calm ? retry.maxBackoffMs + retry.leaseMs + SECOND : rng.pick([0, 20 * SECOND, MINUTE, retry.leaseMs + 1, 5 * MINUTE, HOUR + MINUTE]));
    state = await readBack(seeded);
    if (state.every(({ payout }) => payout.status === 'CONFIRMED' || (payout.status === 'FAILED' && !payout.nextAttemptAt))) break;
  }
  if (single !== undefined) console.log(injector.observed.trace.join('\n'));

  const problems: string[] = [];
  seeded.forEach(({ payoutId, claimId, amountFen }, i) => {
    const { payout, claim, transfer } = state[i]!;
    if (payout.status !== 'CONFIRMED') problems.push(`${payoutId} is ${payout.status} (attempts ${payout.attempts}), not CONFIRMED`);
    if (claim?.['status'] !== 'PAID') problems.push(`${claimId} is ${claim?.['status']}, not PAID`);
    if (!transfer) problems.push(`${payoutId} has no transfer at the provider`);
    else if (transfer['amountFen'] !== amountFen) problems.push(`${payoutId} transferred ${transfer['amountFen']} fen, approved ${amountFen}`);
    if (transfer && payout.providerRef !== transfer['transferId'])
      problems.push(`${payoutId} records ${payout.providerRef}, the provider ${transfer['transferId']}`);
    const resends = injector.observed.resends.get(payoutId) ?? 0;
    if (resends > 0) problems.push(`${payoutId} was sent ${resends} more time(s) after the provider had received it`);
    const sent = injector.observed.sent.get(payoutId) ?? 0;
    if (sent !== 1) problems.push(`${payoutId} announced payout.sent ${sent} times`);
    if (injector.observed.failed.has(payoutId)) problems.push(`${payoutId} announced payout.failed`);
  });
  // Integers only, and BigInt so a sum can never round.
  const approved = seeded.reduce((sum, { amountFen }) => sum + BigInt(amountFen), 0n);
  const transferred = state.reduce((sum, { transfer }) => sum + BigInt((transfer?.['amountFen'] as number | undefined) ?? 0), 0n);
  if (transferred !== approved) problems.push(`Σ transferred ${transferred} ≠ Σ approved ${approved}`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** One seed's claims with its outcome read back, for the named interleavings below. */
async function namedSeed(seed: number) {
  clock.set(T0);
  resetLocalProvider();
  setLocalProviderFaults({});
  injector.reset();
  // One claim: the seed's first draw (how many claims) is forced to 1.
  const base = rngOf(seed);
  let first = true;
  const one: Rng = {
    ...base,
    int: (min, max) => {
      if (!first) return base.int(min, max);
      first = false;
      return min;
    },
  };
  const [seeded] = await seedClaims(seed, one);
  return seeded!;
}

describe('P3 named interleavings: no in-flight transfer declared failed, no late confirmation dropped', () => {
  // The payout is at its attempt limit after its first send: a "not found" would fail it for good.
  const atLimit = { ...payoutRetryPolicy, maxAttempts: 1 };
  const runAtLimit = () => runPayouts({ provider, now: () => toIso(clock.now().getTime()), retry: atLimit, concurrency: 1 });

  it('P3 stall before the call: run A writes SENDING and stalls before calling the provider; its lease expires; run B queries and hears "not found"; A wakes — A never calls, B never fails it; paid once, no payout.failed', async () => {
    // Failed before this change: FAILED for good with payout.failed, the claim still APPROVED, and
    // A's late call moved the money anyway.
    const { payoutId, claimId, amountFen } = await namedSeed(900_001);
    const outcome = await injector.run({ kind: 'stall-provider', at: 0, phase: 'before-call' }, runAtLimit, async () => {
      clock.advance(atLimit.leaseMs + SECOND);
      await runAtLimit(); // B: lease expired → query → not found
    });
    expect(outcome).toBe('completed');
    const [state] = await readBack([{ payoutId, claimId, amountFen }]);
    // B, finding nothing once no sender could still be calling, sent it again under the same key;
    // A woke past its lease and did not call: one transfer, CONFIRMED, the claim PAID.
    expect(state!.payout.status).toBe('CONFIRMED');
    expect(state!.claim?.['status']).toBe('PAID');
    expect(state!.transfer?.['amountFen']).toBe(amountFen);
    expect(localProviderCalls().filter((c) => c.kind === 'transfer' && c.outBizNo === payoutId)).toHaveLength(1);
    expect(injector.observed.sent.get(payoutId)).toBe(1);
    expect(injector.observed.failed.has(payoutId)).toBe(false);
  });

  it('P3 a "not found" while a sender may still be calling is not final: the payout waits until the lease plus the longest call are over', async () => {
    const { payoutId } = await namedSeed(900_002);
    const slow = { ...provider, maxCallMs: 30 * SECOND };
    const run = () => runPayouts({ provider: slow, now: () => toIso(clock.now().getTime()), retry: atLimit, concurrency: 1 });
    await injector.run({ kind: 'stall-provider', at: 0, phase: 'before-call' }, run, async () => {
      clock.advance(atLimit.leaseMs + SECOND); // past the lease, not past lease + longest call
      await run();
    });
    const payout = (await getPayout(payoutId))!;
    expect(payout).toMatchObject({ status: 'UNKNOWN', lastError: { code: 'OUTCOME_UNKNOWN' } });
    expect(toMs(payout.nextAttemptAt!)).toBeGreaterThan(toMs(payout.inFlightUntil!));
    expect(injector.observed.failed.has(payoutId)).toBe(false);
  });

  it('P3 a late answer: A’s transfer is made, its answer comes after B took over; paid once, one payout.sent', async () => {
    const { payoutId, claimId, amountFen } = await namedSeed(900_003);
    await injector.run({ kind: 'stall-provider', at: 0, phase: 'late-answer' }, job, async () => {
      clock.advance(retry.leaseMs + SECOND);
      await job(); // B queries: confirmed, and settles it
    });
    const [state] = await readBack([{ payoutId, claimId, amountFen }]);
    expect(state!.payout.status).toBe('CONFIRMED');
    expect(state!.claim?.['status']).toBe('PAID');
    expect(injector.observed.sent.get(payoutId)).toBe(1);
    expect(injector.observed.resends.size).toBe(0);
  });

  it('P3 a confirmation that arrives after the payout was given up is recorded: FAILED becomes CONFIRMED, the claim PAID', async () => {
    const { payoutId, claimId, amountFen } = await namedSeed(900_004);
    await injector.run({ kind: 'stall-provider', at: 0, phase: 'late-answer' }, job, async () => {
      // Meanwhile the payout was given up (as the job did before this change).
      const held = (await getPayout(payoutId))!;
      const { leaseToken: _t, leaseUntil: _u, ...rest } = held;
      const failed: StoredPayout = {
        ...rest,
        status: 'FAILED',
        failureCode: 'NOT_RECEIVED',
        failedAt: toIso(clock.now().getTime()),
        version: (held.version ?? 0) + 1,
      };
      await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: [{ PutRequest: { Item: payoutItem(failed, null) } }] } }));
    });
    const [state] = await readBack([{ payoutId, claimId, amountFen }]);
    expect(state!.payout).toMatchObject({ status: 'CONFIRMED', providerRef: state!.transfer?.['transferId'] });
    expect(state!.payout.failureCode).toBeUndefined();
    expect(state!.claim?.['status']).toBe('PAID');
    expect(injector.observed.sent.get(payoutId)).toBe(1);
  });

  it('P3 the lease must outlast two of the provider’s longest calls plus a margin: checked at start, failing fast', async () => {
    await expect(runPayouts({ provider: { ...provider, maxCallMs: 60 * SECOND }, retry: { ...retry, leaseMs: 2 * MINUTE } })).rejects.toThrow(/PAYOUT_LEASE/);
  });
});

describe('payout job under crashes and provider faults (P1, P3)', () => {
  it(
    `P1 P3 ${SEEDS.length} seeded histories: no claim paid twice, every approved claim paid, Σ payouts = Σ approved`,
    async () => {
      let passed = 0;
      const started = performance.now();
      for (const seed of SEEDS) {
        let failure: string | undefined;
        try {
          failure = await runSeed(seed);
        } catch (error) {
          failure = `threw ${(error as Error).stack ?? String(error)}`;
        }
        if (failure) {
          console.error(`payout crash harness: seed ${seed} failed — replay with CRASH_SEED=${seed}\n${failure}`);
          expect.fail(`seed ${seed}: ${failure}\nreplay with CRASH_SEED=${seed}`);
        }
        passed += 1;
      }
      expect(passed).toBe(SEEDS.length);
      console.log(`payout crash harness: ${SEEDS.length} seeds, ${injector.observed.storeCalls} DynamoDB calls, ${Math.round(performance.now() - started)} ms`);
    },
    Math.max(15 * 60_000, SEEDS.length * 2_000),
  );
});
