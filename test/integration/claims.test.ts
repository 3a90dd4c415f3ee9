import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { ClaimSchema, PayoutSchema } from '#shared/http/schemas.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import { claimsFromRefund, RuleViolation, type Policy } from '#shared/rules/index.ts';
import { keys } from '#shared/store/keys.ts';
import { fileClaim } from '#shared/use-cases/claims.ts';
import { parties, useApi, type Caller } from './support/api.ts';
import { nextId } from './support/orders.ts';
import { outboxOn, readItem, seedCovered, seedMerchant, seedProofOrder } from './support/seed.ts';

const api = useApi();
const SUBMITTED_AT = '2026-11-22T09:00:00+08:00'; // a Sunday
const clock = fixedClock(SUBMITTED_AT);
beforeAll(() => setClock(clock));
afterAll(() => setClock(systemClock));
beforeEach(() => clock.set(SUBMITTED_AT));

const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];

function submit(body: Record<string, unknown>, as: Caller = parties.buyer) {
  return api.call('POST', '/v1/claims', { as, body });
}

function decide(claimId: string, body: Record<string, unknown>, as: Caller = parties.adjuster) {
  return api.call('POST', `/v1/claims/${claimId}/decisions`, { as, body });
}

function addEvidence(claimId: string, body: Record<string, unknown> = { evidence }, as: Caller = parties.buyer) {
  return api.call('POST', `/v1/claims/${claimId}/evidence`, { as, body });
}

/** A live-price policy with a proof order of the same listing and SKU at 7000 fen. */
async function livePriceCase(orderOverrides = {}, proofOverrides = {}) {
  const covered = await seedCovered('live-price', orderOverrides);
  const proof = await seedProofOrder({ buyerId: covered.order.buyerId, ...proofOverrides });
  return { ...covered, proof };
}

async function authenticityClaim(buyer: Caller = parties.buyer) {
  const { policy, order } = await seedCovered('authenticity', { buyerId: buyer.sub });
  const res = await submit({ policyId: policy.policyId, lineId: 'L1', evidence, description: 'The tag does not match' }, buyer);
  expect(res.status).toBe(201);
  return { policy, order, claim: res.body };
}

async function policyItemOf(policy: Policy) {
  return readItem(keys.policy(policy.orderId, policy.planId, policy.lineId));
}

