/**
 * The payout job's state machine (P1–P4, D3) over the in-memory store (test/support/
 * memory-payout-store.ts, kept true to DynamoDB by the shared contract) and a scripted provider:
 * every transition of PAYOUT_LIFECYCLE the job takes, and every provider outcome — confirmed,
 * processing, failed (retryable, at the limit, for good), unknown, thrown (timeout, provider
 * error), not found, not sent — plus deferral, overdue, lease and race paths.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PAYOUT_LIFECYCLE, toIso, toMs, type PayoutStatus } from '#shared/rules/index.ts';
import type { PayoutStore, PayoutWrite, StoredPayout } from '#shared/store/payout-store.ts';
import { runPayouts, type PayoutOptions, type PayoutRetryPolicy } from '#shared/use-cases/payouts.ts';
import { MemoryPayoutStore } from '#test/support/memory-payout-store.ts';
import { approvedClaimOf, payoutOf } from '#test/support/payout-store-contract.ts';
import { ScriptedProvider, type ProviderScript } from '#test/support/scripted-provider.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const START = '2026-11-21T11:00:00+08:00';
const RETRY: PayoutRetryPolicy = { retryBaseMs: MINUTE, maxBackoffMs: 60 * MINUTE, maxAttempts: 3, leaseMs: 2 * MINUTE, overdueRecheckMs: 4 * MINUTE };
const PAYEE = { identity: '2088000000000009', identityType: 'ALIPAY_USER_ID' as const };
const CONFIRMED = { outcome: 'confirmed', providerRef: 'ref-1' } as const;

/** Every status change the job wrote in this file, to check the lifecycle's transitions are all exercised. */
const observed: [string, string][] = [];

function harness(script: ProviderScript = {}, maxCallMs = 0) {
  const store = new MemoryPayoutStore();
  const provider = new ScriptedProvider(script, maxCallMs);
  let at = toMs(START);
  const clock = { now: () => toIso(at), advance: (ms: number) => (at += ms), at: () => at };
  const run = (options: Partial<PayoutOptions> = {}) => runPayouts({ provider, store, now: clock.now, retry: RETRY, concurrency: 4, ...options });
  const read = async (payoutId: string) => (await store.getPayout(payoutId))!;
  return { store, provider, clock, run, read };
}

afterAll(() => {
  // Record-level changes the job made; a change skipping states went through the lifecycle's hops.
  const hops: Record<string, PayoutStatus[]> = {
    'SENDING>CONFIRMED': ['SENDING', 'SENT', 'CONFIRMED'],
    'UNKNOWN>CONFIRMED': ['UNKNOWN', 'SENT', 'CONFIRMED'],
    'UNKNOWN>SENDING': ['UNKNOWN', 'FAILED', 'SENDING'],
    'FAILED>CONFIRMED': ['FAILED', 'SENDING', 'SENT', 'CONFIRMED'],
  };
  const taken = new Set<string>();
  for (const [from, to] of observed) {
    const path = hops[`${from}>${to}`] ?? [from, to];
    for (let i = 1; i < path.length; i += 1) taken.add(`${path[i - 1]}>${path[i]}`);
  }
  const lifecycle = Object.entries(PAYOUT_LIFECYCLE).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
  for (const edge of taken) expect(lifecycle, `the job took ${edge}, which PAYOUT_LIFECYCLE does not allow`).toContain(edge);
  // → CANCELLED is the penalty's (D3, withdrawalCancelWrites), never the job's: see the CANCELLED case.
  expect(lifecycle.filter((edge) => !taken.has(edge)).sort()).toEqual(['FAILED>CANCELLED', 'PENDING>CANCELLED']);
});

/** The fake with its `writePayouts` replaced, to act meanwhile as another run, a stall or a fault would. */
function withWrites(store: MemoryPayoutStore, writePayouts: PayoutStore['writePayouts']): PayoutStore {
  return Object.assign(Object.create(store) as MemoryPayoutStore, { writePayouts });
}

function remember(store: MemoryPayoutStore) {
  observed.push(...store.statusChanges);
}

