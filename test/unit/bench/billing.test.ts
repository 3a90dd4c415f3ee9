/**
 * bench/billing.ts's pure parts: item sizes as DynamoDB counts them, the units each index bills for
 * one item's change (ALL, KEYS_ONLY, INCLUDE), the table's units (×2 in a transaction), and the
 * minimum of a confirmed payout.
 */
import { describe, expect, it } from 'vitest';
import {
  attributeBytes,
  type BillingIndex,
  billingIndexes,
  confirmationReport,
  indexEntry,
  indexUnits,
  itemBytes,
  kindOf,
  minimumPerConfirmedPayout,
  numberBytes,
  tableUnits,
  writtenItems,
} from '../../../bench/billing.ts';

describe('item size', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemBytes({ a: 'xyz' })).toBe(4);
    expect(itemBytes({ name: '保障' })).toBe(4 + 6);
    expect(itemBytes(undefined)).toBe(0);
  });

  it('counts a number as 1 byte per two significant digits, plus 1', () => {
    expect(numberBytes('12345')).toBe(4);
    expect(numberBytes('-0.0012300')).toBe(3);
    expect(numberBytes('0')).toBe(2);
    expect(itemBytes({ n: 9000 })).toBe(1 + 2);
    expect(itemBytes({ n: 1.5 })).toBe(1 + 2);
  });

  it('counts booleans and null as 1, lists and maps as 3 + 1 per element + the elements, sets as their sum', () => {
    expect(itemBytes({ b: true, z: null })).toBe(2 + 2);
    // m: 1 (name) + 3 + [1 + (1 + 1)] (k: 'v') = 7
    expect(itemBytes({ m: { k: 'v' } })).toBe(7);
    // l: 1 (name) + 3 + [1 + 2] ('ab') + [1 + 3 + (1 + (1 + 2))] ({ c: 12 }) = 15
    expect(itemBytes({ l: ['ab', { c: 12 }] })).toBe(15);
    expect(itemBytes({ s: new Set(['ab', 'cde']) })).toBe(1 + 5);
    expect(attributeBytes(new Uint8Array(10), 'bin')).toBe(13);
  });
});

