import { randomUUID } from 'node:crypto';
import { outboxEventsOn } from '#shared/store/outbox-reads.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { keys } from '#shared/store/keys.ts';
import { parties, useApi, type ApiResponse, type Caller } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { readItem, seedCovered, seedProofOrder } from './support/seed.ts';

/**
 * Money is never paid twice: the same action sent many times at once — with one Idempotency-Key,
 * with many, or with none — takes effect exactly once, and a decision racing the expiry job
 * leaves exactly one outcome. Every request goes through the local runtime in parallel.
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
const clock = fixedClock(NOW);
beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'd'.repeat(64) }];
const headersFor = (idempotencyKey?: string): Record<string, string> => (idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
const post = (path: string, body: unknown, as: Caller, idempotencyKey?: string) => api.call('POST', path, { as, body, headers: headersFor(idempotencyKey) });

/** How the N answers split by status and code, e.g. {"201": 1, "409 CLAIM_EXISTS": 49}. */
function tally(results: readonly ApiResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const label = r.status >= 400 ? `${r.status} ${r.body?.code}` : String(r.status);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** The claim and payout items written for a policy's line, read without any index. */
async function claimsAndPayoutsOf(buyer: Caller) {
  const claims = (await api.call('GET', '/v1/claims', { as: buyer })).body.items as { claimId: string }[];
  const payouts = (await api.call('GET', '/v1/payouts', { as: buyer })).body.items as { payoutId: string }[];
  return { claims, payouts };
}

type KeyMode = 'no key' | 'one shared key' | 'a key each' | 'half shared key, half none';
const keyFor = (mode: KeyMode, shared: string, i: number): string | undefined => {
  switch (mode) {
    case 'no key':
      return undefined;
    case 'one shared key':
      return shared;
    case 'a key each':
      return `${shared}-${i}`;
    case 'half shared key, half none':
      return i % 2 === 0 ? shared : undefined;
  }
};
const MODES: KeyMode[] = ['no key', 'one shared key', 'a key each', 'half shared key, half none'];

describe('50 identical claim submissions at once (C1, P1)', () => {
  it.each(MODES)('%s: exactly one claim, one payout, one slot; every other answer is a replay or a clear 409', async (mode) => {
    const buyer: Caller = { role: 'buyer', sub: nextId('buyer-race') };
    const { policy } = await seedCovered('live-price', { buyerId: buyer.sub });
    const proof = await seedProofOrder({ buyerId: buyer.sub });
    const body = { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId };
    const shared = `claim-${randomUUID()}`;

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/v1/claims', body, buyer, keyFor(mode, shared, i))));

    const created = results.filter((r) => r.status === 201);
    const claimIds = new Set(created.map((r) => r.body.claimId));
    expect(claimIds.size, JSON.stringify(tally(results))).toBe(1);
    const [claimId] = [...claimIds];
    // At most one answer actually created it; the other 201s are replays of that response.
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(['CLAIM_EXISTS', 'CONFLICT', 'IDEMPOTENCY_IN_PROGRESS']).toContain(r.body.code);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
    }
    if (mode === 'no key' || mode === 'a key each') expect(created).toHaveLength(1);

    const { claims, payouts } = await claimsAndPayoutsOf(buyer);
    expect(claims.map((c) => c.claimId)).toEqual([claimId]);
    expect(payouts).toHaveLength(1);
    expect((await readItem(keys.policy(policy.orderId, policy.planId, policy.lineId)))?.['claimId']).toBe(claimId);

    if (mode !== 'no key') {
      // Once the dust settles, the shared key replays the one response.
      const replay = await post('/v1/claims', body, buyer, keyFor(mode, shared, 0));
      if (replay.status === 201) expect(replay.body.claimId).toBe(claimId);
      else expect(replay.body.code).toBe('CLAIM_EXISTS'); // that caller's own key lost the race
    }
  });
});