describe('POST /v1/claims — submission', () => {
  it('A1 C4 a live-price claim on the same listing and SKU is approved at submission, with its payout record', async () => {
    const { policy, proof } = await livePriceCase();
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/claims/${res.body.claimId}`);
    expect(res.body).toMatchObject({
      policyId: policy.policyId,
      planId: 'live-price',
      orderId: policy.orderId,
      lineId: 'L1',
      claimant: { role: 'buyer', id: 'buyer-417' },
      beneficiary: { role: 'buyer', id: 'buyer-417' },
      status: 'APPROVED',
      amountFen: 2000,
      basis: { rule: 'C4', paidPerUnitFen: 9000, proofUnitPriceFen: 7000, units: 1, capFen: 9000 },
      evidence: [],
      history: [{ at: SUBMITTED_AT, status: 'APPROVED', actor: { role: 'system' }, note: 'auto-approved: same listing and SKU' }],
      submittedAt: SUBMITTED_AT,
      decidedAt: SUBMITTED_AT,
      // P2: 3 PRC working days after approval on a Sunday: Mon, Tue, Wed.
      payoutDueBy: '2026-11-25T23:59:59.999+08:00',
    });
    expect(res.body.claimId).toMatch(/^clm_[0-9A-Z]{26}$/);
    // Exactly the contract's shape: the store's own attributes (payoutId, merchantId) stay inside.
    expect(z.strictObject(ClaimSchema.shape).safeParse(res.body).error).toBeUndefined();

    const payouts = await api.call('GET', `/v1/payouts?claimId=${res.body.claimId}`, { as: parties.buyer });
    expect(payouts.status).toBe(200);
    expect(payouts.body.items).toEqual([
      {
        payoutId: expect.stringMatching(/^pay_[0-9A-Z]{26}$/),
        claimId: res.body.claimId,
        // P4: a buyer id is no Alipay account; the job pays the order's buyerAlipay, resolved at send time.
        beneficiary: { role: 'buyer', id: 'buyer-417', alipayAccount: '' },
        amountFen: 2000,
        status: 'PENDING',
        attempts: 0,
        dueBy: '2026-11-25T23:59:59.999+08:00',
        dueByBasis: 'working-days',
        dueByApproximate: false,
        overdue: false,
        deferred: false,
      },
    ]);
    expect(z.strictObject(PayoutSchema.shape).safeParse(payouts.body.items[0]).error).toBeUndefined();
    // Due for the payout job from its creation (DueIndex PAYOUT#n).
    const payoutItem = await readItem(keys.payout(payouts.body.items[0].payoutId));
    expect(payoutItem).toMatchObject({ dueShard: expect.stringMatching(/^PAYOUT#\d+$/), createdAt: SUBMITTED_AT });
    expect((await policyItemOf(policy))?.['claimId']).toBe(res.body.claimId);

    const events = (await outboxOn(SUBMITTED_AT)).filter((e) => e.detail['claimId'] === res.body.claimId);
    expect(events.map((e) => e.type).sort()).toEqual(['claim.approved', 'claim.submitted']);
  });

  it('C1 a second claim on the same policy line is 409 CLAIM_EXISTS', async () => {
    const { policy, proof } = await livePriceCase();
    const body = { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId };
    expect((await submit(body)).status).toBe(201);
    const second = await submit(body);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'CLAIM_EXISTS', basis: { rule: 'C1', policyId: policy.policyId, lineId: 'L1' } });
  });

  it('C1 50 parallel identical submissions store exactly one claim and one payout', async () => {
    const buyer: Caller = { role: 'buyer', sub: nextId('buyer-c1') };
    const { policy, proof } = await livePriceCase({ buyerId: buyer.sub });
    const body = { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId };
    const results = await Promise.all(Array.from({ length: 50 }, () => submit(body, buyer)));
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(409);
      expect(['CLAIM_EXISTS', 'CONFLICT']).toContain(refused.body.code);
    }
    const claims = await api.call('GET', '/v1/claims', { as: buyer });
    expect(claims.body.items.map((c: { claimId: string }) => c.claimId)).toEqual([created[0]!.body.claimId]);
    const payouts = await api.call('GET', '/v1/payouts', { as: buyer });
    expect(payouts.body.items).toHaveLength(1);
    expect((await policyItemOf(policy))?.['claimId']).toBe(created[0]!.body.claimId);
  });

  describe('C2 proof orders', () => {
    it('an unknown proof order is 422 PROOF_ORDER_NOT_FOUND', async () => {
      const { policy } = await livePriceCase();
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: 'ord-nowhere' });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body).toMatchObject({ code: 'PROOF_ORDER_NOT_FOUND', basis: { rule: 'C2', proofOrderId: 'ord-nowhere' } });
    });

    it('a price claim without a proof order is 422 PROOF_ORDER_REQUIRED', async () => {
      const { policy } = await livePriceCase();
      const res = await submit({ policyId: policy.policyId, lineId: 'L1' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('PROOF_ORDER_REQUIRED');
    });

    it('a paid proof order is 422 PROOF_ORDER_PAID', async () => {
      const { policy, proof } = await livePriceCase({}, { paidAt: '2026-11-22T08:31:00+08:00' });
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'PROOF_ORDER_PAID', basis: { rule: 'C2', paidAt: '2026-11-22T08:31:00+08:00' } });
    });

    it("another buyer's proof order is 422 PROOF_ORDER_MISMATCH on buyerId", async () => {
      const { policy } = await livePriceCase();
      const foreign = await seedProofOrder({ buyerId: 'buyer-999' });
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: foreign.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'PROOF_ORDER_MISMATCH', basis: { field: 'buyerId' } });
    });

    it('a proof order for another SKU is 422 PROOF_ORDER_MISMATCH on skuId', async () => {
      const { policy, proof } = await livePriceCase(
        {},
        {
          lines: [{ skuId: 'sku-other', itemId: 'item-other', unitPriceFen: 7000, skuAttributes: { name: 'Other' } }],
        },
      );
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'PROOF_ORDER_MISMATCH', basis: { field: 'skuId' } });
    });

    it('a proof order placed before the payment is 422 OUTSIDE_WINDOW', async () => {
      const { policy, proof } = await livePriceCase({}, { placedAt: '2026-11-21T10:14:59+08:00' });
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'OUTSIDE_WINDOW', basis: { rule: 'C2', proofPlacedAt: '2026-11-21T10:14:59+08:00' } });
    });

    it('boundary: a proof order placed and claimed at the last instant of the 30-day window is accepted', async () => {
      const last = '2026-12-21T23:59:59.999+08:00'; // paid 2026-11-21 10:15 + 30 calendar days, inclusive (Units)
      const { policy, proof } = await livePriceCase({}, { placedAt: last });
      expect(policy.coverageEnd).toBe(last);
      clock.set(last);
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('APPROVED');
    });

    it('boundary: one millisecond after the window is 422 OUTSIDE_WINDOW with the figures', async () => {
      const late = '2026-12-22T00:00:00+08:00';
      const { policy, proof } = await livePriceCase({}, { placedAt: late });
      clock.set(late);
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'OUTSIDE_WINDOW',
        detail: 'The proof order was placed on 2026-12-22, after the window closed at the end of 2026-12-21.',
        basis: { rule: 'C2', paidAt: '2026-11-21T10:15:00+08:00', windowEnd: '2026-12-21T23:59:59.999+08:00', proofPlacedAt: late },
      });
      expect((await policyItemOf(policy))?.['claimId']).toBeUndefined();
    });

    it('a proof order inside the window but a claim submitted after it is 422 OUTSIDE_WINDOW', async () => {
      const { policy, proof } = await livePriceCase();
      clock.set('2026-12-22T00:00:00+08:00');
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'OUTSIDE_WINDOW', basis: { submittedAt: '2026-12-22T00:00:00+08:00' } });
    });
  });

  describe('C3 C4 price protection', () => {
    // C3: the protection period starts when the campaign (CAMPAIGN, ends 11-25 00:00) ends.
    async function priceProtectionCase(proofOverrides: Record<string, unknown> = {}, orderOverrides: Record<string, unknown> = {}) {
      clock.set('2026-11-26T09:00:00+08:00');
      const covered = await seedCovered('price-protection', orderOverrides);
      const proof = await seedProofOrder({ campaignId: undefined, placedAt: '2026-11-25T08:30:00+08:00', ...proofOverrides });
      return { ...covered, proof };
    }

    it('C4 pays (paidFen / quantity − proof price) × quantity on a matching proof order', async () => {
      const { policy, proof } = await priceProtectionCase(
        { lines: [{ quantity: 3, unitPriceFen: 7000, paidFen: 21000 }] },
        { lines: [{ quantity: 3, unitPriceFen: 10000, paidFen: 27000 }] },
      );
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        status: 'APPROVED',
        amountFen: 6000,
        basis: { rule: 'C4', paidFen: 27000, proofUnitPriceFen: 7000, units: 3, capFen: 27000 },
      });
    });

    it('C4 never pays more than the line paid: a free proof order pays exactly paidFen', async () => {
      const { policy, proof } = await priceProtectionCase({ lines: [{ unitPriceFen: 0, paidFen: 0 }] });
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ amountFen: 9000, basis: { capFen: 9000 } });
    });

    it('C4 no price drop (difference 0) is 422 NO_PRICE_DROP', async () => {
      const { policy, proof } = await priceProtectionCase({ lines: [{ unitPriceFen: 9000, paidFen: 9000 }] });
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'NO_PRICE_DROP', basis: { rule: 'C4', differenceFen: 0 } });
    });

    it.each([
      ['shippingAddressId', { shippingAddressId: 'addr-417-office' }],
      ['quantity', { lines: [{ quantity: 2, unitPriceFen: 7000, paidFen: 14000 }] }],
      ['channel', { channel: 'douyin' }],
    ])('C3 a proof order with another %s is 422 PROOF_ORDER_MISMATCH naming the field', async (field, overrides) => {
      const { policy, proof } = await priceProtectionCase(overrides);
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'PROOF_ORDER_MISMATCH', basis: { rule: 'C3', field } });
    });
  });

  it('C4 live-price pays for one unit only', async () => {
    const { policy, proof } = await livePriceCase({ lines: [{ quantity: 3, unitPriceFen: 10000, paidFen: 27000 }] });
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ amountFen: 2000, basis: { paidPerUnitFen: 9000, units: 1, capFen: 9000 } });
  });

  it('C5 a proof order on a changed listing with the same SKU attributes goes to manual review', async () => {
    const { policy, proof } = await livePriceCase({}, { lines: [{ itemId: 'item-5521-relisted', skuId: 'sku-new', unitPriceFen: 7000 }] });
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'UNDER_REVIEW', amountFen: 2000 });
    expect(res.body.history[0]).toMatchObject({ status: 'UNDER_REVIEW', actor: { role: 'buyer', id: 'buyer-417' } });
    expect(res.body.history[0].note).toContain('manual review');
    expect(res.body).not.toHaveProperty('payoutDueBy');
    const payouts = await api.call('GET', `/v1/payouts?claimId=${res.body.claimId}`, { as: parties.ops });
    expect(payouts.body.items).toEqual([]);
  });

  it('C6 an authenticity claim without evidence is 422 EVIDENCE_REQUIRED; with evidence it waits for an adjuster', async () => {
    const { policy } = await seedCovered('authenticity');
    const refused = await submit({ policyId: policy.policyId, lineId: 'L1' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'EVIDENCE_REQUIRED', basis: { rule: 'C6' } });
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', evidence, description: 'Stitching is wrong' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'UNDER_REVIEW',
      amountFen: 36000,
      basis: { rule: 'A3', paidFen: 9000, multiplier: 4 },
      evidence,
      description: 'Stitching is wrong',
    });
  });

  describe('C9 who may claim', () => {
    it("another buyer's policy and an unknown policy are both 404", async () => {
      const { policy, proof } = await livePriceCase();
      const foreign = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId }, parties.otherBuyer);
      const unknown = await submit({ policyId: 'pol_UNKNOWN', lineId: 'L1', proofOrderId: proof.orderId });
      for (const res of [foreign, unknown]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
      expect((await policyItemOf(policy))?.['claimId']).toBeUndefined();
    });

    it("a policy that is not ACTIVE is 422 POLICY_NOT_ACTIVE (another buyer's still 404)", async () => {
      const { policy, proof } = await (async () => {
        const covered = await seedCovered('live-price', {}, { status: 'EXPIRED' });
        return { ...covered, proof: await seedProofOrder() };
      })();
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'POLICY_NOT_ACTIVE', basis: { rule: 'C9', status: 'EXPIRED' } });
      expect((await submit({ policyId: policy.policyId, lineId: 'L1' }, parties.otherBuyer)).status).toBe(404);
    });

    it('a merchant-benefit live-quality policy is never claimed by a buyer (claims are automatic)', async () => {
      const { policy } = await seedCovered('live-quality');
      const res = await submit({ policyId: policy.policyId, lineId: 'L1', evidence });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('AUTOMATIC_CLAIM_ONLY');
    });

    it('a line the policy does not cover is 422 LINE_NOT_FOUND', async () => {
      const { policy, proof } = await livePriceCase();
      const res = await submit({ policyId: policy.policyId, lineId: 'L9', proofOrderId: proof.orderId });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('LINE_NOT_FOUND');
    });
  });

  it('C10 a refused claim stores nothing and leaves the slot free: the corrected claim succeeds', async () => {
    const { policy, order } = await livePriceCase();
    const badProof = await seedProofOrder({ lines: [{ unitPriceFen: 9500, paidFen: 9500 }] });
    const before = await api.call('GET', '/v1/claims?limit=100', { as: parties.adjuster });
    const refused = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: badProof.orderId });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'NO_PRICE_DROP', basis: { paidPerUnitFen: 9000, proofUnitPriceFen: 9500, differenceFen: -500 } });
    expect((await policyItemOf(policy))?.['claimId']).toBeUndefined();
    const after = await api.call('GET', '/v1/claims?limit=100', { as: parties.adjuster });
    expect(after.body.items).toEqual(before.body.items);
    const events = await outboxOn(SUBMITTED_AT);
    expect(events.filter((e) => e.detail['policyId'] === policy.policyId)).toEqual([]);

    const goodProof = await seedProofOrder({ buyerId: order.buyerId });
    const corrected = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: goodProof.orderId });
    expect(corrected.status).toBe(201);
  });

  it('400 on malformed bodies, 401 without a token, 403 for other roles', async () => {
    const unknownField = await submit({ policyId: 'pol_X', lineId: 'L1', amountFen: 1 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.code).toBe('VALIDATION_FAILED');
    expect((await submit({ lineId: 'L1' })).status).toBe(400);
    expect((await submit({ policyId: 'pol_X', evidence: [{ type: 'x', uri: 'ftp://x', sha256: 'nope' }] })).status).toBe(400);
    expect((await api.call('POST', '/v1/claims', { body: { policyId: 'pol_X' } })).status).toBe(401);
    for (const as of [parties.merchant, parties.adjuster, parties.ops, parties.service]) {
      const res = await submit({ policyId: 'pol_X' }, as);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
  });
});

describe('POST /v1/claims/{id}/decisions and /evidence — adjudication', () => {
  it('A2 A4 request-info → NEEDS_INFO → evidence → UNDER_REVIEW (repeatable) → approve, with the full history', async () => {
    const { claim } = await authenticityClaim();
    clock.set('2026-11-23T10:00:00+08:00');
    const asked = await decide(claim.claimId, { decision: 'request-info', note: 'Please add page 2 of the report' });
    expect(asked.status).toBe(200);
    expect(asked.body.status).toBe('NEEDS_INFO');
    const waiting = await readItem(keys.claim(claim.claimId));
    expect(waiting).toMatchObject({ dueShard: expect.stringMatching(/^LAPSE#\d+$/), needsInfoSince: '2026-11-23T10:00:00+08:00' });
    expect(waiting?.['dueAt']).toMatch(/^2026-12-08T15:59:59\.999Z#/); // X3: to the end of the 15th day later

    clock.set('2026-11-24T11:00:00+08:00');
    const page2 = { type: 'report-page', uri: 'https://evidence.example/r-1-p2.pdf', sha256: 'b'.repeat(64) };
    const answered = await addEvidence(claim.claimId, { evidence: [page2], note: 'Page 2 attached' });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'UNDER_REVIEW', evidence: [...evidence, page2] });
    const reviewed = await readItem(keys.claim(claim.claimId));
    expect(reviewed).not.toHaveProperty('dueShard');
    expect(reviewed).not.toHaveProperty('needsInfoSince');

    clock.set('2026-11-25T09:00:00+08:00');
    expect((await decide(claim.claimId, { decision: 'request-info' })).body.status).toBe('NEEDS_INFO');
    clock.set('2026-11-25T12:00:00+08:00');
    expect((await addEvidence(claim.claimId)).body.status).toBe('UNDER_REVIEW');

    clock.set('2026-11-26T15:30:00+08:00'); // Thursday
    const approved = await decide(claim.claimId, { decision: 'approve', note: 'Report confirms counterfeit' }, parties.ops);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'APPROVED',
      decidedAt: '2026-11-26T15:30:00+08:00',
      payoutDueBy: '2026-12-01T23:59:59.999+08:00', // Fri, Mon, Tue, to the end of the day
    });

    const read = await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.buyer });
    expect(z.strictObject(ClaimSchema.shape).safeParse(read.body).error).toBeUndefined();
    expect(read.body.history).toEqual([
      { at: SUBMITTED_AT, status: 'UNDER_REVIEW', actor: { role: 'buyer', id: 'buyer-417' }, note: expect.stringContaining('manual review') },
      { at: '2026-11-23T10:00:00+08:00', status: 'NEEDS_INFO', actor: { role: 'adjuster', id: 'adjuster-1' }, note: 'Please add page 2 of the report' },
      { at: '2026-11-24T11:00:00+08:00', status: 'UNDER_REVIEW', actor: { role: 'buyer', id: 'buyer-417' }, note: 'Page 2 attached' },
      { at: '2026-11-25T09:00:00+08:00', status: 'NEEDS_INFO', actor: { role: 'adjuster', id: 'adjuster-1' } },
      { at: '2026-11-25T12:00:00+08:00', status: 'UNDER_REVIEW', actor: { role: 'buyer', id: 'buyer-417' } },
      { at: '2026-11-26T15:30:00+08:00', status: 'APPROVED', actor: { role: 'ops', id: 'ops-1' }, note: 'Report confirms counterfeit' },
    ]);
    const needsInfo = (await outboxOn('2026-11-23T10:00:00+08:00')).filter((e) => e.type === 'claim.needs-info' && e.detail['claimId'] === claim.claimId);
    expect(needsInfo).toHaveLength(1);
  });

  it('A3 an authenticity approval pays 4 × paidFen and emits claim.refund-required', async () => {
    const { claim, order } = await authenticityClaim();
    const approvedAt = '2026-11-23T10:00:00+08:00';
    clock.set(approvedAt);
    const res = await decide(claim.claimId, { decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'APPROVED', amountFen: 36000 });
    const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops });
    expect(payouts.body.items).toEqual([
      expect.objectContaining({ amountFen: 36000, status: 'PENDING', beneficiary: { role: 'buyer', id: 'buyer-417', alipayAccount: '' } }),
    ]);
    const events = (await outboxOn(approvedAt)).filter((e) => e.detail['claimId'] === claim.claimId);
    expect(events.map((e) => e.type).sort()).toEqual(['claim.approved', 'claim.refund-required']);
    expect(events.find((e) => e.type === 'claim.refund-required')?.detail).toMatchObject({ orderId: order.orderId, lineId: 'L1' });
  });

  it('A2 reject needs a reasonCode (422 REASON_CODE_REQUIRED, nothing changes); then REJECTED is final (409)', async () => {
    const { claim } = await authenticityClaim();
    const missing = await decide(claim.claimId, { decision: 'reject' });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('REASON_CODE_REQUIRED');
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.adjuster })).body.status).toBe('UNDER_REVIEW');

    const rejected = await decide(claim.claimId, { decision: 'reject', reasonCode: 'GENUINE_ITEM', note: 'Brand confirms genuine' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reasonCode: 'GENUINE_ITEM', decidedAt: SUBMITTED_AT });
    expect(rejected.body).not.toHaveProperty('payoutDueBy');

    const again = await decide(claim.claimId, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', basis: { from: 'REJECTED', action: 'approve' } });
    const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops });
    expect(payouts.body.items).toEqual([]);
  });

  it('an auto-approved claim takes no further decision (409 ILLEGAL_TRANSITION)', async () => {
    const { policy, proof } = await livePriceCase();
    const claim = (await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId })).body;
    const res = await decide(claim.claimId, { decision: 'reject', reasonCode: 'LATE' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('two adjusters deciding at once: exactly one wins, the other gets 409, at most one payout', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { claim } = await authenticityClaim();
      const [approve, reject] = await Promise.all([
        decide(claim.claimId, { decision: 'approve' }),
        decide(claim.claimId, { decision: 'reject', reasonCode: 'GENUINE_ITEM' }, parties.ops),
      ]);
      expect([approve.status, reject.status].sort()).toEqual([200, 409]);
      const loser = approve.status === 409 ? approve : reject;
      expect(['ILLEGAL_TRANSITION', 'CONFLICT']).toContain(loser.body.code);
      const final = (await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.adjuster })).body;
      expect(final.status).toBe(approve.status === 200 ? 'APPROVED' : 'REJECTED');
      expect(final.history).toHaveLength(2);
      const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops });
      expect(payouts.body.items).toHaveLength(approve.status === 200 ? 1 : 0);
    }
  });

  it('P2 an approval whose due date falls in a year the holiday calendar lacks still succeeds, counted in calendar days', async () => {
    const { claim } = await authenticityClaim();
    const approvedAt = '2026-12-30T10:00:00+08:00'; // + 3 working days runs into 2027
    clock.set(approvedAt);
    const res = await decide(claim.claimId, { decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'APPROVED',
      payoutDueBy: '2027-01-02T23:59:59.999+08:00',
      basis: { rule: 'A3', dueByBasis: 'calendar-days-fallback', dueByApproximate: true },
    });
    const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.buyer });
    expect(payouts.body.items[0]).toMatchObject({
      dueBy: '2027-01-02T23:59:59.999+08:00',
      dueByBasis: 'calendar-days-fallback',
      dueByApproximate: true,
      overdue: false,
    });
  });

  it('P2 an auto-approved claim in late December 2026 is stored with the calendar-days fallback too', async () => {
    const { policy, proof } = await livePriceCase(
      { paidAt: '2026-12-20T10:00:00+08:00', placedAt: '2026-12-20T09:59:00+08:00', shippedAt: '2026-12-20T18:00:00+08:00' },
      { placedAt: '2026-12-29T08:00:00+08:00' },
    );
    clock.set('2026-12-31T09:00:00+08:00');
    const res = await submit({ policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'APPROVED', payoutDueBy: '2027-01-03T23:59:59.999+08:00', basis: { dueByBasis: 'calendar-days-fallback' } });
  });

  it('evidence: only the claimant (others 404, other roles 403), only in NEEDS_INFO (409), validated (400)', async () => {
    const { claim } = await authenticityClaim();
    const notWaiting = await addEvidence(claim.claimId);
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', basis: { from: 'UNDER_REVIEW', action: 'add-evidence' } });
    await decide(claim.claimId, { decision: 'request-info' });
    expect((await addEvidence(claim.claimId, { evidence }, parties.otherBuyer)).status).toBe(404);
    expect((await addEvidence('clm_UNKNOWN')).status).toBe(404);
    expect((await addEvidence(claim.claimId, { evidence }, parties.merchant)).status).toBe(403);
    expect((await addEvidence(claim.claimId, { evidence }, parties.adjuster)).status).toBe(403);
    expect((await addEvidence(claim.claimId, { evidence: [] })).status).toBe(400);
    expect((await api.call('POST', `/v1/claims/${claim.claimId}/evidence`, { body: { evidence } })).status).toBe(401);
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.buyer })).body.status).toBe('NEEDS_INFO');
  });

  it('decisions: staff only (403), unknown claim 404, malformed 400, no token 401', async () => {
    const { claim } = await authenticityClaim();
    for (const as of [parties.buyer, parties.merchant, parties.service]) expect((await decide(claim.claimId, { decision: 'approve' }, as)).status).toBe(403);
    expect((await decide('clm_UNKNOWN', { decision: 'approve' })).status).toBe(404);
    expect((await decide(claim.claimId, { decision: 'maybe' })).status).toBe(400);
    expect((await decide(claim.claimId, { decision: 'reject', reasonCode: 'not upper snake' })).status).toBe(400);
    expect((await api.call('POST', `/v1/claims/${claim.claimId}/decisions`, { body: { decision: 'approve' } })).status).toBe(401);
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.adjuster })).body.status).toBe('UNDER_REVIEW');
  });
});

describe('automatic claims filed by the order events (C7, C8) through fileClaim', () => {
  const refund = {
    lineId: 'L1',
    refundFen: 9000,
    reason: 'quality-issue',
    returned: true,
    requestedAt: '2026-11-23T20:00:00+08:00',
    completedAt: '2026-11-25T09:00:00+08:00',
  };

  it('C7 A1 a live-quality claim starts APPROVED and its payout goes to the merchant’s Alipay account', async () => {
    await seedMerchant('shop-9001', 'alipay-shop-9001@example.com');
    const { order, policy } = await seedCovered('live-quality');
    const [draft] = claimsFromRefund({ orderId: order.orderId, ...refund }, order, [policy], rulesConfig);
    const claim = await fileClaim(draft!, '2026-11-25T09:00:05+08:00');
    expect(claim).toMatchObject({ status: 'APPROVED', beneficiary: { role: 'merchant', id: 'shop-9001' }, amountFen: 9000 });
    // live-quality is due 3 working days from the claim (Wed → Thu, Fri, Mon).
    expect(claim.payoutDueBy).toBe('2026-11-30T23:59:59.999+08:00');

    const payouts = await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.merchant });
    expect(payouts.body.items).toEqual([
      expect.objectContaining({ beneficiary: { role: 'merchant', id: 'shop-9001', alipayAccount: 'alipay-shop-9001@example.com' }, amountFen: 9000 }),
    ]);
    const view = await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.merchant });
    expect(view.status).toBe(200);
    // The order's buyer is neither claimant nor beneficiary of the merchant's own quality claim.
    expect((await api.call('GET', `/v1/claims/${claim.claimId}`, { as: parties.buyer })).status).toBe(404);

    // C1: the same refund delivered again finds the slot taken.
    await expect(fileClaim(draft!, '2026-11-25T09:10:00+08:00')).rejects.toSatisfy(
      (error: unknown) => error instanceof RuleViolation && error.code === 'CLAIM_EXISTS' && error.status === 409,
    );
  });

  it('C7 a merchant without a profile still gets its payout recorded, with an empty account', async () => {
    const merchantId = nextId('shop-noprofile');
    const { order, policy } = await seedCovered('live-quality', { merchantId });
    const [draft] = claimsFromRefund({ orderId: order.orderId, ...refund }, order, [policy], rulesConfig);
    const claim = await fileClaim(draft!, '2026-11-25T09:00:05+08:00');
    const payouts = await api.call('GET', '/v1/payouts', { as: { role: 'merchant', sub: merchantId } });
    expect(payouts.body.items).toEqual([
      expect.objectContaining({ claimId: claim.claimId, beneficiary: { role: 'merchant', id: merchantId, alipayAccount: '' } }),
    ]);
  });

  it('C8 a return-shipping claim lands on a policy whose window closed after the refund was requested', async () => {
    const { order, policy } = await seedCovered('return-shipping', { deliveredAt: '2026-11-22T12:00:00+08:00' }, { status: 'EXPIRED' });
    const drafts = claimsFromRefund({ orderId: order.orderId, ...refund, lineId: undefined }, order, [policy], rulesConfig);
    const draft = drafts.find((d) => d.planId === 'return-shipping')!;
    const claim = await fileClaim(draft, '2026-11-25T09:00:05+08:00');
    expect(claim).toMatchObject({ status: 'APPROVED', amountFen: 1000, beneficiary: { role: 'buyer', id: 'buyer-417' } });
    expect(claim.lineId).toBeUndefined();
  });
});

describe('reads — GET /v1/claims/{id}, GET /v1/claims, GET /v1/payouts', () => {
  const merchantId = nextId('shop-reads');
  const buyer: Caller = { role: 'buyer', sub: nextId('buyer-reads') };
  const merchant: Caller = { role: 'merchant', sub: merchantId };
  const claimIds: string[] = [];

  beforeAll(async () => {
    clock.set(SUBMITTED_AT);
    for (let i = 0; i < 3; i += 1) {
      const covered = await seedCovered('live-price', { buyerId: buyer.sub, merchantId });
      const proof = await seedProofOrder({ buyerId: buyer.sub, merchantId });
      clock.set(`2026-11-22T09:0${i}:00+08:00`);
      const res = await submit({ policyId: covered.policy.policyId, lineId: 'L1', proofOrderId: proof.orderId }, buyer);
      expect(res.status).toBe(201);
      claimIds.push(res.body.claimId);
    }
    const auth = await seedCovered('authenticity', { buyerId: buyer.sub, merchantId });
    clock.set('2026-11-22T09:05:00+08:00');
    const review = await submit({ policyId: auth.policy.policyId, lineId: 'L1', evidence }, buyer);
    claimIds.push(review.body.claimId);
  });

  it('GET /v1/claims/{id}: claimant, the order’s merchant and staff see it; anyone else 404; service 403; no token 401', async () => {
    const id = claimIds[0]!;
    for (const as of [buyer, merchant, parties.adjuster, parties.ops]) {
      const res = await api.call('GET', `/v1/claims/${id}`, { as });
      expect(res.status).toBe(200);
      expect(res.body.claimId).toBe(id);
    }
    for (const as of [parties.otherBuyer, parties.otherMerchant, parties.buyer, parties.merchant]) {
      const res = await api.call('GET', `/v1/claims/${id}`, { as });
      expect(res.status).toBe(404);
      expect(res.body).not.toHaveProperty('basis');
    }
    expect((await api.call('GET', '/v1/claims/clm_UNKNOWN', { as: parties.adjuster })).status).toBe(404);
    expect((await api.call('GET', `/v1/claims/${id}`, { as: parties.service })).status).toBe(403);
    expect((await api.call('GET', `/v1/claims/${id}`)).status).toBe(401);
  });

  it('GET /v1/claims is scoped: buyer own, merchant its orders, staff all, service nothing; newest first', async () => {
    const own = await api.call('GET', '/v1/claims', { as: buyer });
    expect(own.body.items.map((c: { claimId: string }) => c.claimId)).toEqual([...claimIds].reverse());
    const onOrders = await api.call('GET', '/v1/claims', { as: merchant });
    expect(onOrders.body.items.map((c: { claimId: string }) => c.claimId)).toEqual([...claimIds].reverse());
    const other = await api.call('GET', '/v1/claims', { as: parties.otherMerchant });
    expect(other.body.items.filter((c: { claimId: string }) => claimIds.includes(c.claimId))).toEqual([]);
    const staff = await api.call('GET', '/v1/claims?limit=100', { as: parties.adjuster });
    expect(staff.body.items.map((c: { claimId: string }) => c.claimId)).toEqual(expect.arrayContaining(claimIds));
    const service = await api.call('GET', '/v1/claims', { as: parties.service });
    expect(service.status).toBe(200);
    expect(service.body).toEqual({ items: [] });
    expect((await api.call('GET', '/v1/claims')).status).toBe(401);
  });

  it('GET /v1/claims?status= filters, and pages with a cursor bound to the caller’s list', async () => {
    const review = await api.call('GET', '/v1/claims?status=UNDER_REVIEW', { as: buyer });
    expect(review.body.items.map((c: { claimId: string }) => c.claimId)).toEqual([claimIds[3]]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call('GET', `/v1/claims?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { as: buyer });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: { claimId: string }) => c.claimId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...claimIds].reverse());

    const first = await api.call('GET', '/v1/claims?limit=1', { as: buyer });
    const stolen = await api.call('GET', `/v1/claims?limit=1&cursor=${first.body.nextCursor}`, { as: parties.otherBuyer });
    expect(stolen.status).toBe(400);
    expect((await api.call('GET', '/v1/claims?limit=101', { as: buyer })).status).toBe(400);
    expect((await api.call('GET', '/v1/claims?status=OPEN', { as: buyer })).status).toBe(400);
  });

  it('GET /v1/payouts: ops all, a beneficiary its own, others nothing; filters by claimId and status', async () => {
    const own = await api.call('GET', '/v1/payouts', { as: buyer });
    expect(own.status).toBe(200);
    expect(own.body.items).toHaveLength(3);
    expect(own.body.items.every((p: { beneficiary: { id: string } }) => p.beneficiary.id === buyer.sub)).toBe(true);

    const ops = await api.call('GET', '/v1/payouts?limit=100', { as: parties.ops });
    expect(ops.body.items.map((p: { claimId: string }) => p.claimId)).toEqual(expect.arrayContaining(claimIds.slice(0, 3)));

    expect((await api.call('GET', `/v1/payouts?claimId=${claimIds[0]}`, { as: parties.otherBuyer })).body.items).toEqual([]);
    // The order's merchant is not the beneficiary of a buyer's price claim.
    expect((await api.call('GET', `/v1/payouts?claimId=${claimIds[0]}`, { as: merchant })).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/payouts?status=PENDING', { as: buyer })).body.items).toHaveLength(3);
    expect((await api.call('GET', '/v1/payouts?status=SENT', { as: buyer })).body.items).toEqual([]);
    expect((await api.call('GET', `/v1/payouts?claimId=${claimIds[0]}&status=SENT`, { as: buyer })).body.items).toEqual([]);

    // P2: still PENDING after its due time → reported overdue.
    clock.set('2026-11-25T23:59:59.999+08:00');
    const onTime = await api.call('GET', `/v1/payouts?claimId=${claimIds[0]}`, { as: buyer });
    expect(onTime.body.items[0]).toMatchObject({ dueBy: '2026-11-25T23:59:59.999+08:00', overdue: false });
    clock.set('2026-11-26T00:00:00+08:00');
    const late = await api.call('GET', `/v1/payouts?claimId=${claimIds[0]}`, { as: buyer });
    expect(late.body.items[0]).toMatchObject({ dueBy: '2026-11-25T23:59:59.999+08:00', overdue: true });

    expect((await api.call('GET', '/v1/payouts', { as: parties.adjuster })).status).toBe(403);
    expect((await api.call('GET', '/v1/payouts', { as: parties.service })).status).toBe(403);
    expect((await api.call('GET', '/v1/payouts')).status).toBe(401);
    expect((await api.call('GET', '/v1/payouts?status=LOST', { as: parties.ops })).status).toBe(400);
  });
});
