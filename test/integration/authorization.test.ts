import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { ROLES, type Role } from '#shared/http/auth.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { parties, useApi, type ApiResponse, type Caller } from './support/api.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { badSignatureToken, expiredToken, partitionsSnapshot } from './support/reliability.ts';
import { seedCovered, seedOrder, seedProofOrder } from './support/seed.ts';

/**
 * Nobody sees what isn't theirs. A table over every route of functions/routes.ts × every role ×
 * (own resource, another party's resource, no token, expired token, bad signature, wrong role):
 * a route missing from the table fails the run. Party A is merchant shop-9001 with buyer-417;
 * party B is merchant shop-7777 with buyer-999. Another party's resource is always 404 — the
 * same answer as a resource that does not exist — and the answer never carries B's data.
 */
const api = useApi();
const NOW = '2026-11-22T09:00:00+08:00';
beforeAll(() => setClock(fixedClock(NOW)));
afterAll(() => setClock(systemClock));

interface Party {
  merchant: Caller;
  buyer: Caller;
}
const A: Party = { merchant: parties.merchant, buyer: parties.buyer };
const B: Party = { merchant: parties.otherMerchant, buyer: parties.otherBuyer };
const MERCHANT_C: Caller = { role: 'merchant', sub: 'shop-3333' };
const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'f'.repeat(64) }];
const joinBody = (planId: string, extra: Record<string, unknown> = {}) => ({ planId, acceptAgreement: true, agreementVersion: '2026-09', ...extra });

/** Everything the cases act on; built once through the API (and seeds for orders and policies). */
interface Fixtures {
  orderA: string;
  orderB: string;
  orderToBuyCover: string;
  policyA: string;
  policyToClaim: string;
  policyB: string;
  claimA: string;
  claimAWaiting: string;
  claimB: string;
  claimBWaiting: string;
  claimToDecideByAdjuster: string;
  claimToDecideByOps: string;
  claimApprovedA: string;
  claimApprovedB: string;
  payoutB: string;
  enrollmentToExitByMerchant: string;
  enrollmentToExitByOps: string;
  enrollmentB: string;
  withdrawalC: string;
  topUpA: string;
  topUpB: string;
}
const f = {} as Fixtures;

interface Req {
  path: string;
  body?: unknown;
}
interface OwnCase {
  as: Caller;
  req: () => Req;
  /** The statuses acting on one's own resource may get: never 401/403/404. */
  expect: readonly number[];
}
interface OtherCase {
  as: Caller;
  /** The caller on another party's resource. */
  req: () => Req;
  /** The same request on a resource that does not exist: the answer must be indistinguishable. */
  missing: () => Req;
}
interface OtherListCase {
  as: Caller;
  req: () => Req;
  /** Ids of B's that must not appear in the answer. */
  foreign: () => string[];
}
interface RouteExpectation {
  /** One case per role the route admits. */
  own: Partial<Record<Role, OwnCase>>;
  other?: OtherCase[];
  otherList?: OtherListCase[];
  /** Why the route has no "another party's resource" for a buyer or merchant. */
  noOther?: string;
}

const MISSING_ORDER = 'ord-does-not-exist';
const MISSING_MERCHANT = 'shop-does-not-exist';
const MISSING_CLAIM = 'clm_00000000000000000000000000';
const MISSING_POLICY = 'pol_00000000000000000000000000';
const uploadBody = { type: 'brand-authentication-report', contentType: 'application/pdf', sizeBytes: 1024, sha256: 'a'.repeat(64) };
const MISSING_ENROLLMENT = 'enr_00000000000000000000000000';

