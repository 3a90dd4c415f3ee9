/**
 * Issue 8's guard on cost per action: every API action, driven through the local runtime, with
 * the DynamoDB calls it makes counted by the meter on the service's one client (bench/meter.ts).
 * Fails when an action needs more sequential round trips than its budget — counts, not times.
 * With COST_REPORT=<file> it also writes what it measured (calls, consumed capacity per table and
 * index): `npm run bench` reports that as the cost-per-action table.
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceMeter, type Measurement, type Meter } from '../../bench/meter.ts';
import { ROUND_TRIP_BUDGET, roundTripBudget } from '../../bench/budgets.ts';
import { parties, useApi, type ApiResponse, type Caller } from './support/api.ts';
import { orderData } from './support/orders.ts';

const api = useApi();
let meter: Meter;
beforeAll(async () => {
  meter = await serviceMeter();
});

interface Row {
  action: string;
  status: number;
  measurement: Measurement;
}
const rows: Row[] = [];

const run = Date.now().toString(36);
const merchantId = `shop-cost-${run}`;
const merchant = { role: 'merchant', sub: merchantId } as const satisfies Caller;
const buyer = { role: 'buyer', sub: `buyer-cost-${run}` } as const satisfies Caller;
let origin = Date.now();
const at = (step: number) => new Date(origin + step * 100).toISOString();
let eventCounter = 0;
const evt = (type: string, data: object, occurredAt = new Date().toISOString()) => ({ id: `evt-cost-${run}-${++eventCounter}`, type, occurredAt, data });
/** A two-line order of this file's buyer and merchant (support/orders.ts), with its own instants. */
const order = (orderId: string, overrides: Parameters<typeof orderData>[0] = {}) =>
  orderData({
    orderId,
    buyerId: buyer.sub,
    merchantId,
    shippingAddressId: `addr-${buyer.sub}`,
    placedAt: at(1),
    paidAt: at(2),
    lines: [{}, { itemId: 'item-7001', skuId: 'sku-7001', paidFen: 25000, unitPriceFen: 25000 }],
    ...overrides,
  });

/** One metered call: the action's DynamoDB work, and a check that it did what it should. */
async function measured(action: string, expected: number, method: string, path: string, options: { as?: Caller; body?: unknown } = {}): Promise<ApiResponse> {
  meter.reset();
  const res = await api.call(method, path, options);
  const measurement = meter.read();
  expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(expected);
  rows.push({ action, status: res.status, measurement });
  return res;
}