/** An approved claim, its ACTIVE policy and its PENDING payout to the buyer, payee known. */
function seedClaimPayout(store: MemoryPayoutStore, overrides: Partial<StoredPayout> = {}) {
  const claim = approvedClaimOf();
  store.putClaim(claim);
  store.putPolicy({ orderId: claim.orderId, planId: claim.planId, lineId: claim.lineId!, status: 'ACTIVE', claimId: claim.claimId });
  const payout = payoutOf({
    claimId: claim.claimId,
    beneficiary: { role: 'buyer', id: 'b_1', alipayAccount: '' },
    payee: PAYEE,
    createdAt: toIso(toMs(START) - MINUTE),
    dueBy: '2026-11-25T00:00:00+08:00',
    ...overrides,
  });
  store.putPayout(payout);
  return { claim, payout };
}

describe('payout state machine over the in-memory store (P1–P4)', () => {
  it('P1 confirmed at once: PENDING → SENDING → SENT → CONFIRMED, the claim PAID and its policy CLAIMED in the same write, payout.sent once', async () => {
    const h = harness({ transfer: [{ ...CONFIRMED, providerPaidAt: '2026-11-21T11:00:01+08:00' }] });
    const { claim, payout } = seedClaimPayout(h.store);
    expect(await h.run()).toMatchObject({ processed: 1, sent: 1, confirmed: 1, errors: 0, skipped: 0 });
    const paid = await h.read(payout.payoutId);
    expect(paid).toMatchObject({
      status: 'CONFIRMED',
      attempts: 1,
      providerRef: 'ref-1',
      paidAt: START,
      sentAt: START,
      providerPaidAt: '2026-11-21T11:00:01+08:00',
    });
    expect(paid.leaseToken).toBeUndefined();
    expect(h.store.dueAtOf(payout.payoutId)).toBeNull();
    expect(h.provider.transfers).toEqual([
      { outBizNo: payout.payoutId, amountFen: payout.amountFen, payee: PAYEE, payeeAccount: PAYEE.identity, title: `Baozhang claim ${claim.claimId}` },
    ]);
    expect(await h.store.getClaim(claim.claimId)).toMatchObject({ status: 'PAID', paidAt: START });
    expect(h.store.policies.get(`${claim.orderId}/${claim.planId}/${claim.lineId}`)).toMatchObject({ status: 'CLAIMED' });
    expect(h.store.events.map((e) => e.type)).toEqual(['payout.sent']);
    // Settled: the next run has nothing to do.
    h.clock.advance(60 * MINUTE);
    expect(await h.run()).toMatchObject({ processed: 0, sent: 0 });
    remember(h.store);
  });

  it('P3 processing: SENDING → SENT, queried after the backoff; confirmed then → CONFIRMED, never sent twice', async () => {
    const h = harness({ transfer: [{ outcome: 'processing', providerRef: 'ref-p' }] });
    const { claim, payout } = seedClaimPayout(h.store);
    expect(await h.run()).toMatchObject({ sent: 1, processing: 1, confirmed: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'SENT', providerRef: 'ref-p', sentAt: START, nextAttemptAt: toIso(toMs(START) + MINUTE) });
    h.clock.advance(30 * SECOND);
    expect(await h.run()).toMatchObject({ processed: 0 }); // not due yet
    h.clock.advance(30 * SECOND);
    h.provider.andThen({ query: [{ outcome: 'processing' }] });
    expect(await h.run()).toMatchObject({ queried: 1, processing: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'SENT', checks: 1, nextAttemptAt: toIso(h.clock.at() + 2 * MINUTE) });
    h.clock.advance(2 * MINUTE);
    h.provider.andThen({ query: [CONFIRMED] });
    expect(await h.run()).toMatchObject({ queried: 1, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', sentAt: START, checks: 2 });
    expect((await h.store.getClaim(claim.claimId))?.status).toBe('PAID');
    expect(h.provider.transfers).toHaveLength(1);
    remember(h.store);
  });

  it('P3 refused, retryable: SENDING → FAILED with a doubling backoff, FAILED → SENDING under the same key, then confirmed', async () => {
    const refused = { outcome: 'failed', code: 'PAYER_BALANCE_NOT_ENOUGH', message: 'balance', retryable: true } as const;
    const h = harness({ transfer: [refused, refused, CONFIRMED] });
    const { payout } = seedClaimPayout(h.store);
    expect(await h.run()).toMatchObject({ sent: 1, retrying: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      lastError: { code: refused.code },
      nextAttemptAt: toIso(toMs(START) + MINUTE),
    });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ sent: 1, retrying: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'FAILED', attempts: 2, nextAttemptAt: toIso(h.clock.at() + 2 * MINUTE) });
    h.clock.advance(2 * MINUTE);
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', attempts: 3 });
    expect(h.provider.transfers.map((t) => t.outBizNo)).toEqual([payout.payoutId, payout.payoutId, payout.payoutId]);
    remember(h.store);
  });

  it('P3 refused at the attempt limit, or not retryable: FAILED for good, payout.failed once, out of the due index', async () => {
    const h = harness({ transfer: [{ outcome: 'failed', code: 'LIMIT', message: 'limit', retryable: true }] });
    const { payout } = seedClaimPayout(h.store, { status: 'FAILED', attempts: 2, nextAttemptAt: START, version: 2 });
    expect(await h.run()).toMatchObject({ sent: 1, failed: 1, retrying: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'FAILED', attempts: 3, failureCode: 'LIMIT', failedAt: START });
    expect((await h.read(payout.payoutId)).nextAttemptAt).toBeUndefined();
    expect(h.store.dueAtOf(payout.payoutId)).toBeNull();
    expect(h.store.events.map((e) => [e.type, e.detail['code']])).toEqual([['payout.failed', 'LIMIT']]);

    const g = harness({ transfer: [{ outcome: 'failed', code: 'PAYEE_NOT_EXIST', message: 'no such account', retryable: false }] });
    const first = seedClaimPayout(g.store).payout;
    expect(await g.run()).toMatchObject({ sent: 1, failed: 1 });
    expect(await g.read(first.payoutId)).toMatchObject({ status: 'FAILED', attempts: 1, failureCode: 'PAYEE_NOT_EXIST' });
    g.clock.advance(24 * 60 * MINUTE);
    expect(await g.run()).toMatchObject({ processed: 0, sent: 0 });
    remember(h.store);
    remember(g.store);
  });

  it('P3 unknown outcome: SENDING → UNKNOWN, queried (never resent blindly); confirmed by the query → CONFIRMED', async () => {
    const h = harness({ transfer: [{ outcome: 'unknown', reason: 'SYSTEM_ERROR' }], query: [CONFIRMED] });
    const { claim, payout } = seedClaimPayout(h.store);
    expect(await h.run()).toMatchObject({ sent: 1, unknown: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'UNKNOWN', lastError: { code: 'OUTCOME_UNKNOWN', message: 'SYSTEM_ERROR' } });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ queried: 1, sent: 0, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', attempts: 1 });
    expect((await h.store.getClaim(claim.claimId))?.status).toBe('PAID');
    expect(h.provider.transfers).toHaveLength(1);
    remember(h.store);
  });

  it('P3 a thrown transfer (timeout, provider error) is UNKNOWN; the query answers processing → SENT, or failed → FAILED and retried', async () => {
    const h = harness({ transfer: [new Error('socket hang up')], query: [{ outcome: 'processing', providerRef: 'ref-q' }] });
    const a = seedClaimPayout(h.store).payout;
    expect(await h.run()).toMatchObject({ sent: 1, unknown: 1, errors: 0 });
    expect(await h.read(a.payoutId)).toMatchObject({ status: 'UNKNOWN', lastError: { message: 'socket hang up' } });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ queried: 1, processing: 1 });
    expect(await h.read(a.payoutId)).toMatchObject({ status: 'SENT', providerRef: 'ref-q' });

    const g = harness({ transfer: [new Error('timeout'), CONFIRMED], query: [{ outcome: 'failed', code: 'BALANCE', message: 'balance', retryable: true }] });
    const b = seedClaimPayout(g.store).payout;
    await g.run();
    g.clock.advance(MINUTE);
    expect(await g.run()).toMatchObject({ queried: 1, retrying: 1 });
    expect(await g.read(b.payoutId)).toMatchObject({ status: 'FAILED', attempts: 1, lastError: { code: 'BALANCE' } });
    g.clock.advance(MINUTE);
    expect(await g.run()).toMatchObject({ sent: 1, confirmed: 1 });
    expect(await g.read(b.payoutId)).toMatchObject({ status: 'CONFIRMED', attempts: 2 });
    remember(h.store);
    remember(g.store);
  });

  it('P3 a query that is unknown or throws leaves UNKNOWN as it is, asked again after a longer backoff', async () => {
    const h = harness({ query: [{ outcome: 'unknown', reason: 'SYSTEM_ERROR' }, new Error('ETIMEDOUT')] });
    const { payout } = seedClaimPayout(h.store, { status: 'UNKNOWN', attempts: 1, version: 2, nextAttemptAt: START });
    expect(await h.run()).toMatchObject({ queried: 1, unknown: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'UNKNOWN', checks: 1, nextAttemptAt: toIso(toMs(START) + MINUTE) });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ queried: 1, unknown: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({
      status: 'UNKNOWN',
      checks: 2,
      lastError: { message: 'ETIMEDOUT' },
      nextAttemptAt: toIso(h.clock.at() + 2 * MINUTE),
    });
    expect(h.provider.transfers).toHaveLength(0);
  });

  it('P3 not found once no sender can still be calling: UNKNOWN → FAILED → SENDING, resent under the same key', async () => {
    const h = harness({ query: [{ outcome: 'not-found' }], transfer: [CONFIRMED] });
    const { payout } = seedClaimPayout(h.store, {
      status: 'UNKNOWN',
      attempts: 1,
      version: 2,
      nextAttemptAt: START,
      inFlightUntil: toIso(toMs(START) - SECOND),
    });
    expect(await h.run()).toMatchObject({ queried: 1, sent: 1, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', attempts: 2 });
    expect(h.provider.transfers.map((t) => t.outBizNo)).toEqual([payout.payoutId]);
    remember(h.store);
  });

  it('P3 not found while a sender may still be calling is not final: it waits until inFlightUntil, neither failed nor resent', async () => {
    const inFlightUntil = toIso(toMs(START) + 30 * SECOND);
    const h = harness({ query: [{ outcome: 'not-found' }] });
    const { payout } = seedClaimPayout(h.store, { status: 'UNKNOWN', attempts: 1, version: 2, nextAttemptAt: START, inFlightUntil });
    expect(await h.run()).toMatchObject({ queried: 1, unknown: 1, sent: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'UNKNOWN', nextAttemptAt: toIso(toMs(inFlightUntil) + 1) });
  });

  it('P3 an accepted (SENT) transfer is never resent nor failed by the job: not found or failed later leaves it SENT for an operator', async () => {
    const h = harness({ query: [{ outcome: 'not-found' }, { outcome: 'failed', code: 'REFUNDED', message: 'bank returned it', retryable: false }] });
    const { payout } = seedClaimPayout(h.store, { status: 'SENT', attempts: 1, version: 3, providerRef: 'ref-s', sentAt: START, nextAttemptAt: START });
    expect(await h.run()).toMatchObject({ queried: 1, unknown: 1, sent: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'SENT', lastError: { message: 'accepted transfer not found' } });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ queried: 1, unknown: 1, failed: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'SENT', lastError: { code: 'REFUNDED' } });
    expect(h.provider.transfers).toHaveLength(0);
  });

  it('P3 a SENDING payout is left to the run holding it until its lease ends, then queried (that run may have crashed mid-call)', async () => {
    const h = harness({ query: [CONFIRMED] });
    const leaseUntil = toIso(toMs(START) + MINUTE);
    const { payout } = seedClaimPayout(h.store, { status: 'SENDING', attempts: 1, version: 1, leaseToken: 'other-run', leaseUntil, inFlightUntil: leaseUntil });
    // A stray entry at its creation: the lease still holds, so this run stays away.
    expect(await h.run()).toMatchObject({ processed: 1, skipped: 1, queried: 0 });
    h.clock.advance(MINUTE + SECOND);
    expect(await h.run()).toMatchObject({ queried: 1, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', attempts: 1 });
    remember(h.store);
  });

  it('P3 no call once the lease cannot cover it: a sender stalled after its pre-call write, or told not-sent by the adapter, sends nothing', async () => {
    // Stalled: the clock jumps past the lease between the SENDING write and the call.
    const h = harness({}, 20 * SECOND);
    const stalled: PayoutStore = withWrites(h.store, async (writes: readonly PayoutWrite[]) => {
      const outcomes = await h.store.writePayouts(writes);
      if (writes.some((w) => w.payout.status === 'SENDING')) h.clock.advance(2 * MINUTE);
      return outcomes;
    });
    const { payout } = seedClaimPayout(h.store);
    expect(await h.run({ store: stalled })).toMatchObject({ sent: 0, skipped: 1 });
    expect(h.provider.transfers).toHaveLength(0);
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'SENDING', attempts: 1 });

    // The adapter's own check, right before the request leaves.
    const g = harness({
      transfer: [
        (_request, guard) => {
          expect(guard?.mayCall()).toBe(true);
          return { outcome: 'not-sent' };
        },
      ],
    });
    const p = seedClaimPayout(g.store).payout;
    expect(await g.run()).toMatchObject({ sent: 0, skipped: 1 });
    expect(await g.read(p.payoutId)).toMatchObject({ status: 'SENDING' });
    remember(h.store);
  });

  it('P4 no payee known: deferred (never a guessed account), sent once the merchant profile names one', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const merchantId = 'm_nopayee';
    const payout = payoutOf({
      beneficiary: { role: 'merchant', id: merchantId, alipayAccount: '' },
      createdAt: toIso(toMs(START) - MINUTE),
      dueBy: '2026-11-25T00:00:00+08:00',
    });
    h.store.putPayout(payout);
    expect(await h.run()).toMatchObject({ deferred: 1, sent: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({
      status: 'PENDING',
      deferred: true,
      lastError: { code: 'NO_PAYEE' },
      nextAttemptAt: toIso(toMs(START) + 60 * MINUTE),
    });
    // A logon id without the holder's name is no valid payee either.
    h.store.putMerchant(merchantId, { alipayAccount: 'shop@example.com' });
    h.clock.advance(60 * MINUTE);
    expect(await h.run()).toMatchObject({ deferred: 1, sent: 0 });
    h.store.putMerchant(merchantId, { alipayAccount: 'shop@example.com', name: '李四' });
    h.clock.advance(60 * MINUTE);
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
    const paid = await h.read(payout.payoutId);
    expect(paid).toMatchObject({ status: 'CONFIRMED', payee: { identity: 'shop@example.com', identityType: 'ALIPAY_LOGON_ID', name: '李四' } });
    expect(paid.deferred).toBeUndefined();
    expect(paid.beneficiary.alipayAccount).not.toBe('shop@example.com'); // masked
    expect(h.provider.transfers).toHaveLength(1);
  });

  it("P4 a buyer's payout without a payee is paid to the Alipay identity the claim's order brought", async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const { claim, payout } = seedClaimPayout(h.store, { payee: undefined });
    h.store.putOrder(claim.orderId, { buyerAlipay: PAYEE });
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
    expect(h.provider.transfers[0]).toMatchObject({ outBizNo: payout.payoutId, payee: PAYEE });
  });

  /** A deposit-funded withdrawal payout to merchant `merchantId`, due a minute before the run. */
  const withdrawalPayout = (withdrawalId: string, merchantId: string) =>
    payoutOf({
      withdrawalId,
      source: 'deposit',
      depositMerchantId: merchantId,
      beneficiary: { role: 'merchant', id: merchantId, alipayAccount: '' },
      payee: PAYEE,
      createdAt: toIso(toMs(START) - MINUTE),
    });

  it('D3 a withdrawal is never handed to the provider after a fraud finding: deferred FRAUD_FINDING, nothing sent', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const payout = withdrawalPayout('wd_1', 'm_fraud');
    h.store.putPayout(payout);
    h.store.putMerchant('m_fraud', { alipay: PAYEE, fraudFinding: true });
    expect(await h.run()).toMatchObject({ deferred: 1, sent: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'PENDING', deferred: true, lastError: { code: 'FRAUD_FINDING' } });
    expect(h.provider.transfers).toHaveLength(0);
  });

  it('D2 D3 a deposit-funded withdrawal settles its withdrawal in the confirmation write', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const payout = withdrawalPayout('wd_2', 'm_ok');
    h.store.putPayout(payout);
    h.store.depositParts.set('withdrawal/wd_2', { status: 'APPROVED' });
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
    expect(h.provider.transfers[0]?.title).toBe('Baozhang deposit wd_2');
    expect(h.store.depositParts.get('withdrawal/wd_2')).toEqual({ status: 'PAID', paidAt: START });
  });

  it('P2 a payout past dueBy is flagged overdue once (payout.overdue) and still sent; every later run counts it while unpaid', async () => {
    const refused = { outcome: 'failed', code: 'BALANCE', message: 'balance', retryable: true } as const;
    const h = harness({ transfer: [refused, refused] });
    const { payout } = seedClaimPayout(h.store, { dueBy: toIso(toMs(START) - SECOND) });
    expect(await h.run()).toMatchObject({ overdue: 1, newlyOverdue: 1, sent: 1, retrying: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ overdue: true, overdueAt: START, status: 'FAILED' });
    h.clock.advance(MINUTE);
    expect(await h.run()).toMatchObject({ overdue: 1, newlyOverdue: 0, sent: 1 });
    // An overdue payout waits at most overdueRecheckMs, however many refusals.
    expect((await h.read(payout.payoutId)).nextAttemptAt).toBe(toIso(h.clock.at() + 2 * MINUTE));
    expect(h.store.events.filter((e) => e.type === 'payout.overdue')).toHaveLength(1);
    remember(h.store);
  });

  it('another run changed the payout first: this run steps aside (skipped), nothing sent', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const { payout } = seedClaimPayout(h.store);
    const racing: PayoutStore = withWrites(h.store, async (writes: readonly PayoutWrite[]) => {
      const entry = h.store.payouts.get(payout.payoutId)!;
      entry.payout = { ...entry.payout, version: (entry.payout.version ?? 0) + 1 };
      return h.store.writePayouts(writes);
    });
    expect(await h.run({ store: racing })).toMatchObject({ processed: 1, skipped: 1, sent: 0 });
    expect(h.provider.transfers).toHaveLength(0);
  });

  it('P3 a confirmation whose lease-guarded write lost is recorded over the payout as it is now: money that moved is recorded once', async () => {
    const h = harness();
    const { claim, payout } = seedClaimPayout(h.store);
    h.provider.andThen({
      transfer: [
        () => {
          // Meanwhile another run took the payout over (its lease, a new version) and left it UNKNOWN.
          const entry = h.store.payouts.get(payout.payoutId)!;
          entry.payout = { ...entry.payout, status: 'UNKNOWN', leaseToken: 'other', version: (entry.payout.version ?? 0) + 1 };
          return CONFIRMED;
        },
      ],
    });
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED', providerRef: 'ref-1' });
    expect((await h.store.getClaim(claim.claimId))?.status).toBe('PAID');
    expect(h.store.events.filter((e) => e.type === 'payout.sent')).toHaveLength(1);
    remember(h.store);
  });

  it('P1 a claim no longer APPROVED when its payout confirms: read again, then left as it is — the payout is still CONFIRMED', async () => {
    const h = harness();
    const { claim, payout } = seedClaimPayout(h.store);
    h.provider.andThen({
      transfer: [
        () => {
          h.store.putClaim({ ...claim, status: 'REJECTED' });
          return CONFIRMED;
        },
      ],
    });
    expect(await h.run()).toMatchObject({ confirmed: 1, errors: 0 });
    expect(await h.read(payout.payoutId)).toMatchObject({ status: 'CONFIRMED' });
    expect((await h.store.getClaim(claim.claimId))?.status).toBe('REJECTED');
    expect(h.store.policies.get(`${claim.orderId}/${claim.planId}/${claim.lineId}`)).toMatchObject({ status: 'ACTIVE' });
  });

  it('P1 a failed batch read of claims: the claim is read again alongside the transfer and paid', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const { claim } = seedClaimPayout(h.store);
    h.store.failClaimBatch = true;
    expect(await h.run()).toMatchObject({ confirmed: 1 });
    expect((await h.store.getClaim(claim.claimId))?.status).toBe('PAID');
  });

  it("P4 a page's payees are read together: one read of its merchants' profiles, one of its buyers' orders, whatever the payouts", async () => {
    const h = harness({ transfer: [CONFIRMED, CONFIRMED, CONFIRMED, CONFIRMED, CONFIRMED] });
    h.store.putMerchant('m_1', { alipay: PAYEE });
    h.store.putMerchant('m_2', { alipay: PAYEE });
    for (const merchant of ['m_1', 'm_1', 'm_2'])
      seedClaimPayout(h.store, { payee: undefined, beneficiary: { role: 'merchant', id: merchant, alipayAccount: '' } });
    for (let i = 0; i < 2; i += 1) {
      const { claim } = seedClaimPayout(h.store, { payee: undefined });
      h.store.putOrder(claim.orderId, { buyerAlipay: PAYEE });
    }
    const asked: { merchants: string[][]; orders: string[][] } = { merchants: [], orders: [] };
    const [merchantPayees, orderBuyerPayees] = [h.store.merchantPayees.bind(h.store), h.store.orderBuyerPayees.bind(h.store)];
    h.store.merchantPayees = (ids) => {
      asked.merchants.push([...ids]);
      return merchantPayees(ids);
    };
    h.store.orderBuyerPayees = (ids) => {
      asked.orders.push([...ids]);
      return orderBuyerPayees(ids);
    };
    expect(await h.run({ concurrency: 8 })).toMatchObject({ processed: 5, sent: 5, confirmed: 5, deferred: 0, errors: 0 });
    expect(asked.merchants.map((ids) => [...new Set(ids)].sort())).toEqual([['m_1', 'm_2']]);
    expect(asked.orders.map((ids) => ids.length)).toEqual([2]);
  });

  it('P4 a failed read of the payees sends nothing: the payout is an error of this run and stays due, never deferred', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    h.store.putMerchant('m_1', { alipay: PAYEE });
    const { payout } = seedClaimPayout(h.store, { payee: undefined, beneficiary: { role: 'merchant', id: 'm_1', alipayAccount: '' } });
    h.store.failPayeeBatch = true;
    expect(await h.run()).toMatchObject({ processed: 1, sent: 0, deferred: 0, errors: 1 });
    expect((await h.read(payout.payoutId)).status).toBe('PENDING');
    expect(h.store.dueAtOf(payout.payoutId)).not.toBeNull();
    h.store.failPayeeBatch = false;
    expect(await h.run()).toMatchObject({ sent: 1, confirmed: 1 });
  });

  it('D3 CONFIRMED and CANCELLED are settled: a stray due entry is dropped, nothing sent (→ CANCELLED is the penalty’s write, never the job’s)', async () => {
    const h = harness();
    const cancelled = payoutOf({ status: 'CANCELLED', withdrawalId: 'wd_c', cancelledAt: START, createdAt: toIso(toMs(START) - MINUTE) });
    const confirmed = payoutOf({ status: 'CONFIRMED', createdAt: toIso(toMs(START) - MINUTE) });
    h.store.putPayout(cancelled);
    h.store.putPayout(confirmed);
    expect(await h.run()).toMatchObject({ processed: 2, sent: 0, queried: 0, errors: 0 });
    expect(h.store.dueAtOf(cancelled.payoutId)).toBeNull();
    expect(h.store.dueAtOf(confirmed.payoutId)).toBeNull();
    expect((await h.read(cancelled.payoutId)).status).toBe('CANCELLED');
    expect(h.store.statusChanges).toEqual([]);
  });

  it('the deadline: no payout is started with less than 10 s left; the rest stays due for the next run', async () => {
    const h = harness({ transfer: [CONFIRMED, CONFIRMED, CONFIRMED] });
    for (let i = 0; i < 3; i += 1) seedClaimPayout(h.store);
    // Time enough for the run's first read and first payout; 5 s left when the next would start.
    let calls = 0;
    const result = await h.run({ concurrency: 1, remainingMs: () => (calls++ < 2 ? 60 * SECOND : 5 * SECOND) });
    expect(result).toMatchObject({ processed: 1, leftForNextRun: 2, confirmed: 1 });
    expect(await h.run()).toMatchObject({ processed: 2, confirmed: 2 });
  });

  it('group commit: a busy run shares writes among payouts (fewer store writes than payout writes), each still under its own condition', async () => {
    const h = harness({ transfer: Array.from({ length: 20 }, () => CONFIRMED) });
    for (let i = 0; i < 20; i += 1) seedClaimPayout(h.store);
    expect(await h.run({ concurrency: 20 })).toMatchObject({ processed: 20, sent: 20, confirmed: 20, errors: 0 });
    const writes = h.store.writeCalls.reduce((sum, n) => sum + n, 0);
    expect(writes).toBe(40); // a pre-call and a confirmation each
    expect(h.store.writeCalls.length).toBeLessThan(writes);
  });

  it('a payout whose handling throws is counted and stays due; the others are paid', async () => {
    const h = harness({ transfer: [CONFIRMED] });
    const { payout: bad } = seedClaimPayout(h.store);
    seedClaimPayout(h.store);
    const faulty: PayoutStore = withWrites(h.store, async (writes: readonly PayoutWrite[]) =>
      writes.some((w) => w.payout.payoutId === bad.payoutId) ? Promise.reject(new Error('throttled')) : h.store.writePayouts(writes),
    );
    expect(await h.run({ store: faulty, concurrency: 1 })).toMatchObject({ errors: 1, confirmed: 1 });
    expect(h.store.dueAtOf(bad.payoutId)).toBe(bad.createdAt);
  });
});