const key = (route: Pick<RouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

const expectations: Record<string, RouteExpectation | 'public'> = {
  'GET /v1/health': 'public',
  'GET /v1/openapi.json': 'public',
  'GET /v1/plans': {
    own: Object.fromEntries(ROLES.map((role) => [role, { as: callerOf(role), req: () => ({ path: '/v1/plans' }), expect: [200] }])),
    noOther: 'the plan catalog is the same for everyone',
  },
  'PUT /v1/merchants/{merchantId}': {
    own: {
      service: { as: parties.service, req: () => ({ path: `/v1/merchants/${nextId('shop-auth')}`, body: profile() }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${nextId('shop-auth')}`, body: profile() }), expect: [200] },
    },
    noOther: 'only the order system and ops maintain profiles, for any merchant',
  },
  'GET /v1/merchants/{merchantId}/quotes/{planId}': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/quotes/authenticity` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${B.merchant.sub}/quotes/authenticity` }), expect: [200] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/quotes/authenticity` }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/quotes/authenticity` }),
      },
    ],
  },
  'POST /v1/merchants/{merchantId}/enrollments': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments`, body: joinBody('live-quality') }), expect: [201] },
      ops: {
        as: parties.ops,
        req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments`, body: joinBody('return-shipping', { gift: true }) }),
        expect: [201],
      },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/enrollments`, body: joinBody('live-quality') }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/enrollments`, body: joinBody('live-quality') }),
      },
    ],
  },
  'GET /v1/merchants/{merchantId}/enrollments': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${B.merchant.sub}/enrollments` }), expect: [200] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/enrollments` }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/enrollments` }),
      },
    ],
  },
  'POST /v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit': {
    own: {
      merchant: {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments/${f.enrollmentToExitByMerchant}/exit`, body: { reason: 'other' } }),
        expect: [200],
      },
      ops: {
        as: parties.ops,
        req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments/${f.enrollmentToExitByOps}/exit`, body: { reason: 'policy-change' } }),
        expect: [200],
      },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/enrollments/${f.enrollmentB}/exit`, body: { reason: 'other' } }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/enrollments/${MISSING_ENROLLMENT}/exit`, body: { reason: 'other' } }),
      },
      {
        // B's enrollment id under A's own merchant path: still not A's.
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments/${f.enrollmentB}/exit`, body: { reason: 'other' } }),
        missing: () => ({ path: `/v1/merchants/${A.merchant.sub}/enrollments/${MISSING_ENROLLMENT}/exit`, body: { reason: 'other' } }),
      },
    ],
  },
  'POST /v1/events': {
    own: {
      service: {
        as: parties.service,
        req: () => ({ path: '/v1/events', body: event('order.placed', orderData({ merchantId: nextId('shop-auth'), paidAt: undefined })) }),
        expect: [202],
      },
    },
    noOther: 'only the order system sends events, for every order',
  },
  'POST /v1/orders/{orderId}/policies': {
    own: {
      buyer: { as: A.buyer, req: () => ({ path: `/v1/orders/${f.orderToBuyCover}/policies`, body: { planId: 'return-shipping' } }), expect: [201] },
      service: { as: parties.service, req: () => ({ path: `/v1/orders/${f.orderA}/policies`, body: { planId: 'authenticity' } }), expect: [201] },
    },
    other: [
      {
        as: A.buyer,
        req: () => ({ path: `/v1/orders/${f.orderB}/policies`, body: { planId: 'return-shipping' } }),
        missing: () => ({ path: `/v1/orders/${MISSING_ORDER}/policies`, body: { planId: 'return-shipping' } }),
      },
    ],
  },
  'GET /v1/orders/{orderId}/policies': {
    own: {
      buyer: { as: A.buyer, req: () => ({ path: `/v1/orders/${f.orderA}/policies` }), expect: [200] },
      merchant: { as: A.merchant, req: () => ({ path: `/v1/orders/${f.orderA}/policies` }), expect: [200] },
      adjuster: { as: parties.adjuster, req: () => ({ path: `/v1/orders/${f.orderB}/policies` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/orders/${f.orderB}/policies` }), expect: [200] },
    },
    other: (['buyer', 'merchant'] as const).map((role) => ({
      as: A[role],
      req: () => ({ path: `/v1/orders/${f.orderB}/policies` }),
      missing: () => ({ path: `/v1/orders/${MISSING_ORDER}/policies` }),
    })),
  },
  'GET /v1/merchants/{merchantId}/policies': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/policies` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${B.merchant.sub}/policies` }), expect: [200] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/policies` }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/policies` }),
      },
    ],
  },
  'GET /v1/policies/{policyId}': {
    own: {
      buyer: { as: A.buyer, req: () => ({ path: `/v1/policies/${f.policyA}` }), expect: [200] },
      merchant: { as: A.merchant, req: () => ({ path: `/v1/policies/${f.policyA}` }), expect: [200] },
      adjuster: { as: parties.adjuster, req: () => ({ path: `/v1/policies/${f.policyB}` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/policies/${f.policyB}` }), expect: [200] },
    },
    other: (['buyer', 'merchant'] as const).map((role) => ({
      as: A[role],
      req: () => ({ path: `/v1/policies/${f.policyB}` }),
      missing: () => ({ path: `/v1/policies/${MISSING_POLICY}` }),
    })),
  },
  'POST /v1/claims': {
    own: {
      buyer: { as: A.buyer, req: () => ({ path: '/v1/claims', body: { policyId: f.policyToClaim, lineId: 'L1', evidence } }), expect: [201] },
    },
    other: [
      {
        as: A.buyer,
        req: () => ({ path: '/v1/claims', body: { policyId: f.policyB, lineId: 'L1', evidence } }),
        missing: () => ({ path: '/v1/claims', body: { policyId: MISSING_POLICY, lineId: 'L1', evidence } }),
      },
    ],
  },
  'GET /v1/claims/{claimId}': {
    own: {
      buyer: { as: A.buyer, req: () => ({ path: `/v1/claims/${f.claimA}` }), expect: [200] },
      merchant: { as: A.merchant, req: () => ({ path: `/v1/claims/${f.claimA}` }), expect: [200] },
      adjuster: { as: parties.adjuster, req: () => ({ path: `/v1/claims/${f.claimB}` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/claims/${f.claimB}` }), expect: [200] },
    },
    other: (['buyer', 'merchant'] as const).map((role) => ({
      as: A[role],
      req: () => ({ path: `/v1/claims/${f.claimB}` }),
      missing: () => ({ path: `/v1/claims/${MISSING_CLAIM}` }),
    })),
  },
  'GET /v1/claims': {
    own: Object.fromEntries(ROLES.map((role) => [role, { as: callerOf(role), req: () => ({ path: '/v1/claims' }), expect: [200] }])),
    otherList: [A.buyer, A.merchant, parties.service].map((as) => ({
      as,
      req: () => ({ path: '/v1/claims?limit=100' }),
      foreign: () => [f.claimB, f.claimBWaiting, f.claimApprovedB],
    })),
  },
  'POST /v1/claims/{claimId}/evidence': {
    own: { buyer: { as: A.buyer, req: () => ({ path: `/v1/claims/${f.claimAWaiting}/evidence`, body: { evidence } }), expect: [200] } },
    other: [
      {
        as: A.buyer,
        req: () => ({ path: `/v1/claims/${f.claimBWaiting}/evidence`, body: { evidence } }),
        missing: () => ({ path: `/v1/claims/${MISSING_CLAIM}/evidence`, body: { evidence } }),
      },
    ],
  },
  // Issue 21: presigned evidence uploads, for the buyer's own claim or policy only.
  'POST /v1/claims/{claimId}/evidence-uploads': {
    own: { buyer: { as: A.buyer, req: () => ({ path: `/v1/claims/${f.claimAWaiting}/evidence-uploads`, body: uploadBody }), expect: [201] } },
    other: [
      {
        as: A.buyer,
        req: () => ({ path: `/v1/claims/${f.claimBWaiting}/evidence-uploads`, body: uploadBody }),
        missing: () => ({ path: `/v1/claims/${MISSING_CLAIM}/evidence-uploads`, body: uploadBody }),
      },
    ],
  },
  'POST /v1/policies/{policyId}/evidence-uploads': {
    own: { buyer: { as: A.buyer, req: () => ({ path: `/v1/policies/${f.policyA}/evidence-uploads`, body: uploadBody }), expect: [201] } },
    other: [
      {
        as: A.buyer,
        req: () => ({ path: `/v1/policies/${f.policyB}/evidence-uploads`, body: uploadBody }),
        missing: () => ({ path: `/v1/policies/${MISSING_POLICY}/evidence-uploads`, body: uploadBody }),
      },
    ],
  },
  'POST /v1/claims/{claimId}/decisions': {
    own: {
      adjuster: {
        as: parties.adjuster,
        req: () => ({ path: `/v1/claims/${f.claimToDecideByAdjuster}/decisions`, body: { decision: 'request-info' } }),
        expect: [200],
      },
      ops: {
        as: parties.ops,
        req: () => ({ path: `/v1/claims/${f.claimToDecideByOps}/decisions`, body: { decision: 'reject', reasonCode: 'GENUINE_ITEM' } }),
        expect: [200],
      },
    },
    noOther: 'staff decide every claim',
  },
  'GET /v1/payouts': {
    own: {
      ops: { as: parties.ops, req: () => ({ path: '/v1/payouts' }), expect: [200] },
      buyer: { as: A.buyer, req: () => ({ path: '/v1/payouts' }), expect: [200] },
      merchant: { as: A.merchant, req: () => ({ path: '/v1/payouts' }), expect: [200] },
    },
    otherList: [A.buyer, A.merchant].flatMap((as) => [
      { as, req: () => ({ path: '/v1/payouts?limit=100' }), foreign: () => [f.payoutB, f.claimApprovedB] },
      { as, req: () => ({ path: `/v1/payouts?claimId=${f.claimApprovedB}` }), foreign: () => [f.payoutB] },
    ]),
  },
  'POST /v1/jobs/{job}/runs': {
    own: { ops: { as: parties.ops, req: () => ({ path: '/v1/jobs/expiry/runs' }), expect: [200] } },
    noOther: 'operators run jobs for everyone',
  },
  'GET /v1/merchants/{merchantId}/deposit': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/deposit` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit` }), expect: [200] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit` }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/deposit` }),
      },
    ],
  },
  'POST /v1/merchants/{merchantId}/deposit/top-ups': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/deposit/top-ups`, body: { amountFen: 1000 } }), expect: [201] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit/top-ups`, body: { amountFen: 1000 } }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/deposit/top-ups`, body: { amountFen: 1000 } }),
      },
    ],
  },
  'POST /v1/merchants/{merchantId}/deposit/withdrawals': {
    own: {
      // A has open claims on its orders: D3 refuses (422) — a rule's answer, not an access one.
      merchant: {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${A.merchant.sub}/deposit/withdrawals`, body: { amountFen: 100, reason: 'closing' } }),
        expect: [201, 422],
      },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit/withdrawals`, body: { amountFen: 100, reason: 'closing' } }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/deposit/withdrawals`, body: { amountFen: 100, reason: 'closing' } }),
      },
    ],
  },
  'POST /v1/deposit-withdrawals/{withdrawalId}/decisions': {
    own: {
      ops: {
        as: parties.ops,
        req: () => ({ path: `/v1/deposit-withdrawals/${f.withdrawalC}/decisions`, body: { decision: 'reject', note: 'not yet' } }),
        expect: [200],
      },
    },
    noOther: 'ops reviews every withdrawal',
  },
  'GET /v1/merchants/{merchantId}/deposit/top-ups/{topUpId}': {
    own: {
      merchant: { as: A.merchant, req: () => ({ path: `/v1/merchants/${A.merchant.sub}/deposit/top-ups/${f.topUpA}` }), expect: [200] },
      ops: { as: parties.ops, req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit/top-ups/${f.topUpB}` }), expect: [200] },
    },
    other: [
      {
        as: A.merchant,
        req: () => ({ path: `/v1/merchants/${B.merchant.sub}/deposit/top-ups/${f.topUpB}` }),
        missing: () => ({ path: `/v1/merchants/${MISSING_MERCHANT}/deposit/top-ups/top_missing` }),
      },
    ],
  },
  'POST /v1/payments/{provider}/notifications': 'public',
  'POST /v1/orders/{orderId}/compensations': {
    // Whether the deposit may pay is D5's to say; access is the point here.
    own: {
      ops: {
        as: parties.ops,
        req: () => ({ path: `/v1/orders/${f.orderA}/compensations`, body: { lineId: 'L1', amountFen: 1, reason: 'other' } }),
        expect: [201, 404, 422],
      },
    },
    noOther: 'ops compensates on any order',
  },
  'POST /v1/claims/{claimId}/advance-compensations': {
    // Whether the deposit may pay is D2's to say (201 or a 409/422 refusal); access is the point here.
    own: { ops: { as: parties.ops, req: () => ({ path: `/v1/claims/${f.claimApprovedA}/advance-compensations`, body: {} }), expect: [201, 409, 422] } },
    noOther: 'ops compensates any claim',
  },
};

function callerOf(role: Role): Caller {
  return { merchant: A.merchant, buyer: A.buyer, adjuster: parties.adjuster, ops: parties.ops, service: parties.service }[role];
}

function profile(): Record<string, unknown> {
  return { name: 'Auth Shop', alipayAccount: 'auth@alipay.example', liveBaseId: 'base-hz-01', categories: ['apparel'] };
}

async function send(route: RouteSpec, req: Req, auth: { as?: Caller; token?: string }): Promise<ApiResponse> {
  const headers = auth.token ? { authorization: `Bearer ${auth.token}` } : undefined;
  return api.call(route.method, req.path, {
    ...(auth.as ? { as: auth.as } : {}),
    ...(headers ? { headers } : {}),
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
}

/** Everything of party B that a response must never carry (unless the caller named it itself). */
const secrets = () => [B.buyer.sub, B.merchant.sub, f.orderB, f.policyB, f.claimB, f.claimBWaiting, f.claimApprovedB, f.payoutB, f.enrollmentB];

/** The B partitions no request of this file may change. */
const partitionsOfB = () => [
  `MERCHANT#${B.merchant.sub}`,
  `ORDER#${f.orderB}`,
  `CLAIM#${f.claimB}`,
  `CLAIM#${f.claimBWaiting}`,
  `CLAIM#${f.claimApprovedB}`,
  `PAYOUT#${f.payoutB}`,
  `DEPOSIT#${B.merchant.sub}`,
];
let snapshotOfB: Map<string, string>;

async function must(res: ApiResponse | Promise<ApiResponse>, status: number): Promise<any> {
  const answer = await res;
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body;
}

beforeAll(async () => {
  for (const merchant of [A.merchant, B.merchant, MERCHANT_C]) {
    await must(api.call('PUT', `/v1/merchants/${merchant.sub}`, { as: parties.service, body: profile() }), 200);
  }
  const join = (merchant: Caller, planId: string) =>
    must(api.call('POST', `/v1/merchants/${merchant.sub}/enrollments`, { as: merchant, body: joinBody(planId) }), 201);
  f.enrollmentToExitByMerchant = (await join(A.merchant, 'authenticity')).enrollmentId;
  f.enrollmentToExitByOps = (await join(A.merchant, 'live-price')).enrollmentId;
  f.enrollmentB = (await join(B.merchant, 'authenticity')).enrollmentId;

  const covered = (party: Party, planId: 'authenticity' | 'live-price') => seedCovered(planId, { buyerId: party.buyer.sub, merchantId: party.merchant.sub });
  const a = await covered(A, 'authenticity');
  const b = await covered(B, 'authenticity');
  f.orderA = a.order.orderId;
  f.policyA = a.policy.policyId;
  f.orderB = b.order.orderId;
  f.policyB = b.policy.policyId;
  f.policyToClaim = (await covered(A, 'authenticity')).policy.policyId;
  const toBuy = orderData({ buyerId: A.buyer.sub, merchantId: A.merchant.sub });
  await seedOrder(toBuy);
  f.orderToBuyCover = toBuy.orderId;

  const claim = async (party: Party, policyId?: string) =>
    (
      await must(
        api.call('POST', '/v1/claims', {
          as: party.buyer,
          body: { policyId: policyId ?? (await covered(party, 'authenticity')).policy.policyId, lineId: 'L1', evidence },
        }),
        201,
      )
    ).claimId as string;
  const askForInfo = (claimId: string) =>
    must(api.call('POST', `/v1/claims/${claimId}/decisions`, { as: parties.adjuster, body: { decision: 'request-info' } }), 200);
  f.claimA = await claim(A, f.policyA);
  f.claimB = await claim(B, f.policyB);
  f.claimAWaiting = await claim(A);
  await askForInfo(f.claimAWaiting);
  f.claimBWaiting = await claim(B);
  await askForInfo(f.claimBWaiting);
  f.claimToDecideByAdjuster = await claim(A);
  f.claimToDecideByOps = await claim(A);

  const approvedClaim = async (party: Party) => {
    const { policy } = await covered(party, 'live-price');
    const proof = await seedProofOrder({ buyerId: party.buyer.sub, merchantId: party.merchant.sub });
    return must(api.call('POST', '/v1/claims', { as: party.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } }), 201);
  };
  f.claimApprovedA = (await approvedClaim(A)).claimId;
  f.claimApprovedB = (await approvedClaim(B)).claimId;
  f.payoutB = (await must(api.call('GET', `/v1/payouts?claimId=${f.claimApprovedB}`, { as: parties.ops }), 200)).items[0].payoutId;

  for (const merchant of [A.merchant, B.merchant, MERCHANT_C]) {
    const topUp = await must(api.call('POST', `/v1/merchants/${merchant.sub}/deposit/top-ups`, { as: merchant, body: { amountFen: 200_000 } }), 201);
    // D4: credited once paid at the (local) provider.
    expect((await fetch(`${api.base}/local-pay/${topUp.topUpId}`, { method: 'POST' })).status).toBe(200);
    if (merchant === A.merchant) f.topUpA = topUp.topUpId;
    if (merchant === B.merchant) f.topUpB = topUp.topUpId;
  }
  f.withdrawalC = (
    await must(api.call('POST', `/v1/merchants/${MERCHANT_C.sub}/deposit/withdrawals`, { as: MERCHANT_C, body: { amountFen: 1000, reason: 'closing' } }), 201)
  ).withdrawalId;

  snapshotOfB = await partitionsSnapshot(partitionsOfB());
});

describe('the authorization table covers every route', () => {
  it('every route of functions/routes.ts has expectations, and every expectation a route', () => {
    expect(Object.keys(expectations).sort()).toEqual(routes.map(key).sort());
  });

  it('every admitted role has an own-resource case; every route scoped to a party says how another party is kept out', () => {
    for (const route of routes) {
      const expectation = expectations[key(route)];
      if (route.roles === 'public') {
        expect(expectation, key(route)).toBe('public');
        continue;
      }
      if (expectation === undefined || expectation === 'public') throw new Error(`${key(route)} is not public`);
      expect(Object.keys(expectation.own).sort(), key(route)).toEqual([...route.roles].sort());
      for (const role of ['buyer', 'merchant'] as const) {
        if (!route.roles.includes(role) || expectation.noOther) continue;
        const cases = [...(expectation.other ?? []), ...(expectation.otherList ?? [])];
        expect(
          cases.some((c) => c.as.role === role),
          `${key(route)}: no other-party case for ${role}`,
        ).toBe(true);
      }
    }
  });
});

describe.each(routes.map((route) => [key(route), route] as const))('%s', (_name, route) => {
  const expectation = () => expectations[key(route)] as RouteExpectation;
  const anyOwn = () => Object.values(expectation().own)[0]!;

  if (route.roles === 'public') {
    it('is public: answers without a token', async () => {
      const res = await api.call(route.method, route.path);
      // A templated public path (the provider's notifications) is signed by the provider, not by a
      // token: unsigned, it is a clear 4xx — never 401.
      if (route.path.includes('{')) expect([400, 404]).toContain(res.status);
      else expect(res.status).toBe(200);
    });
    return;
  }

  it('no token, an expired token, a bad signature: 401 UNAUTHENTICATED', async () => {
    const { as, req } = anyOwn();
    const answers = [
      await send(route, req(), {}),
      await send(route, req(), { token: await expiredToken(as) }),
      await send(route, req(), { token: await badSignatureToken(as) }),
      await send(route, req(), { token: 'not.a.jwt' }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  const forbidden = ROLES.filter((role) => !(route.roles as readonly Role[]).includes(role));
  if (forbidden.length > 0) {
    it.each(forbidden)('a %s token: 403 FORBIDDEN', async (role) => {
      const res = await send(route, anyOwn().req(), { as: callerOf(role) });
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });
  }

  it.each([...(route.roles as readonly Role[])])('own resource as %s: answered, not refused for access', async (role) => {
    const own = expectation().own[role]!;
    const res = await send(route, own.req(), { as: own.as });
    expect(own.expect, `${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
  });

  const others = () => expectation().other ?? [];
  const declared = expectations[key(route)] as RouteExpectation | undefined;
  if (declared?.other?.length) {
    it.each(declared.other.map((c, i) => [c.as.role, i] as const))(
      "another party's resource as %s (#%s): 404, exactly like a missing one, and none of B's data",
      async (_role, i) => {
        const other = others()[i]!;
        const req = other.req();
        const res = await send(route, req, { as: other.as });
        const missing = other.missing();
        const absent = await send(route, missing, { as: other.as });
        expect(res.status, JSON.stringify(res.body)).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
        expect(absent.status).toBe(404);
        // Indistinguishable: the same problem once the ids the caller sent are masked.
        const mask = (body: unknown, sent: Req) => {
          let text = JSON.stringify(body);
          for (const id of idsIn(sent)) text = text.replaceAll(id, '<id>');
          return text;
        };
        expect(mask(res.body, req)).toBe(mask(absent.body, missing));
        const sentText = JSON.stringify(req);
        for (const secret of secrets()) {
          if (!sentText.includes(secret)) expect(JSON.stringify(res.body)).not.toContain(secret);
        }
      },
    );
  }

  if (declared?.otherList?.length) {
    it.each(declared.otherList.map((c, i) => [c.as.role, i] as const))("a list as %s (#%s): never another party's items", async (_role, i) => {
      const list = expectation().otherList![i]!;
      const res = await send(route, list.req(), { as: list.as });
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of list.foreign()) expect(text).not.toContain(id);
      for (const secret of [B.buyer.sub, B.merchant.sub]) expect(text).not.toContain(secret);
    });
  }
});

/** The path segments and body strings a request names (what a 404 may echo back). */
function idsIn(req: Req): string[] {
  const fromPath = req.path.split(/[/?=&]/).filter((s) => s.length > 3);
  const fromBody =
    req.body === undefined
      ? []
      : (JSON.stringify(req.body)
          .match(/"([^"]{4,})"/g)
          ?.map((s) => s.slice(1, -1)) ?? []);
  return [...fromPath, ...fromBody].sort((x, y) => y.length - x.length);
}

describe('identities come only from the verified token', () => {
  it('an identity in the query or the body is refused (400), never honoured', async () => {
    const asQuery = await api.call('GET', `/v1/claims?buyerId=${B.buyer.sub}`, { as: A.buyer });
    expect(asQuery.status).toBe(400);
    const payouts = await api.call('GET', `/v1/payouts?beneficiaryId=${B.buyer.sub}`, { as: A.buyer });
    expect(payouts.status).toBe(400);
    const claimant = await api.call('POST', '/v1/claims', {
      as: A.buyer,
      body: { policyId: f.policyB, lineId: 'L1', evidence, claimant: { role: 'buyer', id: B.buyer.sub } },
    });
    expect(claimant.status).toBe(400);
    const role = await api.call('POST', `/v1/merchants/${A.merchant.sub}/enrollments`, { as: A.merchant, body: { ...joinBody('live-quality'), role: 'ops' } });
    expect(role.status).toBe(400);
  });

  it('headers that claim another identity change nothing', async () => {
    const res = await api.call('GET', `/v1/claims/${f.claimB}`, {
      as: A.buyer,
      headers: { 'x-role': 'ops', 'x-user-id': B.buyer.sub, 'x-amzn-oidc-identity': B.buyer.sub },
    });
    expect(res.status).toBe(404);
  });

  it('a token for an unknown role is 401; a token of A’s id in another role sees only that role’s own', async () => {
    const { signToken, DEFAULT_JWT_SECRET } = await import('#shared/local/tokens.ts');
    const admin = await signToken(DEFAULT_JWT_SECRET, { sub: 'root', role: 'admin' as Role });
    expect((await api.call('GET', '/v1/claims', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(401);
    // buyer-417 presenting a merchant token is merchant "buyer-417": no merchant data of anyone.
    const asMerchant = await api.call('GET', '/v1/claims', { as: { role: 'merchant', sub: A.buyer.sub } });
    expect(asMerchant.status).toBe(200);
    expect(asMerchant.body.items).toEqual([]);
  });
});

describe('after every request above', () => {
  it("nothing of party B changed: B's merchant, order, claims, payout and deposit items are as they were", async () => {
    expect(await partitionsSnapshot(partitionsOfB())).toEqual(snapshotOfB);
  });
});
