/**
 * The payout store contract (the `PayoutStore` port): one set of cases run against the in-memory
 * fake (test/unit/payout-store-contract.test.ts) and the DynamoDB adapter on DynamoDB Local
 * (test/integration/payout-store-contract.test.ts), so the fake the payout state machine's unit
 * tests use cannot drift from the store it stands for. Each case uses ids of its own, so it holds
 * on a table other cases (or files) share.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { POLICY_LIFECYCLE, type HistoryEntry, type PolicyStatus } from '#shared/rules/index.ts';
import type { PayoutStore, PayoutWrite, StoredClaim, StoredPayout } from '#shared/store/payout-store.ts';
import type { MemoryMerchant, MemoryPolicy } from './memory-payout-store.ts';

/** A store under test and how to put into it what a case starts from. */
export interface PayoutStoreHarness {
  store: PayoutStore;
  putPayout(payout: StoredPayout, dueAt?: string | null): Promise<void>;
  putClaim(claim: StoredClaim): Promise<void>;
  putPolicy(policy: MemoryPolicy): Promise<void>;
  putMerchant(merchantId: string, profile: MemoryMerchant): Promise<void>;
  putOrder(orderId: string, order: { buyerAlipay?: unknown }): Promise<void>;
  readPolicy(ref: { orderId: string; planId: string; lineId?: string }): Promise<{ status: string; claimedAt?: string } | undefined>;
}

const CLAIMABLE = (Object.keys(POLICY_LIFECYCLE) as PolicyStatus[]).filter((status) => POLICY_LIFECYCLE[status].includes('CLAIMED'));
const CREATED = '2026-11-21T02:00:00.000Z';
const NOW = '2026-11-21T03:00:00.000Z';
const LATER = '2026-11-21T05:00:00.000Z';

const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export function payoutOf(overrides: Partial<StoredPayout> = {}): StoredPayout {
  return {
    payoutId: id('pay'),
    beneficiary: { role: 'merchant', id: id('m'), alipayAccount: '' },
    amountFen: 12_345,
    status: 'PENDING',
    attempts: 0,
    dueBy: '2026-11-24T16:00:00.000Z',
    overdue: false,
    createdAt: CREATED,
    ...overrides,
  };
}

export function approvedClaimOf(overrides: Partial<StoredClaim> = {}): StoredClaim {
  const claimId = id('clm');
  return {
    claimId,
    policyId: id('pol'),
    planId: 'live-quality',
    orderId: id('ord'),
    lineId: 'L1',
    claimant: { role: 'merchant', id: 'm_1' },
    beneficiary: { role: 'buyer', id: 'b_1' },
    merchantId: 'm_1',
    status: 'APPROVED',
    amountFen: 12_345,
    basis: { kind: 'refund' } as unknown as StoredClaim['basis'],
    evidence: [],
    history: [
      { status: 'SUBMITTED', at: CREATED, actor: { role: 'merchant', id: 'm_1' } },
      { status: 'APPROVED', at: CREATED, actor: { role: 'system' } },
    ] as unknown as StoredClaim['history'],
    submittedAt: CREATED,
    ...overrides,
  };
}

const paidEntry = { status: 'PAID', at: NOW, actor: { role: 'system' } } as unknown as HistoryEntry;

/** A plain step: the payout as read, moved to `next`, its due entry at `dueAt`. */
function step(read: StoredPayout, next: Partial<StoredPayout>, dueAt: string | null = LATER): PayoutWrite {
  return {
    previous: {
      status: read.status,
      ...(read.version !== undefined ? { version: read.version } : {}),
      ...(read.leaseToken ? { leaseToken: read.leaseToken } : {}),
    },
    payout: { ...read, ...next },
    dueAt,
    at: NOW,
  };
}

async function dueIds(store: PayoutStore, at: string, ids: readonly string[]): Promise<string[]> {
  return (await store.payoutsDue(at)).map((p) => p.payoutId).filter((payoutId) => ids.includes(payoutId));
}

