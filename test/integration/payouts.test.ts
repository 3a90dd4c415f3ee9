import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { handler as payoutHandler, metrics } from '#functions/payout/handler.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { PayoutSchema } from '#shared/http/schemas.ts';
import { localScheduledEvent } from '#shared/jobs/scheduled-event.ts';
import { localProvider, localProviderCalls, resetLocalProvider, setLocalProviderFaults } from '#shared/payments/local.ts';
import { toIso, toMs, type Policy } from '#shared/rules/index.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys } from '#shared/store/keys.ts';
import { getPayout, payoutItem, payoutsNeedingAttention, savePayoutStep, writePayouts, type StoredPayout } from '#shared/store/payouts.ts';
import { runPayouts } from '#shared/use-cases/payouts.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { event, nextId } from './support/orders.ts';
import { batchPut, fileQualityRefundClaim, outboxOn, readItem, seedCovered, seedMerchant, seedProofOrder } from './support/seed.ts';

const api = useApi();
const T0 = '2026-11-23T10:00:00+08:00'; // a Monday
const clock = fixedClock(T0);
const MINUTE = 60_000;

const metricCalls: unknown[][] = [];
beforeAll(() => {
  setClock(clock);
  // Observe the OverduePayouts metric (without a namespace, as here, it is never printed).
  vi.spyOn(metrics, 'addMetric').mockImplementation((...args) => {
    metricCalls.push(args);
    return metrics;
  });
});
afterAll(() => {
  setClock(systemClock);
  vi.restoreAllMocks();
});
beforeEach(() => {
  clock.set(T0);
  resetLocalProvider();
});

const at = (ms: number) => toIso(toMs(T0) + ms);

function runJob(as: Caller = parties.ops) {
  return api.call('POST', '/v1/jobs/payout/runs', { as });
}

interface Approved {
  claimId: string;
  payoutId: string;
  policy: Policy;
}

/** A live-price claim approved at submission (A1) with its PENDING payout (2000 fen to the buyer). */
async function approvedClaim(buyer: Caller = parties.buyer): Promise<Approved> {
  const { policy } = await seedCovered('live-price', { buyerId: buyer.sub });
  const proof = await seedProofOrder({ buyerId: buyer.sub });
  const res = await api.call('POST', '/v1/claims', { as: buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } });
  expect(res.body.status).toBe('APPROVED');
  const payouts = await api.call('GET', `/v1/payouts?claimId=${res.body.claimId}`, { as: parties.ops });
  return { claimId: res.body.claimId, payoutId: payouts.body.items[0].payoutId, policy };
}

const payoutView = async (claimId: string, as: Caller = parties.ops) => (await api.call('GET', `/v1/payouts?claimId=${claimId}`, { as })).body.items[0];
const claimView = async (claimId: string) => (await api.call('GET', `/v1/claims/${claimId}`, { as: parties.adjuster })).body;
const callsFor = (payoutId: string, kind: 'transfer' | 'query') => localProviderCalls().filter((c) => c.outBizNo === payoutId && c.kind === kind);

/** The outbound events about a payout on the UTC days of `instants`. */
async function payoutEvents(payoutId: string, ...instants: string[]) {
  const days = [...new Set(instants.map((i) => new Date(i).toISOString().slice(0, 10)))];
  const all = (await Promise.all(days.map((day) => outboxOn(`${day}T12:00:00Z`)))).flat();
  return all.filter((e) => e.type.startsWith('payout.') && e.detail['payoutId'] === payoutId);
}

