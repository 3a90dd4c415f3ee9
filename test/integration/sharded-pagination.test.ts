/**
 * Issue 20: a list spread over 32 shards (GSI3's every-claim list, keys only, then the items by
 * key) pages through every item exactly once, in order, with or without a status filter; its cursor
 * holds every shard's position and is refused when forged or taken to another list.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '#shared/store/client.ts';
import { claimItem, type StoredClaim } from '#shared/store/claims.ts';
import { InvalidCursor } from '#shared/store/errors.ts';
import { listPartitions } from '#shared/store/keys.ts';
import { shardedListPage, type Page } from '#shared/store/pagination.ts';

const base = Date.parse('2026-09-01T00:00:00Z');
/** 90 claims, one a minute; every third PAID, the rest APPROVED. */
const claims = Array.from(
  { length: 90 },
  (_, i) =>
    ({
      claimId: `clm_P${String(i).padStart(3, '0')}`,
      merchantId: 'shop-p',
      claimant: { role: 'merchant', id: 'shop-p' },
      beneficiary: { role: 'merchant', id: 'shop-p' },
      status: i % 3 === 0 ? 'PAID' : 'APPROVED',
      submittedAt: new Date(base + i * 60_000).toISOString(),
      history: [],
    }) as unknown as StoredClaim,
);

beforeAll(async () => {
  for (let i = 0; i < claims.length; i += 25) {
    await documentClient.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: claims.slice(i, i + 25).map((c) => ({ PutRequest: { Item: claimItem(c) } })) } }),
    );
  }
});

async function walk(options: { status?: string; limit: number; newestFirst: boolean }) {
  const pages: Page<StoredClaim>[] = [];
  let cursor: string | undefined;
  do {
    const page = await shardedListPage<StoredClaim>('GSI3', listPartitions.claimsAll(), { ...options, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('shardedListPage (issue 20)', () => {
  it('pages newest first through every claim exactly once, full pages but the last, no cursor on the last', async () => {
    const pages = await walk({ limit: 7, newestFirst: true });
    const ids = pages.flatMap((p) => p.items.map((c) => c.claimId));
    expect(ids).toEqual(claims.map((c) => c.claimId).reverse());
    expect(pages.slice(0, -1).every((p) => p.items.length === 7)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
  });

  it('filters by status on the items read, oldest first, still exactly once and in order', async () => {
    const pages = await walk({ status: 'PAID', limit: 4, newestFirst: false });
    expect(pages.flatMap((p) => p.items.map((c) => c.claimId))).toEqual(claims.filter((c) => c.status === 'PAID').map((c) => c.claimId));
    expect(pages.every((p, i) => i === pages.length - 1 || p.items.length === 4)).toBe(true);
  });

  it('refuses a forged cursor and one of another list', async () => {
    const first = await shardedListPage('GSI3', listPartitions.claimsAll(), { limit: 5, newestFirst: true });
    await expect(shardedListPage('GSI3', listPartitions.claimsAll(), { limit: 5, newestFirst: true, cursor: 'e30' })).rejects.toBeInstanceOf(InvalidCursor);
    await expect(shardedListPage('GSI3', listPartitions.payoutsAll(), { limit: 5, newestFirst: true, cursor: first.nextCursor! })).rejects.toBeInstanceOf(
      InvalidCursor,
    );
  });
});
