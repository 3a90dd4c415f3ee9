/**
 * The payout job (P1–P3): every approved claim — and every deposit withdrawal or advance
 * compensation — is paid exactly once, to the beneficiary's Alipay account, whatever fails.
 *
 * Steps of a run, repeated while due payouts remain and time allows:
 * 1. read only the payouts due now (DueIndex `PAYOUT#n`, every shard in parallel): new ones,
 *    retries whose backoff is over, unknown or processing ones to query, SENDING ones whose lease
 *    expired (their run crashed mid-call), and unsettled ones reaching `dueBy`;
 * 2. P2: a payout past `dueBy` is flagged overdue once (`payout.overdue`) and counted;
 * 3. act on each, at most `concurrency` at a time (`PAYOUT_CONCURRENCY`, default 32), starting none
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
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError, countEnv, optionalEnv } from '#shared/config.ts';
import { logger } from '#shared/logger.ts';
import type { Failed, Payee, PaymentProvider, QueryOutcome, TransferOutcome } from '#shared/payments/port.ts';
import { maskPayee, payeeProblem } from '#shared/payments/payee.ts';
import {
  IllegalTransition,
  isOverdue,
  nextStatus,
  PAYOUT_LIFECYCLE,
  POLICY_LIFECYCLE,
  toIso,
  toMs,
  transition,
  type PayoutStatus,
  type PolicyStatus,
} from '#shared/rules/index.ts';
import { getClaim, type StoredClaim } from '#shared/store/claims.ts';
import { depositPayoutSettledWrites } from '#shared/store/deposits.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { sortableInstant } from '#shared/store/keys.ts';
import {
  claimPaidWrites,
  claimsByIds,
  getPayout,
  merchantPayee,
  noFraudFindingCheck,
  orderBuyerPayee,
  payoutsDue,
  writePayouts,
  type PayoutEvent,
  type PayoutGuard,
  type PayoutWrite,
  type SettlementWrite,
  type StoredPayout,
} from '#shared/store/payouts.ts';
import { nowInstant } from '#shared/clock.ts';
import { GroupCommit } from './group-commit.ts';

export interface PayoutResult {
  job: 'payout';
  /** Due payouts taken up by this run. */
  processed: number;
  /** Transfers sent to the provider (first sends and resends). */
  sent: number;
  /** Provider queries about transfers whose outcome was not known. */
  queried: number;
  /** Payouts CONFIRMED by this run (their claims PAID). */
  confirmed: number;
  /** Transfers the provider accepted and is still processing (SENT). */
  processing: number;
  /** Outcomes not known yet (UNKNOWN): queried by a later run, never resent blindly. */
  unknown: number;
  /** Refused transfers that will be retried after their backoff. */
  retrying: number;
  /** Payouts given up (FAILED for good) and reported with `payout.failed`. */
  failed: number;
  /** Payouts that cannot be sent yet (no Alipay account): reported, retried later. */
  deferred: number;
  /** Payouts another run changed first: this run left them alone. */
  skipped: number;
  /** Unsettled payouts past `dueBy` seen by this run (the OverduePayouts metric). */
  overdue: number;
  /** Of those, the ones flagged now (`payout.overdue`, once per payout). */
  newlyOverdue: number;
  /** Due payouts left for the next run because the invocation ran short of time. */
  leftForNextRun: number;
  /** Payouts whose handling threw unexpectedly: logged, and due again for the next run. */
  errors: number;
  /** Read capacity of the due-payout queries (their cost follows the due payouts, not the table). */
  readCapacityUnits: number;
}

/** How the job retries (configuration, not business rules). */
export interface PayoutRetryPolicy {
  /** First retry or query this long after a refusal or unknown outcome; doubled each time. */
  retryBaseMs: number;
  /** Longest wait between two tries. */
  maxBackoffMs: number;
  /** Transfers sent (first send included) before a refused payout is given up. */
  maxAttempts: number;
  /** How long a run holds a SENDING payout; past it another run queries the provider. */
  leaseMs: number;
  /**
   * Longest wait for an overdue payout: shorter than the schedule, so every run sees it, tries it
   * again and counts it in OverduePayouts while it stays unpaid.
   */
  overdueRecheckMs: number;
}

