/**
 * Issue 20's realistic mix, driven through the use cases and the stores (no HTTP): merchants
 * profiled and enrolled, then per covered order `order.paid` (policies issued), `order.shipped`,
 * and for a share of them a refund (an automatic merchant claim, approved with its payout), a
 * buyer's price claim (auto-approved with a proof order) or an authenticity claim to an adjuster
 * (approved, rejected, or information requested then evidence added then approved); finally the
 * payout job confirms every payout. Each step is one labelled business action of the
 * PartitionRecorder (bench/partitions.ts). Used by bench/capacity.ts (≥ 20,000 orders) and by
 * test/integration/capacity.test.ts (a small mix).
 */
import type { PartitionRecorder } from './partitions.ts';

export interface MixOptions {
  orders: number;
  merchants: number;
  buyers: number;
  /** Actions in flight at once. */
  concurrency: number;
  /** Distinguishes the ids of one run from another's in the same table. */
  tag: string;
}

/** Shares of orders that see each follow-up (the rest are paid and shipped only). */
export const MIX = { shipped: 0.9, refundClaim: 0.04, priceClaim: 0.03, adjusterClaim: 0.03 } as const;

export interface MixResult {
  /** The run's id part (merchant `shop-<tag>-<k>`, orders `ord-<tag>-<i>`). */
  tag: string;
  orders: number;
  claims: number;
  payoutsConfirmed: number;
  failures: Record<string, number>;
}