describe('payout job (P1–P3): each approved claim paid exactly once', () => {
  it('P1 an approved claim is paid once: payout CONFIRMED, claim PAID with paidAt, policy CLAIMED, payout.sent once', async () => {
    const { claimId, payoutId, policy } = await approvedClaim();
    clock.set(at(5 * MINUTE));
    const run = await runJob();
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ job: 'payout', processed: 1, sent: 1, confirmed: 1, failed: 0, unknown: 0, overdue: 0, errors: 0 });

    const paidAt = at(5 * MINUTE);
    const payout = await payoutView(claimId, parties.buyer);
    expect(payout).toMatchObject({
      payoutId,
      claimId,
      status: 'CONFIRMED',
      attempts: 1,
      providerRef: expect.stringMatching(/^ltr_/),
      sentAt: paidAt,
      paidAt,
      overdue: false,
    });
    expect(z.strictObject(PayoutSchema.shape).safeParse(payout).error).toBeUndefined();
    expect(payout).not.toHaveProperty('version'); // the job's bookkeeping stays inside

    const claim = await claimView(claimId);
    expect(claim).toMatchObject({ status: 'PAID', paidAt });
    expect(claim.history.at(-1)).toEqual({ at: paidAt, status: 'PAID', actor: { role: 'system' } });

    const policyItem = await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId));
    expect(policyItem).toMatchObject({ status: 'CLAIMED', claimedAt: paidAt, claimId });
    expect(policyItem).not.toHaveProperty('dueShard'); // the expiry job no longer reads it
    expect(await readItem(keys.payout(payoutId))).not.toHaveProperty('dueShard'); // nor does this job

    const events = await payoutEvents(payoutId, paidAt);
    expect(events.map((e) => e.type)).toEqual(['payout.sent']);
    expect(events[0]!.detail).toMatchObject({ payoutId, claimId, amountFen: 2000, beneficiary: { role: 'buyer', id: 'buyer-417' }, paidAt });
    expect(callsFor(payoutId, 'transfer')).toHaveLength(1);

    // Run again, later: nothing is due, nothing is sent.
    clock.set(at(60 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 0, sent: 0, confirmed: 0 });
    expect(callsFor(payoutId, 'transfer')).toHaveLength(1);
  });

  it('P3 the provider refusing: FAILED, retried with exponential backoff (1 min, 2 min), then paid once', async () => {
    const { claimId, payoutId } = await approvedClaim();
    setLocalProviderFaults({ failNext: 2 });

    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, retrying: 1, confirmed: 0, failed: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'FAILED', attempts: 1, nextAttemptAt: at(MINUTE) });
    expect(await getPayout(payoutId)).toMatchObject({ lastError: { code: 'LOCAL_UNAVAILABLE' } });

    clock.set(at(MINUTE - 1)); // backoff not over: not even read
    expect((await runJob()).body).toMatchObject({ processed: 0, sent: 0 });

    clock.set(at(MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, retrying: 1 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'FAILED', attempts: 2, nextAttemptAt: at(3 * MINUTE) });

    clock.set(at(3 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, confirmed: 1 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'CONFIRMED', attempts: 3 });
    expect((await claimView(claimId)).status).toBe('PAID');
    expect(callsFor(payoutId, 'transfer')).toHaveLength(3);
    expect((await payoutEvents(payoutId, T0)).map((e) => e.type)).toEqual(['payout.sent']);
  });

  it('P3 refusals past the retry limit (5 transfers): FAILED for good, reported once with payout.failed, never sent again', async () => {
    const { claimId, payoutId } = await approvedClaim();
    setLocalProviderFaults({ failNext: 99 });
    let elapsed = 0;
    for (const wait of [0, 1, 2, 4, 8]) {
      elapsed += wait * MINUTE;
      clock.set(at(elapsed));
      expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1 });
    }
    const payout = await payoutView(claimId);
    expect(payout).toMatchObject({ status: 'FAILED', attempts: 5, failureCode: 'LOCAL_UNAVAILABLE' });
    expect(payout).not.toHaveProperty('nextAttemptAt');
    expect(await readItem(keys.payout(payoutId))).not.toHaveProperty('dueShard');
    // Issue 20: FAILED for good, it waits in the payouts needing attention (QueueIndex).
    expect((await payoutsNeedingAttention({ limit: 1000 })).items.map((p) => p.payoutId)).toContain(payoutId);
    const failed = (await payoutEvents(payoutId, T0)).filter((e) => e.type === 'payout.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({ payoutId, claimId, attempts: 5, code: 'LOCAL_UNAVAILABLE' });
    expect((await claimView(claimId)).status).toBe('APPROVED');

    clock.set(at(24 * 60 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 0, sent: 0 });
    expect(callsFor(payoutId, 'transfer')).toHaveLength(5);
  });

  it('P3 a payee the provider does not know is FAILED for good at once (no retry can cure it)', async () => {
    const { claimId, payoutId } = await approvedClaim(parties.otherBuyer);
    // The payee is the Alipay identity the order brought (P4), never the buyer id.
    setLocalProviderFaults({ unknownPayees: ['2088102146225135'] });
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, failed: 1, retrying: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'FAILED', attempts: 1, failureCode: 'PAYEE_NOT_EXIST' });
    expect((await payoutEvents(payoutId, T0)).map((e) => e.type)).toEqual(['payout.failed']);
  });

  it('P3 a transfer that times out with its outcome unknown is queried, not resent: paid once', async () => {
    const { claimId, payoutId } = await approvedClaim();
    setLocalProviderFaults({ timeoutNext: 1 });
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, unknown: 1, confirmed: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'UNKNOWN', attempts: 1, nextAttemptAt: at(MINUTE) });
    expect((await claimView(claimId)).status).toBe('APPROVED');

    clock.set(at(MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 0, queried: 1, confirmed: 1 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'CONFIRMED', attempts: 1 });
    expect((await claimView(claimId)).status).toBe('PAID');
    expect(callsFor(payoutId, 'transfer')).toHaveLength(1);
    expect(callsFor(payoutId, 'query')).toHaveLength(1);
    expect((await payoutEvents(payoutId, T0)).map((e) => e.type)).toEqual(['payout.sent']);
  });

  it('P3 a query that fails too is retried later; the payout is still never resent', async () => {
    const { claimId, payoutId } = await approvedClaim();
    setLocalProviderFaults({ timeoutNext: 1, queryTimeoutNext: 1 });
    await runJob();
    clock.set(at(MINUTE));
    expect((await runJob()).body).toMatchObject({ queried: 1, unknown: 1, sent: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'UNKNOWN', nextAttemptAt: at(2 * MINUTE) });
    clock.set(at(2 * MINUTE));
    expect((await runJob()).body).toMatchObject({ queried: 1, confirmed: 1, sent: 0 });
    expect(callsFor(payoutId, 'transfer')).toHaveLength(1);
  });

  it('P3 a transfer that succeeds late is SENT until the provider confirms it, then the claim is PAID', async () => {
    const { claimId, payoutId } = await approvedClaim();
    setLocalProviderFaults({ lateNext: 1, lateByMs: 10 * MINUTE });
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, processing: 1, confirmed: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'SENT', sentAt: T0, providerRef: expect.stringMatching(/^ltr_/), overdue: false });
    expect((await claimView(claimId)).status).toBe('APPROVED');

    clock.set(at(MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, queried: 1, processing: 1, sent: 0 });
    clock.set(at(10 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, queried: 1, confirmed: 1, sent: 0 });
    expect(await payoutView(claimId)).toMatchObject({ status: 'CONFIRMED', sentAt: T0, paidAt: at(10 * MINUTE) });
    expect(await getPayout(payoutId)).toMatchObject({ providerPaidAt: at(10 * MINUTE) });
    expect(await claimView(claimId)).toMatchObject({ status: 'PAID', paidAt: at(10 * MINUTE) });
    expect(callsFor(payoutId, 'transfer')).toHaveLength(1);
    expect((await payoutEvents(payoutId, T0)).map((e) => e.type)).toEqual(['payout.sent']);
  });

  it('P3 a run that crashed mid-call: once its lease ends the payout is queried — found: settled; not found: sent again, same key', async () => {
    const reached = await approvedClaim(); // the crashed call reached the provider
    const lost = await approvedClaim(); // it never did
    const leaseUntil = at(2 * MINUTE);
    for (const { payoutId } of [reached, lost]) {
      const payout = (await getPayout(payoutId))!;
      const held = await savePayoutStep({
        previous: { status: 'PENDING' },
        payout: { ...payout, status: 'SENDING', attempts: 1, leaseToken: 'crashed-run', leaseUntil },
        dueAt: leaseUntil,
        at: T0,
      });
      expect(held).toMatchObject({ status: 'SENDING', version: 1 });
    }
    expect(
      await localProvider.transfer({
        outBizNo: reached.payoutId,
        amountFen: 2000,
        payee: { identity: 'buyer-417', identityType: 'ALIPAY_LOGON_ID', name: 'Buyer' },
        payeeAccount: 'buyer-417',
        title: 'crashed',
      }),
    ).toMatchObject({
      outcome: 'confirmed',
    });

    clock.set(at(MINUTE)); // still leased: not read
    expect((await runJob()).body).toMatchObject({ processed: 0, sent: 0, queried: 0 });

    clock.set(at(2 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 2, queried: 2, sent: 1, confirmed: 2 });
    expect(await payoutView(reached.claimId)).toMatchObject({ status: 'CONFIRMED', attempts: 1 });
    expect(await payoutView(lost.claimId)).toMatchObject({ status: 'CONFIRMED', attempts: 2 });
    expect(callsFor(reached.payoutId, 'transfer')).toHaveLength(1); // the crashed run's own
    expect(callsFor(lost.payoutId, 'transfer')).toHaveLength(1); // the resend
    for (const { claimId } of [reached, lost]) expect((await claimView(claimId)).status).toBe('PAID');
  });

  it('P1 two job runs at the same time: each payout is sent once and paid once', async () => {
    const approved: Approved[] = [];
    for (let i = 0; i < 6; i += 1) approved.push(await approvedClaim());
    setLocalProviderFaults({ delayMs: 30 }); // keeps both runs' calls in flight together
    const [a, b] = await Promise.all([runJob(), runJob()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.confirmed + b.body.confirmed).toBe(6);
    expect(a.body.sent + b.body.sent).toBe(6);
    // Whatever the interleaving, a payout both runs read was sent by one; the other stepped aside.
    expect(a.body.skipped + b.body.skipped).toBe(a.body.processed + b.body.processed - 6);
    for (const { claimId, payoutId } of approved) {
      expect(callsFor(payoutId, 'transfer'), payoutId).toHaveLength(1);
      expect((await payoutView(claimId)).status).toBe('CONFIRMED');
      expect((await claimView(claimId)).status).toBe('PAID');
      expect((await payoutEvents(payoutId, T0)).filter((e) => e.type === 'payout.sent')).toHaveLength(1);
    }
  });

  it('a payout whose record changed since it was read is not written over (payout-unchanged)', async () => {
    const { payoutId } = await approvedClaim();
    const stale = (await getPayout(payoutId))!;
    await runJob();
    const write = await savePayoutStep({ previous: { status: stale.status }, payout: { ...stale, status: 'SENDING' }, dueAt: T0, at: T0 });
    expect(write).toBeUndefined();
    expect(await getPayout(payoutId)).toMatchObject({ status: 'CONFIRMED' });
  });

  it('several payouts written together: one payout changed meanwhile is left out while the others land', async () => {
    // Written out of the due index (dueAt null), so no later run of this file picks them up.
    const approved = await Promise.all([approvedClaim(), approvedClaim(), approvedClaim()]);
    const read = await Promise.all(approved.map(({ payoutId }) => getPayout(payoutId)));
    // Another run moves the second payout first.
    await savePayoutStep({ previous: { status: 'PENDING' }, payout: { ...read[1]!, status: 'SENDING', leaseToken: 'other' }, dueAt: null, at: T0 });
    const outcomes = await writePayouts(
      read.map((payout) => ({
        previous: { status: 'PENDING' as const },
        payout: { ...payout!, status: 'SENDING' as const, leaseToken: 'mine' },
        dueAt: null,
        at: T0,
      })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['written', 'skipped', 'written']);
    expect(await getPayout(approved[0]!.payoutId)).toMatchObject({ status: 'SENDING', leaseToken: 'mine', version: 1 });
    expect(await getPayout(approved[1]!.payoutId)).toMatchObject({ status: 'SENDING', leaseToken: 'other', version: 1 });
    expect(await getPayout(approved[2]!.payoutId)).toMatchObject({ status: 'SENDING', leaseToken: 'mine', version: 1 });
  });

  it('two writes of one payout in one batch never share a transaction (DynamoDB refuses an item twice): the second finds the first written', async () => {
    const { payoutId } = await approvedClaim();
    const payout = (await getPayout(payoutId))!;
    const outcomes = await writePayouts([
      { previous: { status: 'PENDING' }, payout: { ...payout, status: 'SENDING', leaseToken: 'a' }, dueAt: null, at: T0 },
      { previous: { status: 'PENDING' }, payout: { ...payout, status: 'SENDING', leaseToken: 'b' }, dueAt: null, at: T0 },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['written', 'skipped']);
    expect(await getPayout(payoutId)).toMatchObject({ leaseToken: 'a', version: 1 });
  });

  it('P1 a claim changed after the run read it is read again when settling: PAID, never left APPROVED beside a CONFIRMED payout', async () => {
    const { claimId, payoutId } = await approvedClaim();
    const provider = {
      ...localProvider,
      transfer: async (request: Parameters<typeof localProvider.transfer>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 200)); // the run's read of the page's claims has landed
        // Behind the run's back the claim gains a history entry (still APPROVED): the read it holds is stale.
        await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.claim(claimId),
            UpdateExpression: 'SET #history = list_append(#history, :entry)',
            ExpressionAttributeNames: { '#history': 'history' },
            ExpressionAttributeValues: { ':entry': [{ at: T0, status: 'APPROVED', actor: { role: 'system' }, note: 'annotated' }] },
          }),
        );
        return localProvider.transfer(request);
      },
    };
    expect(await runPayouts({ provider })).toMatchObject({ processed: 1, sent: 1, confirmed: 1, errors: 0 });
    const claim = await claimView(claimId);
    expect(claim).toMatchObject({ status: 'PAID', paidAt: T0 });
    expect(claim.history.map((h: { status: string }) => h.status).slice(-3)).toEqual(['APPROVED', 'APPROVED', 'PAID']);
    expect(await getPayout(payoutId)).toMatchObject({ status: 'CONFIRMED' });
    expect((await payoutEvents(payoutId, T0)).map((e) => e.type)).toEqual(['payout.sent']);
  });

  it('P2 a payout still unpaid after dueBy is flagged overdue once, with payout.overdue and the OverduePayouts metric', async () => {
    const { claimId, payoutId } = await approvedClaim();
    const dueBy = '2026-11-26T23:59:59.999+08:00'; // 3 working days after Monday's approval, to the end of the day (P2)
    expect((await payoutView(claimId)).dueBy).toBe(dueBy);
    setLocalProviderFaults({ failNext: 99 }); // the provider is down for days
    await runJob();

    const justAfter = toIso(toMs(dueBy) + 1);
    clock.set(dueBy); // the due instant itself is on time
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, retrying: 1, overdue: 0 });
    expect((await payoutView(claimId)).overdue).toBe(false);

    metricCalls.length = 0;
    clock.set(justAfter); // read only to be reported: its retry waits 2 minutes
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 0, overdue: 1, newlyOverdue: 1 });
    expect(metricCalls).toContainEqual(['OverduePayouts', 'Count', 1]);
    expect(await payoutView(claimId, parties.buyer)).toMatchObject({ status: 'FAILED', overdue: true });
    expect(await getPayout(payoutId)).toMatchObject({ overdue: true, overdueAt: justAfter });
    // Issue 20: overdue and unsettled, it waits in the payouts needing attention until it settles.
    expect((await payoutsNeedingAttention({ limit: 1000 })).items.map((p) => p.payoutId)).toContain(payoutId);
    expect((await runJob()).body).toMatchObject({ processed: 0, overdue: 0 });

    clock.set(toIso(toMs(dueBy) + 2 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, overdue: 1, newlyOverdue: 0 });
    // While overdue it is tried (and counted) at least every 4 minutes, whatever its backoff: every run sees it.
    clock.set(toIso(toMs(dueBy) + 6 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, overdue: 1, retrying: 1 });
    expect(await payoutView(claimId)).toMatchObject({ attempts: 4, nextAttemptAt: toIso(toMs(dueBy) + 10 * MINUTE) });

    setLocalProviderFaults({});
    clock.set(toIso(toMs(dueBy) + 10 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, confirmed: 1, overdue: 1 });
    expect((await claimView(claimId)).status).toBe('PAID');
    expect(await payoutView(claimId)).toMatchObject({ status: 'CONFIRMED', overdue: false });
    expect((await payoutsNeedingAttention({ limit: 1000 })).items.map((p) => p.payoutId)).not.toContain(payoutId);
    const events = await payoutEvents(payoutId, T0, dueBy);
    expect(events.filter((e) => e.type === 'payout.overdue')).toHaveLength(1);
    expect(events.find((e) => e.type === 'payout.overdue')!.detail).toMatchObject({ payoutId, claimId, dueBy, status: 'FAILED' });
    expect(events.filter((e) => e.type === 'payout.sent')).toHaveLength(1);

    metricCalls.length = 0;
    expect((await runJob()).body).toMatchObject({ processed: 0, overdue: 0 });
    expect(metricCalls).toContainEqual(['OverduePayouts', 'Count', 0]);
  });

  it('a merchant payout without an Alipay account is not sent but reported, and paid once the profile has one', async () => {
    const merchantId = nextId('shop-noaccount');
    const { claim } = await fileQualityRefundClaim(merchantId, T0);
    const merchant = { role: 'merchant', sub: merchantId } as const;
    const before = await payoutView(claim.claimId, merchant);
    expect(before.beneficiary.alipayAccount).toBe('');

    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 0, deferred: 1 });
    expect(await payoutView(claim.claimId, merchant)).toMatchObject({ status: 'PENDING', attempts: 0, deferred: true, nextAttemptAt: at(60 * MINUTE) });
    expect(callsFor(before.payoutId, 'transfer')).toHaveLength(0);

    await seedMerchant(merchantId, `${merchantId}@alipay.example`);
    clock.set(at(60 * MINUTE));
    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 1, confirmed: 1 });
    // P4: the old alipayAccount string is paid as a logon id, named with the profile's name; shown masked.
    const paid = await payoutView(claim.claimId, merchant);
    expect(paid).toMatchObject({ status: 'CONFIRMED', deferred: false, payee: { identityType: 'ALIPAY_LOGON_ID' } });
    expect(paid.beneficiary).toMatchObject({ role: 'merchant', id: merchantId, alipayAccount: expect.stringMatching(/\*.*@alipay\.example$/) });
    expect(JSON.stringify(paid)).not.toContain(`${merchantId}@`);
    expect(localProviderCalls().find((c) => c.outBizNo === before.payoutId)).toBeDefined();
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: merchant })).body.status).toBe('PAID');
  });

  it('P4 a buyer payout whose order brought no buyerAlipay is deferred — never sent to the buyer id — and paid once the order names the payee', async () => {
    const { policy, order } = await seedCovered('live-price', { buyerAlipay: undefined });
    const proof = await seedProofOrder({ buyerId: policy.buyerId });
    const claim = (await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } }))
      .body;
    expect(claim.status).toBe('APPROVED');
    const before = await payoutView(claim.claimId);
    expect(before.beneficiary).toEqual({ role: 'buyer', id: 'buyer-417', alipayAccount: '' });

    expect((await runJob()).body).toMatchObject({ processed: 1, sent: 0, deferred: 1 });
    expect(await payoutView(claim.claimId)).toMatchObject({ status: 'PENDING', deferred: true });
    expect(await getPayout(before.payoutId)).toMatchObject({ lastError: { code: 'NO_PAYEE' } });
    expect(callsFor(before.payoutId, 'transfer')).toHaveLength(0);

    // A deferred payout still counts toward overdue (P2).
    clock.set(toIso(toMs(before.dueBy) + 1));
    expect((await runJob()).body).toMatchObject({ overdue: 1, deferred: 1, sent: 0 });

    // The order system re-sends order.paid with the buyer's Alipay identity: the payout becomes sendable.
    const buyerAlipay = { identity: '2088102146229999', identityType: 'ALIPAY_USER_ID' };
    const sent = await api.call('POST', '/v1/events', { as: parties.service, body: event('order.paid', { ...order, buyerAlipay }) });
    expect(sent.status).toBe(202);
    clock.set(toIso(toMs(before.dueBy) + 2 * 60 * MINUTE));
    expect((await runJob()).body).toMatchObject({ sent: 1, confirmed: 1 });
    const paid = await payoutView(claim.claimId);
    expect(paid).toMatchObject({ status: 'CONFIRMED', deferred: false, payee: { identity: '2088********9999', identityType: 'ALIPAY_USER_ID' } });
    expect(paid.beneficiary.alipayAccount).toBe('2088********9999');
    expect(localProviderCalls().filter((c) => c.kind === 'transfer' && c.outBizNo === before.payoutId)).toHaveLength(1);
    expect((await claimView(claim.claimId)).status).toBe('PAID');
  });

  it('a run starts no payout with < 10 s left and leaves the rest to the next run', async () => {
    const approved = [await approvedClaim(), await approvedClaim(), await approvedClaim()];
    const event = localScheduledEvent('payout', new Date(), 'exec-short');
    expect(await payoutHandler(event, { getRemainingTimeInMillis: () => 9_999 })).toMatchObject({ processed: 0, sent: 0 });

    // Time for the first read and two payouts, then the budget is gone.
    let checks = 0;
    const shrinking = { getRemainingTimeInMillis: () => (checks++ < 3 ? 60_000 : 9_000) };
    expect(await payoutHandler(event, shrinking)).toMatchObject({ processed: 2, confirmed: 2, leftForNextRun: 1 });
    expect(await payoutHandler(event, { getRemainingTimeInMillis: () => 60_000 })).toMatchObject({ processed: 1, confirmed: 1, leftForNextRun: 0 });
    for (const { claimId } of approved) expect((await claimView(claimId)).status).toBe('PAID');
  });

  it('POST /v1/jobs/payout/runs: ops only (403), a token (401)', async () => {
    for (const as of [parties.adjuster, parties.buyer, parties.merchant, parties.service]) expect((await runJob(as)).status).toBe(403);
    expect((await api.call('POST', '/v1/jobs/payout/runs')).status).toBe(401);
  });

  it('P1 the run reads the same capacity for 100 due payouts with and without 5,000 settled payouts beside them', async () => {
    const now = '2026-12-01T10:00:00+08:00';
    clock.set(now);
    await runJob(); // settle anything earlier tests left due

    const payout = (i: number, prefix: string, status: 'PENDING' | 'CONFIRMED'): StoredPayout => ({
      payoutId: `pay_${prefix}${String(i).padStart(22, '0')}`,
      beneficiary: { role: 'buyer', id: `buyer-cap-${i}`, alipayAccount: '' },
      payee: { identity: `2088${String(i).padStart(12, '0')}`, identityType: 'ALIPAY_USER_ID' },
      amountFen: 1000 + i,
      status,
      attempts: status === 'CONFIRMED' ? 1 : 0,
      dueBy: '2026-12-31T10:00:00+08:00',
      overdue: false,
      createdAt: '2026-11-30T10:00:00+08:00',
      ...(status === 'CONFIRMED' ? { providerRef: `ltr_${i}`, sentAt: now, paidAt: now } : {}),
    });
    const due = Array.from({ length: 100 }, (_, i) => payoutItem(payout(i, 'DUE', 'PENDING')));
    const settled = Array.from({ length: 5000 }, (_, i) => payoutItem(payout(i, 'SET', 'CONFIRMED'), null));

    await batchPut(due);
    const alone = await runJob();
    expect(alone.body).toMatchObject({ processed: 100, confirmed: 100, errors: 0 });

    // The same 100 due again (the provider, idempotent, answers with their transfers), now beside 5,000 settled.
    await batchPut(settled);
    await batchPut(due);
    const crowded = await runJob();
    expect(crowded.body).toMatchObject({ processed: 100, confirmed: 100, errors: 0 });
    expect(crowded.body.readCapacityUnits).toBeGreaterThan(0);
    expect(crowded.body.readCapacityUnits).toBe(alone.body.readCapacityUnits);

    // The measure is real: finding due payouts among all payouts (every payout item read, as a
    // look at each one's status would need — GSI3 holds keys only since issue 20) would cost far more.
    let everything = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'entity = :payout',
          ExpressionAttributeValues: { ':payout': 'Payout' },
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      everything += page.ConsumedCapacity?.CapacityUnits ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    expect(everything).toBeGreaterThan(10 * crowded.body.readCapacityUnits);
  }, 120_000);
});