export function describePayoutStoreContract(name: string, make: () => PayoutStoreHarness | Promise<PayoutStoreHarness>): void {
  describe(`PayoutStore contract: ${name}`, () => {
    it('reads a payout by id as stored, and nothing for an unknown id', async () => {
      const h = await make();
      const payout = payoutOf({ payee: { identity: '2088000000000001', identityType: 'ALIPAY_USER_ID' } });
      await h.putPayout(payout);
      expect(await h.store.getPayout(payout.payoutId)).toEqual(payout);
      expect(await h.store.getPayout(id('pay'))).toBeUndefined();
    });

    it('lists a payout as due from its due entry on, never before, and never once out of the index', async () => {
      const h = await make();
      const now = payoutOf();
      const later = payoutOf();
      const settled = payoutOf({ status: 'CONFIRMED' });
      await Promise.all([h.putPayout(now), h.putPayout(later, LATER), h.putPayout(settled, null)]);
      const ids = [now.payoutId, later.payoutId, settled.payoutId];
      expect(await dueIds(h.store, NOW, ids)).toEqual([now.payoutId]);
      expect((await dueIds(h.store, LATER, ids)).sort()).toEqual([now.payoutId, later.payoutId].sort());
    });

    it('payout-unchanged: a step is written once, version + 1, its due entry moved; a stale read is skipped', async () => {
      const h = await make();
      const payout = payoutOf();
      await h.putPayout(payout);
      const [first] = await h.store.writePayouts([step(payout, { status: 'SENDING', attempts: 1, leaseToken: 'lease-a', leaseUntil: LATER })]);
      expect(first).toEqual({ status: 'written', payout: expect.objectContaining({ status: 'SENDING', version: 1, leaseToken: 'lease-a' }) });
      expect(await h.store.getPayout(payout.payoutId)).toEqual(first!.status === 'written' ? first!.payout : undefined);
      expect(await dueIds(h.store, NOW, [payout.payoutId])).toEqual([]);
      expect(await dueIds(h.store, LATER, [payout.payoutId])).toEqual([payout.payoutId]);
      // Another run acting on the same (now stale) read: nothing of it is written.
      expect(await h.store.writePayouts([step(payout, { status: 'SENDING', leaseToken: 'lease-b' })])).toEqual([{ status: 'skipped' }]);
      expect((await h.store.getPayout(payout.payoutId))?.leaseToken).toBe('lease-a');
    });

    it('payout-unchanged: the lease held is part of the guard while SENDING; a missing payout is skipped', async () => {
      const h = await make();
      const sending = payoutOf({ status: 'SENDING', attempts: 1, version: 3, leaseToken: 'lease-a', leaseUntil: NOW });
      await h.putPayout(sending);
      const other = { ...sending, leaseToken: 'lease-b' };
      expect(await h.store.writePayouts([step(other, { status: 'UNKNOWN' })])).toEqual([{ status: 'skipped' }]);
      expect(await h.store.writePayouts([step({ ...sending, version: 2 }, { status: 'UNKNOWN' })])).toEqual([{ status: 'skipped' }]);
      expect(await h.store.writePayouts([step({ ...sending, status: 'PENDING' }, { status: 'UNKNOWN' })])).toEqual([{ status: 'skipped' }]);
      expect(await h.store.writePayouts([step(payoutOf(), { status: 'SENDING' })])).toEqual([{ status: 'skipped' }]);
      const [held] = await h.store.writePayouts([step(sending, { status: 'UNKNOWN' })]);
      expect(held).toMatchObject({ status: 'written', payout: { status: 'UNKNOWN', version: 4 } });
    });

    it('several writes at once: each all or nothing, their outcomes in order', async () => {
      const h = await make();
      const a = payoutOf();
      const b = payoutOf();
      const c = payoutOf();
      await Promise.all([h.putPayout(a), h.putPayout(b), h.putPayout(c)]);
      const outcomes = await h.store.writePayouts([
        step(a, { status: 'SENDING', leaseToken: 'a' }),
        step({ ...b, version: 7 }, { status: 'SENDING', leaseToken: 'b' }),
        { ...step(c, { status: 'SENDING', leaseToken: 'c' }), events: [{ type: 'payout.overdue', detail: { payoutId: c.payoutId } }] },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['written', 'skipped', 'written']);
      expect((await h.store.getPayout(b.payoutId))?.status).toBe('PENDING');
      expect((await h.store.getPayout(c.payoutId))?.status).toBe('SENDING');
    });

    it('claim-approved and policy-claimable: a confirmation pays the claim and claims the policy, all or nothing', async () => {
      const h = await make();
      const claim = approvedClaimOf();
      const policy: MemoryPolicy = { orderId: claim.orderId, planId: claim.planId, lineId: claim.lineId!, status: 'ACTIVE', claimId: claim.claimId };
      const payout = payoutOf({ claimId: claim.claimId, status: 'SENT', version: 2 });
      await Promise.all([h.putClaim(claim), h.putPolicy(policy), h.putPayout(payout)]);
      const payment = {
        claimId: claim.claimId,
        historyLength: claim.history.length,
        entry: paidEntry,
        paidAt: NOW,
        policy: { orderId: claim.orderId, planId: claim.planId, lineId: claim.lineId! },
        claimableStatuses: CLAIMABLE,
      };
      const confirm = (read: StoredPayout): PayoutWrite => ({
        ...step(read, { status: 'CONFIRMED', paidAt: NOW }, null),
        writes: h.store.claimPaidWrites(payment, NOW),
      });
      const [written] = await h.store.writePayouts([confirm(payout)]);
      expect(written).toMatchObject({ status: 'written', payout: { status: 'CONFIRMED', version: 3 } });
      expect(await h.store.getClaim(claim.claimId)).toMatchObject({ status: 'PAID', paidAt: NOW, history: [...claim.history, paidEntry] });
      expect(await h.readPolicy(policy)).toMatchObject({ status: 'CLAIMED', claimedAt: NOW });
      expect(await dueIds(h.store, LATER, [payout.payoutId])).toEqual([]);

      // The same payment again, over a payout as read now: the claim is PAID, the policy CLAIMED.
      const again = payoutOf({ claimId: claim.claimId, status: 'SENT' });
      await h.putPayout(again);
      expect(await h.store.writePayouts([confirm(again)])).toEqual([{ status: 'refused', failed: ['claim-approved', 'policy-claimable'] }]);
      expect((await h.store.getPayout(again.payoutId))?.status).toBe('SENT');
    });

    it('claim-approved: a claim read with another history is refused, and nothing else of the write is done', async () => {
      const h = await make();
      const claim = approvedClaimOf();
      const policy: MemoryPolicy = { orderId: claim.orderId, planId: claim.planId, lineId: claim.lineId!, status: 'ACTIVE', claimId: claim.claimId };
      const payout = payoutOf({ claimId: claim.claimId, status: 'SENT' });
      await Promise.all([h.putClaim(claim), h.putPolicy(policy), h.putPayout(payout)]);
      const writes = h.store.claimPaidWrites(
        { claimId: claim.claimId, historyLength: 1, entry: paidEntry, paidAt: NOW, policy, claimableStatuses: CLAIMABLE },
        NOW,
      );
      expect(writes.map((w) => [w.group, w.name])).toEqual([
        ['claim', 'claim-approved'],
        ['policy', 'policy-claimable'],
      ]);
      expect(await h.store.writePayouts([{ ...step(payout, { status: 'CONFIRMED' }, null), writes }])).toEqual([
        { status: 'refused', failed: ['claim-approved'] },
      ]);
      expect(await h.readPolicy(policy)).toMatchObject({ status: 'ACTIVE' });
      expect((await h.store.getClaim(claim.claimId))?.status).toBe('APPROVED');
    });

    it("policy-claimable: C7 — a policy whose claimIds holds the claim is claimable in any status; another claim's policy is not", async () => {
      const h = await make();
      const claim = approvedClaimOf();
      const c7: MemoryPolicy = { orderId: claim.orderId, planId: claim.planId, lineId: claim.lineId!, status: 'CLAIMED', claimIds: [id('clm'), claim.claimId] };
      const payout = payoutOf({ claimId: claim.claimId, status: 'SENT' });
      await Promise.all([h.putClaim(claim), h.putPolicy(c7), h.putPayout(payout)]);
      const payment = { claimId: claim.claimId, historyLength: 2, entry: paidEntry, paidAt: NOW, policy: c7, claimableStatuses: CLAIMABLE };
      expect(await h.store.writePayouts([{ ...step(payout, { status: 'CONFIRMED' }, null), writes: h.store.claimPaidWrites(payment, NOW) }])).toMatchObject([
        { status: 'written' },
      ]);

      const other = approvedClaimOf();
      const taken: MemoryPolicy = { orderId: other.orderId, planId: other.planId, lineId: other.lineId!, status: 'ACTIVE', claimId: id('clm') };
      const payout2 = payoutOf({ claimId: other.claimId, status: 'SENT' });
      await Promise.all([h.putClaim(other), h.putPolicy(taken), h.putPayout(payout2)]);
      const payment2 = { ...payment, claimId: other.claimId, policy: taken };
      expect(await h.store.writePayouts([{ ...step(payout2, { status: 'CONFIRMED' }, null), writes: h.store.claimPaidWrites(payment2, NOW) }])).toEqual([
        { status: 'refused', failed: ['policy-claimable'] },
      ]);
    });

    it('merchant-not-fraudulent: a pre-call write fails on a fraud finding, passes without one (or without a profile)', async () => {
      const h = await make();
      const [flagged, clean, none] = [id('m'), id('m'), id('m')];
      await Promise.all([h.putMerchant(flagged, { fraudFinding: true }), h.putMerchant(clean, { fraudFinding: false })]);
      for (const [merchantId, expected] of [
        [flagged, { status: 'refused', failed: ['merchant-not-fraudulent'] }],
        [clean, { status: 'written' }],
        [none, { status: 'written' }],
      ] as const) {
        const payout = payoutOf({ withdrawalId: id('wd'), source: 'deposit', depositMerchantId: merchantId });
        await h.putPayout(payout);
        const check = h.store.noFraudFindingCheck(merchantId);
        expect([check.group, check.name]).toEqual(['merchant', 'merchant-not-fraudulent']);
        expect(await h.store.writePayouts([{ ...step(payout, { status: 'SENDING', leaseToken: 'l' }), writes: [check] }])).toMatchObject([expected]);
      }
    });

    it('deposit-settled: only a deposit-funded payout settles a deposit part, each write named so', async () => {
      const h = await make();
      expect(h.store.depositSettledWrites(payoutOf(), NOW)).toEqual([]);
      const withdrawal = payoutOf({ withdrawalId: id('wd'), source: 'deposit', depositMerchantId: id('m') });
      const writes = h.store.depositSettledWrites(withdrawal, NOW);
      expect(writes.length).toBeGreaterThan(0);
      expect(new Set(writes.map((w) => `${w.group}/${w.name}`))).toEqual(new Set(['deposit/deposit-settled']));
      expect(() => h.store.depositSettledWrites(payoutOf({ source: 'deposit' }), NOW)).toThrow(/names neither/);
    });

    it('reads the claims of a page together: each found, or undefined when there is none', async () => {
      const h = await make();
      const claim = approvedClaimOf();
      await h.putClaim(claim);
      const missing = id('clm');
      const claims = h.store.claimsByIds([claim.claimId, missing, claim.claimId]);
      expect(await claims.get(claim.claimId)).toEqual(claim);
      expect(await claims.get(missing)).toBeUndefined();
      expect(await h.store.getClaim(claim.claimId)).toEqual(claim);
      expect(await h.store.getClaim(missing)).toBeUndefined();
    });

    it("P4 payees: the profile's alipay, else its old alipayAccount as a logon id with its name; the order's buyerAlipay", async () => {
      const h = await make();
      const [m1, m2, m3, o1, o2] = [id('m'), id('m'), id('m'), id('ord'), id('ord')];
      const userId = { identity: '2088000000000002', identityType: 'ALIPAY_USER_ID' as const };
      await Promise.all([
        h.putMerchant(m1, { alipay: userId, alipayAccount: 'old@example.com', name: '张三' }),
        h.putMerchant(m2, { alipayAccount: 'shop@example.com', name: '李四' }),
        h.putMerchant(m3, { name: '王五' }),
        h.putOrder(o1, { buyerAlipay: userId }),
        h.putOrder(o2, {}),
      ]);
      const unknownMerchant = id('m');
      const merchants = h.store.merchantPayees([m1, m2, m3, unknownMerchant, m1]);
      expect(await merchants.get(m1)).toEqual(userId);
      expect(await merchants.get(m2)).toEqual({ identity: 'shop@example.com', identityType: 'ALIPAY_LOGON_ID', name: '李四' });
      expect(await merchants.get(m3)).toBeUndefined();
      expect(await merchants.get(unknownMerchant)).toBeUndefined();
      const unknownOrder = id('ord');
      const orders = h.store.orderBuyerPayees([o1, o2, unknownOrder]);
      expect(await orders.get(o1)).toEqual(userId);
      expect(await orders.get(o2)).toBeUndefined();
      expect(await orders.get(unknownOrder)).toBeUndefined();
    });
  });
}