/** A deterministic pseudo-random sequence (the mix is the same every run). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function runMix(recorder: PartitionRecorder, options: MixOptions): Promise<MixResult> {
  const { recordOrderEvent } = await import('#shared/use-cases/orders.ts');
  const recordOrderEventNow = (e: Parameters<typeof recordOrderEvent>[0]) => recordOrderEvent(e, new Date().toISOString());
  const { putMerchant, join, getQuote } = await import('#shared/use-cases/merchants.ts');
  const { submitClaim, decideClaim, addEvidence } = await import('#shared/use-cases/claims.ts');
  const { runPayouts } = await import('#shared/use-cases/payouts.ts');
  const { localProvider } = await import('#shared/payments/local.ts');
  const { getPolicy } = await import('#shared/store/policies.ts');
  const { readOrderPartition } = await import('#shared/store/orders.ts');

  const failures: Record<string, number> = {};
  const tries = async <T>(label: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await recorder.action(label, fn);
    } catch (error) {
      const key = `${label}: ${(error as { code?: string; message?: string }).code ?? (error as Error).message}`.slice(0, 160);
      failures[key] = (failures[key] ?? 0) + 1;
      return undefined;
    }
  };
  const pool = async <T>(items: readonly T[], work: (item: T, i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < items.length) {
          const i = next++;
          await work(items[i]!, i);
        }
      }),
    );
  };

  const { tag } = options;
  const merchantIds = Array.from({ length: options.merchants }, (_, i) => `shop-${tag}-${i}`);
  await pool(merchantIds, async (merchantId) => {
    await tries('merchant profile', () =>
      putMerchant(
        merchantId,
        { name: `Shop ${merchantId}`, alipayAccount: `${merchantId}@alipay.example`, liveBaseId: 'base-hz-01', categories: ['apparel'] } as never,
        new Date().toISOString(),
      ),
    );
    for (const planId of ['live-quality', 'live-price', 'authenticity'] as const) {
      const quote = await getQuote(merchantId, planId);
      await tries('join', () =>
        join(merchantId, { planId, acceptAgreement: true, agreementVersion: quote.agreementVersion } as never, new Date().toISOString()),
      );
    }
  });

  // Orders are paid after the merchants joined, and every instant of the mix is in the past.
  const origin = Date.now() + 100;
  const at = (ms: number) => new Date(origin + ms / 10).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  let events = 0;
  const event = (type: string, data: object, occurredAt = new Date().toISOString()) => ({ id: `evt-${tag}-${++events}`, type, occurredAt, data }) as never;
  const rnd = random(20);
  const plan = Array.from({ length: options.orders }, (_, i) => {
    const r = rnd();
    return {
      i,
      // A few large merchants and a long tail: merchant k takes a share ∝ 1/(k+1).
      merchantId: merchantIds[Math.min(options.merchants - 1, Math.floor(options.merchants ** rnd()) - 1)]!,
      buyerId: `buyer-${tag}-${Math.floor(rnd() * options.buyers)}`,
      shipped: rnd() < MIX.shipped,
      follow:
        r < MIX.refundClaim
          ? 'refund'
          : r < MIX.refundClaim + MIX.priceClaim
            ? 'price'
            : r < MIX.refundClaim + MIX.priceClaim + MIX.adjusterClaim
              ? 'adjuster'
              : 'none',
      decision: rnd(),
    };
  });

  let claims = 0;
  const adjuster = { role: 'adjuster', id: 'adj-capacity' } as const;
  await pool(plan, async (o) => {
    const orderId = `ord-${tag}-${o.i}`;
    const order = {
      orderId,
      buyerId: o.buyerId,
      merchantId: o.merchantId,
      channel: 'tmall',
      shippingAddressId: `addr-${o.buyerId}`,
      placedAt: at(1000),
      paidAt: at(2000),
      liveBaseId: 'base-hz-01',
      buyerAlipay: { identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' },
      weightGrams: 800,
      shippingFen: 800,
      lines: [
        {
          lineId: 'L1',
          itemId: 'item-5521',
          skuId: 'sku-5521-red-L',
          category: 'apparel',
          quantity: 1,
          unitPriceFen: 10000,
          paidFen: 9000,
          skuAttributes: { brand: 'Acme', size: 'L' },
        },
        {
          lineId: 'L2',
          itemId: 'item-7001',
          skuId: 'sku-7001',
          category: 'apparel',
          quantity: 1,
          unitPriceFen: 25000,
          paidFen: 25000,
          skuAttributes: { brand: 'Acme' },
        },
      ],
    };
    await tries('order.paid', () => recordOrderEventNow(event('order.paid', order)));
    if (o.shipped) await tries('order.shipped', () => recordOrderEventNow(event('order.shipped', { orderId, shippedAt: at(3000) })));
    if (o.follow === 'none') return;
    claims += 1;
    if (o.follow === 'refund') {
      await tries('order.refund-completed (merchant claim)', () =>
        recordOrderEventNow(
          event('order.refund-completed', {
            orderId,
            lineId: 'L2',
            refundFen: 25000,
            reason: 'quality-issue',
            returned: true,
            requestedAt: at(5000),
            completedAt: at(6000),
          }),
        ),
      );
      return;
    }
    const { policies } = await readOrderPartition(orderId);
    const now = new Date().toISOString();
    if (o.follow === 'price') {
      const policy = policies.find((p) => p.planId === 'live-price' && p.lineId === 'L1');
      if (!policy) return void (failures['price: no policy'] = (failures['price: no policy'] ?? 0) + 1);
      const proofId = `${orderId}-proof`;
      await tries('order.placed (proof)', () =>
        recordOrderEventNow(
          event('order.placed', {
            ...order,
            orderId: proofId,
            paidAt: undefined,
            placedAt: at(4000),
            lines: [{ ...order.lines[0], unitPriceFen: 7000, paidFen: 7000 }],
          }),
        ),
      );
      await tries('claim (auto-approved)', () => submitClaim(o.buyerId, { policyId: policy.policyId, lineId: 'L1', proofOrderId: proofId }, now));
      return;
    }
    const policy = policies.find((p) => p.planId === 'authenticity' && p.lineId === 'L1');
    if (!policy || !(await getPolicy(policy.policyId))) return void (failures['adjuster: no policy'] = (failures['adjuster: no policy'] ?? 0) + 1);
    const evidence = [{ type: 'brand-authentication-report', uri: `https://evidence.example/${orderId}.pdf`, sha256: 'a'.repeat(64) }];
    const claim = await tries('claim (to an adjuster)', () =>
      submitClaim(o.buyerId, { policyId: policy.policyId, lineId: 'L1', description: 'Tag does not match', evidence } as never, now),
    );
    if (!claim) return;
    if (o.decision < 0.5) {
      await tries('decide (approve)', () =>
        decideClaim(claim.claimId, { decision: 'approve', note: 'Counterfeit' }, adjuster as never, new Date().toISOString()),
      );
    } else if (o.decision < 0.75) {
      await tries('decide (reject)', () =>
        decideClaim(claim.claimId, { decision: 'reject', reasonCode: 'NOT_COVERED', note: 'Genuine' }, adjuster as never, new Date().toISOString()),
      );
    } else {
      await tries('decide (request-info)', () =>
        decideClaim(claim.claimId, { decision: 'request-info', note: 'Page 2' }, adjuster as never, new Date().toISOString()),
      );
      await tries('add evidence', () =>
        addEvidence(
          claim.claimId,
          o.buyerId,
          { evidence: [{ ...evidence[0]!, uri: `https://evidence.example/${orderId}-2.pdf`, sha256: 'b'.repeat(64) }], note: 'Page 2' } as never,
          new Date().toISOString(),
        ),
      );
      await tries('decide (approve)', () =>
        decideClaim(claim.claimId, { decision: 'approve', note: 'Counterfeit' }, adjuster as never, new Date().toISOString()),
      );
    }
  });

  let payoutsConfirmed = 0;
  for (let run = 0; run < 20; run += 1) {
    const result = await recorder.action('payout job run', () => runPayouts({ provider: localProvider }));
    payoutsConfirmed += result.confirmed;
    if (result.leftForNextRun + result.errors === 0) break;
  }
  return { tag, orders: options.orders, claims, payoutsConfirmed, failures };
}
