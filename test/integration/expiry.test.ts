import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobs } from '#functions/jobs.ts';
import { handler as expireWindows } from '#functions/expire-windows/handler.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { localScheduledEvent } from '#shared/jobs/scheduled-event.ts';
import { metrics } from '#shared/metrics.ts';
import type { Order, Policy } from '#shared/rules/index.ts';
import { getClaim } from '#shared/store/claims.ts';
import { keys } from '#shared/store/keys.ts';
import { expirePolicies, expirePolicy, policiesDueToExpire, policyItem } from '#shared/store/policies.ts';
import { lapseClaim } from '#shared/use-cases/claims.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { orderData } from './support/orders.ts';
import { batchPut, outboxOn, policyFor, readItem, SHIPPED_AT, seedCovered, seedProofOrder } from './support/seed.ts';

const api = useApi();
const clock = fixedClock('2026-11-22T09:00:00+08:00');
beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'c'.repeat(64) }];

function runExpiry(as: Caller = parties.ops) {
  return api.call('POST', '/v1/jobs/expiry/runs', { as });
}

/** An authenticity claim (window 90 days) put into NEEDS_INFO at `askedAt`. */
async function claimWaitingForInfo(askedAt: string): Promise<string> {
  clock.set('2026-11-22T09:00:00+08:00');
  const { policy } = await seedCovered('authenticity');
  const submitted = await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', evidence } });
  expect(submitted.status).toBe(201);
  clock.set(askedAt);
  const asked = await api.call('POST', `/v1/claims/${submitted.body.claimId}/decisions`, {
    as: parties.adjuster,
    body: { decision: 'request-info', note: 'Add the receipt' },
  });
  expect(asked.body.status).toBe('NEEDS_INFO');
  return submitted.body.claimId;
}

