/**
 * The sender (P1, P3, P4): the state machine of one due payout — Airbnb's pre-call / call /
 * post-call split. Every status change goes through the rules' PAYOUT_LIFECYCLE.
 * - payee (P4): the one the payout carries, else the merchant profile's or the order's
 *   `buyerAlipay`, resolved now; none known → deferred (never a guessed account);
 * - pre-call: PENDING or FAILED → SENDING, `attempts` + 1, a lease and `inFlightUntil` (lease end
 *   + the provider's longest call) — a write conditioned on the status and version read, so of
 *   two runs exactly one sends;
 * - call: `provider.transfer` with the payout id as idempotency key — only if the call ends, at
 *   its longest, inside the lease (checked right before, and by the adapter again);
 * - post-call: record the outcome, conditioned on the lease: confirmed → CONFIRMED, settled with
 *   its claim (./settlement.ts); processing → SENT, queried later; refused → FAILED, retried with
 *   exponential backoff up to the limit, then FAILED for good with `payout.failed`; unknown → UNKNOWN.
 * An UNKNOWN, SENT or lease-expired SENDING payout is queried before anything else (P3); only a
 * provider that never received the transfer sees it again, under the same key, and only once
 * `inFlightUntil` is over (no sender can still be calling).
 */
import { randomUUID } from 'node:crypto';
import { logger } from '#shared/logger.ts';
import type { Failed, Payee, QueryOutcome, TransferOutcome } from '#shared/payments/port.ts';
import { maskPayee, payeeProblem } from '#shared/payments/payee.ts';
import { isOverdue, toIso, toMs, type PayoutStatus } from '#shared/rules/index.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import type { ClaimRead, StoredPayout } from '#shared/store/payout-store.ts';
import type { PayoutContext } from './context.ts';
import { actionAt, eventDetail, isSettled, through, unscheduled } from './lifecycle.ts';
import type { PayoutWriter } from './settlement.ts';

/** A payee as read with its page: undefined when none is on record, null when the read failed. */
type PayeeRead = Payee | undefined | null;

/** A payee read that failed is an error of this payout's handling: it stays due for the next run. */
async function payeeRead(read: Promise<PayeeRead>): Promise<Payee | undefined> {
  const payee = await read;
  if (payee === null) throw new Error('Reading the payee failed');
  return payee;
}

export class PayoutSender {
  /** The claims of the page being handled, read together (`readPageOf`). */
  private claims = new Map<string, Promise<ClaimRead>>();
  /** The payees of the page's merchants, and of its buyers by order, read together (`readPageOf`). */
  private merchantPayees = new Map<string, Promise<PayeeRead>>();
  private buyerPayees: Promise<Map<string, Promise<PayeeRead>>> = Promise.resolve(new Map());

  constructor(
    private readonly ctx: PayoutContext,
    private readonly writes: PayoutWriter,
  ) {}

  /**
   * Starts reading, in BatchGets, what the page's payouts this run will send or query need (their
   * action is due; a held or only-to-be-reported payout needs none): their claims, and the payees
   * not carried yet (P4) — the merchants' profiles, and for buyers the orders their claims name.
   * Not awaited: each payout awaits its own reads alongside its provider call. An APPROVED claim
   * changes only when a payout run pays it, so this early read is as good as one after the
   * transfer; settling still reads it again if its condition fails. The payees are as current as
   * the page: read the moment it is taken up.
   */
  readPageOf(page: readonly StoredPayout[]): void {
    const now = toMs(this.ctx.now());
    const acting = page.filter((p) => !isSettled(p) && toMs(actionAt(p)) <= now);
    this.claims = this.ctx.store.claimsByIds(acting.filter((p) => p.claimId).map((p) => p.claimId!));
    const unpaid = acting.filter((p) => !p.payee);
    this.merchantPayees = this.ctx.store.merchantPayees(unpaid.filter((p) => p.beneficiary.role === 'merchant').map((p) => p.beneficiary.id));
    const buyers = unpaid.filter((p) => p.beneficiary.role === 'buyer');
    this.buyerPayees = Promise.all(buyers.map((p) => (p.claimId ? this.claims.get(p.claimId)! : Promise.resolve(undefined)))).then((claims) =>
      this.ctx.store.orderBuyerPayees(buyers.map((p, i) => claims[i]?.orderId ?? p.compensationOrderId).filter((id): id is string => id !== undefined)),
    );
  }

