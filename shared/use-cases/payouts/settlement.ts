/**
 * The payout job's writes (P1–P3): every step goes through one group commit (`GroupCommit`, the
 * store's `writePayouts`): alone it is a single conditional write; when the run is busy, the writes
 * waiting meanwhile share one transaction (each payout still all or nothing, each under its own
 * condition), and a worker hands its confirmation over and takes the next payout while it is written.
 * Settling (P1) pays the claim, claims the policy and settles a deposit's part with the payout.
 */
import { logger } from '#shared/logger.ts';
import { IllegalTransition, POLICY_LIFECYCLE, transition, type PolicyStatus } from '#shared/rules/index.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import type { ClaimRead, PayoutEvent, PayoutWrite, PayoutWriteOutcome, SettlementWrite, StoredClaim, StoredPayout } from '#shared/store/payout-store.ts';
import { GroupCommit } from '../group-commit.ts';
import type { PayoutContext } from './context.ts';
import { confirmedFrom, confirmedOver, dueFor, eventDetail, guardOf, unscheduled } from './lifecycle.ts';

/** Policy statuses the lifecycle lets become CLAIMED once a claim on them is paid. */
const CLAIMABLE: readonly PolicyStatus[] = (Object.keys(POLICY_LIFECYCLE) as PolicyStatus[]).filter((status) => POLICY_LIFECYCLE[status].includes('CLAIMED'));

/**
 * The run's payout writes share transactions (group commit, `GroupCommit`): at most this many
 * payouts a write — a confirmation is 4 items, a transaction takes 100 — and at most two writes in
 * flight. Under light load each write goes alone, as a plain conditional PutItem for a step.
 * Confirmations waiting beyond WRITE_BACKLOG hold back their workers (back-pressure).
 */
const WRITE_BATCH = 25;
const WRITES_IN_FLIGHT = 2;
const WRITE_BACKLOG = 2 * WRITE_BATCH;

export class PayoutWriter {
  /** Payout writes on their way to the table, several to a transaction when busy. */
  private readonly writer: GroupCommit<PayoutWrite, PayoutWriteOutcome>;
  /** Confirmations handed to the writer whose workers moved on. */
  private readonly settling = new Set<Promise<void>>();

  constructor(private readonly ctx: PayoutContext) {
    this.writer = new GroupCommit((writes) => ctx.store.writePayouts(writes), { maxBatch: WRITE_BATCH, maxInFlight: WRITES_IN_FLIGHT });
  }

  /** Once every confirmation handed over so far is written (or has failed and been reported). */
  async settled(): Promise<void> {
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  /** Writes one step; undefined (and counted as skipped) when another run changed the payout first. */
  async step(previous: StoredPayout, next: StoredPayout, events: PayoutEvent[] = [], writes: SettlementWrite[] = []): Promise<StoredPayout | undefined> {
    const outcome = await this.writer.submit({
      previous: guardOf(previous),
      payout: next,
      dueAt: dueFor(next),
      events,
      at: this.ctx.now(),
      ...(writes.length > 0 ? { writes } : {}),
    });
    switch (outcome.status) {
      case 'error':
        throw outcome.error;
      case 'refused': // a step writes nothing but the payout, its events and its checks
        throw new ConditionFailed(outcome.failed);
      case 'skipped':
        this.ctx.result.skipped += 1;
        return undefined;
      case 'written':
        return outcome.payout;
    }
  }

  /**
   * P1: the provider confirmed — payout CONFIRMED, claim PAID (the rules' `pay` transition), policy
   * CLAIMED, a deposit's withdrawal or advance settled, `payout.sent`: one all-or-nothing write,
   * shared with other payouts' writes (`writePayouts`). The worker moves on to the
   * next payout while it is written (unless too many wait: back-pressure); the run waits for it
   * before it ends. A part whose condition fails (a claim no longer APPROVED is a bug) is logged
   * and left out, never the payout: the money has moved and must never move again.
   */
  async settle(previous: StoredPayout, base: StoredPayout, providerRef: string, providerPaidAt: string | undefined, read: ClaimRead) {
    // Unreadable now: this throws, nothing is recorded, and the next run's query settles it.
    const claim = read === null && base.claimId ? await this.ctx.store.getClaim(base.claimId) : (read ?? undefined);
    const now = this.ctx.now();
    const confirmed: StoredPayout = {
      ...unscheduled(base),
      status: confirmedFrom(previous.status),
      providerRef,
      sentAt: previous.sentAt ?? now,
      paidAt: now,
      ...(providerPaidAt ? { providerPaidAt } : {}),
    };
    const writes: SettlementWrite[] = [...this.claimWrites(confirmed, claim, now)];
    if (confirmed.source === 'deposit') writes.push(...this.ctx.store.depositSettledWrites(confirmed, now));
    const events: PayoutEvent[] = [{ type: 'payout.sent', detail: { ...eventDetail(confirmed), providerRef, sentAt: confirmed.sentAt, paidAt: now } }];

    const written = this.confirm({ previous: guardOf(previous), payout: confirmed, dueAt: null, writes, events, at: now }, base.claimId).catch(
      this.ctx.onError,
    );
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
          this.ctx.result.confirmed += 1;
          return;
        case 'skipped': {
          // P3: the money moved. Another run changed the payout meanwhile (this run's lease
          // lapsed, or it was even given up as FAILED): the confirmation is recorded over the
          // payout as it is now — conditioned on it not being CONFIRMED, not on the lease.
          const fresh = await this.ctx.store.getPayout(settlement.payout.payoutId);
          if (!fresh || fresh.status === 'CONFIRMED' || rereads >= 3) {
            this.ctx.result.skipped += 1;
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
            const fresh = await this.ctx.store.getClaim(claimId);
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
      return this.ctx.store.claimPaidWrites(
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
