/**
 * The payout job (P1–P3): every approved claim — and every deposit withdrawal or advance
 * compensation — is paid exactly once, to the beneficiary's Alipay account, whatever fails.
 *
 * Steps of a run, repeated while due payouts remain and time allows:
 * 1. read only the payouts due now (DueIndex `PAYOUT#n`, every shard in parallel): new ones,
 *    retries whose backoff is over, unknown or processing ones to query, SENDING ones whose lease
 *    expired (their run crashed mid-call), and unsettled ones reaching `dueBy`;
 * 2. P2: a payout past `dueBy` is flagged overdue once (`payout.overdue`) and counted;
 * 3. act on each, at most `concurrency` at a time (settings: `PAYOUT_CONCURRENCY`, default 32), starting none
 *    once the invocation has less than 10 s left (the rest stays due for the next run). The
 *    page's claims are read meanwhile, 25 to a BatchGet. Sending is Airbnb's pre-call / call /
 *    post-call split:
 *    - payee (P4): the one the payout carries, else the merchant profile's or the order's
 *      `buyerAlipay`, resolved now; none known → deferred (never a guessed account);
 *    - pre-call: PENDING or FAILED → SENDING, `attempts` + 1, a lease and `inFlightUntil`
 *      (lease end + the provider's longest call) — a write conditioned on the status and version
 *      read, so of two runs exactly one sends;
 *    - call: `provider.transfer` with the payout id as idempotency key — only if the call ends,
 *      at its longest, inside the lease (checked right before, and by the adapter again);
 *    - post-call: record the outcome, conditioned on the lease: confirmed → CONFIRMED with the
 *      claim PAID, the policy CLAIMED and `payout.sent` in one transaction (P1); processing →
 *      SENT, queried later; refused → FAILED, retried with exponential backoff up to the limit,
 *      then FAILED for good with `payout.failed`; unknown → UNKNOWN.
 *    An UNKNOWN, SENT or lease-expired SENDING payout is queried before anything else (P3); only
 *    a provider that never received the transfer sees it again, under the same key, and only once
 *    `inFlightUntil` is over (no sender can still be calling). A confirmation whose lease-guarded
 *    write lost is written over the payout as it is now (even FAILED): money that moved is recorded.
 *    Every write goes through one group commit (`GroupCommit`, `writePayouts`): alone it is a
 *    single conditional write; when the run is busy, the writes waiting meanwhile share one
 *    transaction (each payout still all or nothing, each still under its own condition), and a
 *    worker hands its confirmation over and takes the next payout while it is written.
 * Every status change goes through the rules' PAYOUT_LIFECYCLE (`nextStatus`).
 *
 * This module is the run (orchestration: the loop over due pages, the concurrency pool, the
 * deadline). The sender's state machine is ./payouts/sender.ts, the writes and settlement
 * ./payouts/settlement.ts, the pure decisions on a record ./payouts/lifecycle.ts. Storage is the
 * `PayoutStore` port (shared/store/payout-store.ts), passed in; the provider is the payment port.
 */
import { clock } from '#shared/clock.ts';
import { logger } from '#shared/logger.ts';
import type { PaymentProvider } from '#shared/payments/port.ts';
import { toIso } from '#shared/rules/index.ts';
import { dynamoPayoutStore } from '#shared/store/dynamo-payout-store.ts';
import type { PayoutStore } from '#shared/store/payout-store.ts';
import { emptyPayoutResult, type PayoutContext, type PayoutResult } from './payouts/context.ts';
import { PayoutSender } from './payouts/sender.ts';
import { PayoutWriter } from './payouts/settlement.ts';
import { assertLeaseCoversCalls, DEFAULT_PAYOUT_CONCURRENCY, payoutRetryPolicy, type PayoutRetryPolicy } from './payouts/settings.ts';

export type { PayoutResult } from './payouts/context.ts';
export {
  assertLeaseCoversCalls,
  DEFAULT_PAYOUT_CONCURRENCY,
  DEFAULT_PAYOUT_SETTINGS,
  LEASE_MARGIN_MS,
  payoutRetryPolicy,
  type PayoutRetryPolicy,
  type PayoutSettings,
} from './payouts/settings.ts';

export interface PayoutOptions {
  provider: PaymentProvider;
  /** Where payouts, claims and payees are read and written; DynamoDB unless a test passes a fake. */
  store?: PayoutStore;
  /** "Now" for each step (the clock; a run lasts, and leases count from the moment they are taken). */
  now?: () => string;
  /** Milliseconds the invocation has left (the Lambda context's); no new payout is started below 10 s. */
  remainingMs?: () => number;
  /** Due payouts read per shard and round. */
  pageSize?: number;
  /** Payouts handled at once (settings; default DEFAULT_PAYOUT_CONCURRENCY). */
  concurrency?: number;
  /** The retry policy (settings; default `payoutRetryPolicy`). */
  retry?: PayoutRetryPolicy;
}

/** Leave this much of the invocation for the calls in flight (a provider call times out well before). */
const STOP_WHEN_REMAINING_MS = 10_000;

export async function runPayouts(options: PayoutOptions): Promise<PayoutResult> {
  const { remainingMs = () => Number.POSITIVE_INFINITY, pageSize = 100, concurrency = DEFAULT_PAYOUT_CONCURRENCY } = options;
  const retry = options.retry ?? payoutRetryPolicy;
  assertLeaseCoversCalls(retry, options.provider);
  const result = emptyPayoutResult();
  const ctx: PayoutContext = {
    store: options.store ?? dynamoPayoutStore,
    provider: options.provider,
    now: options.now ?? (() => toIso(clock.now().getTime())),
    retry,
    result,
    onError: (error: unknown) => {
      result.errors += 1;
      logger.error('Payout handling failed; it stays due for the next run', error as Error);
    },
  };
  const writes = new PayoutWriter(ctx);
  const sender = new PayoutSender(ctx, writes);
  const capacity = { add: (units: number) => (result.readCapacityUnits += units) };
  const mayStart = () => remainingMs() >= STOP_WHEN_REMAINING_MS;
  // A payout a run could not move (another run had it) keeps its entry: read it once per run only.
  const seen = new Set<string>();

  while (mayStart()) {
    const due = (await ctx.store.payoutsDue(ctx.now(), pageSize, capacity)).filter((payout) => {
      if (seen.has(payout.payoutId)) return false;
      seen.add(payout.payoutId);
      return true;
    });
    if (due.length === 0) break;
    sender.readPageOf(due);
    const started = await inParallel(
      due.map((payout) => () => sender.handle(payout)),
      concurrency,
      mayStart,
      ctx.onError,
    );
    await writes.settled();
    sender.forgetPage();
    result.processed += started;
    result.leftForNextRun += due.length - started;
    if (started < due.length) break;
  }
  return result;
}

/**
 * Runs the tasks with at most `limit` in flight, starting each only while `mayStart()` holds; one
 * task's failure does not stop the others. Returns how many were started.
 */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number, mayStart: () => boolean, onError: (error: unknown) => void): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && mayStart()) {
      const task = tasks[next++]!;
      await task().catch(onError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return next;
}
