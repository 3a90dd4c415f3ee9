/**
 * Issue 20's one-off migration (scripts/migrate-keys.ts) against DynamoDB Local: items on the old
 * keys (one `CLAIMS` / `PAYOUTS` partition, 8 due shards, no queues) are moved to the new ones;
 * a second run changes nothing (idempotent); a run stopped after one page continues where it
 * stopped (resumable).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { migrateKeys, plannedKeys } from '../../scripts/migrate-keys.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { allClaims, claimsByMerchant, reviewQueue } from '#shared/store/claims.ts';
import { listPoliciesByMerchant } from '#shared/store/policies.ts';
import { allPayouts, payoutsNeedingAttention } from '#shared/store/payouts.ts';
import { createHash } from 'node:crypto';

const oldShard = (id: string) => createHash('sha1').update(id).digest().readUInt32BE(0) % 8;
const at = (i: number) => new Date(Date.parse('2026-11-11T00:00:00Z') + i * 1000).toISOString();

/** A claim, a payout and a policy due to expire, as the code before issue 20 wrote them. */
function oldItems(i: number): Record<string, unknown>[] {
  const claimId = `clm_M${String(i).padStart(4, '0')}`;
  const payoutId = `pay_M${String(i).padStart(4, '0')}`;
  const policyId = `pol_M${i}`;
  return [
    {
      PK: `CLAIM#${claimId}`,
      SK: 'CLAIM',
      entity: 'Claim',
      claimId,
      submittedAt: at(i),
      status: i % 2 === 0 ? 'UNDER_REVIEW' : 'PAID',
      merchantId: 'shop-m',
      claimant: { role: 'buyer', id: 'b' },
      beneficiary: { role: 'buyer', id: 'b' },
      history: [],
      GSI3PK: 'CLAIMS',
      GSI3SK: `${at(i)}#${claimId}`,
      GSI2PK: 'MERCHANT#shop-m#CLAIMS',
      GSI2SK: `${at(i)}#${claimId}`,
    },
    {
      PK: `PAYOUT#${payoutId}`,
      SK: 'PAYOUT',
      entity: 'Payout',
      payoutId,
      createdAt: at(i),
      status: i % 2 === 0 ? 'FAILED' : 'CONFIRMED',
      beneficiary: { role: 'buyer', id: 'b', alipayAccount: '' },
      amountFen: 100,
      attempts: 0,
      overdue: false,
      dueBy: at(i),
      GSI3PK: 'PAYOUTS',
      GSI3SK: `${at(i)}#${payoutId}`,
    },
    {
      PK: `ORDER#ord-m-${i}`,
      SK: 'POLICY#authenticity#L1',
      entity: 'Policy',
      policyId,
      merchantId: 'shop-m',
      issuedAt: at(i),
      status: 'ACTIVE',
      GSI2PK: 'MERCHANT#shop-m#POLICIES',
      GSI2SK: `${at(i)}#${policyId}`,
      dueShard: `EXPIRE#${oldShard(policyId)}`,
      dueAt: `${at(i)}#${policyId}`,
    },
  ];
}

describe('scripts/migrate-keys.ts (issue 20)', () => {
  it('moves old keys to the new, resumes after a stop, and changes nothing the second time', async () => {
    const items = Array.from({ length: 40 }, (_, i) => oldItems(i)).flat();
    for (let i = 0; i < items.length; i += 25) {
      await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    // Every claim, payout and policy moves (a policy to its merchant's list shard, its due entry only when
    // its shard of 32 differs from its shard of 8).
    const moving = items.filter((item) => plannedKeys(item) !== undefined);
    expect(moving).toHaveLength(items.length);
    const stateFile = join(mkdtempSync(join(tmpdir(), 'migrate-keys-')), 'state.json');

    const stopped = await migrateKeys({ tableName, stateFile, pageSize: 50, maxPages: 1 });
    expect(stopped.done).toBe(false);
    expect(stopped.scanned).toBe(50);
    const finished = await migrateKeys({ tableName, stateFile, pageSize: 50 });
    expect(finished.done).toBe(true);
    expect(finished.scanned).toBeGreaterThanOrEqual(items.length);
    expect(finished.updated).toBe(moving.length);

    const again = await migrateKeys({ tableName, stateFile: `${stateFile}.2`, pageSize: 50 });
    expect(again.updated).toBe(0);

    const claim = (await documentClient.send(new GetCommand({ TableName: tableName, Key: { PK: 'CLAIM#clm_M0000', SK: 'CLAIM' } }))).Item!;
    expect(claim['GSI3PK']).toMatch(/^CLAIMS#\d+$/);
    expect(claim['queuePK']).toMatch(/^REVIEW#UNDER_REVIEW#\d+$/);
    const queue = await reviewQueue('UNDER_REVIEW', { limit: 100 });
    expect(queue.items.filter((c) => c.claimId.startsWith('clm_M'))).toHaveLength(20);
    expect((await allClaims({ limit: 100 })).items.filter((c) => c.claimId.startsWith('clm_M'))).toHaveLength(40);
    expect((await claimsByMerchant('shop-m', { limit: 100 })).items.filter((c) => c.claimId.startsWith('clm_M'))).toHaveLength(40);
    expect((await listPoliciesByMerchant('shop-m', { limit: 100 })).items.filter((p) => p.policyId.startsWith('pol_M'))).toHaveLength(40);
    expect((await allPayouts({ limit: 100 })).items.filter((p) => p.payoutId.startsWith('pay_M'))).toHaveLength(40);
    expect((await payoutsNeedingAttention({ limit: 100 })).items.filter((p) => p.payoutId.startsWith('pay_M'))).toHaveLength(20);
  }, 120_000);
});