  forgetPage(): void {
    this.claims = new Map();
    this.merchantPayees = new Map();
    this.buyerPayees = Promise.resolve(new Map());
  }

  /**
   * When to try again after the n-th refusal or unknown answer: `base · 2^(n−1)` from now, at most
   * `maxBackoffMs` — and at most `overdueRecheckMs` for an overdue payout.
   */
  private backoff(n: number, payout: StoredPayout): string {
    const limit = payout.overdue ? Math.min(this.ctx.retry.maxBackoffMs, this.ctx.retry.overdueRecheckMs) : this.ctx.retry.maxBackoffMs;
    const wait = Math.min(limit, this.ctx.retry.retryBaseMs * 2 ** Math.min(Math.max(n - 1, 0), 30));
    return toIso(toMs(this.ctx.now()) + wait);
  }

  async handle(read: StoredPayout): Promise<void> {
    let payout = read;
    const now = this.ctx.now();
    if (isSettled(payout)) {
      // A settled payout is never due; a stray entry is dropped and nothing is paid.
      await this.writes.step(payout, payout);
      return;
    }
    if (payout.status === 'SENDING' && toMs(actionAt(payout)) > toMs(now)) {
      this.ctx.result.skipped += 1; // another run holds it
      return;
    }
    // P2: report a payout past its due time once; it keeps being counted while it stays unpaid.
    if (isOverdue(payout, now)) {
      this.ctx.result.overdue += 1;
      if (!payout.overdue) {
        const flagged = await this.writes.step(payout, { ...payout, overdue: true, overdueAt: now }, [
          { type: 'payout.overdue', detail: { ...eventDetail(payout), dueBy: payout.dueBy, status: payout.status } },
        ]);
        if (!flagged) return;
        payout = flagged;
        this.ctx.result.newlyOverdue += 1;
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
    if (payout.beneficiary.role === 'merchant') {
      const { id } = payout.beneficiary;
      payee = await payeeRead(this.merchantPayees.get(id) ?? this.ctx.store.merchantPayees([id]).get(id)!);
    } else {
      let orderId = payout.compensationOrderId; // D5
      if (payout.claimId) {
        const claim = await this.claimOf(payout);
        orderId = claim?.orderId ?? (claim === null ? (await this.ctx.store.getClaim(payout.claimId))?.orderId : undefined);
      }
      if (orderId) payee = await payeeRead((await this.buyerPayees).get(orderId) ?? this.ctx.store.orderBuyerPayees([orderId]).get(orderId)!);
    }
    if (payee && payeeProblem(payee)) {
      logger.error('Payee on record is not a valid Alipay identity; the payout waits', {
        payoutId: payout.payoutId,
        payee: maskPayee(payee),
        problem: payeeProblem(payee),
      });
      return undefined;
    }
    return payee;
  }

  /** Pre-call, call, post-call. */
  private async send(payout: StoredPayout): Promise<void> {
    const payee = await this.payeeOf(payout);
    if (!payee) return this.defer(payout, 'NO_PAYEE', `${payout.beneficiary.role} ${payout.beneficiary.id} has no Alipay identity on record`);
    const { deferred: _deferred, ...rest } = unscheduled(payout);
    // D3: a withdrawal is never handed over after a fraud finding (checked in the same write).
    const checks = payout.withdrawalId && payout.depositMerchantId ? [this.ctx.store.noFraudFindingCheck(payout.depositMerchantId)] : [];
    let sending: StoredPayout | undefined;
    try {
      sending = await this.writes.step(payout, this.leased(payout, rest, through(payout.status, 'SENDING'), payee), [], checks);
    } catch (error) {
      if (!(error instanceof ConditionFailed && error.failed.includes('merchant-not-fraudulent'))) throw error;
      return this.defer(payout, 'FRAUD_FINDING', `merchant ${payout.depositMerchantId} has a fraud finding: its withdrawal is not paid (D3)`);
    }
    if (sending) await this.transfer(sending);
  }

  /**
   * Pre-call: `base` taken to SENDING (`status`) by this sender — one more attempt, the payee it is
   * sent to (masked on the wire), and a fresh lease from now.
   */
  private leased(payout: StoredPayout, base: StoredPayout, status: PayoutStatus, payee: Payee): StoredPayout {
    const leaseUntil = toMs(this.ctx.now()) + this.ctx.retry.leaseMs;
    return {
      ...base,
      status,
      attempts: payout.attempts + 1,
      payee,
      beneficiary: { ...payout.beneficiary, alipayAccount: maskPayee(payee).identity },
      leaseToken: randomUUID(),
      leaseUntil: toIso(leaseUntil),
      // P3: a call this sender starts reaches the provider before then, or never.
      inFlightUntil: toIso(leaseUntil + this.maxCallMs),
    };
  }

  private get maxCallMs(): number {
    return this.ctx.provider.maxCallMs ?? 0;
  }

  /**
   * P3: whether the sender holding `sending` may still start a provider call — one that ends,
   * at its longest, inside the lease. Checked right before the call, and by the adapter again
   * right before its request leaves; a sender past it never calls.
   */
  private mayCall(sending: StoredPayout): boolean {
    return toMs(this.ctx.now()) + this.maxCallMs < toMs(sending.leaseUntil!);
  }

  private async transfer(sending: StoredPayout): Promise<void> {
    if (!this.mayCall(sending)) {
      // Stalled past the lease between the pre-call write and the call: another run owns it now.
      logger.warn('Lease lapsed before the provider call; not calling', { payoutId: sending.payoutId });
      this.ctx.result.skipped += 1;
      return;
    }
    this.ctx.result.sent += 1;
    const [outcome, claim] = await Promise.all([
      this.ctx.provider
        .transfer(
          {
            outBizNo: sending.payoutId,
            amountFen: sending.amountFen,
            payee: sending.payee!,
            payeeAccount: sending.payee!.identity,
            title: sending.claimId
              ? `Baozhang claim ${sending.claimId}`
              : `Baozhang deposit ${sending.withdrawalId ?? sending.advanceId ?? sending.compensationId ?? sending.payoutId}`,
          },
          { mayCall: () => this.mayCall(sending) },
        )
        .catch((error: unknown): TransferOutcome => ({ outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) })),
      this.claimOf(sending),
    ]);
    if (outcome.outcome === 'not-sent') {
      this.ctx.result.sent -= 1;
      this.ctx.result.skipped += 1;
      logger.warn('Lease lapsed inside the provider call, before the request left; nothing sent', { payoutId: sending.payoutId });
      return;
    }
    await this.record(sending, outcome, claim);
  }

  /** P3: what became of a transfer whose outcome this job does not know; resent only if never received. */
  private async check(payout: StoredPayout): Promise<void> {
    this.ctx.result.queried += 1;
    const [outcome, claim] = await Promise.all([
      this.ctx.provider
        .query(payout.payoutId)
        .catch((error: unknown): QueryOutcome => ({ outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) })),
      this.claimOf(payout),
    ]);
    const checked = { ...payout, checks: (payout.checks ?? 0) + 1 };
    if (outcome.outcome !== 'not-found') return this.record(payout, outcome, claim, checked);
    // P3: a sender's call may still reach the provider until its lease plus one longest call are
    // over; until then "not found" proves nothing — ask again then, neither fail nor resend.
    const quietAt = payout.inFlightUntil ?? (payout.leaseUntil ? toIso(toMs(payout.leaseUntil) + this.maxCallMs) : undefined);
    if (quietAt && toMs(this.ctx.now()) < toMs(quietAt)) {
      return this.waitForAnswer(
        payout,
        checked,
        { outcome: 'unknown', reason: 'not found while a sender may still be calling' },
        'OUTCOME_UNKNOWN',
        toIso(toMs(quietAt) + 1),
      );
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
    const resending = await this.writes.step(payout, this.leased(payout, unscheduled(checked), through(payout.status, 'FAILED', 'SENDING'), payee));
    if (resending) await this.transfer(resending);
  }

  /** Post-call: records an outcome over `previous` (the record as held); `base` carries counters. */
  private async record(previous: StoredPayout, outcome: TransferOutcome, claim: ClaimRead, base: StoredPayout = previous) {
    switch (outcome.outcome) {
      case 'confirmed':
        return this.writes.settle(previous, base, outcome.providerRef, outcome.providerPaidAt, claim);
      case 'processing': {
        const sent = await this.writes.step(previous, {
          ...unscheduled(base),
          status: previous.status === 'SENT' ? 'SENT' : through(previous.status, 'SENT'),
          sentAt: previous.sentAt ?? this.ctx.now(),
          ...(outcome.providerRef ? { providerRef: outcome.providerRef } : {}),
          nextAttemptAt: this.backoff((base.checks ?? 0) + 1, base),
        });
        if (sent) this.ctx.result.processing += 1;
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
    const written = await this.writes.step(previous, {
      ...unscheduled(base),
      status: previous.status === 'UNKNOWN' || previous.status === 'SENT' ? previous.status : through(previous.status, 'UNKNOWN'),
      lastError: { code, message: outcome.reason, at: this.ctx.now() },
      nextAttemptAt: at,
    });
    if (written) this.ctx.result.unknown += 1;
  }

  /** A refusal: FAILED, retried after a backoff — or, past the limit or for good, reported. */
  private async fail(previous: StoredPayout, base: StoredPayout, refusal: Failed): Promise<void> {
    const now = this.ctx.now();
    const lastError = { code: refusal.code, message: refusal.message, at: now };
    const status = through(previous.status, 'FAILED');
    if (refusal.retryable && previous.attempts < this.ctx.retry.maxAttempts) {
      const retrying = await this.writes.step(previous, { ...unscheduled(base), status, lastError, nextAttemptAt: this.backoff(previous.attempts, base) });
      if (retrying) this.ctx.result.retrying += 1;
      return;
    }
    const failed = { ...unscheduled(base), status, lastError, failureCode: refusal.code, failedAt: now };
    const written = await this.writes.step(previous, failed, [
      { type: 'payout.failed', detail: { ...eventDetail(failed), code: refusal.code, message: refusal.message } },
    ]);
    if (!written) return;
    this.ctx.result.failed += 1;
    logger.error('Payout failed for good', { payoutId: failed.payoutId, attempts: failed.attempts, code: refusal.code });
  }

  /**
   * P4: no payee known (yet): nothing is sent, never to a guessed account; the payout is `deferred`,
   * still counts toward overdue, and is tried again after the longest backoff (or sooner, when
   * overdue) — sendable once the merchant's profile or the order names a payee.
   */
  private async defer(payout: StoredPayout, code: string, message: string): Promise<void> {
    logger.error('Payout cannot be sent', { payoutId: payout.payoutId, code, message });
    const written = await this.writes.step(payout, {
      ...payout,
      deferred: true,
      lastError: { code, message, at: this.ctx.now() },
      nextAttemptAt: this.backoff(Number.POSITIVE_INFINITY, payout),
    });
    if (written) this.ctx.result.deferred += 1;
  }

  /**
   * The payout's claim, from the page's batch read or else read alongside the provider call:
   * `null` when that read failed (read again to settle).
   */
  private async claimOf(payout: StoredPayout): Promise<ClaimRead> {
    if (!payout.claimId) return undefined;
    return this.claims.get(payout.claimId) ?? this.ctx.store.getClaim(payout.claimId).catch(() => null);
  }
}
