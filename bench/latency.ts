/**
 * Latency (issue 8): p50/p99 of every API route (functions/routes.ts, all 25) through the local
 * runtime against DynamoDB Local, with DynamoDB Local's own round trip measured beside it, so the
 * report shows what Baozhang adds: `addedP50Ms = p50 − roundTrips × dynamoP50` (the GetItem p50
 * stands in for every call; a Query of a page, a transaction, or calls a round trip runs in parallel
 * — `calls` > `roundTrips` — cost DynamoDB Local more, so `added` is an upper bound). Measured
 * directly beside it: `inDynamoP50Ms`, the time a request had a DynamoDB call in flight, and
 * `outsideDynamoP50Ms`, the rest (HTTP, the local runtime, the service's own code). One
 * GetItem is timed right before each measured request, so each route's dynamoP50Ms comes from the
 * same minutes as its own figures (this machine is shared and its load moves).
 *
 * The local runtime (shared/local/runtime.ts) runs in this process on an ephemeral port; requests
 * are real HTTP (fetch, one keep-alive connection) with tokens signed by shared/local/tokens.ts,
 * sent one after another: a warm-up of 20, then N measured (200; 30 with BENCH_QUICK=1). The time
 * of a request runs from before `fetch` to the last byte of its body. The Meter on the service's
 * DynamoDB client counts the sequential round trips of each request.
 *
 * Everything a route needs is created first through the API itself (merchants, enrollments, order
 * events, policies, claims, decisions, deposits, withdrawals). Every state-changing request does
 * the real work on a fresh target (a new merchant per put-merchant and join, a new order per event
 * and issue-policy, a new policy per claim, a new claim per decision …), mostly the ones the
 * previous route created: put-merchant → join → exit; events → issue-policy → submit-claim →
 * decide-claim (approve) → advance-compensation; top-up → request-withdrawal → decide-withdrawal.
 * add-evidence gets claims put in NEEDS_INFO beforehand; each payout-job run gets exactly one new
 * due payout (an approved withdrawal), made before it untimed. The reads run last, on the state
 * all that left (full 50-item pages for the lists). Any answer but the expected 2xx is an error.
 *
 * Run: `node --import tsx bench/latency.ts` (DYNAMODB_ENDPOINT to use a running DynamoDB Local).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { machine, runSection } from './section.ts';

const WARMUP = 20;

await runSection('latency', async ({ quick }) => {
  const n = quick ? 30 : 200;
  const total = WARMUP + n;
  const loadBefore = os.loadavg()[0]!;

  const { serviceMeter } = await import('./meter.ts');
  const { createClient, DynamoBusyTimer, figures, measureRoute } = await import('./latency-client.ts');
  type Caller = import('./latency-client.ts').Caller;
  type RouteMeasurement = import('./latency-client.ts').RouteMeasurement;
  const { routes } = await import('#functions/routes.ts');
  const { createLocalRuntime } = await import('#shared/local/runtime.ts');
  const { loadFunctionHandler } = await import('#functions/load-handler.ts');
  const { DEFAULT_JWT_SECRET } = await import('#shared/local/tokens.ts');
  const { documentClient, dynamoClient, tableName } = await import('#shared/store/client.ts');
  const { GetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');
  const { orderData } = await import('#test/integration/support/orders.ts');

  const meter = await serviceMeter();
  // No job timers: the jobs run only when a request asks.
  const runtime = createLocalRuntime({ routes, loadHandler: loadFunctionHandler, jwtSecret: DEFAULT_JWT_SECRET });
  await new Promise<void>((resolve) => runtime.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(runtime.server.address() as AddressInfo).port}`;
  const client = createClient(base, meter, new DynamoBusyTimer(dynamoClient));

  try {
    const route = (operationId: string) => {
      const found = routes.find((r) => r.operationId === operationId);
      if (!found) throw new Error(`No route ${operationId}`);
      return found;
    };
    const pathOf = (operationId: string, params: Record<string, string> = {}) =>
      route(operationId).path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));

    // ---------------------------------------------------------------- parties and shapes
    const run = Date.now().toString(36);
    let counter = 0;
    const fresh = (prefix: string) => `${prefix}-${run}-${(counter++).toString(36)}`;
    const storyMerchantId = `shop-bench-${run}`;
    const depositMerchantId = `shop-bench-deposit-${run}`;
    const buyerId = `buyer-bench-${run}`;
    const storyMerchant: Caller = { role: 'merchant', sub: storyMerchantId };
    const depositMerchant: Caller = { role: 'merchant', sub: depositMerchantId };
    const buyer: Caller = { role: 'buyer', sub: buyerId };
    const service: Caller = { role: 'service', sub: 'order-system' };
    const adjuster: Caller = { role: 'adjuster', sub: 'adjuster-1' };
    const ops: Caller = { role: 'ops', sub: 'ops-1' };

    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const evidence = [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }];
    /** An order of the story's buyer and merchant with `lines` lines (test/integration/support/orders.ts). */
    const storyOrder = (orderId: string, lines = 1) =>
      orderData({
        orderId,
        buyerId,
        merchantId: storyMerchantId,
        shippingAddressId: `addr-${buyerId}`,
        placedAt: ago(1_000),
        paidAt: ago(500),
        lines: Array.from({ length: lines }, (_, i) => (i === 0 ? {} : { itemId: `item-700${i}`, skuId: `sku-700${i}` })),
      });
    const evt = (type: string, data: object) => ({ id: fresh('evt'), type, occurredAt: new Date().toISOString(), data });

    // ---------------------------------------------------------------- set-up helpers (untimed)
    const call = client.call;

    /** Paid one-line orders of the story merchant, sent as order.paid events 100 to a request. */
    async function paidOrders(count: number): Promise<string[]> {
      const ids = Array.from({ length: count }, () => fresh('ord'));
      for (let i = 0; i < ids.length; i += 100) {
        const events = ids.slice(i, i + 100).map((orderId) => evt('order.paid', storyOrder(orderId)));
        await call({ as: service, method: 'POST', path: pathOf('postEvents'), body: { events } }, 202);
      }
      return ids;
    }

    /** The authenticity policy (line L1) of each order, from the merchant's policy list. */
    async function authenticityPolicies(orderIds: readonly string[]): Promise<string[]> {
      const byOrder = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const query = `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call({ as: storyMerchant, method: 'GET', path: `${pathOf('listMerchantPolicies', { merchantId: storyMerchantId })}${query}` }, 200);
        for (const p of page.items) if (p.planId === 'authenticity' && p.lineId === 'L1') byOrder.set(p.orderId, p.policyId);
        cursor = page.nextCursor;
      } while (cursor);
      return orderIds.map((orderId) => {
        const policyId = byOrder.get(orderId);
        if (!policyId) throw new Error(`Order ${orderId} has no authenticity policy`);
        return policyId;
      });
    }

    const submitClaimBody = (policyId: string) => ({
      policyId,
      lineId: 'L1',
      description: 'The stitching and tag do not match the brand’s',
      evidence,
    });

    // ---------------------------------------------------------------- the story's base
    const t0 = performance.now();
    const catalog = await call({ as: ops, method: 'GET', path: pathOf('listPlans') }, 200);
    const agreementVersion = (planId: string): string => catalog.items.find((p: { planId: string }) => p.planId === planId).agreementVersion;
    const profile = (id: string, liveBaseId?: string) => ({
      name: `Bench shop ${id}`,
      alipayAccount: `${id}@alipay.example`,
      ...(liveBaseId ? { liveBaseId } : {}),
      categories: ['apparel'],
    });
    await call({ as: service, method: 'PUT', path: pathOf('putMerchant', { merchantId: storyMerchantId }), body: profile(storyMerchantId, 'base-hz-01') }, 200);
    await call({ as: service, method: 'PUT', path: pathOf('putMerchant', { merchantId: depositMerchantId }), body: profile(depositMerchantId) }, 200);
    for (const planId of ['authenticity', 'live-quality', 'live-price']) {
      await call(
        {
          as: storyMerchant,
          method: 'POST',
          path: pathOf('joinPlan', { merchantId: storyMerchantId }),
          body: { planId, acceptAgreement: true, agreementVersion: agreementVersion(planId) },
        },
        201,
      );
    }
    // Cover starts when the merchant joins: every order below is paid after that.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Deposits large enough for every advance compensation and withdrawal below.
    for (const merchantId of [storyMerchantId, depositMerchantId]) {
      await call({ as: ops, method: 'POST', path: pathOf('topUpDeposit', { merchantId }), body: { amountFen: 100_000_000 } }, 201);
    }
    // The order the order-detail read shows: two lines, paid and shipped (authenticity, live-quality
    // and live-price on each line: six policies).
    const detailOrderId = fresh('ord-detail');
    await call(
      {
        as: service,
        method: 'POST',
        path: pathOf('postEvents'),
        body: { events: [evt('order.paid', storyOrder(detailOrderId, 2)), evt('order.shipped', { orderId: detailOrderId, shippedAt: ago(0) })] },
      },
      202,
    );

    // ---------------------------------------------------------------- DynamoDB Local's round trip
    const probeKey = { PK: `BENCH#${run}`, SK: 'BENCH#probe' };
    await documentClient.send(new PutCommand({ TableName: tableName, Item: { ...probeKey, value: 1 } }));
    const getItemMs = async () => {
      const started = performance.now();
      await documentClient.send(new GetCommand({ TableName: tableName, Key: probeKey }));
      return performance.now() - started;
    };
    async function getItemSample(): Promise<number[]> {
      const sample: number[] = [];
      for (let i = 0; i < total; i++) {
        const ms = await getItemMs();
        if (i >= WARMUP) sample.push(ms);
      }
      return sample;
    }
    const getItemBefore = await getItemSample();

    // What the runtime alone costs: HTTP over the same connection, route matching, a problem answer.
    const baselineTimes: number[] = [];
    for (let i = 0; i < total; i++) {
      const res = await client.send({ method: 'GET', path: '/v1/bench-no-such-route' });
      if (res.status !== 404) throw new Error(`The unknown route answered ${res.status}`);
      if (i >= WARMUP) baselineTimes.push(res.ms);
    }
    const setupSeconds = (performance.now() - t0) / 1000;

    const results = new Map<string, RouteMeasurement>();
    const order: string[] = [];
    const record = (m: RouteMeasurement) => {
      results.set(m.route, m);
      order.push(m.route);
      console.error(`latency: ${m.route.padEnd(22)} n=${m.n} p50=${m.p50Ms} ms p99=${m.p99Ms} ms round trips=${m.roundTrips} errors=${m.errors}`);
    };
    const common = { warmup: WARMUP, n, probe: getItemMs };

    // ---------------------------------------------------------------- merchants: put → join → exit
    const newMerchants: string[] = [];
    record(
      await measureRoute(client, {
        ...common,
        route: route('putMerchant'),
        expectedStatus: 200,
        request: 'service creates a new merchant profile (a fresh merchantId per request)',
        make: () => {
          const merchantId = fresh('shop-new');
          newMerchants.push(merchantId);
          return { as: service, method: 'PUT', path: pathOf('putMerchant', { merchantId }), body: profile(merchantId, 'base-hz-01') };
        },
      }),
    );
    const enrollments: { merchantId: string; enrollmentId: string }[] = [];
    record(
      await measureRoute(client, {
        ...common,
        route: route('joinPlan'),
        expectedStatus: 201,
        request: 'a new merchant joins authenticity (one merchant per request)',
        available: newMerchants.length,
        make: (i) => ({
          as: { role: 'merchant', sub: newMerchants[i]! },
          method: 'POST',
          path: pathOf('joinPlan', { merchantId: newMerchants[i]! }),
          body: { planId: 'authenticity', acceptAgreement: true, agreementVersion: agreementVersion('authenticity') },
        }),
        after: (body) => enrollments.push({ merchantId: body.merchantId, enrollmentId: body.enrollmentId }),
      }),
    );
    record(
      await measureRoute(client, {
        ...common,
        route: route('exitEnrollment'),
        expectedStatus: 200,
        request: 'the merchant exits the enrollment it just joined (one ACTIVE enrollment per request)',
        available: enrollments.length,
        make: (i) => {
          const { merchantId, enrollmentId } = enrollments[i]!;
          return {
            as: { role: 'merchant', sub: merchantId },
            method: 'POST',
            path: pathOf('exitEnrollment', { merchantId, enrollmentId }),
            body: { reason: 'business-difficulty' },
          };
        },
      }),
    );

    // ---------------------------------------------------------------- orders and claims
    const eventOrders: string[] = [];
    record(
      await measureRoute(client, {
        ...common,
        route: route('postEvents'),
        expectedStatus: 202,
        request: 'one order.paid event of a new one-line order; the merchant’s authenticity policy is issued',
        make: () => {
          const orderId = fresh('ord');
          eventOrders.push(orderId);
          return { as: service, method: 'POST', path: pathOf('postEvents'), body: evt('order.paid', storyOrder(orderId)) };
        },
      }),
    );
    record(
      await measureRoute(client, {
        ...common,
        route: route('issuePolicy'),
        expectedStatus: 201,
        request: 'the buyer buys return-shipping cover for a paid order (a new order per request)',
        available: eventOrders.length,
        make: (i) => ({ as: buyer, method: 'POST', path: pathOf('issuePolicy', { orderId: eventOrders[i]! }), body: { planId: 'return-shipping' } }),
      }),
    );
    const claimPolicies = await authenticityPolicies(eventOrders);
    const submitted: string[] = [];
    record(
      await measureRoute(client, {
        ...common,
        route: route('submitClaim'),
        expectedStatus: 201,
        request: 'the buyer files an authenticity claim with evidence (a new policy per request) → UNDER_REVIEW',
        available: claimPolicies.length,
        make: (i) => ({ as: buyer, method: 'POST', path: pathOf('submitClaim'), body: submitClaimBody(claimPolicies[i]!) }),
        after: (body) => submitted.push(body.claimId),
      }),
    );
    const approved: string[] = [];
    record(
      await measureRoute(client, {
        ...common,
        route: route('decideClaim'),
        expectedStatus: 200,
        request: 'an adjuster approves a claim UNDER_REVIEW (a new claim per request): payout record, outbox events',
        available: submitted.length,
        make: (i) => ({
          as: adjuster,
          method: 'POST',
          path: pathOf('decideClaim', { claimId: submitted[i]! }),
          body: { decision: 'approve', note: 'Report confirms counterfeit' },
        }),
        after: (body) => approved.push(body.claimId),
      }),
    );
    record(
      await measureRoute(client, {
        ...common,
        route: route('advanceCompensation'),
        expectedStatus: 201,
        request: 'ops pays an approved claim from the merchant’s deposit (a new claim per request)',
        available: approved.length,
        make: (i) => ({
          as: ops,
          method: 'POST',
          path: pathOf('advanceCompensation', { claimId: approved[i]! }),
          body: { note: 'insurer declined: not covered' },
        }),
      }),
    );

    // Claims waiting for information, one per add-evidence request.
    const infoPolicies = await authenticityPolicies(await paidOrders(total));
    const needsInfo: string[] = [];
    for (const policyId of infoPolicies) {
      const claim = await call({ as: buyer, method: 'POST', path: pathOf('submitClaim'), body: submitClaimBody(policyId) }, 201);
      await call(
        {
          as: adjuster,
          method: 'POST',
          path: pathOf('decideClaim', { claimId: claim.claimId }),
          body: { decision: 'request-info', note: 'Please add page 2 of the report' },
        },
        200,
      );
      needsInfo.push(claim.claimId);
    }
    record(
      await measureRoute(client, {
        ...common,
        route: route('addEvidence'),
        expectedStatus: 200,
        request: 'the buyer adds evidence to a claim in NEEDS_INFO (a new claim per request) → UNDER_REVIEW',
        available: needsInfo.length,
        make: (i) => ({
          as: buyer,
          method: 'POST',
          path: pathOf('addEvidence', { claimId: needsInfo[i]! }),
          body: {
            evidence: [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1-p2.pdf', sha256: 'b'.repeat(64) }],
            note: 'Page 2 attached',
          },
        }),
      }),
    );

    // ---------------------------------------------------------------- the deposit
    record(
      await measureRoute(client, {
        ...common,
        route: route('topUpDeposit'),
        expectedStatus: 201,
        request: 'the merchant pays 100 yuan into its deposit (each request a new journal movement)',
        make: () => ({ as: depositMerchant, method: 'POST', path: pathOf('topUpDeposit', { merchantId: depositMerchantId }), body: { amountFen: 10_000 } }),
      }),
    );
    const withdrawals: string[] = [];
    const withdraw = () => ({
      as: depositMerchant,
      method: 'POST',
      path: pathOf('requestWithdrawal', { merchantId: depositMerchantId }),
      body: { amountFen: 1_000, reason: 'lowering the deposit' },
    });
    record(
      await measureRoute(client, {
        ...common,
        route: route('requestWithdrawal'),
        expectedStatus: 201,
        request: 'the merchant applies to withdraw 10 yuan (the D3 check, a new withdrawal per request)',
        make: withdraw,
        after: (body) => withdrawals.push(body.withdrawalId),
      }),
    );
    const approveWithdrawal = (withdrawalId: string) => ({
      as: ops,
      method: 'POST',
      path: pathOf('decideWithdrawal', { withdrawalId }),
      body: { decision: 'approve', note: 'no open claims' },
    });
    record(
      await measureRoute(client, {
        ...common,
        route: route('decideWithdrawal'),
        expectedStatus: 200,
        request: 'ops approves a REQUESTED withdrawal (a new one per request): D3 check again, hold, payout record',
        available: withdrawals.length,
        make: (i) => approveWithdrawal(withdrawals[i]!),
      }),
    );

    // ---------------------------------------------------------------- the payout job
    // First pay everything the routes above left due, so each measured run finds exactly the one
    // payout made for it.
    const runPayoutJob = { as: ops, method: 'POST', path: pathOf('runJob', { job: 'payout' }) };
    let drained = 0;
    for (;;) {
      const result = await call(runPayoutJob, 200);
      drained += result.processed;
      if (result.processed === 0) break;
    }
    const jobWithdrawals: string[] = [];
    for (let i = 0; i < total; i++) jobWithdrawals.push((await call(withdraw(), 201)).withdrawalId);
    const processedPerRun: number[] = [];
    record({
      ...(await measureRoute(client, {
        ...common,
        route: route('runJob'),
        expectedStatus: 200,
        request: 'ops runs the payout job; each run finds exactly one new due payout (an approved withdrawal, made untimed before it) and pays it',
        available: jobWithdrawals.length,
        before: async (i) => {
          await call(approveWithdrawal(jobWithdrawals[i]!), 200);
        },
        make: () => runPayoutJob,
        after: (body, i) => {
          if (i >= WARMUP) processedPerRun.push(body.processed);
        },
      })),
    });

    // ---------------------------------------------------------------- reads, on everything above
    const detailPolicies = await call({ as: buyer, method: 'GET', path: pathOf('listOrderPolicies', { orderId: detailOrderId }) }, 200);
    if (detailPolicies.items.length !== 6) throw new Error(`The detail order has ${detailPolicies.items.length} policies, not 6`);
    const readPolicyId: string = detailPolicies.items[0].policyId;
    const readClaimId = approved[0]!;
    const reads: { id: string; as?: Caller; params?: Record<string, string>; request: string }[] = [
      { id: 'getHealth', request: 'liveness and table readiness (public)' },
      { id: 'getOpenApi', request: 'the OpenAPI document (public)' },
      { id: 'listPlans', as: buyer, request: 'the plan catalog' },
      {
        id: 'getQuote',
        as: storyMerchant,
        params: { merchantId: storyMerchantId, planId: 'return-shipping' },
        request: 'the merchant’s quote for return-shipping',
      },
      { id: 'listEnrollments', as: storyMerchant, params: { merchantId: storyMerchantId }, request: 'the merchant’s enrollments (three)' },
      { id: 'listOrderPolicies', as: buyer, params: { orderId: detailOrderId }, request: 'the buyer’s order detail: a two-line order, six policies' },
      {
        id: 'listMerchantPolicies',
        as: storyMerchant,
        params: { merchantId: storyMerchantId },
        request: 'the merchant’s policies, first page (default limit 50)',
      },
      { id: 'getPolicy', as: buyer, params: { policyId: readPolicyId }, request: 'one policy, by its buyer' },
      { id: 'getClaim', as: buyer, params: { claimId: readClaimId }, request: 'one claim with its history, by its claimant' },
      { id: 'listClaims', as: buyer, request: 'the buyer’s claims, first page (default limit 50)' },
      { id: 'listPayouts', as: buyer, request: 'the buyer’s payouts, first page (default limit 50)' },
      { id: 'getDeposit', as: depositMerchant, params: { merchantId: depositMerchantId }, request: 'the deposit: balance, withdrawals, recent movements' },
    ];
    for (const read of reads) {
      const path = pathOf(read.id, read.params);
      record(
        await measureRoute(client, {
          ...common,
          route: route(read.id),
          expectedStatus: 200,
          request: read.request,
          make: () => ({ ...(read.as ? { as: read.as } : {}), method: 'GET', path }),
        }),
      );
    }

    const getItemAfter = await getItemSample();

    // ---------------------------------------------------------------- the report
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    const missing = routes.filter((r) => !results.has(r.operationId)).map((r) => r.operationId);
    if (missing.length > 0) throw new Error(`Routes not measured: ${missing.join(', ')}`);
    const report = routes.map((r) => {
      const m = results.get(r.operationId)!;
      const { route: name, method, path, n: count, p50Ms, p99Ms, roundTrips, dynamoP50Ms, dynamoP99Ms, dynamoSample: _sample, ...rest } = m;
      return {
        route: name,
        method,
        path,
        n: count,
        p50Ms,
        p99Ms,
        roundTrips,
        dynamoP50Ms,
        addedP50Ms: round(p50Ms - roundTrips * dynamoP50Ms),
        dynamoP99Ms,
        ...rest,
        ...(name === 'runJob' ? { processedPerRun: { min: Math.min(...processedPerRun), max: Math.max(...processedPerRun) } } : {}),
      };
    });
    const interleaved = routes.flatMap((r) => results.get(r.operationId)!.dynamoSample);

    return {
      n,
      warmup: WARMUP,
      method:
        'local runtime in-process on an ephemeral port; fetch over one keep-alive connection; requests sequential; time from before fetch to the last body byte; round trips from the Meter on the service DynamoDB client',
      dynamoGetItem: {
        what: 'GetItem of one small item with the service’s document client: one right before each measured request (each route’s dynamoP50Ms is its own), and a block before and after all routes',
        ...figures(interleaved),
        before: figures(getItemBefore),
        after: figures(getItemAfter),
      },
      httpBaseline: {
        what: 'GET of an unknown route: HTTP through the local runtime and its route matching, answered 404 without a handler or DynamoDB',
        ...figures(baselineTimes),
      },
      routes: report,
      errors: report.reduce((sum, r) => sum + r.errors, 0),
      measurementOrder: order,
      payoutsDrainedBeforeRunJob: drained,
      setupSeconds: round(setupSeconds),
      loadAverage: { before: round(loadBefore), after: round(os.loadavg()[0]!) },
      machine: machine(),
    };
  } finally {
    await runtime.close();
  }
});