describe('20 parallel joins of the same plan (J7)', () => {
  it.each(MODES)('%s: exactly one enrollment; the others replay it or get 409', async (mode) => {
    const merchant: Caller = { role: 'merchant', sub: nextId('shop-race') };
    const profile = { name: 'Race Shop', alipayAccount: 'race@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel'] };
    expect((await api.call('PUT', `/v1/merchants/${merchant.sub}`, { as: parties.service, body: profile })).status).toBe(200);
    const body = { planId: 'live-price', acceptAgreement: true, agreementVersion: '2026-09' };
    const shared = `join-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`/v1/merchants/${merchant.sub}/enrollments`, body, merchant, keyFor(mode, shared, i))),
    );
    const enrollmentIds = new Set(results.filter((r) => r.status === 201).map((r) => r.body.enrollmentId));
    expect(enrollmentIds.size, JSON.stringify(tally(results))).toBe(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(['ALREADY_ENROLLED', 'CONFLICT', 'IDEMPOTENCY_IN_PROGRESS']).toContain(r.body.code);
    }
    const listed = (await api.call('GET', `/v1/merchants/${merchant.sub}/enrollments`, { as: merchant })).body.items;
    expect(listed.map((e: { enrollmentId: string }) => e.enrollmentId)).toEqual([...enrollmentIds]);
  });
});

describe('the same work delivered or bought many times at once (I6)', () => {
  it('20 parallel deliveries of one order.paid: one accepted, 19 duplicates, each policy and policy.issued once', async () => {
    const merchantId = nextId('shop-race');
    await seedEnrollment('authenticity', { merchantId });
    const order = orderData({ merchantId, lines: [{}, { lineId: 'L2' }] });
    const paid = event('order.paid', order);
    const results = await Promise.all(Array.from({ length: 20 }, () => post('/v1/events', paid, parties.service)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(results.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.body.duplicates, 0)).toBe(19);
    const policies = (await api.call('GET', `/v1/orders/${order.orderId}/policies`, { as: parties.ops })).body.items;
    expect(policies.map((p: { lineId: string }) => p.lineId).sort()).toEqual(['L1', 'L2']);
    const outbox = {
      Items: (await outboxEventsOn('2026-11-22')).filter(
        (e) => e['type'] === 'policy.issued' && (e['detail'] as { orderId?: string }).orderId === order.orderId,
      ),
    };
    expect(outbox.Items).toHaveLength(2);
  });

  it('20 parallel purchases of return-shipping cover by the buyer: one policy and one policy.issued; every 201 names that policy', async () => {
    const order = orderData({ merchantId: nextId('shop-race') });
    expect((await post('/v1/events', event('order.paid', order), parties.service)).status).toBe(202);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post(`/v1/orders/${order.orderId}/policies`, { planId: 'return-shipping' }, parties.buyer)),
    );
    const policies = (await api.call('GET', `/v1/orders/${order.orderId}/policies`, { as: parties.buyer })).body.items;
    expect(policies, JSON.stringify(tally(results))).toHaveLength(1);
    // A purchase that loses the race to the natural key re-reads and answers with the winner's
    // policy (the use case's reconcile), where a later repeat is told 409 POLICY_EXISTS.
    for (const r of results) {
      if (r.status === 201) expect(r.body.items.map((p: { policyId: string }) => p.policyId)).toEqual([policies[0].policyId]);
      else expect(r.body.code).toBe('POLICY_EXISTS');
    }
    const issued = {
      Items: (await outboxEventsOn('2026-11-22')).filter(
        (e) => e['type'] === 'policy.issued' && (e['detail'] as { orderId?: string }).orderId === order.orderId,
      ),
    };
    expect(issued.Items).toHaveLength(1);
  });

  it('two adjusters sending the same approval at once with one key: one transition, one payout, the same answer', async () => {
    const { policy } = await seedCovered('authenticity');
    const claim = (await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', evidence }, parties.buyer)).body;
    const key = `approve-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => post(`/v1/claims/${claim.claimId}/decisions`, { decision: 'approve' }, parties.adjuster, key)),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length, JSON.stringify(tally(results))).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
    for (const r of results.filter((r) => r.status !== 200)) expect(r.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    const final = (await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.adjuster })).body;
    expect(final.history.map((h: { status: string }) => h.status)).toEqual(['UNDER_REVIEW', 'APPROVED']);
    expect((await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops })).body.items).toHaveLength(1);
  });
});