function durationEnv(name: string, fallback: string): number {
  const text = optionalEnv(name, fallback).trim().toLowerCase();
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new ConfigurationError(`${name} must be a duration such as 30s, 1m or 1h, not '${text}'`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
}

/**
 * From `PAYOUT_RETRY_BASE` (1m), `PAYOUT_MAX_BACKOFF` (1h), `PAYOUT_MAX_ATTEMPTS` (5),
 * `PAYOUT_LEASE` (2m), `PAYOUT_OVERDUE_RECHECK` (4m: the job runs every 5).
 */
export const payoutRetryPolicy: PayoutRetryPolicy = {
  retryBaseMs: durationEnv('PAYOUT_RETRY_BASE', '1m'),
  maxBackoffMs: durationEnv('PAYOUT_MAX_BACKOFF', '1h'),
  maxAttempts: countEnv('PAYOUT_MAX_ATTEMPTS', 5),
  leaseMs: durationEnv('PAYOUT_LEASE', '2m'),
  overdueRecheckMs: durationEnv('PAYOUT_OVERDUE_RECHECK', '4m'),
};

/**
 * Payouts handled at once by a run (`PAYOUT_CONCURRENCY`, default 32): each holds at most one
 * provider call in flight, so this bounds the calls per second the provider sees (keep it within
 * the Alipay app's quota); DynamoDB writes are bounded apart (two in flight, WRITES_IN_FLIGHT).
 */
export const payoutConcurrency = countEnv('PAYOUT_CONCURRENCY', 32);

/** What a lease keeps beyond two of the longest provider calls (clock skew, a slow write). */
export const LEASE_MARGIN_MS = 10_000;

/**
 * P3, checked at start-up (failing fast): a lease must outlast two of the longest provider calls
 * plus a margin — the sender only starts a call that ends inside its lease, and "not found" is
 * final only once the lease and one more longest call are over.
 */
export function assertLeaseCoversCalls(retry: PayoutRetryPolicy, provider: Pick<PaymentProvider, 'name' | 'maxCallMs'>): void {
  const call = provider.maxCallMs ?? 0;
  if (retry.leaseMs <= 2 * call + LEASE_MARGIN_MS) {
    throw new ConfigurationError(
      `PAYOUT_LEASE (${retry.leaseMs} ms) must exceed 2 × the ${provider.name} provider's longest call (${call} ms) + ${LEASE_MARGIN_MS} ms`,
    );
  }
}

export interface PayoutOptions {
  provider: PaymentProvider;
  /** "Now" for each step (the clock; a run lasts, and leases count from the moment they are taken). */
  now?: () => string;
  /** Milliseconds the invocation has left (the Lambda context's); no new payout is started below 10 s. */
  remainingMs?: () => number;
  /** Due payouts read per shard and round. */
  pageSize?: number;
  concurrency?: number;
  retry?: PayoutRetryPolicy;
}

/** Leave this much of the invocation for the calls in flight (a provider call times out well before). */
const STOP_WHEN_REMAINING_MS = 10_000;

/** Policy statuses the lifecycle lets become CLAIMED once a claim on them is paid. */
const CLAIMABLE: readonly PolicyStatus[] = (Object.keys(POLICY_LIFECYCLE) as PolicyStatus[]).filter((status) =>
  POLICY_LIFECYCLE[status].includes('CLAIMED'),
);

export async function runPayouts(options: PayoutOptions): Promise<PayoutResult> {
  const { remainingMs = () => Number.POSITIVE_INFINITY, pageSize = 100, concurrency = payoutConcurrency } = options;
  const onError = (error: unknown) => {
    job.result.errors += 1;
    logger.error('Payout handling failed; it stays due for the next run', error as Error);
  };
  const retry = options.retry ?? payoutRetryPolicy;
  assertLeaseCoversCalls(retry, options.provider);
  const job: PayoutRun = new PayoutRun(options.provider, options.now ?? nowInstant, retry, onError);
  const capacity = { add: (units: number) => (job.result.readCapacityUnits += units) };
  const mayStart = () => remainingMs() >= STOP_WHEN_REMAINING_MS;
  // A payout a run could not move (another run had it) keeps its entry: read it once per run only.
  const seen = new Set<string>();

  while (mayStart()) {
    const due = (await payoutsDue(sortableInstant(job.now()), pageSize, capacity)).filter((payout) => {
      if (seen.has(payout.payoutId)) return false;
      seen.add(payout.payoutId);
      return true;
    });
    if (due.length === 0) break;
    job.readClaimsOf(due);
    const started = await inParallel(
      due.map((payout) => () => job.handle(payout)),
      concurrency,
      mayStart,
      onError,
    );
    await job.settled();
    job.forgetClaims();
    job.result.processed += started;
    job.result.leftForNextRun += due.length - started;
    if (started < due.length) break;
  }
  return job.result;
}

/**
 * Runs the tasks with at most `limit` in flight, starting each only while `mayStart()` holds; one
 * task's failure does not stop the others. Returns how many were started.
 */
async function inParallel(
  tasks: readonly (() => Promise<void>)[],
  limit: number,
  mayStart: () => boolean,
  onError: (error: unknown) => void,
): Promise<number> {
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

/** The status a payout reaches through each of `steps`, every hop checked by PAYOUT_LIFECYCLE. */
function through(from: PayoutStatus, ...steps: PayoutStatus[]): PayoutStatus {
  return steps.reduce((status, to) => nextStatus('payout', PAYOUT_LIFECYCLE, status, to), from);
}

/** What the next write must find: the record as this run last read or wrote it. */
function guardOf(payout: StoredPayout): PayoutGuard {
  return {
    status: payout.status,
    ...(payout.version !== undefined ? { version: payout.version } : {}),
    ...(payout.status === 'SENDING' && payout.leaseToken ? { leaseToken: payout.leaseToken } : {}),
  };
}

/** The job's scheduling (lease, next attempt), cleared from a record that moves on. */
function unscheduled(payout: StoredPayout): StoredPayout {
  const { leaseToken: _token, leaseUntil: _until, nextAttemptAt: _next, ...rest } = payout;
  return rest;
}

/** When the job must next act on a payout: its retry or query time, its lease's end, or now. */
function actionAt(payout: StoredPayout): string {
  if (payout.status === 'SENDING' && payout.leaseUntil) return payout.leaseUntil;
  return payout.nextAttemptAt ?? payout.createdAt;
}

/**
 * Where the payout's DueIndex entry goes: the next action, or — earlier — the first instant it is
 * overdue, so the run that reports it (P2) comes on time even while a retry waits. `null` once
 * settled: CONFIRMED, or FAILED for good.
 */
function dueFor(payout: StoredPayout): string | null {
  if (isSettled(payout)) return null;
  const act = actionAt(payout);
  // A held payout is left to its run until the lease ends; it is reported after, if still unpaid.
  if (payout.status === 'SENDING') return act;
  const firstOverdue = toIso(toMs(payout.dueBy) + 1);
  const reportPending = !payout.overdue && isOverdue(payout, firstOverdue);
  return reportPending && toMs(firstOverdue) < toMs(act) ? firstOverdue : act;
}

/** The status a confirmation moves a payout to, through the lifecycle's hops, from where it is. */
function confirmedFrom(status: PayoutStatus): PayoutStatus {
  switch (status) {
    case 'SENT':
      return through('SENT', 'CONFIRMED');
    case 'SENDING':
    case 'UNKNOWN':
      return through(status, 'SENT', 'CONFIRMED');
    default: // PENDING, FAILED (even for good): the provider says it paid, so it did
      return through(status, 'SENDING', 'SENT', 'CONFIRMED');
  }
}

/** A late confirmation `confirmed` (built over an older read) laid over the payout as it is now. */
function confirmedOver(fresh: StoredPayout, confirmed: StoredPayout): StoredPayout {
  const { failureCode: _code, failedAt: _failed, deferred: _deferred, ...rest } = unscheduled(fresh);
  return {
    ...rest,
    status: confirmedFrom(fresh.status),
    providerRef: confirmed.providerRef!,
    sentAt: fresh.sentAt ?? confirmed.sentAt!,
    paidAt: confirmed.paidAt!,
    ...(confirmed.providerPaidAt ? { providerPaidAt: confirmed.providerPaidAt } : {}),
  };
}

/** CONFIRMED, CANCELLED (D3), or FAILED for good (no retry planned): the job has nothing left to do. */
function isSettled(payout: StoredPayout): boolean {
  return payout.status === 'CONFIRMED' || payout.status === 'CANCELLED' || (payout.status === 'FAILED' && !payout.nextAttemptAt);
}

/** The parties and references an event names (never the beneficiary's account). */
function eventDetail(payout: StoredPayout) {
  return {
    payoutId: payout.payoutId,
    claimId: payout.claimId,
    withdrawalId: payout.withdrawalId,
    advanceId: payout.advanceId,
    compensationId: payout.compensationId,
    beneficiary: { role: payout.beneficiary.role, id: payout.beneficiary.id },
    amountFen: payout.amountFen,
    attempts: payout.attempts,
  };
}

/**
 * D2, D3, D5: what settling a deposit-funded payout adds to its confirmation transaction (the
 * withdrawal, advance or compensation PAID, the held amount out of the deposit, its journal
 * movement). A static import, so the bundler keeps only what settling needs of the deposit store
 * (a dynamic import kept the whole module in every payout bundle).
 */
async function depositSettlement(payout: StoredPayout, at: string): Promise<SettlementWrite[]> {
  return depositPayoutSettledWrites(payout, at).map((item) => ({ group: 'deposit', name: 'deposit-settled', item }));
}

/** A payout's claim as read: undefined when there is none, null when the read failed. */
type ClaimRead = StoredClaim | undefined | null;

/**
 * The run's payout writes share transactions (group commit, `GroupCommit`): at most this many
 * payouts a write — a confirmation is 4 items, a transaction takes 100 — and at most two writes in
 * flight. Under light load each write goes alone, as a plain conditional PutItem for a step.
 * Confirmations waiting beyond WRITE_BACKLOG hold back their workers (back-pressure).
 */
const WRITE_BATCH = 25;
const WRITES_IN_FLIGHT = 2;
const WRITE_BACKLOG = 2 * WRITE_BATCH;

/** One run's state: the provider, the clock, the retry policy and the counts it reports. */
class PayoutRun {
  readonly result: PayoutResult = {
    job: 'payout',
    processed: 0,
    sent: 0,
    queried: 0,
    confirmed: 0,
    processing: 0,
    unknown: 0,
    retrying: 0,
    failed: 0,
    deferred: 0,
    skipped: 0,
    overdue: 0,
    newlyOverdue: 0,
    leftForNextRun: 0,
    errors: 0,
    readCapacityUnits: 0,
  };

  /** The claims of the page being handled, read together (`readClaimsOf`). */
  private claims = new Map<string, Promise<ClaimRead>>();

  /** Payout writes on their way to the table, several to a transaction when busy. */
  private readonly writer = new GroupCommit(writePayouts, { maxBatch: WRITE_BATCH, maxInFlight: WRITES_IN_FLIGHT });
  /** Confirmations handed to the writer whose workers moved on. */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly provider: PaymentProvider,
    readonly now: () => string,
    private readonly retry: PayoutRetryPolicy,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Once every confirmation handed over so far is written (or has failed and been reported). */
  async settled(): Promise<void> {
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  /**
   * Starts reading, in BatchGets, the claims of the page's payouts this run will send or query
   * (their action is due; a held or only-to-be-reported payout needs none). Not awaited: each
   * payout awaits its own claim alongside its provider call. An APPROVED claim changes only when a
   * payout run pays it, so this early read is as good as one after the transfer; settling still
   * reads it again if its condition fails.
   */
  readClaimsOf(page: readonly StoredPayout[]): void {
    const now = toMs(this.now());
    const ids = page.filter((p) => p.claimId && !isSettled(p) && toMs(actionAt(p)) <= now).map((p) => p.claimId!);
    this.claims = claimsByIds(ids);
  }

  forgetClaims(): void {
    this.claims = new Map();
  }

  /**
   * When to try again after the n-th refusal or unknown answer: `base · 2^(n−1)` from now, at most
   * `maxBackoffMs` — and at most `overdueRecheckMs` for an overdue payout.
   */
  private backoff(n: number, payout: StoredPayout): string {
    const limit = payout.overdue ? Math.min(this.retry.maxBackoffMs, this.retry.overdueRecheckMs) : this.retry.maxBackoffMs;
    const wait = Math.min(limit, this.retry.retryBaseMs * 2 ** Math.min(Math.max(n - 1, 0), 30));
    return toIso(toMs(this.now()) + wait);
  }

  /** Writes one step; undefined (and counted as skipped) when another run changed the payout first. */
  private async step(previous: StoredPayout, next: StoredPayout, events: PayoutEvent[] = [], writes: SettlementWrite[] = []): Promise<StoredPayout | undefined> {
    const outcome = await this.writer.submit({
      previous: guardOf(previous),
      payout: next,
      dueAt: dueFor(next),
      events,
      at: this.now(),
      ...(writes.length > 0 ? { writes } : {}),
    });
    switch (outcome.status) {
      case 'error':
        throw outcome.error;
      case 'refused': // a step writes nothing but the payout, its events and its checks
        throw new ConditionFailed(outcome.failed);
      case 'skipped':
        this.result.skipped += 1;
        return undefined;
      case 'written':
        return outcome.payout;
    }
  }

  async handle(read: StoredPayout): Promise<void> {
    let payout = read;
    const now = this.now();
    if (isSettled(payout)) {
      // A settled payout is never due; a stray entry is dropped and nothing is paid.
      await this.step(payout, payout);
      return;
    }
    if (payout.status === 'SENDING' && toMs(actionAt(payout)) > toMs(now)) {
      this.result.skipped += 1; // another run holds it
      return;
    }
    // P2: report a payout past its due time once; it keeps being counted while it stays unpaid.
    if (isOverdue(payout, now)) {
      this.result.overdue += 1;
      if (!payout.overdue) {
        const flagged = await this.step(payout, { ...payout, overdue: true, overdueAt: now }, [
          { type: 'payout.overdue', detail: { ...eventDetail(payout), dueBy: payout.dueBy, status: payout.status } },
        ]);
        if (!flagged) return;
        payout = flagged;
        this.result.newlyOverdue += 1;
        logger.warn('Payout is overdue', { payoutId: payout.payoutId, dueBy: payout.dueBy, status: payout.status });
      }
    }
    // Due only to be reported: its next action has its own time (the write above moved the entry).
    if (toMs(actionAt(payout)) > toMs(now)) return;
    switch (payout.status) {
      case 'PENDING':
      case 'FAILED':
        return this.send(payout);
      case 'SENDING': // its lease expired: the run that held it may have sent it (P3)
      case 'UNKNOWN':
      case 'SENT':
        return this.check(payout);
      case 'CONFIRMED': // settled: handled above
      case 'CANCELLED':
        return;
    }
  }

  /**
   * P4: where the payout goes — the payee it carries, or else the one known now: the merchant's
   * profile (`alipay`), or the buyer's Alipay identity that came with the order (`buyerAlipay`).
   * Never a guess: undefined when none is known (or the one known is not valid).
   */
  private async payeeOf(payout: StoredPayout): Promise<Payee | undefined> {
    if (payout.payee) return payout.payee;
    let payee: Payee | undefined;
    if (payout.beneficiary.role === 'merchant') payee = await merchantPayee(payout.beneficiary.id);
    else if (payout.claimId) {
      const claim = await this.claimOf(payout);
      const orderId = claim?.orderId ?? (claim === null ? (await getClaim(payout.claimId))?.orderId : undefined);
      if (orderId) payee = await orderBuyerPayee(orderId);
    } else if (payout.compensationOrderId) payee = await orderBuyerPayee(payout.compensationOrderId); // D5
    if (payee && payeeProblem(payee)) {
      logger.error('Payee on record is not a valid Alipay identity; the payout waits', { payoutId: payout.payoutId, payee: maskPayee(payee), problem: payeeProblem(payee) });
      return undefined;
    }
    return payee;
  }

  /** Pre-call, call, post-call. */
  private async send(payout: StoredPayout): Promise<void> {
    const payee = await this.payeeOf(payout);
    if (!payee) return this.defer(payout, 'NO_PAYEE', `${payout.beneficiary.role} ${payout.beneficiary.id} has no Alipay identity on record`);
    const now = this.now();
    const leaseUntil = toMs(now) + this.retry.leaseMs;
    const { deferred: _deferred, ...rest } = unscheduled(payout);
    // D3: a withdrawal is never handed over after a fraud finding (checked in the same write).
    const checks = payout.withdrawalId && payout.depositMerchantId ? [noFraudFindingCheck(payout.depositMerchantId)] : [];
    let sending: StoredPayout | undefined;
    try {
      sending = await this.step(payout, {
      ...rest,
      status: through(payout.status, 'SENDING'),
      attempts: payout.attempts + 1,
      payee,
      beneficiary: { ...payout.beneficiary, alipayAccount: maskPayee(payee).identity },
      leaseToken: randomUUID(),
      leaseUntil: toIso(leaseUntil),
        // P3: a call this sender starts reaches the provider before then, or never.
        inFlightUntil: toIso(leaseUntil + this.maxCallMs),
      }, [], checks);
    } catch (error) {
      if (!(error instanceof ConditionFailed && error.failed.includes('merchant-not-fraudulent'))) throw error;
      return this.defer(payout, 'FRAUD_FINDING', `merchant ${payout.depositMerchantId} has a fraud finding: its withdrawal is not paid (D3)`);
    }
    if (sending) await this.transfer(sending);
  }

  private get maxCallMs(): number {
    return this.provider.maxCallMs ?? 0;
  }

  /**
   * P3: whether the sender holding `sending` may still start a provider call — one that ends,
   * at its longest, inside the lease. Checked right before the call, and by the adapter again
   * right before its request leaves; a sender past it never calls.
   */
  private mayCall(sending: StoredPayout): boolean {
    return toMs(this.now()) + this.maxCallMs < toMs(sending.leaseUntil!);
  }

  private async transfer(sending: StoredPayout): Promise<void> {
    if (!this.mayCall(sending)) {
      // Stalled past the lease between the pre-call write and the call: another run owns it now.
      logger.warn('Lease lapsed before the provider call; not calling', { payoutId: sending.payoutId });
      this.result.skipped += 1;
      return;
    }
    this.result.sent += 1;
    const [outcome, claim] = await Promise.all([
      this.provider
        .transfer(
          {
            outBizNo: sending.payoutId,
            amountFen: sending.amountFen,
            payee: sending.payee!,
            payeeAccount: sending.payee!.identity,
            title: sending.claimId ? `Baozhang claim ${sending.claimId}` : `Baozhang deposit ${sending.withdrawalId ?? sending.advanceId ?? sending.compensationId ?? sending.payoutId}`,
          },
          { mayCall: () => this.mayCall(sending) },
        )
        .catch((error: unknown): TransferOutcome => ({ outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) })),
      this.claimOf(sending),
    ]);
    if (outcome.outcome === 'not-sent') {
      this.result.sent -= 1;
      this.result.skipped += 1;
      logger.warn('Lease lapsed inside the provider call, before the request left; nothing sent', { payoutId: sending.payoutId });
      return;
    }
    await this.record(sending, outcome, claim);
  }

  /** P3: what became of a transfer whose outcome this job does not know; resent only if never received. */
  private async check(payout: StoredPayout): Promise<void> {
    this.result.queried += 1;
    const [outcome, claim] = await Promise.all([
      this.provider
        .query(payout.payoutId)
        .catch((error: unknown): QueryOutcome => ({ outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) })),
      this.claimOf(payout),
    ]);
    const checked = { ...payout, checks: (payout.checks ?? 0) + 1 };
    if (outcome.outcome !== 'not-found') return this.record(payout, outcome, claim, checked);
    // P3: a sender's call may still reach the provider until its lease plus one longest call are
    // over; until then "not found" proves nothing — ask again then, neither fail nor resend.
    const quietAt = payout.inFlightUntil ?? (payout.leaseUntil ? toIso(toMs(payout.leaseUntil) + this.maxCallMs) : undefined);
    if (quietAt && toMs(this.now()) < toMs(quietAt)) {
      return this.waitForAnswer(payout, checked, { outcome: 'unknown', reason: 'not found while a sender may still be calling' }, 'OUTCOME_UNKNOWN', toIso(toMs(quietAt) + 1));
    }
    if (payout.status === 'SENT') {
      // The provider accepted it once; a resend could pay twice. Keep asking, and say so.
      logger.error('Provider no longer knows an accepted transfer; not resending', { payoutId: payout.payoutId });
      return this.waitForAnswer(payout, checked, { outcome: 'unknown', reason: 'accepted transfer not found' });
    }
    // Never received, and no sender can still be calling: that attempt never reached the provider.
    // It is no refusal (nothing to give up on: P1 wants the claim paid), so it is sent again under
    // the same key, whatever the attempts — an overdue payout is reported meanwhile (P2).
    const payee = await this.payeeOf(payout);
    if (!payee) return this.defer(payout, 'NO_PAYEE', `${payout.beneficiary.role} ${payout.beneficiary.id} has no Alipay identity on record`);
    const leaseUntil = toMs(this.now()) + this.retry.leaseMs;
    const resending = await this.step(payout, {
      ...unscheduled(checked),
      status: through(payout.status, 'FAILED', 'SENDING'),
      attempts: payout.attempts + 1,
      payee,
      beneficiary: { ...payout.beneficiary, alipayAccount: maskPayee(payee).identity },
      leaseToken: randomUUID(),
      leaseUntil: toIso(leaseUntil),
      inFlightUntil: toIso(leaseUntil + this.maxCallMs),
    });
    if (resending) await this.transfer(resending);
  }

  /** Post-call: records an outcome over `previous` (the record as held); `base` carries counters. */
  private async record(previous: StoredPayout, outcome: TransferOutcome, claim: ClaimRead, base: StoredPayout = previous) {
    switch (outcome.outcome) {
      case 'confirmed':
        return this.settle(previous, base, outcome.providerRef, outcome.providerPaidAt, claim);
      case 'processing': {
        const sent = await this.step(previous, {
          ...unscheduled(base),
          status: previous.status === 'SENT' ? 'SENT' : through(previous.status, 'SENT'),
          sentAt: previous.sentAt ?? this.now(),
          ...(outcome.providerRef ? { providerRef: outcome.providerRef } : {}),
          nextAttemptAt: this.backoff((base.checks ?? 0) + 1, base),
        });
        if (sent) this.result.processing += 1;
        return;
      }
      case 'failed':
        if (previous.status === 'SENT') {
          // The lifecycle has no SENT → FAILED: an accepted transfer the provider later failed needs a person.
          logger.error('Provider failed a transfer it had accepted; left SENT for an operator', { payoutId: previous.payoutId, code: outcome.code });
          return this.waitForAnswer(previous, base, { outcome: 'unknown', reason: `failed after acceptance: ${outcome.code}` }, outcome.code);
        }
        return this.fail(previous, base, outcome);
      case 'unknown':
        return this.waitForAnswer(previous, base, outcome);
    }
  }

  /** Unknown outcome: UNKNOWN (SENT stays SENT), queried after a backoff; never resent blindly. */
  private async waitForAnswer(
    previous: StoredPayout,
    base: StoredPayout,
    outcome: { outcome: 'unknown'; reason: string },
    code = 'OUTCOME_UNKNOWN',
    at = this.backoff(Math.max(base.checks ?? 0, 1), base),
  ) {
    const written = await this.step(previous, {
      ...unscheduled(base),
      status: previous.status === 'UNKNOWN' || previous.status === 'SENT' ? previous.status : through(previous.status, 'UNKNOWN'),
      lastError: { code, message: outcome.reason, at: this.now() },
      nextAttemptAt: at,
    });
    if (written) this.result.unknown += 1;
  }

  /** A refusal: FAILED, retried after a backoff — or, past the limit or for good, reported. */
  private async fail(previous: StoredPayout, base: StoredPayout, refusal: Failed): Promise<void> {
    const now = this.now();
    const lastError = { code: refusal.code, message: refusal.message, at: now };
    const status = through(previous.status, 'FAILED');
    if (refusal.retryable && previous.attempts < this.retry.maxAttempts) {
      const retrying = await this.step(previous, { ...unscheduled(base), status, lastError, nextAttemptAt: this.backoff(previous.attempts, base) });
      if (retrying) this.result.retrying += 1;
      return;
    }
    const failed = { ...unscheduled(base), status, lastError, failureCode: refusal.code, failedAt: now };
    const written = await this.step(previous, failed, [{ type: 'payout.failed', detail: { ...eventDetail(failed), code: refusal.code, message: refusal.message } }]);
    if (!written) return;
    this.result.failed += 1;
    logger.error('Payout failed for good', { payoutId: failed.payoutId, attempts: failed.attempts, code: refusal.code });
  }

  /**
   * P4: no payee known (yet): nothing is sent, never to a guessed account; the payout is `deferred`,
   * still counts toward overdue, and is tried again after the longest backoff (or sooner, when
   * overdue) — sendable once the merchant's profile or the order names a payee.
   */
  private async defer(payout: StoredPayout, code: string, message: string): Promise<void> {
    logger.error('Payout cannot be sent', { payoutId: payout.payoutId, code, message });
    const written = await this.step(payout, {
      ...payout,
      deferred: true,
      lastError: { code, message, at: this.now() },
      nextAttemptAt: this.backoff(Number.POSITIVE_INFINITY, payout),
    });
    if (written) this.result.deferred += 1;
  }

  /**
   * The payout's claim, from the page's batch read or else read alongside the provider call:
   * `null` when that read failed (read again to settle).
   */
  private async claimOf(payout: StoredPayout): Promise<ClaimRead> {
    if (!payout.claimId) return undefined;
    return this.claims.get(payout.claimId) ?? getClaim(payout.claimId).catch(() => null);
  }

  /**
   * P1: the provider confirmed — payout CONFIRMED, claim PAID (the rules' `pay` transition), policy
   * CLAIMED, a deposit's withdrawal or advance settled, `payout.sent`: one all-or-nothing write,
   * shared with other payouts' writes (`writePayouts`). The worker moves on to the
   * next payout while it is written (unless too many wait: back-pressure); the run waits for it
   * before it ends. A part whose condition fails (a claim no longer APPROVED is a bug) is logged
   * and left out, never the payout: the money has moved and must never move again.
   */
  private async settle(previous: StoredPayout, base: StoredPayout, providerRef: string, providerPaidAt: string | undefined, read: ClaimRead) {
    // Unreadable now: this throws, nothing is recorded, and the next run's query settles it.
    const claim = read === null && base.claimId ? await getClaim(base.claimId) : (read ?? undefined);
    const now = this.now();
    const confirmed: StoredPayout = {
      ...unscheduled(base),
      status: confirmedFrom(previous.status),
      providerRef,
      sentAt: previous.sentAt ?? now,
      paidAt: now,
      ...(providerPaidAt ? { providerPaidAt } : {}),
    };
    const writes: SettlementWrite[] = [...this.claimWrites(confirmed, claim, now)];
    if (confirmed.source === 'deposit') writes.push(...(await depositSettlement(confirmed, now)));
    const events: PayoutEvent[] = [{ type: 'payout.sent', detail: { ...eventDetail(confirmed), providerRef, sentAt: confirmed.sentAt, paidAt: now } }];

    const written = this.confirm({ previous: guardOf(previous), payout: confirmed, dueAt: null, writes, events, at: now }, base.claimId).catch(this.onError);
    this.settling.add(written);
    void written.finally(() => this.settling.delete(written));
    await this.writer.room(WRITE_BACKLOG);
  }

  private async confirm(settlement: PayoutWrite & { writes: readonly SettlementWrite[] }, claimId: string | undefined): Promise<void> {
    let claimReread = false;
    let rereads = 0;
    for (;;) {
      const outcome = await this.writer.submit(settlement);
      switch (outcome.status) {
        case 'error':
          throw outcome.error;
        case 'written':
          this.result.confirmed += 1;
          return;
        case 'skipped': {
          // P3: the money moved. Another run changed the payout meanwhile (this run's lease
          // lapsed, or it was even given up as FAILED): the confirmation is recorded over the
          // payout as it is now — conditioned on it not being CONFIRMED, not on the lease.
          const fresh = await getPayout(settlement.payout.payoutId);
          if (!fresh || fresh.status === 'CONFIRMED' || rereads >= 3) {
            this.result.skipped += 1;
            return;
          }
          rereads += 1;
          logger.warn('Late confirmation recorded over a payout another run had moved', { payoutId: fresh.payoutId, status: fresh.status });
          settlement = { ...settlement, previous: guardOf(fresh), payout: confirmedOver(fresh, settlement.payout) };
          continue;
        }
        case 'refused': {
          const { writes } = settlement;
          const failedGroups = new Set(writes.filter((write) => outcome.failed.includes(write.name)).map((write) => write.group));
          if (failedGroups.size === 0) throw new ConditionFailed(outcome.failed);
          if (failedGroups.has('claim') && !claimReread && claimId) {
            // The claim was read before the transfer: read it once more before leaving it out.
            claimReread = true;
            const fresh = await getClaim(claimId);
            const paidWrites = this.claimWrites(settlement.payout, fresh, settlement.at);
            settlement = { ...settlement, writes: [...paidWrites, ...writes.filter((write) => write.group !== 'claim' && write.group !== 'policy')] };
            continue;
          }
          logger.error('Paid payout settles without parts whose state is not as expected', { payoutId: settlement.payout.payoutId, failed: outcome.failed });
          settlement = { ...settlement, writes: writes.filter((write) => !failedGroups.has(write.group)) };
        }
      }
    }
  }

  private claimWrites(payout: StoredPayout, claim: StoredClaim | undefined, now: string): SettlementWrite[] {
    if (!payout.claimId) return [];
    if (!claim) {
      logger.error('Paid payout names a claim that does not exist', { payoutId: payout.payoutId, claimId: payout.claimId });
      return [];
    }
    try {
      const paid = transition(claim, 'pay', { role: 'system' }, now);
      return claimPaidWrites(
        {
          claimId: claim.claimId,
          historyLength: claim.history.length,
          entry: paid.history.at(-1)!,
          paidAt: paid.paidAt!,
          policy: { orderId: claim.orderId, planId: claim.planId, ...(claim.lineId !== undefined ? { lineId: claim.lineId } : {}) },
          claimableStatuses: CLAIMABLE,
        },
        now,
      );
    } catch (error) {
      if (!(error instanceof IllegalTransition)) throw error;
      logger.error('Paid payout’s claim is not APPROVED; it is left as it is', { payoutId: payout.payoutId, claimId: claim.claimId, status: claim.status });
      return [];
    }
  }
}