describe('expiry job (X1–X4)', () => {
  it('X1 a policy expires once its window has ended — not at its last instant — and then takes no claims', async () => {
    clock.set('2026-11-22T09:00:00+08:00');
    const { policy } = await seedCovered('live-price');
    const last = policy.coverageEnd!;
    expect(last).toBe('2026-12-21T23:59:59.999+08:00'); // to the end of the 30th day (Units)

    clock.set(last);
    const atLast = await runExpiry();
    expect(atLast.status).toBe(200);
    expect(atLast.body).toMatchObject({ job: 'expiry', processed: 0, expired: 0, lapsed: 0 });
    expect((await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId)))?.['status']).toBe('ACTIVE');

    const after = '2026-12-22T00:00:00+08:00';
    clock.set(after);
    const run = await runExpiry();
    expect(run.body).toMatchObject({ job: 'expiry', processed: 1, expired: 1, lapsed: 0, failed: 0 });
    const item = await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId));
    expect(item).toMatchObject({ status: 'EXPIRED', expiredAt: after });
    expect(item).not.toHaveProperty('dueShard'); // left the due index: never read again
    expect((await outboxOn(after)).filter((e) => e.type === 'policy.expired' && e.detail['policyId'] === policy.policyId)).toHaveLength(1);

    const proof = await seedProofOrder({ placedAt: '2026-12-01T08:00:00+08:00' });
    const claim = await api.call('POST', '/v1/claims', {
      as: parties.buyer,
      body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId },
    });
    expect(claim.status).toBe(422);
    expect(claim.body.code).toBe('POLICY_NOT_ACTIVE');

    expect((await runExpiry()).body).toMatchObject({ processed: 0, expired: 0 });
  });

  it('X3 a claim left in NEEDS_INFO for 15 days lapses (by the system, in its history); evidence afterwards is 409', async () => {
    const claimId = await claimWaitingForInfo('2026-11-23T10:00:00+08:00');
    const lapsesAt = '2026-12-08T23:59:59.999+08:00'; // through the end of the 15th day (Units)

    clock.set(lapsesAt);
    expect((await runExpiry()).body).toMatchObject({ lapsed: 0 });
    expect((await api.call('GET', `/v1/claims/${claimId}`, { as: parties.buyer })).body.status).toBe('NEEDS_INFO');

    const after = '2026-12-09T00:00:00+08:00';
    clock.set(after);
    expect((await runExpiry()).body).toMatchObject({ job: 'expiry', processed: 1, lapsed: 1, expired: 0 });
    const claim = (await api.call('GET', `/v1/claims/${claimId}`, { as: parties.buyer })).body;
    expect(claim.status).toBe('LAPSED');
    expect(claim.history.at(-1)).toEqual({ at: after, status: 'LAPSED', actor: { role: 'system' }, note: 'lapsed: no new evidence within 15 days' });
    expect(await readItem(keys.claim(claimId))).not.toHaveProperty('dueShard');

    const late = await api.call('POST', `/v1/claims/${claimId}/evidence`, { as: parties.buyer, body: { evidence } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', basis: { from: 'LAPSED' } });
    expect((await runExpiry()).body).toMatchObject({ processed: 0, lapsed: 0 });
  });

  it('X3 new evidence before the lapse instant stops the clock: the claim is no longer due', async () => {
    const claimId = await claimWaitingForInfo('2026-11-23T10:00:00+08:00');
    clock.set('2026-12-08T23:59:59+08:00');
    const answered = await api.call('POST', `/v1/claims/${claimId}/evidence`, { as: parties.buyer, body: { evidence } });
    expect(answered.body.status).toBe('UNDER_REVIEW');
    clock.set('2026-12-09T00:00:00.001+08:00');
    expect((await runExpiry()).body).toMatchObject({ processed: 0, lapsed: 0 });
    expect((await api.call('GET', `/v1/claims/${claimId}`, { as: parties.adjuster })).body.status).toBe('UNDER_REVIEW');
  });

  it.each([
    ['the job', 'job-first'],
    ['the evidence', 'evidence-first'],
  ])('X3 evidence racing the lapse (%s leaving first): for each claim exactly one wins, the other gets 409 or writes nothing', async (_who, order) => {
    const claimIds: string[] = [];
    for (let i = 0; i < 4; i += 1) claimIds.push(await claimWaitingForInfo('2026-11-24T10:00:00+08:00'));
    clock.set('2026-12-10T00:00:00.001+08:00'); // the first instant after the 15th day (Units)
    const answer = (id: string) => api.call('POST', `/v1/claims/${id}/evidence`, { as: parties.buyer, body: { evidence } });
    let job: ReturnType<typeof runExpiry>;
    let answers: Awaited<ReturnType<typeof answer>>[];
    if (order === 'job-first') {
      job = runExpiry();
      answers = await Promise.all(claimIds.map(answer));
    } else {
      const pending = claimIds.map(answer);
      job = runExpiry();
      answers = await Promise.all(pending);
    }
    const run = await job;
    expect(run.status).toBe(200);
    let lapsed = 0;
    for (const [i, res] of answers.entries()) {
      const claim = (await api.call('GET', `/v1/claims/${claimIds[i]}`, { as: parties.adjuster })).body;
      if (res.status === 200) {
        expect(claim.status).toBe('UNDER_REVIEW');
        expect(claim.history.map((h: { status: string }) => h.status)).not.toContain('LAPSED');
      } else {
        expect(res.status).toBe(409);
        expect(['ILLEGAL_TRANSITION', 'CONFLICT']).toContain(res.body.code);
        expect(claim.status).toBe('LAPSED');
        expect(claim.history.map((h: { status: string }) => h.status).slice(-2)).toEqual(['NEEDS_INFO', 'LAPSED']);
        lapsed += 1;
      }
    }
    expect(run.body.lapsed).toBe(lapsed);
  });

  it('X3 a lapse written from a stale read changes nothing (the claim-unchanged condition)', async () => {
    const claimId = await claimWaitingForInfo('2026-11-25T10:00:00+08:00');
    const stale = (await getClaim(claimId))!;
    clock.set('2026-12-10T11:00:00+08:00');
    expect((await api.call('POST', `/v1/claims/${claimId}/evidence`, { as: parties.buyer, body: { evidence } })).status).toBe(200);
    expect(await lapseClaim(stale, '2026-12-10T11:00:01+08:00')).toBe(false);
    const claim = (await api.call('GET', `/v1/claims/${claimId}`, { as: parties.adjuster })).body;
    expect(claim.status).toBe('UNDER_REVIEW');
    expect(claim.history).toHaveLength(3);
  });

  it('POST /v1/jobs/{job}/runs: ops only (403), a token (401), registered jobs only (400)', async () => {
    for (const as of [parties.adjuster, parties.buyer, parties.merchant, parties.service]) {
      const res = await runExpiry(as);
      expect(res.status).toBe(403);
    }
    expect((await api.call('POST', '/v1/jobs/expiry/runs')).status).toBe(401);
    for (const job of ['nope', 'PAYOUT']) {
      const res = await api.call('POST', `/v1/jobs/${job}/runs`, { as: parties.ops });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('the scheduled invocation runs the same handler; it stops when the invocation has < 10 s left', async () => {
    clock.set('2026-12-21T10:15:00.001+08:00');
    const spec = jobs.find((j) => j.job === 'expiry')!;
    expect(spec).toMatchObject({ handler: 'expire-windows', everyEnv: 'EXPIRY_EVERY', every: '15m' });
    expect(await api.runtime.runJob(spec)).toMatchObject({ job: 'expiry', processed: 0, expired: 0, lapsed: 0 });

    const { policy } = await seedCovered('live-price', { paidAt: '2026-10-01T10:00:00+08:00', placedAt: '2026-10-01T09:00:00+08:00' });
    const short = await expireWindows(localScheduledEvent('expiry', new Date(), 'exec-1'), { getRemainingTimeInMillis: () => 9_999 });
    expect(short).toMatchObject({ processed: 0, expired: 0 });
    const full = await expireWindows(localScheduledEvent('expiry', new Date(), 'exec-2'), { getRemainingTimeInMillis: () => 60_000 });
    expect(full).toMatchObject({ processed: 1, expired: 1 });
    expect((await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId)))?.['status']).toBe('EXPIRED');
  });

  it('P2 each run reports CalendarDaysLeft (10 on 21 December 2026, the library ending with 2026)', async () => {
    clock.set('2026-12-21T10:00:00+08:00');
    const added = vi.spyOn(metrics, 'addMetric');
    try {
      await expireWindows(localScheduledEvent('expiry', new Date(), 'exec-3'), { getRemainingTimeInMillis: () => 60_000 });
      expect(added).toHaveBeenCalledWith('CalendarDaysLeft', 'Count', 10);
    } finally {
      added.mockRestore();
    }
  });

  it('X4 the run reads the same capacity with and without 5,000 policies that are not due beside its 100 due ones', async () => {
    const now = '2027-06-01T00:00:00+08:00';
    clock.set(now);
    await runExpiry(); // drain what earlier tests left due by now

    const order = orderData({ orderId: 'ord-x4', shippedAt: SHIPPED_AT }) as unknown as Order;
    const template = policyFor(order, 'live-price', 'L1');
    const policy = (i: number, coverageEnd: string, prefix: string): Policy => ({
      ...template,
      orderId: `ord-x4-${prefix}-${String(i).padStart(5, '0')}`,
      policyId: `pol_X4${prefix}${String(i).padStart(20, '0')}`,
      coverageEnd,
    });
    const due = Array.from({ length: 100 }, (_, i) => policyItem(policy(i, '2027-05-01T00:00:00+08:00', 'DUE')));
    const notDue = Array.from({ length: 5000 }, (_, i) => policyItem(policy(i, '2027-12-01T00:00:00+08:00', 'NOT')));

    await batchPut(due);
    const alone = await runExpiry();
    expect(alone.status).toBe(200);
    expect(alone.body).toMatchObject({ processed: 100, expired: 100, failed: 0 });

    // The same 100 due items again (back to ACTIVE), now beside 5,000 that are not due.
    await batchPut(notDue);
    await batchPut(due);
    const crowded = await runExpiry();
    expect(crowded.body).toMatchObject({ processed: 100, expired: 100, failed: 0 });
    expect(crowded.body.readCapacityUnits).toBeGreaterThan(0);
    expect(crowded.body.readCapacityUnits).toBe(alone.body.readCapacityUnits);

    // The measure is real: reading the not-due entries too would cost far more.
    let everything = 0;
    await policiesDueToExpire('2099-01-01T00:00:00.000Z', 10_000, { add: (units) => (everything += units) });
    expect(everything).toBeGreaterThan(10 * crowded.body.readCapacityUnits);

    const untouched = await readItem(keys.policy('ord-x4-NOT-04999', 'live-price', 'L1'));
    expect(untouched).toMatchObject({ status: 'ACTIVE', dueShard: expect.stringMatching(/^EXPIRE#/) });
  }, 120_000);

  it('X1 one transaction expires a batch; a policy changed since it was read is left out, the others expire, one event each', async () => {
    const now = '2027-07-01T00:00:00+08:00';
    clock.set(now);
    const order = orderData({ orderId: 'ord-x1b', shippedAt: SHIPPED_AT }) as unknown as Order;
    const template = policyFor(order, 'live-price', 'L1');
    const policies = Array.from({ length: 5 }, (_, i) => ({
      ...template,
      orderId: `ord-x1b-${i}`,
      policyId: `pol_X1B${String(i).padStart(22, '0')}`,
      coverageEnd: '2027-06-15T00:00:00+08:00',
    }));
    await batchPut(policies.map((policy) => policyItem(policy)));
    expect(await expirePolicy(policies[2]!, now)).toBe(true); // another run got there first

    const expired = await expirePolicies(policies, now);
    expect(expired.map((p) => p.policyId)).toEqual([0, 1, 3, 4].map((i) => policies[i]!.policyId));
    for (const policy of policies) {
      const item = await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId));
      expect(item).toMatchObject({ status: 'EXPIRED', expiredAt: now });
      expect(item).not.toHaveProperty('dueShard');
    }
    const events = (await outboxOn(now)).filter((e) => e.type === 'policy.expired' && String(e.detail['policyId']).startsWith('pol_X1B'));
    expect(events.map((e) => e.detail['policyId']).sort()).toEqual(policies.map((p) => p.policyId));
    expect(await expirePolicies(policies, now)).toEqual([]); // all changed: nothing written
  });
});
