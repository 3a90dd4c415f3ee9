import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { AdvanceSchema, DepositSchema, PayoutSchema, TopUpSchema, WithdrawalSchema } from '#shared/http/schemas.ts';
import { localNotificationBody, readLocalCollection, signLocalFields } from '#shared/payments/local.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import type { DepositMovement } from '#shared/store/deposit-items.ts';
import { depositJournal, depositPayoutSettledWrites, getDepositAccount } from '#shared/store/deposits.ts';
import { approveWithdrawal, getWithdrawal } from '#shared/store/withdrawals.ts';
import { ConditionFailed, named } from '#shared/store/errors.ts';
import { keys } from '#shared/store/keys.ts';
import { getPayout, type StoredPayout } from '#shared/store/payouts.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { nextId } from './support/orders.ts';
import { fileQualityRefundClaim, outboxOn, readItem, readRecord, seedCovered, seedProofOrder } from './support/seed.ts';

/**
 * The consumer-protection deposit (D1–D3, J9) through the API: top-ups, withdrawals under ops
 * review, advance compensation of claims, penalties freezing and fraud forfeiting the deposit.
 * The payout job's part — settling a deposit-funded payout — is simulated by running
 * `depositPayoutSettledWrites` in a transaction of our own. Each test has its own merchant; after
 * every scenario (and once more at the end) the stored balance equals the sum of the stored journal.
 */
const api = useApi();
const NOW = '2026-11-23T10:00:00+08:00'; // a Monday
const clock = fixedClock(NOW);
beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));
beforeEach(() => clock.set(NOW));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];

type Merchant = Caller & { id: string };
const merchants: string[] = [];

async function newMerchant(): Promise<Merchant> {
  const id = nextId('shop');
  const res = await api.call('PUT', `/v1/merchants/${id}`, {
    as: parties.service,
    body: { name: 'Acme Silk', alipayAccount: `${id}@alipay.example`, categories: ['apparel'] },
  });
  expect(res.status).toBe(200);
  merchants.push(id);
  return { role: 'merchant', sub: id, id };
}

