/**
 * Capacity model (issue 20): `npm run bench -- capacity`.
 *
 * 1. The review queue's read units with 100 open claims alone, then among 100,000 closed ones
 *    (BENCH_QUICK=1: 10,000): `allClaims({ status: 'UNDER_REVIEW' })` read to its end.
 * 2. The realistic mix of bench/capacity-mix.ts over ≥ 20,000 covered orders (BENCH_QUICK=1:
 *    2,000), with every write's partition key recorded per table and index (bench/partitions.ts):
 *    each key's share of its index's writes, and read/write units per business action.
 * 3. The model docs/capacity.md is made from: at N covered orders per second, the write units per
 *    second of each table and index, and of its busiest shared key, against DynamoDB's per-partition
 *    limit of 1,000 WCU/s — and the N at which that key saturates.
 */
import { runSection } from './section.ts';

/** DynamoDB's throughput limit of one partition (table or index). */
export const PARTITION_WCU = 1_000;
export const PARTITION_RCU = 3_000;
export const MODEL_N = [1_000, 10_000, 100_000] as const;

const round = (n: number) => Math.round(n * 1000) / 1000;

/** An item's size as DynamoDB counts it (attribute names + values, UTF-8), approximately. */
export function itemBytes(value: unknown, name = ''): number {
  const own = Buffer.byteLength(name);
  if (value === null || value === undefined || typeof value === 'boolean') return own + 1;
  if (typeof value === 'string') return own + Buffer.byteLength(value);
  if (typeof value === 'number') return own + Math.ceil(String(Math.abs(value)).replace(/^0\.|\./, '').length / 2) + 1;
  if (value instanceof Set) return own + [...value].reduce((n: number, v) => n + itemBytes(v), 0);
  if (Array.isArray(value)) return own + 3 + value.reduce((n: number, v) => n + 1 + itemBytes(v), 0);
  if (typeof value === 'object') return own + 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + itemBytes(v, k), 0);
  return own;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSection('capacity', async (ctx) => {
    const { partitionRecorder } = await import('./partitions.ts');
    const { runMix, MIX } = await import('./capacity-mix.ts');
    const { serviceMeter } = await import('./meter.ts');
    const recorder = await partitionRecorder();
    const meter = await serviceMeter();
    const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const { documentClient, tableName } = await import('#shared/store/client.ts');
    const { allClaims, claimItem } = await import('#shared/store/claims.ts');
    type StoredClaim = import('#shared/store/claims.ts').StoredClaim;
    const log = (message: string) => process.stderr.write(`[capacity] ${message}\n`);

    // --- 1. the review queue, alone and among closed claims ------------------------------------
    const claimAt = (i: number, status: string, base: number): StoredClaim =>
      ({
        claimId: `clm_Q${status[0]}${String(i).padStart(7, '0')}`,
        policyId: `pol_Q${i}`,
        orderId: `ord-q-${i}`,
        lineId: 'L1',
        planId: 'authenticity',
        claimant: { role: 'buyer', id: `buyer-q-${i % 5000}` },
        beneficiary: { role: 'buyer', id: `buyer-q-${i % 5000}` },
        merchantId: `shop-q-${i % 200}`,
        status,
        requestedFen: 9000,
        approvedFen: status === 'PAID' ? 9000 : undefined,
        description: 'Tag does not match the brand register',
        evidence: [{ type: 'brand-authentication-report', uri: `https://evidence.example/q-${i}.pdf`, sha256: 'a'.repeat(64) }],
        submittedAt: new Date(base + i * 1000).toISOString(),
        history: [{ status: 'UNDER_REVIEW', at: new Date(base + i * 1000).toISOString(), by: { role: 'buyer', id: `buyer-q-${i}` } }],
      }) as unknown as StoredClaim;
    async function seed(items: Record<string, unknown>[]) {
      recorder.enabled = false;
      meter.enabled = false;
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < items.length) {
            const chunk = items.slice(next, (next += 25));
            let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
            while (pending.length > 0) {
              const out = await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
              pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
            }
          }
        }),
      );
      recorder.enabled = true;
      meter.enabled = true;
    }
    async function queueReadUnits() {
      meter.reset();
      let cursor: string | undefined;
      let found = 0;
      do {
        const page = await allClaims({ status: 'UNDER_REVIEW', limit: 100, ...(cursor ? { cursor } : {}) });
        found += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      const m = meter.read();
      return { found, readUnits: m.readUnits, calls: m.calls.length };
    }
    const closedCount = Number(process.env['CAPACITY_CLOSED'] ?? (ctx.quick ? 10_000 : 100_000));
    const base = Date.parse('2026-11-11T00:00:00Z');
    await seed(Array.from({ length: 100 }, (_, i) => claimItem(claimAt(i, 'UNDER_REVIEW', base))));
    const alone = await queueReadUnits();
    log(`review queue alone: ${JSON.stringify(alone)}; seeding ${closedCount} closed claims`);
    await seed(Array.from({ length: closedCount }, (_, i) => claimItem(claimAt(i, 'PAID', base + 200_000))));
    const among = await queueReadUnits();
    log(`review queue among ${closedCount} closed: ${JSON.stringify(among)}`);

    // --- 2. the mix ------------------------------------------------------------------------------
    recorder.reset();
    const orders = Number(process.env['CAPACITY_ORDERS'] ?? (ctx.quick ? 2_000 : 20_000));
    const started = Date.now();
    const mix = await runMix(recorder, {
      orders,
      merchants: Number(process.env['CAPACITY_MERCHANTS'] ?? 200),
      buyers: 20_000,
      concurrency: 16,
      tag: `cap${Date.now().toString(36)}`,
    });
    log(`mix of ${orders} orders in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(mix)}`);
    const shares = recorder.shares();
    const actions = recorder.perAction();

    // --- 3. the model ---------------------------------------------------------------------------
    const perOrder: Record<string, { read: number; write: number }> = {};
    for (const action of Object.values(actions)) {
      for (const [resource, u] of Object.entries(action.units)) {
        const cell = (perOrder[resource] ??= { read: 0, write: 0 });
        cell.read = round(cell.read + u.read / orders);
        cell.write = round(cell.write + u.write / orders);
      }
    }
    const payoutJob = actions['payout job run'];
    const model = shares.map((s) => {
      const wcuPerOrder = perOrder[s.index]?.write ?? 0;
      // The busiest shared key's units per order: its share of the index's units, and never less
      // than one unit per write it took (its items — outbox events, index entries — are small).
      const busiestSharedPerOrder = Math.max(wcuPerOrder * s.busiestSharedShare, (s.writes * s.busiestSharedShare) / orders);
      return {
        index: s.index,
        wcuPerOrder,
        busiestSharedKey: s.busiestSharedKey ?? null,
        busiestSharedShare: s.busiestSharedShare,
        busiestEntityKey: s.busiestEntityKey ?? null,
        busiestEntityShare: s.busiestEntityShare,
        perN: Object.fromEntries(
          MODEL_N.map((n) => [n, { indexWcuPerSecond: Math.round(n * wcuPerOrder), busiestSharedKeyWcuPerSecond: Math.round(n * busiestSharedPerOrder) }]),
        ),
        /** Covered orders per second at which the busiest shared key reaches 1,000 WCU/s. */
        saturationN: busiestSharedPerOrder > 0 ? Math.round(PARTITION_WCU / busiestSharedPerOrder) : null,
      };
    });
    // The minimum a confirmation needs: the items it must change (payout, claim, policy, outbox
    // event) at their sizes — measured on one payout the mix confirmed.
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('#shared/store/keys.ts');
    const { payoutsByBeneficiary } = await import('#shared/store/payouts.ts');
    let itemSizes: Record<string, number> | null = null;
    for (const merchant of [0, 1, 2]) {
      const confirmed = (await payoutsByBeneficiary({ role: 'merchant', id: `shop-${mix.tag}-${merchant}` }, { limit: 50, status: 'CONFIRMED' })).items[0];
      if (!confirmed?.claimId) continue;
      const get = async (key: { PK: string; SK: string }) => (await documentClient.send(new GetCommand({ TableName: tableName, Key: key }))).Item ?? {};
      const payoutItem = await get(keys.payout(confirmed.payoutId));
      const claimRecord = await get(keys.claim(confirmed.claimId));
      const policy = claimRecord['orderId']
        ? await get(keys.policy(String(claimRecord['orderId']), String(claimRecord['planId']), claimRecord['lineId'] as string | undefined))
        : {};
      itemSizes = { payout: itemBytes(payoutItem), claim: itemBytes(claimRecord), policy: itemBytes(policy) };
      break;
    }
    const saturating = model.filter((m) => m.saturationN !== null).sort((a, b) => a.saturationN! - b.saturationN!)[0];
    return {
      orders,
      mixShares: MIX,
      mix,
      reviewQueue: { openClaims: 100, closedClaims: closedCount, alone, amongClosed: among, ratio: round(among.readUnits / Math.max(alone.readUnits, 0.5)) },
      shares,
      maxSharedKeyShare: Math.max(...shares.map((s) => s.busiestSharedShare)),
      wcuPerConfirmedPayout: payoutJob && mix.payoutsConfirmed ? round(payoutJob.writeUnits / mix.payoutsConfirmed) : null,
      /** Per confirmed payout, per table and index: what the job wrote (the table and DueIndex are the items that must change). */
      payoutJobUnitsPerPayout:
        payoutJob && mix.payoutsConfirmed
          ? Object.fromEntries(
              Object.entries(payoutJob.units).map(([k, u]) => [
                k,
                { read: round(u.read / mix.payoutsConfirmed), write: round(u.write / mix.payoutsConfirmed) },
              ]),
            )
          : null,
      itemSizes,
      actions,
      perOrder,
      model,
      firstSaturation: saturating ? { index: saturating.index, key: saturating.busiestSharedKey, n: saturating.saturationN } : null,
    };
  });
}