describe('cost per action (issue 8): sequential DynamoDB round trips within budget', () => {
  it('drives every action once and stays within each budget', async () => {
    await measured('GET /v1/health', 200, 'GET', '/v1/health');
    await measured('GET /v1/openapi.json', 200, 'GET', '/v1/openapi.json');
    await measured('GET /v1/plans', 200, 'GET', '/v1/plans', { as: merchant });
    await measured('PUT /v1/merchants/{merchantId}', 200, 'PUT', `/v1/merchants/${merchantId}`, {
      as: parties.service,
      body: { name: 'Acme Silk (cost)', alipayAccount: `${merchantId}@alipay.example`, liveBaseId: 'base-hz-01', categories: ['apparel'] },
    });
    await measured('GET /v1/merchants/{merchantId}/quotes/{planId}', 200, 'GET', `/v1/merchants/${merchantId}/quotes/live-quality`, { as: merchant });
    let enrollmentId = '';
    for (const planId of ['live-quality', 'live-price', 'authenticity']) {
      const quote = await api.call('GET', `/v1/merchants/${merchantId}/quotes/${planId}`, { as: merchant });
      const joined = await measured('POST /v1/merchants/{merchantId}/enrollments', 201, 'POST', `/v1/merchants/${merchantId}/enrollments`, {
        as: merchant,
        body: { planId, acceptAgreement: true, agreementVersion: quote.body.agreementVersion },
      });
      enrollmentId ||= joined.body.enrollmentId;
    }
    await measured('GET /v1/merchants/{merchantId}/enrollments', 200, 'GET', `/v1/merchants/${merchantId}/enrollments`, { as: merchant });
    origin = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const orderId = `ord-cost-${run}`;
    await measured('POST /v1/events (order.paid)', 202, 'POST', '/v1/events', { as: parties.service, body: evt('order.paid', order(orderId)) });
    await measured('POST /v1/events (order.shipped)', 202, 'POST', '/v1/events', {
      as: parties.service,
      body: evt('order.shipped', { orderId, shippedAt: at(3) }),
    });
    const policies = (await measured('GET /v1/orders/{orderId}/policies', 200, 'GET', `/v1/orders/${orderId}/policies`, { as: buyer })).body.items as any[];
    await measured('GET /v1/merchants/{merchantId}/policies', 200, 'GET', `/v1/merchants/${merchantId}/policies`, { as: merchant });
    const pricePolicy = policies.find((p) => p.planId === 'live-price' && p.lineId === 'L1');
    await measured('GET /v1/policies/{policyId}', 200, 'GET', `/v1/policies/${pricePolicy.policyId}`, { as: buyer });

    const proofId = `ord-cost-proof-${run}`;
    await measured('POST /v1/events (order.placed)', 202, 'POST', '/v1/events', {
      as: parties.service,
      body: evt('order.placed', order(proofId, { paidAt: undefined, placedAt: at(4), lines: [{ unitPriceFen: 7000, paidFen: 7000 }] })),
    });
    const priceClaim = (
      await measured('POST /v1/claims (auto-approved)', 201, 'POST', '/v1/claims', {
        as: buyer,
        body: { policyId: pricePolicy.policyId, lineId: 'L1', proofOrderId: proofId },
      })
    ).body;
    expect(priceClaim.status).toBe('APPROVED');

    await measured('POST /v1/events (order.refund-completed → merchant claim)', 202, 'POST', '/v1/events', {
      as: parties.service,
      body: evt('order.refund-completed', {
        orderId,
        lineId: 'L2',
        refundFen: 25000,
        reason: 'quality-issue',
        returned: true,
        requestedAt: at(5),
        completedAt: at(6),
      }),
    });

    const authPolicy = policies.find((p) => p.planId === 'authenticity' && p.lineId === 'L1');
    const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];
    const claim = (
      await measured('POST /v1/claims (to an adjuster)', 201, 'POST', '/v1/claims', {
        as: buyer,
        body: { policyId: authPolicy.policyId, lineId: 'L1', description: 'Tag does not match', evidence },
      })
    ).body;
    await measured('GET /v1/claims/{claimId}', 200, 'GET', `/v1/claims/${claim.claimId}`, { as: buyer });
    // Issue 21: a presigned upload reads the claim or the policy once and writes nothing.
    const upload = { type: 'report-page', contentType: 'application/pdf', sizeBytes: 2048, sha256: 'c'.repeat(64) };
    await measured('POST /v1/claims/{claimId}/evidence-uploads', 201, 'POST', `/v1/claims/${claim.claimId}/evidence-uploads`, { as: buyer, body: upload });
    await measured('POST /v1/policies/{policyId}/evidence-uploads', 201, 'POST', `/v1/policies/${authPolicy.policyId}/evidence-uploads`, {
      as: buyer,
      body: upload,
    });
    await measured('GET /v1/claims', 200, 'GET', '/v1/claims', { as: merchant });
    await measured('POST /v1/claims/{claimId}/decisions (request-info)', 200, 'POST', `/v1/claims/${claim.claimId}/decisions`, {
      as: parties.adjuster,
      body: { decision: 'request-info', note: 'Please add page 2' },
    });
    await measured('POST /v1/claims/{claimId}/evidence', 200, 'POST', `/v1/claims/${claim.claimId}/evidence`, {
      as: buyer,
      body: { evidence: [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1-p2.pdf', sha256: 'b'.repeat(64) }], note: 'Page 2' },
    });
    await measured('POST /v1/claims/{claimId}/decisions (approve)', 200, 'POST', `/v1/claims/${claim.claimId}/decisions`, {
      as: parties.adjuster,
      body: { decision: 'approve', note: 'Counterfeit' },
    });
    const paidIn = await api.call('POST', `/v1/merchants/${merchantId}/deposit/top-ups`, { as: merchant, body: { amountFen: 100_000 } });
    await fetch(`${api.base}/local-pay/${paidIn.body.topUpId}`, { method: 'POST' });
    await measured('POST /v1/claims/{claimId}/advance-compensations', 201, 'POST', `/v1/claims/${claim.claimId}/advance-compensations`, {
      as: parties.ops,
      body: { note: 'insurer declined: not covered' },
    });
    await measured('GET /v1/payouts', 200, 'GET', `/v1/payouts?claimId=${priceClaim.claimId}`, { as: parties.ops });

    // Deposit, on a second merchant with no open claims (D3 refuses a withdrawal while claims are open).
    const depositMerchantId = `shop-cost-deposit-${run}`;
    const depositMerchant = { role: 'merchant', sub: depositMerchantId } as const satisfies Caller;
    await api.call('PUT', `/v1/merchants/${depositMerchantId}`, {
      as: parties.service,
      body: { name: 'Deposit shop', alipayAccount: `${depositMerchantId}@alipay.example`, categories: ['apparel'] },
    });
    const started = (
      await measured('POST /v1/merchants/{merchantId}/deposit/top-ups', 201, 'POST', `/v1/merchants/${depositMerchantId}/deposit/top-ups`, {
        as: depositMerchant,
        body: { amountFen: 150_000 },
      })
    ).body;
    await measured(
      'GET /v1/merchants/{merchantId}/deposit/top-ups/{topUpId}',
      200,
      'GET',
      `/v1/merchants/${depositMerchantId}/deposit/top-ups/${started.topUpId}`,
      { as: depositMerchant },
    );
    // The provider's notification (D4): the payment made at the local provider, its signed notification measured.
    const { payLocalCollection } = await import('#shared/payments/local.ts');
    const { notification } = await payLocalCollection(started.topUpId);
    await measured('POST /v1/payments/{provider}/notifications', 200, 'POST', '/v1/payments/local/notifications', { body: notification });
    await measured('GET /v1/merchants/{merchantId}/deposit', 200, 'GET', `/v1/merchants/${depositMerchantId}/deposit`, { as: depositMerchant });
    const withdrawal = (
      await measured('POST /v1/merchants/{merchantId}/deposit/withdrawals', 201, 'POST', `/v1/merchants/${depositMerchantId}/deposit/withdrawals`, {
        as: depositMerchant,
        body: { amountFen: 10_000, reason: 'closing a shop' },
      })
    ).body;
    await measured('POST /v1/deposit-withdrawals/{withdrawalId}/decisions', 200, 'POST', `/v1/deposit-withdrawals/${withdrawal.withdrawalId}/decisions`, {
      as: parties.ops,
      body: { decision: 'approve', note: 'no open claims' },
    });

    // The buyer buys return-shipping cover on a second order.
    const otherId = `ord-cost-2-${run}`;
    await api.call('POST', '/v1/events', { as: parties.service, body: evt('order.paid', order(otherId, { liveBaseId: undefined })) });
    await measured('POST /v1/orders/{orderId}/policies', 201, 'POST', `/v1/orders/${otherId}/policies`, { as: buyer, body: { planId: 'return-shipping' } });
    // D5: ops compensates that order's buyer from the merchant's deposit (no claim on it yet).
    await measured('POST /v1/orders/{orderId}/compensations', 201, 'POST', `/v1/orders/${otherId}/compensations`, {
      as: parties.ops,
      body: { lineId: 'L1', amountFen: 100, reason: 'quality-issue' },
    });

    await measured(
      'POST /v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit',
      200,
      'POST',
      `/v1/merchants/${merchantId}/enrollments/${enrollmentId}/exit`,
      { as: merchant, body: { reason: 'business-difficulty' } },
    );
    await measured('POST /v1/jobs/{job}/runs (payout)', 200, 'POST', '/v1/jobs/payout/runs', { as: parties.ops });
    await measured('POST /v1/jobs/{job}/runs (expiry)', 200, 'POST', '/v1/jobs/expiry/runs', { as: parties.ops });

    if (process.env['COST_REPORT']) writeFileSync(process.env['COST_REPORT'], JSON.stringify(rows, null, 2));
    // Every route of the contract is measured: a new route cannot slip past the budget.
    const { routes } = await import('#functions/routes.ts');
    const unmeasured = routes.map((r) => `${r.method} ${r.path}`).filter((route) => !rows.some((row) => row.action.startsWith(route)));
    expect(unmeasured).toEqual([]);
    for (const row of rows) {
      expect(row.measurement.roundTrips, `${row.action}: ${row.measurement.calls.map((c) => `${c.roundTrip}:${c.command}`).join(' ')}`).toBeLessThanOrEqual(
        roundTripBudget(row.action),
      );
    }
    expect(ROUND_TRIP_BUDGET).toBe(2);
  }, 120_000);
});