const startTopUp = (m: Merchant, amountFen: unknown, as: Caller = m, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/merchants/${m.id}/deposit/top-ups`, { as, body: { amountFen }, headers });
const getTopUp = (m: Merchant, topUpId: string, as: Caller = m) => api.call('GET', `/v1/merchants/${m.id}/deposit/top-ups/${topUpId}`, { as });
/** The payer presses "Pay" on the local payment page: the local provider then notifies the API, as Alipay would. */
const payOnPage = (topUpId: string) => fetch(`${api.base}/local-pay/${topUpId}`, { method: 'POST' });
const notify = (body: string, provider = 'local') =>
  fetch(`${api.base}/v1/payments/${provider}/notifications`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
/** D4: money into the deposit the only way there is — a top-up paid at the provider. */
async function topUp(m: Merchant, amountFen: number) {
  const started = await startTopUp(m, amountFen);
  expect(started.status).toBe(201);
  const paid = await payOnPage(started.body.topUpId);
  expect(paid.status).toBe(200);
  expect(await paid.text()).toContain('200 success');
  return started.body;
}
const deposit = (m: Merchant, as: Caller = m) => api.call('GET', `/v1/merchants/${m.id}/deposit`, { as });
const request = (m: Merchant, body: Record<string, unknown>, as: Caller = m) => api.call('POST', `/v1/merchants/${m.id}/deposit/withdrawals`, { as, body });
const withdraw = (m: Merchant, amountFen: number) => request(m, { amountFen, reason: 'closing the shop' });
const decide = (withdrawalId: string, body: Record<string, unknown>, as: Caller = parties.ops) =>
  api.call('POST', `/v1/deposit-withdrawals/${withdrawalId}/decisions`, { as, body });
const advance = (claimId: string, body: Record<string, unknown> = {}, as: Caller = parties.ops) =>
  api.call('POST', `/v1/claims/${claimId}/advance-compensations`, { as, body });

async function sendEvent(type: string, data: Record<string, unknown>, id = nextId('evt')) {
  const res = await api.call('POST', '/v1/events', { as: parties.service, body: { id, type, occurredAt: NOW, data } });
  expect(res.status).toBe(202);
  return res.body;
}
const penalize = (m: Merchant, penaltyId: string, fraud = false, id?: string) =>
  sendEvent('merchant.penalized', { merchantId: m.id, penaltyId, reason: fraud ? 'counterfeit goods' : 'late shipment', ...(fraud ? { fraud } : {}) }, id);
const lift = (m: Merchant, penaltyId: string) => sendEvent('merchant.penalty-lifted', { merchantId: m.id, penaltyId });

/** The payout job pays what is due (the local provider confirms at once): the deposit-funded payout is CONFIRMED. */
async function settle(payoutId: string, at = '2026-11-24T15:00:00+08:00') {
  clock.set(at);
  expect((await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops })).status).toBe(200);
  const payout = (await getPayout(payoutId))!;
  expect(payout.status).toBe('CONFIRMED');
  return payout;
}

/** The payout job's confirmation of a deposit-funded payout again, reduced to the deposit's part (P1: a repeat). */
async function settleAgain(payoutId: string, at = '2026-11-24T15:00:00+08:00') {
  const payout = (await getPayout(payoutId))!;
  // The conditions of the deposit's part, item by item (the payout job names them within its own transaction).
  const names = [payout.withdrawalId ? 'withdrawal-approved' : payout.advanceId ? 'advance-pending' : 'compensation-pending', 'deposit-held', 'movement-new'];
  await named(names, () => documentClient.send(new TransactWriteCommand({ TransactItems: depositPayoutSettledWrites(payout, at) })));
  return payout;
}

/** Every movement of a deposit's journal, oldest first (paging through it). */
async function journal(merchantId: string): Promise<DepositMovement[]> {
  const all: DepositMovement[] = [];
  let cursor: string | undefined;
  do {
    const page = await depositJournal(merchantId, { limit: 2, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all.reverse();
}

/** D1–D3: the stored balance is the sum of the stored journal; held and available add up. */
async function expectBalanced(merchantId: string) {
  const [account, movements] = await Promise.all([getDepositAccount(merchantId), journal(merchantId)]);
  expect(account.balanceFen).toBe(movements.reduce((sum, m) => sum + m.deltaFen, 0));
  expect(account.availableFen).toBe(account.balanceFen - account.heldFen);
  for (const figure of [account.balanceFen, account.heldFen, account.availableFen]) expect(figure).toBeGreaterThanOrEqual(0);
  return { account, movements };
}

async function depositEvents(merchantId: string) {
  return (await outboxOn(NOW)).filter((e) => e.type.startsWith('deposit.') && e.detail['merchantId'] === merchantId).map((e) => e.type);
}

/** A claim UNDER_REVIEW on one of the merchant's orders (an open claim, D3). */
async function openClaim(m: Merchant) {
  const { policy } = await seedCovered('authenticity', { merchantId: m.id });
  const res = await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', evidence } });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('UNDER_REVIEW');
  return res.body;
}

/** A live-price claim on the merchant's order, APPROVED at submission with a 2000 fen payout to the buyer. */
async function approvedClaim(m: Merchant) {
  const { policy, order } = await seedCovered('live-price', { merchantId: m.id });
  const proof = await seedProofOrder({ buyerId: order.buyerId, merchantId: m.id });
  const res = await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'APPROVED', amountFen: 2000 });
  return res.body;
}

describe('D4 top-ups are payments received', () => {
  it("D4 a top-up is PENDING with the provider's payment instruction; no balance until the provider confirms it; then credited once, with its movement", async () => {
    const m = await newMerchant();
    const empty = await deposit(m);
    expect(empty.body).toEqual({
      merchantId: m.id,
      balanceFen: 0,
      heldFen: 0,
      availableFen: 0,
      minimumFen: 100_000,
      meetsMinimum: false,
      frozen: false,
      forfeited: false,
      withdrawals: [],
      movements: [],
    });
    const started = await startTopUp(m, 100_000);
    expect(started.status).toBe(201);
    const topUpId = started.body.topUpId;
    expect(started.body).toEqual({
      topUpId: expect.stringMatching(/^top_[0-9A-Z]{26}$/),
      merchantId: m.id,
      status: 'PENDING',
      amountFen: 100_000,
      payment: { provider: 'local', paymentId: topUpId, payUrl: `${api.base}/local-pay/${topUpId}` },
      createdAt: NOW,
      // 24 h (default) to pay.
      expiresAt: '2026-11-24T10:00:00+08:00',
    });
    expect(z.strictObject(TopUpSchema.shape).safeParse(started.body).error).toBeUndefined();
    // No balance without a confirmed payment.
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 0, movements: [] });
    expect((await getTopUp(m, topUpId)).body.status).toBe('PENDING');

    // The payment page: one Pay button; paying sends the provider's signed notification.
    const pageHtml = await (await fetch(started.body.payment.payUrl)).text();
    expect(pageHtml).toContain('<button id="pay" type="submit">Pay</button>');
    expect(pageHtml).toContain('¥1000.00');
    const paid = await payOnPage(topUpId);
    expect(await paid.text()).toContain('200 success');
    const credited = await getTopUp(m, topUpId, parties.ops);
    expect(credited.body).toMatchObject({ status: 'CREDITED', creditedAt: NOW, creditedBy: 'notification', providerRef: expect.stringMatching(/^ltd_/) });
    const view = await deposit(m);
    expect(view.body).toMatchObject({ balanceFen: 100_000, availableFen: 100_000, meetsMinimum: true });
    expect(view.body.movements).toEqual([
      { movementId: expect.stringMatching(/^mov_/), type: 'top-up', deltaFen: 100_000, at: NOW, actor: { role: 'system', id: 'payment:local' }, topUpId },
    ]);
    expect(DepositSchema.safeParse(view.body).error).toBeUndefined();
    expect(await depositEvents(m.id)).toEqual(['deposit.credited']);
    await expectBalanced(m.id);
  });

  it('D4 a replayed notification credits nothing more; paying the page again answers the same payment', async () => {
    const m = await newMerchant();
    const { topUpId } = await topUp(m, 50_000);
    const collection = (await readLocalCollection(topUpId))!;
    for (let i = 0; i < 3; i += 1) {
      const replay = await notify(localNotificationBody(collection));
      expect([replay.status, await replay.text()]).toEqual([200, 'success']);
    }
    expect(await (await payOnPage(topUpId)).text()).toContain('200 success');
    const { account, movements } = await expectBalanced(m.id);
    expect(account.balanceFen).toBe(50_000);
    expect(movements).toHaveLength(1);
    expect(await depositEvents(m.id)).toEqual(['deposit.credited']);
  });

  it('D4 forged, mismatched and unknown notifications change nothing: bad signature 400, another amount 422, unknown top-up 404, unknown provider 404', async () => {
    const m = await newMerchant();
    const started = (await startTopUp(m, 30_000)).body;
    const fields = { out_trade_no: started.topUpId, trade_no: 'ltd_forged', trade_status: 'TRADE_SUCCESS', total_amount: '300.00', gmt_payment: NOW };
    const signed = (f: Record<string, string>, secret?: string) => new URLSearchParams({ ...f, sign: signLocalFields(f, secret) }).toString();

    const forged = await notify(signed(fields, 'not-the-secret'));
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe('INVALID_SIGNATURE');
    expect((await notify(new URLSearchParams(fields).toString())).status).toBe(400);
    // A signed notification altered after signing.
    expect((await notify(signed(fields).replace('300.00', '3000.00'))).status).toBe(400);
    const otherAmount = await notify(signed({ ...fields, total_amount: '3000.00' }));
    expect(otherAmount.status).toBe(422);
    const unknown = await notify(signed({ ...fields, out_trade_no: 'top_nowhere' }));
    expect(unknown.status).toBe(404);
    expect((await notify(signed(fields), 'paypal')).status).toBe(404);
    expect((await notify(signed(fields), 'alipay')).status).toBe(404);

    expect((await getTopUp(m, started.topUpId)).body.status).toBe('PENDING');
    expect((await expectBalanced(m.id)).account.balanceFen).toBe(0);
  });

  it("D4 an unpaid top-up expires after 24 h (the job's query): EXPIRED, its page no longer pays, a late notification credits nothing", async () => {
    const m = await newMerchant();
    const started = (await startTopUp(m, 20_000)).body;
    // Before it expires the job only asks again.
    clock.set('2026-11-23T10:20:00+08:00');
    expect((await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops })).body.topUps).toMatchObject({ pending: expect.any(Number) });
    expect((await getTopUp(m, started.topUpId)).body.status).toBe('PENDING');

    clock.set('2026-11-24T10:00:01+08:00');
    const page = await payOnPage(started.topUpId);
    expect(page.status).toBe(409);
    const run = await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    expect(run.body.topUps.expired).toBeGreaterThanOrEqual(1);
    expect((await getTopUp(m, started.topUpId)).body).toMatchObject({ status: 'EXPIRED', expiredAt: '2026-11-24T10:00:01+08:00' });

    // A (forged-late but validly signed) notification for the expired top-up: refused, nothing credited.
    const collection = (await readLocalCollection(started.topUpId))!;
    const late = await notify(localNotificationBody({ ...collection, status: 'paid', tradeNo: 'ltd_late', paidAt: NOW }));
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('TOP_UP_NOT_PENDING');
    expect((await expectBalanced(m.id)).account.balanceFen).toBe(0);
  });

  it("D4 a paid top-up whose notification never arrived is credited by the job's query, once", async () => {
    const m = await newMerchant();
    const started = (await startTopUp(m, 40_000)).body;
    const { payLocalCollection } = await import('#shared/payments/local.ts');
    await payLocalCollection(started.topUpId); // paid at the provider; the notification is lost
    expect((await deposit(m)).body.balanceFen).toBe(0);
    clock.set('2026-11-23T10:16:00+08:00');
    const run = await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    expect(run.body.topUps.credited).toBeGreaterThanOrEqual(1);
    expect((await getTopUp(m, started.topUpId)).body).toMatchObject({ status: 'CREDITED', creditedBy: 'query' });
    await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    const { account, movements } = await expectBalanced(m.id);
    expect(account.balanceFen).toBe(40_000);
    expect(movements).toHaveLength(1);
  });

  it('D4 a retried top-up with the same Idempotency-Key never creates a second top-up, even once the HTTP replay record is gone', async () => {
    const m = await newMerchant();
    const send = () => startTopUp(m, 100_000, m, { 'idempotency-key': `topup-${m.id}` });
    const first = await send();
    const retry = await send();
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    // The data layer's natural key: the same key under another caller scope finds the same top-up.
    const { startTopUp: start } = await import('#shared/use-cases/top-ups.ts');
    const { localProvider } = await import('#shared/payments/local.ts');
    const again = await start(
      localProvider,
      { merchantId: m.id, amountFen: 100_000, idempotencyKey: `topup-${m.id}` },
      { role: 'merchant', id: m.id } as never,
      NOW,
    );
    expect(again.topUpId).toBe(first.body.topUpId);
    await expect(
      start(localProvider, { merchantId: m.id, amountFen: 5, idempotencyKey: `topup-${m.id}` }, { role: 'merchant', id: m.id } as never, NOW),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });

  it('D4 amounts: ≤ 0 or not whole fen 400, above the 10,000,000 fen cap 422 INVALID_AMOUNT (the cap itself is fine); another merchant 404; ops and others may not start one — nothing stored', async () => {
    const m = await newMerchant();
    for (const amountFen of [0, -5, 1.5, '100', null, Number.MAX_SAFE_INTEGER + 1]) {
      const res = await startTopUp(m, amountFen);
      expect(res.status, String(amountFen)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    for (const amountFen of [10_000_001, 9_007_199_254_740_991]) {
      const res = await startTopUp(m, amountFen);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'INVALID_AMOUNT', basis: { rule: 'D4', maxFen: 10_000_000 } });
    }
    expect((await startTopUp(m, 10_000_000)).status).toBe(201);
    const extra = await api.call('POST', `/v1/merchants/${m.id}/deposit/top-ups`, { as: m, body: { amountFen: 100, merchantId: 'x' } });
    expect(extra.status).toBe(400);
    expect((await api.call('POST', `/v1/merchants/${m.id}/deposit/top-ups`, { body: { amountFen: 100 } })).status).toBe(401);
    for (const as of [parties.buyer, parties.adjuster, parties.service, parties.ops]) expect((await startTopUp(m, 100, as)).status).toBe(403);
    for (const as of [parties.buyer, parties.adjuster, parties.service]) expect((await deposit(m, as)).status).toBe(403);
    const other = await startTopUp(m, 100, parties.otherMerchant);
    expect(other.status).toBe(404);
    expect((await deposit(m, parties.otherMerchant)).status).toBe(404);
    const mine = (await startTopUp(m, 100)).body;
    expect((await getTopUp(m, mine.topUpId, parties.otherMerchant)).status).toBe(404);
    expect((await getTopUp({ ...m, id: 'shop-7777' } as Merchant, mine.topUpId, parties.otherMerchant)).status).toBe(404);
    // A merchant Baozhang has no profile of cannot pay in, and has no deposit to show.
    const unknown = { role: 'merchant' as const, sub: 'shop-nowhere', id: 'shop-nowhere' };
    expect((await startTopUp(unknown, 100)).status).toBe(404);
    expect((await deposit(unknown, parties.ops)).status).toBe(404);
    expect((await expectBalanced(m.id)).movements).toEqual([]);
  });
});

describe('D3 withdrawals', () => {
  it('D3 request → ops approves (the amount is held) → the payout job pays it exactly once', async () => {
    const m = await newMerchant();
    await topUp(m, 150_000);
    const requested = await withdraw(m, 50_000);
    expect(requested.status).toBe(201);
    expect(requested.body).toEqual({
      withdrawalId: expect.stringMatching(/^wdr_[0-9A-Z]{26}$/),
      merchantId: m.id,
      amountFen: 50_000,
      reason: 'closing the shop',
      status: 'REQUESTED',
      requestedAt: NOW,
    });
    expect(z.strictObject(WithdrawalSchema.shape).safeParse(requested.body).error).toBeUndefined();
    // Nothing is held while it waits for review.
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 150_000, heldFen: 0, availableFen: 150_000 });

    clock.set('2026-11-23T11:00:00+08:00');
    const approved = await decide(requested.body.withdrawalId, { decision: 'approve', note: 'no open claims' });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({
      ...requested.body,
      status: 'APPROVED',
      decidedAt: '2026-11-23T11:00:00+08:00',
      decidedBy: { role: 'ops', id: 'ops-1' },
      note: 'no open claims',
      payoutId: expect.stringMatching(/^pay_[0-9A-Z]{26}$/),
      // D3 paid out like claims: 3 PRC working days after approval (Mon → Thu).
      payoutDueBy: '2026-11-26T23:59:59.999+08:00',
    });
    const view = await deposit(m);
    expect(view.body).toMatchObject({ balanceFen: 150_000, heldFen: 50_000, availableFen: 100_000, meetsMinimum: true });
    expect(view.body.withdrawals).toEqual([approved.body]);

    // The payout record the payout job pays: to the merchant's Alipay account, from its deposit.
    const payouts = await api.call('GET', '/v1/payouts', { as: m });
    expect(payouts.body.items).toEqual([
      {
        payoutId: approved.body.payoutId,
        withdrawalId: requested.body.withdrawalId,
        source: 'deposit',
        beneficiary: { role: 'merchant', id: m.id, alipayAccount: `${m.id}@alipay.example` },
        amountFen: 50_000,
        status: 'PENDING',
        attempts: 0,
        dueBy: '2026-11-26T23:59:59.999+08:00', // P2, Units: to the end of the 3rd working day
        dueByBasis: 'working-days',
        dueByApproximate: false,
        overdue: false,
        deferred: false, // P4: a payee is known (the profile's alipayAccount), or the job has not looked yet
      },
    ]);
    expect(z.strictObject(PayoutSchema.shape).safeParse(payouts.body.items[0]).error).toBeUndefined();
    expect(await readItem(keys.payout(approved.body.payoutId))).toMatchObject({ depositMerchantId: m.id, dueShard: expect.stringMatching(/^PAYOUT#\d+$/) });

    await settle(approved.body.payoutId);
    expect(await getWithdrawal(requested.body.withdrawalId)).toMatchObject({ status: 'PAID', paidAt: '2026-11-24T15:00:00+08:00' });
    const after = await deposit(m);
    expect(after.body).toMatchObject({ balanceFen: 100_000, heldFen: 0, availableFen: 100_000 });
    expect(after.body.movements[0]).toMatchObject({
      type: 'withdrawal',
      deltaFen: -50_000,
      withdrawalId: requested.body.withdrawalId,
      payoutId: approved.body.payoutId,
      actor: { role: 'system' },
    });

    // P1: the same confirmation again changes nothing.
    await expect(settleAgain(approved.body.payoutId)).rejects.toSatisfy(
      (error: unknown) => error instanceof ConditionFailed && error.failed.includes('withdrawal-approved'),
    );
    const { account, movements } = await expectBalanced(m.id);
    expect(account).toMatchObject({ balanceFen: 100_000, heldFen: 0 });
    expect(movements.map((mv) => mv.type)).toEqual(['top-up', 'withdrawal']);
    expect((await depositEvents(m.id)).sort()).toEqual(['deposit.credited', 'deposit.withdrawal-approved', 'deposit.withdrawal-requested']);
  });

  it('D3 P2 an approval whose due date the holiday calendar does not cover yet is counted in calendar days and labelled so', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const w = (await withdraw(m, 10_000)).body;
    clock.set('2026-12-31T10:00:00+08:00');
    const approved = await decide(w.withdrawalId, { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body.payoutDueBy).toBe('2027-01-03T10:00:00+08:00');
    expect(await getPayout(approved.body.payoutId)).toMatchObject({
      dueBy: '2027-01-03T10:00:00+08:00',
      dueByBasis: 'calendar-days-fallback',
      dueByApproximate: true,
    });
  });

  it('D3 refused at once with EVERY failing condition: active penalty, open claims, fraud finding, amount above the available balance — nothing stored', async () => {
    const m = await newMerchant();
    await topUp(m, 50_000);
    await openClaim(m);
    await penalize(m, 'pen-fraud', true);
    const before = await depositEvents(m.id);

    const refused = await withdraw(m, 60_000);
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      code: 'WITHDRAWAL_NOT_ALLOWED',
      basis: {
        rule: 'D3',
        reasons: ['INSUFFICIENT_DEPOSIT', 'VIOLATION_RECORD', 'MERCHANT_PENALIZED', 'OPEN_CLAIMS', 'FRAUD_FINDING'],
        refusals: [
          // The fraud finding forfeited the 50000 fen: nothing is available.
          { code: 'INSUFFICIENT_DEPOSIT', basis: { rule: 'D3', amountFen: 60_000, availableFen: 0 } },
          { code: 'VIOLATION_RECORD', basis: { violationRecords: 1 } },
          { code: 'MERCHANT_PENALIZED' },
          { code: 'OPEN_CLAIMS', basis: { openClaims: 1 } },
          { code: 'FRAUD_FINDING' },
        ],
      },
    });
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.amountFen', 'merchant', 'merchant', 'merchant', 'merchant']);
    expect((await deposit(m)).body.withdrawals).toEqual([]);
    expect(await depositEvents(m.id)).toEqual(before);
    await expectBalanced(m.id);
  });

  it('D3 open claims on its orders refuse a withdrawal until they are decided; an amount above the available balance is refused with the figures', async () => {
    const m = await newMerchant();
    await topUp(m, 120_000);
    const claim = await openClaim(m);
    const refused = await withdraw(m, 100_000);
    expect(refused.status).toBe(422);
    expect(refused.body.basis).toMatchObject({ reasons: ['OPEN_CLAIMS'], refusals: [{ code: 'OPEN_CLAIMS', basis: { openClaims: 1 } }] });

    const rejected = await api.call('POST', `/v1/claims/${claim.claimId}/decisions`, {
      as: parties.adjuster,
      body: { decision: 'reject', reasonCode: 'NOT_COUNTERFEIT' },
    });
    expect(rejected.status).toBe(200);
    const tooMuch = await withdraw(m, 120_001);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.basis).toMatchObject({ reasons: ['INSUFFICIENT_DEPOSIT'], refusals: [{ basis: { amountFen: 120_001, availableFen: 120_000 } }] });
    // The whole available balance, to the fen, may be withdrawn.
    expect((await withdraw(m, 120_000)).status).toBe(201);
  });

  it('D3 an approved claim not yet paid is still open', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    await approvedClaim(m);
    const refused = await withdraw(m, 1_000);
    expect(refused.status).toBe(422);
    expect(refused.body.basis.reasons).toEqual(['OPEN_CLAIMS']);
  });

  it('D3 two withdrawals racing for the same balance: both may wait for review, only one approval wins; the other is 422 INSUFFICIENT_DEPOSIT', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const [a, b] = await Promise.all([withdraw(m, 100_000), withdraw(m, 100_000)]);
    expect([a.status, b.status]).toEqual([201, 201]);

    const results = await Promise.all([decide(a.body.withdrawalId, { decision: 'approve' }), decide(b.body.withdrawalId, { decision: 'approve' })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    const loser = results.find((r) => r.status === 422)!;
    expect(loser.body).toMatchObject({
      code: 'INSUFFICIENT_DEPOSIT',
      basis: { reasons: ['INSUFFICIENT_DEPOSIT'], refusals: [{ basis: { availableFen: 0 } }] },
    });

    const view = await deposit(m);
    expect(view.body).toMatchObject({ balanceFen: 100_000, heldFen: 100_000, availableFen: 0 });
    expect(view.body.withdrawals.map((w: { status: string }) => w.status).sort()).toEqual(['APPROVED', 'REQUESTED']);
    const payouts = await api.call('GET', '/v1/payouts', { as: m });
    expect(payouts.body.items).toHaveLength(1);
    await expectBalanced(m.id);
  });

  it('D3 the same withdrawal approved five times at once: one approval, one hold, one payout; the rest 409', async () => {
    const m = await newMerchant();
    await topUp(m, 300_000);
    const w = (await withdraw(m, 100_000)).body;
    const results = await Promise.all(Array.from({ length: 5 }, () => decide(w.withdrawalId, { decision: 'approve' })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(['ILLEGAL_TRANSITION', 'CONFLICT']).toContain(r.body.code);
    expect((await deposit(m)).body).toMatchObject({ heldFen: 100_000, availableFen: 200_000 });
    expect((await api.call('GET', '/v1/payouts', { as: m })).body.items).toHaveLength(1);
    await expectBalanced(m.id);
  });

  it('J9 D3 a penalty arriving while a withdrawal waits for review: approval refused (nothing held), rejection allowed; after the lift the record still refuses it (VIOLATION_RECORD)', async () => {
    const m = await newMerchant();
    await topUp(m, 200_000);
    const first = (await withdraw(m, 80_000)).body;
    const second = (await withdraw(m, 20_000)).body;

    await penalize(m, 'pen-1');
    expect((await deposit(m)).body).toMatchObject({ frozen: true, forfeited: false, balanceFen: 200_000 });
    const refused = await decide(first.withdrawalId, { decision: 'approve' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'WITHDRAWAL_NOT_ALLOWED', basis: { reasons: ['VIOLATION_RECORD', 'MERCHANT_PENALIZED'] } });
    expect(await getWithdrawal(first.withdrawalId)).toMatchObject({ status: 'REQUESTED' });
    expect((await deposit(m)).body).toMatchObject({ heldFen: 0, availableFen: 200_000 });
    // A frozen deposit takes no new request either.
    expect((await withdraw(m, 1)).body.basis.reasons).toEqual(['VIOLATION_RECORD', 'MERCHANT_PENALIZED']);

    const rejected = await decide(second.withdrawalId, { decision: 'reject', note: 'penalized' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', decidedBy: { role: 'ops', id: 'ops-1' }, note: 'penalized' });
    expect(rejected.body.payoutId).toBeUndefined();

    await lift(m, 'pen-1');
    expect((await deposit(m)).body.frozen).toBe(false);
    // D3 (seed 004: 必须没有任何违规记录): a lifted penalty is still a violation record.
    const stillRefused = await decide(first.withdrawalId, { decision: 'approve' });
    expect(stillRefused.status).toBe(422);
    expect(stillRefused.body).toMatchObject({ code: 'VIOLATION_RECORD', basis: { rule: 'D3', violationRecords: 1 } });
    expect((await withdraw(m, 1)).body.code).toBe('VIOLATION_RECORD');
    expect((await deposit(m)).body).toMatchObject({ heldFen: 0, availableFen: 200_000 });
    await expectBalanced(m.id);
  });

  it('J9 the approval transaction itself refuses a frozen deposit (a penalty landing between the read and the write)', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const w = (await withdraw(m, 10_000)).body;
    await penalize(m, 'pen-1');
    const payout: StoredPayout = {
      payoutId: `pay_${nextId('race')}`,
      withdrawalId: w.withdrawalId,
      source: 'deposit',
      depositMerchantId: m.id,
      beneficiary: { role: 'merchant', id: m.id, alipayAccount: 'x' },
      amountFen: 10_000,
      status: 'PENDING',
      attempts: 0,
      dueBy: NOW,
      overdue: false,
      createdAt: NOW,
    };
    await expect(approveWithdrawal({ withdrawal: { ...w, status: 'APPROVED', payoutId: payout.payoutId }, payout, at: NOW })).rejects.toSatisfy(
      (error: unknown) => error instanceof ConditionFailed && error.failed.join() === 'merchant-in-good-standing',
    );
    expect(await getWithdrawal(w.withdrawalId)).toMatchObject({ status: 'REQUESTED' });
    expect(await getPayout(payout.payoutId)).toBeUndefined();
    expect((await getDepositAccount(m.id)).heldFen).toBe(0);
  });

  it('D3 J9 a fraud finding cancels the approved, unsent withdrawal and its payout, forfeits the whole deposit in one movement; nothing is sent; no withdrawal ever after', async () => {
    const m = await newMerchant();
    await topUp(m, 150_000);
    const w = (await withdraw(m, 40_000)).body;
    const approved = (await decide(w.withdrawalId, { decision: 'approve' })).body;

    const eventId = nextId('evt');
    expect(await penalize(m, 'pen-fraud', true, eventId)).toMatchObject({ accepted: 1, duplicates: 0 });
    const view = await deposit(m);
    expect(view.body).toMatchObject({ balanceFen: 0, heldFen: 0, availableFen: 0, frozen: true, forfeited: true, meetsMinimum: false });
    expect(view.body.movements[0]).toMatchObject({ type: 'forfeiture', deltaFen: -150_000, penaltyId: 'pen-fraud', at: NOW, actor: { role: 'system' } });
    expect(view.body.withdrawals[0]).toMatchObject({ withdrawalId: w.withdrawalId, status: 'CANCELLED', cancelReason: 'fraud' });
    expect(await getPayout(approved.payoutId)).toMatchObject({ status: 'CANCELLED' });
    expect(await readItem(keys.payout(approved.payoutId))).not.toHaveProperty('dueShard');
    expect(await readRecord(keys.penalty(m.id, 'pen-fraud'))).toMatchObject({ fraud: true, penalizedAt: NOW });
    const events = await outboxOn(NOW);
    expect(events.filter((e) => e.type === 'withdrawal.cancelled' && e.detail['withdrawalId'] === w.withdrawalId)).toHaveLength(1);
    expect((await depositEvents(m.id)).filter((t) => t === 'deposit.forfeited')).toHaveLength(1);

    // The payout job sends nothing for it.
    const { resetLocalProvider, localProviderCalls } = await import('#shared/payments/local.ts');
    resetLocalProvider();
    clock.set('2026-11-23T12:00:00+08:00');
    await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    expect(localProviderCalls().filter((c) => c.outBizNo === approved.payoutId)).toEqual([]);
    expect(await getWithdrawal(w.withdrawalId)).toMatchObject({ status: 'CANCELLED' });

    // The same event again, or the same penalty under a new event id, forfeits nothing more.
    expect(await penalize(m, 'pen-fraud', true, eventId)).toMatchObject({ accepted: 0, duplicates: 1 });
    await penalize(m, 'pen-fraud', true);
    expect((await expectBalanced(m.id)).movements.map((mv) => mv.type)).toEqual(['top-up', 'forfeiture']);

    // Lifting the penalty keeps the fraud finding (and the record): no withdrawal.
    await lift(m, 'pen-fraud');
    await topUp(m, 5_000);
    const refused = await withdraw(m, 5_000);
    expect(refused.status).toBe(422);
    expect(refused.body.basis.reasons).toEqual(['VIOLATION_RECORD', 'FRAUD_FINDING']);
    expect((await deposit(m)).body).toMatchObject({ frozen: true, forfeited: true, balanceFen: 5_000 });
    await expectBalanced(m.id);
  });

  it('D3 a withdrawal the fraud finding did not see (its look-up is eventually consistent) is still never sent: the payout job checks the finding in the same write', async () => {
    const m = await newMerchant();
    await topUp(m, 150_000);
    const w = (await withdraw(m, 40_000)).body;
    const approved = (await decide(w.withdrawalId, { decision: 'approve' })).body;
    // The finding lands on the profile, but the penalty's look-up of approved withdrawals missed this one.
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: tableName, Key: keys.merchant(m.id), UpdateExpression: 'SET fraudFinding = :t', ExpressionAttributeValues: { ':t': true } } },
        ],
      }),
    );
    const { resetLocalProvider, localProviderCalls } = await import('#shared/payments/local.ts');
    resetLocalProvider();
    clock.set('2026-11-23T12:00:00+08:00');
    await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    expect(localProviderCalls().filter((c) => c.outBizNo === approved.payoutId)).toEqual([]);
    expect(await getPayout(approved.payoutId)).toMatchObject({ status: 'PENDING', deferred: true, lastError: { code: 'FRAUD_FINDING' } });
    expect(await getWithdrawal(w.withdrawalId)).toMatchObject({ status: 'APPROVED' });
  });

  it('D3 a withdrawal transfer already in flight when fraud is found is let finish and reported; only the available balance is forfeited', async () => {
    const m = await newMerchant();
    await topUp(m, 150_000);
    const w = (await withdraw(m, 40_000)).body;
    const approved = (await decide(w.withdrawalId, { decision: 'approve' })).body;
    // The payout job sent it; the provider is still processing it (SENT: in flight).
    const { setLocalProviderFaults, resetLocalProvider } = await import('#shared/payments/local.ts');
    resetLocalProvider();
    setLocalProviderFaults({ lateNext: 1000, lateByMs: 3_600_000 });
    expect((await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops })).status).toBe(200);
    resetLocalProvider();
    expect(await getPayout(approved.payoutId)).toMatchObject({ status: 'SENT' });
    await penalize(m, 'pen-fraud', true);
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 40_000, heldFen: 40_000, availableFen: 0 });
    expect(await getWithdrawal(w.withdrawalId)).toMatchObject({ status: 'APPROVED' });
    const forfeited = (await outboxOn(NOW)).find((e) => e.type === 'deposit.forfeited' && e.detail['merchantId'] === m.id)!;
    expect(forfeited.detail).toMatchObject({
      forfeitFen: 110_000,
      inFlightWithdrawals: [{ withdrawalId: w.withdrawalId, payoutId: approved.payoutId, status: 'SENT' }],
    });
    await settle(approved.payoutId, '2026-11-23T12:00:00+08:00');
    expect((await expectBalanced(m.id)).account).toMatchObject({ balanceFen: 0, heldFen: 0 });
  });

  it('a fraud finding against a merchant that never paid in changes no deposit', async () => {
    const m = await newMerchant();
    await penalize(m, 'pen-fraud', true);
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 0, frozen: true, forfeited: true, movements: [] });
  });

  it('decisions: 404 unknown, 409 ILLEGAL_TRANSITION once decided, 400 malformed, 403 for anyone but ops', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const w = (await withdraw(m, 10_000)).body;
    expect((await decide('wdr_UNKNOWN', { decision: 'approve' })).status).toBe(404);
    for (const body of [{ decision: 'request-info' }, {}, { decision: 'approve', amountFen: 1 }, { decision: 'approve', note: '' }]) {
      expect((await decide(w.withdrawalId, body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const as of [m, parties.adjuster, parties.buyer, parties.service])
      expect((await decide(w.withdrawalId, { decision: 'approve' }, as)).status).toBe(403);
    expect((await decide(w.withdrawalId, { decision: 'reject' })).status).toBe(200);
    const again = await decide(w.withdrawalId, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', basis: { machine: 'withdrawal', from: 'REJECTED' } });
    expect((await deposit(m)).body).toMatchObject({ heldFen: 0, availableFen: 100_000 });
  });

  it('requests: 400 malformed, 403 for ops (a merchant applies itself), 404 for another merchant', async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    for (const body of [
      { amountFen: 0, reason: 'x' },
      { amountFen: 100 },
      { amountFen: 100, reason: '' },
      { amountFen: 100, reason: 'x', status: 'APPROVED' },
    ]) {
      const res = await request(m, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await request(m, { amountFen: 100, reason: 'x' }, parties.ops)).status).toBe(403);
    expect((await request(m, { amountFen: 100, reason: 'x' }, parties.otherMerchant)).status).toBe(404);
    expect((await deposit(m)).body.withdrawals).toEqual([]);
  });
});

describe('D2 advance compensation', () => {
  it("D2 ops pays an approved claim from the merchant's deposit: the claim's payout switches to the deposit, the amount is held, then settled once", async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const claim = await approvedClaim(m);

    const res = await advance(claim.claimId, { note: 'insurer declined: not covered' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      advanceId: expect.stringMatching(/^adv_[0-9A-Z]{26}$/),
      claimId: claim.claimId,
      merchantId: m.id,
      payoutId: expect.stringMatching(/^pay_/),
      beneficiary: { role: 'buyer', id: 'buyer-417' },
      amountFen: 2000,
      status: 'PENDING',
      basis: { rule: 'D2', claimId: claim.claimId, amountFen: 2000, availableFen: 100_000, payoutStatus: 'PENDING' },
      note: 'insurer declined: not covered',
      createdAt: NOW,
      createdBy: { role: 'ops', id: 'ops-1' },
    });
    expect(z.strictObject(AdvanceSchema.shape).safeParse(res.body).error).toBeUndefined();
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 100_000, heldFen: 2000, availableFen: 98_000 });

    // P1: still the claim's one payout, now funded from the deposit.
    const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.buyer });
    expect(payouts.body.items).toEqual([
      expect.objectContaining({
        payoutId: res.body.payoutId,
        claimId: claim.claimId,
        advanceId: res.body.advanceId,
        source: 'deposit',
        amountFen: 2000,
        status: 'PENDING',
      }),
    ]);
    expect(await depositEvents(m.id)).toContain('deposit.advance-compensated');

    const again = await advance(claim.claimId);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ADVANCE_EXISTS', basis: { advanceId: res.body.advanceId } });

    await settle(res.body.payoutId);
    expect(await readRecord(keys.advance(claim.claimId))).toMatchObject({ status: 'PAID', paidAt: '2026-11-24T15:00:00+08:00' });
    const view = await deposit(m);
    expect(view.body).toMatchObject({ balanceFen: 98_000, heldFen: 0, availableFen: 98_000 });
    expect(view.body.movements[0]).toMatchObject({ type: 'advance-compensation', deltaFen: -2000, claimId: claim.claimId, advanceId: res.body.advanceId });
    await expect(settleAgain(res.body.payoutId)).rejects.toBeInstanceOf(ConditionFailed);
    await expectBalanced(m.id);
  });

  it('D2 refusals: a claim not approved, a deposit short of the amount (422); a payout already sent means the insurer pays (422); nothing changes', async () => {
    const m = await newMerchant();
    const underReview = await openClaim(m);
    const notApproved = await advance(underReview.claimId);
    expect(notApproved.status).toBe(422);
    expect(notApproved.body).toMatchObject({ code: 'ADVANCE_NOT_ALLOWED', basis: { rule: 'D2', status: 'UNDER_REVIEW' } });

    const claim = await approvedClaim(m);
    await topUp(m, 1999);
    const short = await advance(claim.claimId);
    expect(short.status).toBe(422);
    expect(short.body).toMatchObject({ code: 'INSUFFICIENT_DEPOSIT', basis: { rule: 'D2', amountFen: 2000, availableFen: 1999 } });

    await topUp(m, 1);
    const claimItem = await readItem(keys.claim(claim.claimId));
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.payout(String(claimItem!['payoutId'])),
              UpdateExpression: 'SET #s = :sent',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':sent': 'SENT' },
            },
          },
        ],
      }),
    );
    const sent = await advance(claim.claimId);
    expect(sent.status).toBe(422);
    expect(sent.body).toMatchObject({ code: 'ADVANCE_NOT_ALLOWED', basis: { insurerCovers: true } });
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 2000, heldFen: 0 });
    expect(await readItem(keys.advance(claim.claimId))).toBeUndefined();
    await expectBalanced(m.id);
  });

  it("D2 a merchant's own claim (live-quality) is never paid from its own deposit", async () => {
    const m = await newMerchant();
    await topUp(m, 100_000);
    const { claim } = await fileQualityRefundClaim(m.id, NOW);
    const res = await advance(claim.claimId);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'ADVANCE_NOT_ALLOWED', basis: { rule: 'D2', beneficiary: 'merchant' } });
  });

  it('404 for an unknown claim, 403 for anyone but ops, 400 for unknown fields', async () => {
    expect((await advance('clm_UNKNOWN')).status).toBe(404);
    for (const as of [parties.adjuster, parties.merchant, parties.buyer, parties.service]) expect((await advance('clm_UNKNOWN', {}, as)).status).toBe(403);
    const extra = await advance('clm_UNKNOWN', { amountFen: 5 });
    expect(extra.status).toBe(400);
  });
});

const join = (m: Merchant, planId = 'authenticity') =>
  api.call('POST', `/v1/merchants/${m.id}/enrollments`, { as: m, body: { planId, acceptAgreement: true, agreementVersion: '2026-09' } });
const runPayoutJob = () => api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });

describe('D1 the minimum holds', () => {
  it('D1 while enrolled a withdrawal that would leave less than 100000 fen is 422 DEPOSIT_BELOW_MINIMUM; at the boundary it is accepted; after exiting every plan all of it may go', async () => {
    const m = await newMerchant();
    await topUp(m, 150_000);
    const joined = await join(m);
    expect(joined.status).toBe(201);
    const refused = await withdraw(m, 50_001);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'DEPOSIT_BELOW_MINIMUM', basis: { rule: 'D1', minimumFen: 100_000, maxWithdrawableFen: 50_000 } });
    // The whole minimum, as the finding had it: refused.
    expect((await withdraw(m, 150_000)).body.code).toBe('DEPOSIT_BELOW_MINIMUM');
    const atBoundary = await withdraw(m, 50_000);
    expect(atBoundary.status).toBe(201);
    expect((await decide(atBoundary.body.withdrawalId, { decision: 'approve' })).status).toBe(200);
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 150_000, heldFen: 50_000, availableFen: 100_000 });
    // Nothing more while enrolled.
    expect((await withdraw(m, 1)).body.code).toBe('DEPOSIT_BELOW_MINIMUM');

    const exit = await api.call('POST', `/v1/merchants/${m.id}/enrollments/${joined.body.enrollmentId}/exit`, {
      as: m,
      body: { reason: 'business-difficulty' },
    });
    expect(exit.status).toBe(200);
    const all = await withdraw(m, 100_000);
    expect(all.status).toBe(201);
    expect((await decide(all.body.withdrawalId, { decision: 'approve' })).status).toBe(200);
    expect((await deposit(m)).body).toMatchObject({ heldFen: 150_000, availableFen: 0 });
    await expectBalanced(m.id);
  });

  it('D1 a 1-fen top-up credits 1 fen and no more; a merchant whose deposit is below the minimum cannot join (DEPOSIT_BELOW_MINIMUM) until it tops up', async () => {
    const m = await newMerchant();
    await topUp(m, 1);
    expect((await deposit(m)).body).toMatchObject({ balanceFen: 1, meetsMinimum: false });
    const refused = await join(m);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'DEPOSIT_BELOW_MINIMUM', basis: { rule: 'D1', balanceFen: 1, minimumFen: 100_000 } });
    await topUp(m, 99_999);
    expect((await join(m)).status).toBe(201);
  });
});

describe('D2 an advance always ends', () => {
  it('D2 an advance on a payout that failed for good (PAYER_BALANCE_NOT_ENOUGH) queues it again from the deposit: the buyer is paid, the claim PAID, the hold settled, and the merchant may withdraw again', async () => {
    const { setLocalProviderFaults, resetLocalProvider } = await import('#shared/payments/local.ts');
    const m = await newMerchant();
    await topUp(m, 100_000);
    // Earlier tests' payouts due by now are paid first, so the one refusal below is this claim's.
    clock.set('2026-11-23T10:29:00+08:00');
    await runPayoutJob();
    const claim = await approvedClaim(m);
    resetLocalProvider();
    setLocalProviderFaults({ failNext: 1, failCode: 'PAYER_BALANCE_NOT_ENOUGH', failRetryable: false });
    await runPayoutJob();
    const payoutId: string = (await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops })).body.items[0].payoutId;
    const failed = await getPayout(payoutId);
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'PAYER_BALANCE_NOT_ENOUGH' });
    expect(failed!.nextAttemptAt).toBeUndefined();
    expect(await readItem(keys.payout(payoutId))).not.toHaveProperty('dueShard');

    resetLocalProvider();
    clock.set('2026-11-23T11:00:00+08:00');
    const res = await advance(claim.claimId, { note: 'insurer cannot pay' });
    expect(res.status).toBe(201);
    expect(res.body.basis).toMatchObject({ rule: 'D2', requeued: true, failureCode: 'PAYER_BALANCE_NOT_ENOUGH', payoutStatus: 'FAILED' });
    expect(await getPayout(payoutId)).toMatchObject({ status: 'FAILED', source: 'deposit', attempts: 0, nextAttemptAt: '2026-11-23T11:00:00+08:00' });

    clock.set('2026-11-23T11:05:00+08:00');
    await runPayoutJob();
    expect(await getPayout(payoutId)).toMatchObject({ status: 'CONFIRMED' });
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.ops })).body.status).toBe('PAID');
    expect(await readRecord(keys.advance(claim.claimId))).toMatchObject({ status: 'PAID' });
    const { account, movements } = await expectBalanced(m.id);
    expect(account).toMatchObject({ balanceFen: 98_000, heldFen: 0 });
    expect(movements.map((mv) => mv.type)).toEqual(['top-up', 'advance-compensation']);
    // The claim is closed: nothing stuck keeps the merchant from withdrawing.
    expect((await withdraw(m, 1_000)).status).toBe(201);
  });

  it('D2 an advance whose deposit payout fails for good again is queued again by the next advance request: the hold is never stuck, the buyer is paid once', async () => {
    const { setLocalProviderFaults, resetLocalProvider } = await import('#shared/payments/local.ts');
    const m = await newMerchant();
    await topUp(m, 100_000);
    clock.set('2026-11-23T10:29:00+08:00');
    await runPayoutJob();
    const claim = await approvedClaim(m);
    resetLocalProvider();
    setLocalProviderFaults({ failNext: 1, failCode: 'PAYER_BALANCE_NOT_ENOUGH', failRetryable: false });
    await runPayoutJob();
    const payoutId: string = (await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops })).body.items[0].payoutId;
    clock.set('2026-11-23T11:00:00+08:00');
    const first = await advance(claim.claimId, { note: 'insurer cannot pay' });
    expect(first.status).toBe(201);
    // The deposit's transfer is refused for good too.
    setLocalProviderFaults({ failNext: 1, failCode: 'PAYER_BALANCE_NOT_ENOUGH', failRetryable: false });
    clock.set('2026-11-23T11:05:00+08:00');
    await runPayoutJob();
    const failedAgain = await getPayout(payoutId);
    expect(failedAgain).toMatchObject({ status: 'FAILED', source: 'deposit', failureCode: 'PAYER_BALANCE_NOT_ENOUGH' });
    expect(failedAgain!.nextAttemptAt).toBeUndefined();
    expect((await deposit(m)).body).toMatchObject({ heldFen: 2_000 });

    resetLocalProvider();
    clock.set('2026-11-23T12:00:00+08:00');
    const again = await advance(claim.claimId, { note: 'balance restored' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ advanceId: first.body.advanceId, basis: { rule: 'D2', requeued: true, failureCode: 'PAYER_BALANCE_NOT_ENOUGH' } });
    expect(await getPayout(payoutId)).toMatchObject({ status: 'FAILED', attempts: 0, nextAttemptAt: '2026-11-23T12:00:00+08:00' });
    // Asked again while it is queued: the advance exists, nothing changes.
    expect((await advance(claim.claimId)).status).toBe(409);

    clock.set('2026-11-23T12:05:00+08:00');
    await runPayoutJob();
    expect(await getPayout(payoutId)).toMatchObject({ status: 'CONFIRMED' });
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.ops })).body.status).toBe('PAID');
    expect(await readRecord(keys.advance(claim.claimId))).toMatchObject({ status: 'PAID' });
    const { account } = await expectBalanced(m.id);
    expect(account).toMatchObject({ balanceFen: 98_000, heldFen: 0 });
  });

  it("D2 an advance is refused with PAYEE_UNPAYABLE where it could not be paid either: the buyer's account was refused for good — nothing held", async () => {
    const { setLocalProviderFaults, resetLocalProvider } = await import('#shared/payments/local.ts');
    const m = await newMerchant();
    await topUp(m, 100_000);
    clock.set('2026-11-23T10:29:00+08:00');
    await runPayoutJob();
    const claim = await approvedClaim(m);
    resetLocalProvider();
    setLocalProviderFaults({ failNext: 1, failCode: 'PAYEE_NOT_EXIST', failRetryable: false });
    await runPayoutJob();
    resetLocalProvider();
    const res = await advance(claim.claimId);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'PAYEE_UNPAYABLE', basis: { rule: 'D2', failureCode: 'PAYEE_NOT_EXIST' } });
    expect((await deposit(m)).body).toMatchObject({ heldFen: 0, availableFen: 100_000 });
  });

  it('D1 D2 an advance that takes the deposit below the minimum emits deposit.top-up-required', async () => {
    const m = await newMerchant();
    await topUp(m, 101_000);
    const claim = await approvedClaim(m);
    expect((await advance(claim.claimId)).status).toBe(201);
    const required = (await outboxOn(NOW)).filter((e) => e.type === 'deposit.top-up-required' && e.detail['merchantId'] === m.id);
    expect(required).toHaveLength(1);
    expect(required[0]!.detail).toMatchObject({ availableFen: 99_000, minimumFen: 100_000, shortFen: 1_000, claimId: claim.claimId });
  });
});

describe('D5 dispute compensation from the deposit', () => {
  const compensate = (orderId: string, body: Record<string, unknown>, as: Caller = parties.ops) =>
    api.call('POST', `/v1/orders/${orderId}/compensations`, { as, body });

  it("D5 C11 ops compensates a buyer for an uncovered dispute: paid from the deposit like a claim, at most the line's net paid in total", async () => {
    const m = await newMerchant();
    await topUp(m, 200_000);
    const { order } = await seedCovered('authenticity', { merchantId: m.id });
    const line = order.lines[0]!;
    const tooMuch = await compensate(order.orderId, { lineId: line.lineId, amountFen: line.paidFen + 1, reason: 'quality-issue' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'COMPENSATION_EXCEEDS_NET_PAID', basis: { rule: 'D5', netPaidFen: line.paidFen, remainingFen: line.paidFen } });

    const first = await compensate(order.orderId, { lineId: line.lineId, amountFen: line.paidFen - 100, reason: 'fraud', note: 'fake listing' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      compensationId: expect.stringMatching(/^cmp_/),
      orderId: order.orderId,
      lineId: line.lineId,
      merchantId: m.id,
      buyerId: order.buyerId,
      status: 'PENDING',
      reason: 'fraud',
    });
    expect((await deposit(m)).body).toMatchObject({ heldFen: line.paidFen - 100 });
    // The same loss is never paid twice: only 100 fen remain.
    const second = await compensate(order.orderId, { lineId: line.lineId, amountFen: 101, reason: 'fraud' });
    expect(second.status).toBe(422);
    expect(second.body.basis).toMatchObject({ compensatedFen: line.paidFen - 100, remainingFen: 100 });

    clock.set('2026-11-23T11:00:00+08:00');
    await runPayoutJob();
    const payout = await getPayout(first.body.payoutId);
    expect(payout).toMatchObject({
      status: 'CONFIRMED',
      source: 'deposit',
      compensationId: first.body.compensationId,
      beneficiary: { role: 'buyer', id: order.buyerId },
    });
    const { account, movements } = await expectBalanced(m.id);
    expect(account).toMatchObject({ balanceFen: 200_000 - (line.paidFen - 100), heldFen: 0 });
    expect(movements.at(-1)).toMatchObject({ type: 'compensation', compensationId: first.body.compensationId, deltaFen: -(line.paidFen - 100) });
  });

  it('D5 400 for a bad body, 403 for anyone but ops, 404 for an unknown order or line, 422 INSUFFICIENT_DEPOSIT — nothing held', async () => {
    const m = await newMerchant();
    await topUp(m, 100);
    const { order } = await seedCovered('authenticity', { merchantId: m.id });
    expect((await compensate(order.orderId, { lineId: 'L1', amountFen: 0, reason: 'fraud' })).status).toBe(400);
    expect((await compensate(order.orderId, { lineId: 'L1', amountFen: 10, reason: 'fraud', extra: 1 })).status).toBe(400);
    for (const as of [parties.buyer, parties.adjuster, parties.service, m])
      expect((await compensate(order.orderId, { lineId: 'L1', amountFen: 10, reason: 'fraud' }, as)).status).toBe(403);
    expect((await compensate('ord-nowhere', { lineId: 'L1', amountFen: 10, reason: 'fraud' })).status).toBe(404);
    expect((await compensate(order.orderId, { lineId: 'L9', amountFen: 10, reason: 'fraud' })).status).toBe(404);
    const short = await compensate(order.orderId, { lineId: 'L1', amountFen: 101, reason: 'quality-issue' });
    expect(short.status).toBe(422);
    expect(short.body.code).toBe('INSUFFICIENT_DEPOSIT');
    expect((await deposit(m)).body).toMatchObject({ heldFen: 0, availableFen: 100 });
  });
});

describe('the journal', () => {
  it('D1 D2 D3 J9 after every scenario above, each stored balance equals the sum of its stored journal', async () => {
    expect(merchants.length).toBeGreaterThan(10);
    for (const merchantId of merchants) await expectBalanced(merchantId);
  });

  it('D1–D5 the reconciliation (npm run reconcile) finds zero differences after every scenario above: journal, provider-confirmed collections and payouts', async () => {
    // Everything the scenarios left due is paid first, as the schedule would.
    clock.set('2026-11-30T10:00:00+08:00');
    await api.call('POST', '/v1/jobs/payout/runs', { as: parties.ops });
    const { reconcileDeposits } = await import('#shared/use-cases/reconcile.ts');
    const { localProvider } = await import('#shared/payments/local.ts');
    const report = await reconcileDeposits(localProvider, merchants);
    expect(report.merchants).toBe(merchants.length);
    expect(report.differences).toEqual([]);
  });

  it('the reconciliation reports a balance typed in without a payment, and a payout settled without the provider', async () => {
    const m = await newMerchant();
    await topUp(m, 10_000);
    // A number typed in: the account moved, no journal, no provider.
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.depositAccount(m.id),
              UpdateExpression: 'ADD balanceFen :a, availableFen :a',
              ExpressionAttributeValues: { ':a': 5 },
            },
          },
        ],
      }),
    );
    const { reconcileMerchant } = await import('#shared/use-cases/reconcile.ts');
    const { localProvider } = await import('#shared/payments/local.ts');
    expect((await reconcileMerchant(localProvider, m.id)).map((d) => d.kind)).toEqual(['balance-vs-journal']);
  });
});
