/**
 * `npm run demo`: walks one story through a running `npm start` and tells it as it goes.
 * Every step is a real HTTP call with the same tokens a client would use.
 */
import './local-env.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';
import type { Role } from '#shared/http/auth.ts';

const base = process.env['BAOZHANG_URL'] ?? `http://127.0.0.1:${process.env['PORT'] ?? 3000}`;
const secret = process.env['JWT_SECRET'] ?? DEFAULT_JWT_SECRET;
const run = Date.now().toString(36);
const merchantId = `shop-demo-${run}`;
const buyerId = `buyer-demo-${run}`;

const tokens = new Map<string, string>();
async function call(as: { role: Role; sub: string } | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (as) {
    const key = `${as.role}:${as.sub}`;
    if (!tokens.has(key)) tokens.set(key, await signToken(secret, as));
    headers['authorization'] = `Bearer ${tokens.get(key)}`;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) {
    throw new Error(`${method} ${path} → ${res.status} ${json?.code ?? ''}: ${json?.detail ?? text}`);
  }
  return json;
}

const merchant = { role: 'merchant' as const, sub: merchantId };
const buyer = { role: 'buyer' as const, sub: buyerId };
const service = { role: 'service' as const, sub: 'order-system' };
const adjuster = { role: 'adjuster' as const, sub: 'adjuster-1' };
const ops = { role: 'ops' as const, sub: 'ops-1' };

let step = 0;
const say = (text: string) => console.log(`\n${++step}. ${text}`);
const detail = (text: string) => console.log(`   ${text}`);
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

// The story's instants: a fixed origin taken just after the merchant joins (cover starts then),
// each step a moment later, all in the past by the time it is told.
let origin = Date.now();
const at = (step: number) => new Date(origin + step * 100).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let eventCounter = 0;
const evt = (type: string, data: object, occurredAt = new Date().toISOString()) => ({ id: `evt-demo-${run}-${++eventCounter}`, type, occurredAt, data });

const line = (lineId: string, overrides: object = {}) => ({
  lineId,
  itemId: 'item-5521',
  skuId: 'sku-5521-red-L',
  skuAttributes: { name: 'Silk scarf', spec: '90x90', model: 'SC-1', brand: 'Acme', size: 'L', color: 'red', saleMethod: 'retail' },
  category: 'apparel',
  quantity: 1,
  unitPriceFen: 10000,
  paidFen: 9000,
  ...overrides,
});
const order = (orderId: string, overrides: object = {}) => ({
  orderId,
  buyerId,
  merchantId,
  channel: 'tmall',
  shippingAddressId: `addr-${buyerId}`,
  placedAt: at(1),
  paidAt: at(2),
  liveBaseId: 'base-hz-01',
  weightGrams: 800,
  shippingFen: 800,
  lines: [line('L1'), line('L2', { itemId: 'item-7001', skuId: 'sku-7001', category: 'apparel', paidFen: 25000, unitPriceFen: 25000 })],
  ...overrides,
});