describe('index units', () => {
  const all: BillingIndex = { name: 'ALL', pk: 'ipk', sk: 'isk' };
  const keysOnly: BillingIndex = { name: 'KEYS', pk: 'ipk', sk: 'isk', projected: [] };
  const include: BillingIndex = { name: 'INC', pk: 'ipk', sk: 'isk', projected: ['status'] };
  const big = 'x'.repeat(1500);
  const item = { PK: 'P#1', SK: 'S', ipk: 'A', isk: '1', status: 'NEW', body: big };

  it('builds the entry from the table keys, the index keys and the projected attributes', () => {
    expect(indexEntry(item, all)).toBe(item);
    expect(indexEntry(item, keysOnly)).toEqual({ PK: 'P#1', SK: 'S', ipk: 'A', isk: '1' });
    expect(indexEntry(item, include)).toEqual({ PK: 'P#1', SK: 'S', ipk: 'A', isk: '1', status: 'NEW' });
    expect(indexEntry({ PK: 'P#1', SK: 'S', ipk: 'A' }, all)).toBeUndefined();
  });

  it('bills an entering entry its new size and a leaving one its old size', () => {
    const outside = { PK: 'P#1', SK: 'S', status: 'NEW', body: big };
    expect(indexUnits(outside, item, all)).toBe(2);
    expect(indexUnits(item, outside, all)).toBe(2);
    expect(indexUnits(undefined, item, keysOnly)).toBe(1);
    expect(indexUnits(item, undefined, include)).toBe(1);
    expect(indexUnits(outside, outside, all)).toBe(0);
  });

  it('bills a key change as a delete and a put, whatever the projection', () => {
    const moved = { ...item, isk: '2' };
    expect(indexUnits(item, moved, all)).toBe(4);
    expect(indexUnits(item, moved, keysOnly)).toBe(2);
    expect(indexUnits(item, moved, include)).toBe(2);
  });

  it('bills a projected change its new size, and an unprojected change nothing', () => {
    const statusChanged = { ...item, status: 'PAID' };
    expect(indexUnits(item, statusChanged, all)).toBe(2);
    expect(indexUnits(item, statusChanged, keysOnly)).toBe(0);
    expect(indexUnits(item, statusChanged, include)).toBe(1);
    const bodyChanged = { ...item, body: `${big}!` };
    expect(indexUnits(item, bodyChanged, all)).toBe(2);
    expect(indexUnits(item, bodyChanged, keysOnly)).toBe(0);
    expect(indexUnits(item, bodyChanged, include)).toBe(0);
    expect(indexUnits(item, { ...item }, all)).toBe(0);
  });

  it('reads each index and its projection from the table definition', () => {
    const indexes = billingIndexes({
      partitionKey: { name: 'PK', type: 'S' },
      sortKey: { name: 'SK', type: 'S' },
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        { indexName: 'A', partitionKey: { name: 'a', type: 'S' }, sortKey: { name: 'b', type: 'S' }, projection: { type: 'ALL' } },
        { indexName: 'K', partitionKey: { name: 'c', type: 'S' }, sortKey: { name: 'd', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
        { indexName: 'I', partitionKey: { name: 'e', type: 'S' }, sortKey: { name: 'f', type: 'S' }, projection: { type: 'INCLUDE', nonKeyAttributes: ['x'] } },
      ],
    });
    expect(indexes).toEqual([
      { name: 'A', pk: 'a', sk: 'b' },
      { name: 'K', pk: 'c', sk: 'd', projected: [] },
      { name: 'I', pk: 'e', sk: 'f', projected: ['x'] },
    ]);
    expect(billingIndexes().map((i) => i.name)).toContain('DueIndex');
  });
});

describe('table units', () => {
  const small = { PK: 'P#1', SK: 'S', a: 'x' };
  const large = { PK: 'P#1', SK: 'S', a: 'x'.repeat(2100) };

  it('bills the larger of before and after, at least one unit, twice in a transaction', () => {
    expect(tableUnits(undefined, small, false)).toBe(1);
    expect(tableUnits(small, large, false)).toBe(3);
    expect(tableUnits(large, small, false)).toBe(3);
    expect(tableUnits(large, undefined, false)).toBe(3);
    expect(tableUnits(undefined, undefined, false)).toBe(1);
    expect(tableUnits(small, large, true)).toBe(6);
    expect(tableUnits(undefined, small, true)).toBe(2);
  });
});

describe('what is written', () => {
  it('classifies items by key', () => {
    expect(kindOf('PAYOUT#p1', 'PAYOUT')).toBe('payout');
    expect(kindOf('CLAIM#c1', 'CLAIM')).toBe('claim');
    expect(kindOf('CLAIM#c1', 'EVIDENCE#1')).toBe('other');
    expect(kindOf('ORDER#o1', 'POLICY#p#L1')).toBe('policy');
    expect(kindOf('OUTBOX#2026-12-06#3', 'E#1')).toBe('outbox');
    expect(kindOf('LOCALPAY#x', 'TRANSFER')).toBe('provider');
    expect(kindOf('MERCHANT#m', 'PROFILE')).toBe('other');
  });

  it('finds the keys of every command, marshalled or not, and marks transactions and condition checks', () => {
    expect(writtenItems('PutItemCommand', { TableName: 't', Item: { PK: { S: 'A' }, SK: { S: 'B' }, x: { S: 'y' } } })).toEqual([
      { table: 't', key: { PK: 'A', SK: 'B' }, check: false, transactional: false },
    ]);
    const transact = writtenItems('TransactWriteItemsCommand', {
      TransactItems: [
        { Put: { TableName: 't', Item: { PK: 'A', SK: 'B' } } },
        { Update: { TableName: 't', Key: { PK: 'C', SK: 'D' } } },
        { ConditionCheck: { TableName: 't', Key: { PK: 'E', SK: 'F' } } },
      ],
    });
    expect(transact.map((w) => [w.key['PK'], w.check, w.transactional])).toEqual([
      ['A', false, true],
      ['C', false, true],
      ['E', true, true],
    ]);
    expect(
      writtenItems('BatchWriteItemCommand', {
        RequestItems: { t: [{ PutRequest: { Item: { PK: 'A', SK: 'B' } } }, { DeleteRequest: { Key: { PK: 'C', SK: 'D' } } }] },
      }),
    ).toHaveLength(2);
    expect(writtenItems('GetItemCommand', { TableName: 't', Key: { PK: 'A', SK: 'B' } })).toEqual([]);
  });
});

describe('the minimum of a confirmed payout', () => {
  const sizes = { payout: 1500, claim: 900, policy: 700, outbox: 400, payoutDueEntry: 1500, policyDueEntry: 700 };

  it('is the lease (put + due entry moved) and the confirmation (four transactional writes + two due entries leaving)', () => {
    const minimum = minimumPerConfirmedPayout(sizes);
    expect(minimum.terms).toEqual({ leasePut: 2, leaseDueMove: 4, confirmationTable: 2 * (2 + 1 + 1 + 1), confirmationDueLeave: 2 + 1 });
    expect(minimum.table).toBe(12);
    expect(minimum.DueIndex).toBe(7);
    expect(minimum.total).toBe(19);
  });

  it('sets the bill per confirmed payout against it, the provider excluded', () => {
    const report = confirmationReport(
      {
        count: 2,
        units: { table: 24, DueIndex: 14, GSI1: 2, provider: 4 },
        conditionChecks: 0,
        writes: {
          payout: { count: 4, avgBytes: 1500 },
          claim: { count: 2, avgBytes: 900 },
          policy: { count: 2, avgBytes: 700 },
          outbox: { count: 2, avgBytes: 400 },
        },
        dueEntryBytes: { payout: 1500, policy: 700 },
      },
      2,
    );
    expect(report.billedPerConfirmedPayout).toEqual({ table: 12, DueIndex: 7, GSI1: 1, total: 20 });
    expect(report.providerUnitsPerConfirmedPayout).toBe(2);
    expect(report.minimumPerConfirmedPayout.total).toBe(19);
    expect(report.ratioToMinimum).toBe(1.053);
  });
});