describe('a decision racing the expiry job (A2, X3)', () => {
  /** An authenticity claim asked for more information 16 days before "now": due to lapse. */
  async function claimDueToLapse(): Promise<string> {
    clock.set(NOW);
    const { policy } = await seedCovered('authenticity');
    const submitted = await post('/v1/claims', { policyId: policy.policyId, lineId: 'L1', evidence }, parties.buyer);
    expect(submitted.status).toBe(201);
    const asked = await post(`/v1/claims/${submitted.body.claimId}/decisions`, { decision: 'request-info', note: 'Add the receipt' }, parties.adjuster);
    expect(asked.body.status).toBe('NEEDS_INFO');
    return submitted.body.claimId;
  }

  it.each([
    ['job first', 0],
    ['decision first', 1],
    ['together', 2],
  ])(
    '%s: each claim ends either LAPSED (the evidence and the approval get 409) or APPROVED with one payout (the lapse writes nothing) — never both',
    async (_label, order) => {
      const claimIds: string[] = [];
      for (let i = 0; i < 4; i += 1) claimIds.push(await claimDueToLapse());
      clock.set('2026-12-08T09:00:00.001+08:00'); // 16 days later: past every lapse instant
      const decide = async (claimId: string) => {
        const answered = await post(`/v1/claims/${claimId}/evidence`, { evidence }, parties.buyer);
        const approved = await post(`/v1/claims/${claimId}/decisions`, { decision: 'approve' }, parties.adjuster);
        return { answered, approved };
      };
      const job = () => api.call('POST', '/v1/jobs/expiry/runs', { as: parties.ops });
      let run: ApiResponse;
      let decisions: { answered: ApiResponse; approved: ApiResponse }[];
      if (order === 0) {
        const running = job();
        decisions = await Promise.all(claimIds.map(decide));
        run = await running;
      } else if (order === 1) {
        const deciding = Promise.all(claimIds.map(decide));
        run = await job();
        decisions = await deciding;
      } else {
        [run, decisions] = await Promise.all([job(), Promise.all(claimIds.map(decide))]);
      }
      expect(run.status).toBe(200);
      let lapsed = 0;
      for (const [i, { answered, approved }] of decisions.entries()) {
        const claim = (await api.call('GET', `/v1/claims/${claimIds[i]}`, { as: parties.adjuster })).body;
        const statuses = claim.history.map((h: { status: string }) => h.status);
        const payouts = (await api.call('GET', `/v1/payouts?claimId=${claimIds[i]}`, { as: parties.ops })).body.items;
        expect(statuses.includes('LAPSED') && statuses.includes('APPROVED')).toBe(false);
        if (claim.status === 'LAPSED') {
          lapsed += 1;
          expect(answered.status).toBe(409);
          expect(['ILLEGAL_TRANSITION', 'CONFLICT']).toContain(answered.body.code);
          expect(approved.status).toBe(409);
          expect(approved.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', basis: { from: 'LAPSED' } });
          expect(payouts).toHaveLength(0);
        } else {
          expect(claim.status).toBe('APPROVED');
          expect(answered.status).toBe(200);
          expect(approved.status).toBe(200);
          expect(statuses).toEqual(['UNDER_REVIEW', 'NEEDS_INFO', 'UNDER_REVIEW', 'APPROVED']);
          expect(payouts).toHaveLength(1);
        }
      }
      expect(run.body.lapsed).toBe(lapsed);
    },
  );
});