describe('P2 the working-day calendar running out (2027 not supplied)', () => {
  it('a due date outside the calendar is counted in calendar days, marked dueByApproximate and counted in PayoutDueApproximate', async () => {
    const counted: unknown[][] = [];
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'test'); // request handlers count only where metrics are published
    vi.spyOn(metrics, 'singleMetric').mockImplementation(() => ({ addMetric: (...args: unknown[]) => void counted.push(args) }) as never);
    try {
      const { policy } = await seedCovered('live-price', {
        buyerId: parties.buyer.sub,
        placedAt: '2026-12-20T09:59:00+08:00',
        paidAt: '2026-12-20T10:00:00+08:00',
        shippedAt: '2026-12-20T18:00:00+08:00',
      });
      const proof = await seedProofOrder({ buyerId: parties.buyer.sub, placedAt: '2026-12-29T08:00:00+08:00' });
      clock.set('2026-12-31T09:00:00+08:00'); // + 3 working days runs into 2027
      const res = await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } });
      expect(res.body).toMatchObject({ status: 'APPROVED', payoutDueBy: '2027-01-03T23:59:59.999+08:00' });
      const payout = await payoutView(res.body.claimId, parties.buyer);
      expect(payout).toMatchObject({ dueBy: '2027-01-03T23:59:59.999+08:00', dueByApproximate: true, dueByBasis: 'calendar-days-fallback' });
      expect(z.strictObject(PayoutSchema.shape).safeParse(payout).error).toBeUndefined();
      expect(counted).toEqual([['PayoutDueApproximate', 'Count', 1]]);
    } finally {
      vi.mocked(metrics.singleMetric).mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('a due date inside the calendar is exact', async () => {
    const { claimId } = await approvedClaim();
    expect(await payoutView(claimId)).toMatchObject({ dueByApproximate: false, dueByBasis: 'working-days' });
  });

  it('each payout run reports CalendarDaysLeft: 38 on 23 November 2026, 0 on 31 December', async () => {
    metricCalls.length = 0;
    await runJob();
    expect(metricCalls).toContainEqual(['CalendarDaysLeft', 'Count', 38]);
    clock.set('2026-12-31T12:00:00+08:00');
    metricCalls.length = 0;
    await runJob();
    expect(metricCalls).toContainEqual(['CalendarDaysLeft', 'Count', 0]);
  });
});
