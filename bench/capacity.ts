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
import { confirmationReport } from './billing.ts';
import { runSection } from './section.ts';

/** DynamoDB's throughput limit of one partition (table or index). */
export const PARTITION_WCU = 1_000;
export const PARTITION_RCU = 3_000;
export const MODEL_N = [1_000, 10_000, 100_000] as const;

const round = (n: number) => Math.round(n * 1000) / 1000;

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
    // Billing reads every written item before and after its write: only the payout job is billed.
    recorder.billing = true;
    recorder.billingLabels = new Set(['payout job run']);
    const mix = await runMix(recorder, {
      orders,
      merchants: Number(process.env['CAPACITY_MERCHANTS'] ?? 200),
      buyers: 20_000,
      concurrency: 16,
      tag: `cap${Date.now().toString(36)}`,
    });
    log(`mix of ${orders} orders in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(mix)}`);
    recorder.billing = false;
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
    // Issue 20's target, on one ruler: the units AWS would bill per confirmed payout (every item the
    // job wrote, read before and after its write: bench/billing.ts) against the minimum a
    // confirmation needs, counted from the average sizes of the items the job wrote.
    const payoutBill = recorder.billed()['payout job run'];
    const confirmation = payoutBill && mix.payoutsConfirmed ? confirmationReport(payoutBill, mix.payoutsConfirmed) : null;
    log(`payout job billed per confirmed payout: ${JSON.stringify(confirmation)}`);
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
      billedPerConfirmedPayout: confirmation?.billedPerConfirmedPayout ?? null,
      minimumPerConfirmedPayout: confirmation?.minimumPerConfirmedPayout ?? null,
      ratioToMinimum: confirmation?.ratioToMinimum ?? null,
      payoutJobBill: payoutBill ?? null,
      actions,
      perOrder,
      model,
      firstSaturation: saturating ? { index: saturating.index, key: saturating.busiestSharedKey, n: saturating.saturationN } : null,
    };
  });
}
