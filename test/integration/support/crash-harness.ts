/**
 * The payout job's crash and fault harness (P1, P3): a seeded PRNG, and an injector that kills a
 * job run — or freezes it past its lease while another run takes over — before or after any of
 * its DynamoDB calls (a middleware on the shared client) or its payment-provider calls (a wrapper
 * around the provider handed to `runPayouts`).
 *
 * A kill is a process death, not an exception the job may catch: from the kill point on, every
 * store or provider call of that run throws, so nothing after it lands — except what was already
 * in flight, as in a real crash. The provider is another system: its own storage (the local
 * adapter's `LOCALPAY#` items) is never killed.
 *
 * The injector also observes what landed: the outbox events each successful write carried, and
 * every transfer sent for a key the provider had already received (a resend the job must never
 * make: P3 says query first; only the provider's idempotency would then stand between the payee
 * and a second payment).
 */
import type { PaymentProvider, TransferGuard, TransferRequest } from '#shared/payments/port.ts';
import { dynamoClient } from '#shared/store/client.ts';

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; the same seed gives the same run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function rngOf(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** What the job's process sees when it has been killed. */
export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

/**
 * Where a run is hit. Kill points are counted separately for the due-index reads (`query`: 16 or
 * more per run, all alike) and for every other call (`call`: the job's Gets and writes, and the
 * provider's `transfer` and `query`), so most kills land between the job's steps.
 * - `kill`: the process dies before the call is sent, or after it returned (it landed);
 * - `stall`: the run freezes before a store call until another, healthy run — its clock past the
 *   lease — has run to the end, then carries on with what it read (a GC pause, a frozen Lambda).
 */
export type FaultPlan =
  | { kind: 'none' }
  | { kind: 'kill'; counter: 'query' | 'call'; at: number; phase: 'before' | 'after' }
  | { kind: 'stall'; at: number }
  /**
   * P3: the `at`-th transfer call of the run freezes (until another run, its clock past the lease,
   * has run to the end) — `before-call`: after the job's pre-call write and inside the provider
   * call, before the request leaves (a GC pause, the SDK or the secret loading); `late-answer`:
   * after the provider made the transfer, before its answer reaches the job.
   */
  | { kind: 'stall-provider'; at: number; phase: 'before-call' | 'late-answer' };

export interface Observed {
  /** `payout.sent` / `payout.failed` events that landed, by payout id. */
  sent: Map<string, number>;
  failed: Map<string, number>;
  /** Transfers sent for a key the provider had already received, by payout id. */
  resends: Map<string, number>;
  /** Every kill point the runs passed, for a replayed seed's report. */
  trace: string[];
  /** DynamoDB calls sent (all of them, the harness's own included): the harness's cost. */
  storeCalls: number;
}

type Input = Record<string, unknown>;

function pkOf(input: Input): string | undefined {
  const key = (input['Key'] ?? input['Item']) as Input | undefined;
  const pk = key?.['PK'];
  return typeof pk === 'string' ? pk : undefined;
}

/** The provider's own storage is another system: never killed, never counted. */
const isProviderStorage = (input: Input) => pkOf(input)?.startsWith('LOCALPAY#') ?? false;

function describe(commandName: string | undefined, input: Input): string {
  const pk = pkOf(input);
  const items = input['TransactItems'] as Input[] | undefined;
  if (items) {
    const what = items.map((item) => {
      const put = item['Put'] as Input | undefined;
      const itemPk = pkOf((put ?? item['Update'] ?? item['ConditionCheck'] ?? {}) as Input);
      return itemPk?.split('#')[0] ?? '?';
    });
    return `${commandName}[${what.join(',')}]`;
  }
  return `${commandName}${pk ? `(${pk.split('#')[0]})` : ''}`;
}

/** The outbox events a landed write carried. */
function eventsOf(input: Input): { type: string; payoutId: unknown }[] {
  const puts = [input, ...(((input['TransactItems'] as Input[] | undefined) ?? []).map((item) => item['Put']).filter(Boolean) as Input[])];
  return puts
    .map((put) => put['Item'] as Input | undefined)
    .filter((item): item is Input => item?.['entity'] === 'OutboundEvent')
    .map((item) => ({ type: String(item['type']), payoutId: (item['detail'] as Input | undefined)?.['payoutId'] }));
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export class FaultInjector {
  private plan: FaultPlan = { kind: 'none' };
  private armed = false;
  private dead = false;
  private counts = { query: 0, call: 0 };
  private transfers = 0;
  private onStall?: (resume: () => void) => void;
  /** Keys the provider has received a transfer under (this seed). */
  private readonly received = new Set<string>();
  readonly observed: Observed = { sent: new Map(), failed: new Map(), resends: new Map(), trace: [], storeCalls: 0 };

  /** Installs the middleware once on the shared client (every store of the service sends through it). */
  install(): () => void {
    const name = 'payoutCrashHarness';
    dynamoClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Input;
        this.observed.storeCalls += 1;
        if (!this.armed || isProviderStorage(input)) {
          const output = await next(args);
          this.observe(input);
          return output;
        }
        const counter = context.commandName === 'QueryCommand' ? 'query' : 'call';
        const label = describe(context.commandName, input);
        return this.guard(
          counter,
          label,
          async () => {
            const output = await next(args);
            this.observe(input);
            return output;
          },
          true,
        );
      },
      { step: 'initialize', name, tags: ['CRASH_HARNESS'] },
    );
    return () => dynamoClient.middlewareStack.remove(name);
  }

  reset(): void {
    this.observed.sent.clear();
    this.observed.failed.clear();
    this.observed.resends.clear();
    this.observed.trace.length = 0;
    this.received.clear();
  }

  /**
   * Runs `job` with `plan` armed. A stall calls `whileStalled` (another run) and then resumes the
   * frozen run. Returns whether the run was killed; a job error that is not the kill is rethrown.
   */
  async run(plan: FaultPlan, job: () => Promise<unknown>, whileStalled: () => Promise<void>): Promise<'completed' | 'killed'> {
    this.plan = plan;
    this.dead = false;
    this.counts = { query: 0, call: 0 };
    this.transfers = 0;
    let stalled: Promise<void> | undefined;
    this.onStall = (resume) => {
      stalled = (async () => {
        this.armed = false; // the other run is healthy, and its calls are not this run's kill points
        try {
          await whileStalled();
        } finally {
          this.armed = true;
          resume();
        }
      })();
    };
    this.armed = true;
    try {
      const result = job();
      await result;
      if (stalled) await stalled;
      return this.dead ? 'killed' : 'completed';
    } catch (error) {
      if (stalled) await stalled;
      if (this.dead) return 'killed';
      throw error;
    } finally {
      this.armed = false;
      this.plan = { kind: 'none' };
    }
  }

  /**
   * `provider` with each `transfer` and `query` a kill point, resends of received transfers
   * recorded, and the transfer's own stall points (`stall-provider`). The sender's guard goes
   * through to the provider, which checks it last thing before its request leaves.
   */
  wrap(provider: PaymentProvider): PaymentProvider {
    return {
      name: provider.name,
      ...(provider.maxCallMs !== undefined ? { maxCallMs: provider.maxCallMs } : {}),
      transfer: (request: TransferRequest, guard?: TransferGuard) =>
        this.guard('call', 'provider.transfer', async () => {
          const index = this.armed ? this.transfers++ : -1;
          await this.stallProvider(index, 'before-call');
          const already = this.received.has(request.outBizNo);
          // Reached unless refused: an answer, or a timeout after the transfer was made.
          const outcome = await provider.transfer(request, guard).catch((error: unknown) => {
            if (already) bump(this.observed.resends, request.outBizNo);
            this.received.add(request.outBizNo);
            throw error;
          });
          if (outcome.outcome === 'not-sent') return outcome;
          if (already) bump(this.observed.resends, request.outBizNo);
          if (outcome.outcome !== 'failed') this.received.add(request.outBizNo);
          await this.stallProvider(index, 'late-answer');
          return outcome;
        }),
      query: (outBizNo: string) => this.guard('call', 'provider.query', () => provider.query(outBizNo)),
    };
  }

  private async stallProvider(index: number, phase: 'before-call' | 'late-answer'): Promise<void> {
    const plan = this.plan;
    if (plan.kind !== 'stall-provider' || plan.at !== index || plan.phase !== phase) return;
    this.observed.trace.push(`STALLED ${phase} provider.transfer`);
    this.plan = { kind: 'none' };
    await new Promise<void>((resume) => this.onStall!(resume));
  }

  private observe(input: Input): void {
    for (const event of eventsOf(input)) {
      if (typeof event.payoutId !== 'string') continue;
      if (event.type === 'payout.sent') bump(this.observed.sent, event.payoutId);
      if (event.type === 'payout.failed') bump(this.observed.failed, event.payoutId);
    }
  }

  private async guard<T>(counter: 'query' | 'call', label: string, call: () => Promise<T>, isStore = false): Promise<T> {
    if (!this.armed) return call();
    if (this.dead) throw new InjectedCrash(`dead: ${label}`);
    const index = this.counts[counter]++;
    const plan = this.plan;
    if (counter === 'call') this.observed.trace.push(label);
    if (plan.kind === 'kill' && plan.counter === counter && plan.at === index && plan.phase === 'before') {
      this.dead = true;
      this.observed.trace.push(`KILLED before ${label}`);
      throw new InjectedCrash(`killed before ${label}`);
    }
    if (plan.kind === 'stall' && counter === 'call' && isStore && plan.at === index) {
      this.observed.trace.push(`STALLED before ${label}`);
      this.plan = { kind: 'none' };
      await new Promise<void>((resume) => this.onStall!(resume));
    }
    const result = await call();
    // Died while the call was in flight: it landed, but this process never learns the answer.
    if (this.dead) throw new InjectedCrash(`dead after ${label}`);
    if (plan.kind === 'kill' && plan.counter === counter && plan.at === index && plan.phase === 'after') {
      this.dead = true;
      this.observed.trace.push(`KILLED after ${label}`);
      throw new InjectedCrash(`killed after ${label}`);
    }
    return result;
  }
}
