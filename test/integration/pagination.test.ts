import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '#shared/store/client.ts';
import { listPage, type Page } from '#shared/store/pagination.ts';
import { useApi, parties } from './support/api.ts';

/**
 * docs/api.md "Lists": a page holds `limit` items unless it is the last, and the last page has no
 * cursor — also when a status filter drops most of what DynamoDB reads.
 */
const api = useApi();
const PK = 'TEST#pages';
/** 40 rows in one list partition; every fifth is CONFIRMED (8 of them), the rest PENDING. */
const rows = Array.from({ length: 40 }, (_, i) => ({
  PK: `ROW#${i}`,
  SK: 'ROW',
  GSI1PK: PK,
  GSI1SK: `${String(i).padStart(3, '0')}`,
  n: i,
  status: i % 5 === 4 ? 'CONFIRMED' : 'PENDING',
}));

beforeAll(async () => {
  for (let i = 0; i < rows.length; i += 25) {
    await documentClient.send(new BatchWriteCommand({ RequestItems: { [tableName]: rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
});

async function walk(options: { status?: string; limit: number; newestFirst: boolean }) {
  const pages: Page<{ n: number }>[] = [];
  let cursor: string | undefined;
  do {
    const page = await listPage<{ n: number }>('GSI1', PK, { ...options, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('listPage', () => {
  it.each([
    ['filtered, 2 per page', { status: 'CONFIRMED', limit: 2, newestFirst: false }],
    ['filtered, 3 per page, newest first', { status: 'CONFIRMED', limit: 3, newestFirst: true }],
    ['filtered to nothing', { status: 'FAILED', limit: 2, newestFirst: false }],
    ['unfiltered, exactly divisible', { limit: 10, newestFirst: false }],
    ['unfiltered, 7 per page', { limit: 7, newestFirst: true }],
  ] as [string, { status?: string; limit: number; newestFirst: boolean }][])(
    '%s: full pages, then a last page without a cursor, every item once in order',
    async (_case, options) => {
      const expected = rows.filter((row) => !options.status || row.status === options.status).map((row) => row.n);
      if (options.newestFirst) expected.reverse();
      const pages = await walk(options);
      for (const page of pages.slice(0, -1)) {
        expect(page.items).toHaveLength(options.limit);
        expect(page.nextCursor).toBeDefined();
      }
      const last = pages.at(-1)!;
      expect(last.nextCursor).toBeUndefined();
      expect(last.items.length).toBeLessThanOrEqual(options.limit);
      if (expected.length > 0) expect(last.items.length).toBeGreaterThan(0);
      expect(pages.flatMap((page) => page.items.map((item) => item.n))).toEqual(expected);
    },
  );
});

describe('GET /v1/payouts?status=CONFIRMED&limit=2', () => {
  it('an empty filtered list is one page without a cursor', async () => {
    const res = await api.call('GET', '/v1/payouts?status=CONFIRMED&limit=2', { as: parties.ops });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });
});