async function main() {
  console.log(`Baozhang demo against ${base} — merchant ${merchantId}, buyer ${buyerId}`);
  await call(undefined, 'GET', '/v1/health');

  say('The marketplace registers a live-stream merchant, bound to a live-stream base.');
  await call(service, 'PUT', `/v1/merchants/${merchantId}`, {
    name: 'Acme Silk (demo)',
    alipayAccount: `${merchantId}@alipay.example`,
    liveBaseId: 'base-hz-01',
    categories: ['apparel'],
  });

  say('The merchant asks for quotes, then joins both live plans and the authenticity guarantee.');
  for (const planId of ['live-quality', 'live-price', 'authenticity']) {
    const quote = await call(merchant, 'GET', `/v1/merchants/${merchantId}/quotes/${planId}`);
    const joined = await call(merchant, 'POST', `/v1/merchants/${merchantId}/enrollments`, {
      planId,
      acceptAgreement: true,
      agreementVersion: quote.agreementVersion,
    });
    detail(`${planId}: eligible=${quote.eligible}, rate ${quote.rateBps} bp → enrollment ${joined.enrollmentId} ${joined.status}`);
  }
  const enrollments = await call(merchant, 'GET', `/v1/merchants/${merchantId}/enrollments`);
  detail(`Live Select qualified (已达标): ${enrollments.liveSelectQualified}`);
  origin = Date.now();
  await sleep(1500);

  say('A buyer pays for an order through the live-stream base; it ships. Policies are issued.');
  const orderId = `ord-demo-${run}`;
  const accepted = await call(service, 'POST', '/v1/events', {
    events: [evt('order.paid', order(orderId)), evt('order.shipped', { orderId, shippedAt: at(3) })],
  });
  detail(`events: ${accepted.accepted} accepted, ${accepted.duplicates} duplicates`);
  for (const r of accepted.results)
    detail(`   ${r.type} → ${r.outcome}${r.policyIds ? ` (${r.policyIds.length} policies)` : ''}${r.reason ? `: ${r.reason}` : ''}`);
  const policies = (await call(buyer, 'GET', `/v1/orders/${orderId}/policies`)).items as any[];
  for (const p of policies)
    detail(
      `${p.policyId} ${p.planId} line ${p.lineId}: insured ${yuan(p.insuredFen)}, premium ${yuan(p.premiumFen)} (${p.rateBps} bp), until ${p.coverageEnd}`,
    );

  say('The price drops: the buyer places (but does not pay) a proof order at a lower price and claims live-price protection.');
  const proofId = `ord-demo-proof-${run}`;
  await call(service, 'POST', '/v1/events', {
    events: [evt('order.placed', order(proofId, { paidAt: undefined, placedAt: at(4), lines: [line('L1', { unitPriceFen: 7000, paidFen: 7000 })] }))],
  });
  const priceClaim = await call(buyer, 'POST', '/v1/claims', {
    policyId: policies.find((p) => p.planId === 'live-price' && p.lineId === 'L1').policyId,
    lineId: 'L1',
    proofOrderId: proofId,
  });
  detail(`${priceClaim.claimId}: ${priceClaim.status}, ${yuan(priceClaim.amountFen)} — basis ${JSON.stringify(priceClaim.basis)}`);
  detail(`payout due by ${priceClaim.payoutDueBy}`);

  say('The buyer returns line L2 for a quality problem; the refund creates the merchant’s quality claim automatically.');
  await call(service, 'POST', '/v1/events', {
    events: [
      evt('order.refund-completed', {
        orderId,
        lineId: 'L2',
        refundFen: 25000,
        reason: 'quality-issue',
        returned: true,
        requestedAt: at(5),
        completedAt: at(6),
      }),
    ],
  });
  const merchantClaims = (await call(merchant, 'GET', '/v1/claims')).items as any[];
  for (const c of merchantClaims.filter((c) => c.planId === 'live-quality')) {
    detail(`${c.claimId}: ${c.planId} for ${c.beneficiary.role} ${c.beneficiary.id}: ${c.status}, ${yuan(c.amountFen)} (no shipping)`);
  }

  say('The buyer suspects line L1 is counterfeit and files an authenticity claim with a brand report.');
  const authPolicy = policies.find((p) => p.planId === 'authenticity' && p.lineId === 'L1');
  let claim = await call(buyer, 'POST', '/v1/claims', {
    policyId: authPolicy.policyId,
    lineId: 'L1',
    description: 'The stitching and tag do not match the brand’s',
    evidence: [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1.pdf', sha256: 'a'.repeat(64) }],
  });
  detail(`${claim.claimId}: ${claim.status} (authenticity claims always get an adjuster)`);
  claim = await call(adjuster, 'POST', `/v1/claims/${claim.claimId}/decisions`, { decision: 'request-info', note: 'Please add page 2 of the report' });
  detail(`adjuster asks for more: ${claim.status}`);
  claim = await call(buyer, 'POST', `/v1/claims/${claim.claimId}/evidence`, {
    evidence: [{ type: 'brand-authentication-report', uri: 'https://evidence.example/r-1-p2.pdf', sha256: 'b'.repeat(64) }],
    note: 'Page 2 attached',
  });
  detail(`buyer adds evidence: ${claim.status}`);
  claim = await call(adjuster, 'POST', `/v1/claims/${claim.claimId}/decisions`, { decision: 'approve', note: 'Report confirms counterfeit' });
  detail(`approved: ${yuan(claim.amountFen)} = 4 × ${yuan(9000)} (退一赔四); the order system is told to refund the goods`);
  for (const h of claim.history) detail(`   history: ${h.at} ${h.status} by ${h.actor.role}${h.note ? ` — ${h.note}` : ''}`);

  say('Ops runs the payout job now (it also runs every 5 minutes): each approved claim is paid once, to its Alipay account.');
  // Asked per claim, so the story finds its own payouts however many earlier runs left in the data folder.
  const storyClaims = [priceClaim.claimId, ...merchantClaims.filter((c) => c.planId === 'live-quality').map((c) => c.claimId), claim.claimId];
  const payouts = (await Promise.all(storyClaims.map(async (id) => (await call(ops, 'GET', `/v1/payouts?claimId=${id}`)).items as any[]))).flat();
  for (const p of payouts) {
    detail(`${p.payoutId}: ${yuan(p.amountFen)} to ${p.beneficiary.role} ${p.beneficiary.alipayAccount}, ${p.status}, due ${p.dueBy}`);
  }
  const payoutRun = await call(ops, 'POST', '/v1/jobs/payout/runs');
  detail(`payout job: ${JSON.stringify(payoutRun)}`);
  for (const p of payouts) {
    const [paid] = (await call(ops, 'GET', `/v1/payouts?claimId=${p.claimId}`)).items;
    const paidClaim = await call(adjuster, 'GET', `/v1/claims/${p.claimId}`);
    detail(`${paid.payoutId}: ${paid.status} after ${paid.attempts} attempt(s), provider ref ${paid.providerRef}, paid ${paid.paidAt}`);
    detail(`   claim ${paidClaim.claimId}: ${paidClaim.status} at ${paidClaim.paidAt}`);
  }

  say('On a second order the buyer buys return-shipping cover, then confirms receipt without returning anything.');
  const otherId = `ord-demo-2-${run}`;
  await call(service, 'POST', '/v1/events', { events: [evt('order.paid', order(otherId, { liveBaseId: undefined }))] });
  const [cover] = (await call(buyer, 'POST', `/v1/orders/${otherId}/policies`, { planId: 'return-shipping' })).items;
  detail(`${cover.policyId} return-shipping bought by the buyer for ${yuan(cover.premiumFen)}`);
  await call(service, 'POST', '/v1/events', {
    events: [evt('order.receipt-confirmed', { orderId: otherId, receiptConfirmedAt: at(7) })],
  });

  say('Ops runs the expiry job now (it also runs every 15 minutes): the closed window expires.');
  const expiry = await call(ops, 'POST', '/v1/jobs/expiry/runs');
  detail(`expiry job: ${JSON.stringify(expiry)}`);
  const closed = await call(buyer, 'GET', `/v1/policies/${cover.policyId}`);
  detail(`${closed.policyId} ${closed.planId}: ${closed.status} (cover ended ${closed.coverageEnd})`);

  console.log('\nThe story is complete.');
}

main().catch((error: unknown) => {
  console.error(`\nDemo failed: ${(error as Error).message}`);
  console.error(
    `Is \`npm start\` running at ${base}? Start it in another terminal (PORT=${new URL(base).port} npm start), or point the demo at it: PORT=… npm run demo, or BAOZHANG_URL=http://… npm run demo.`,
  );
  process.exit(1);
});
