import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexKeys, keys, listPartitions } from '#shared/store/keys.ts';

const doc = readFileSync(new URL('../../../docs/data-model.md', import.meta.url), 'utf8');
const named = (pattern: RegExp) => new Set([...doc.matchAll(pattern)].map((m) => m[1]!));

/** The entity stores: every function they export is an access pattern or a transaction part. */
const STORES = [
  'merchants',
  'orders',
  'policies',
  'claims',
  'payouts',
  'deposits',
  'deposit-items',
  'withdrawals',
  'advances',
  'top-ups',
  'compensation',
  'compensations',
] as const;

describe('docs/data-model.md matches the code', () => {
  it('names exactly the key builders of shared/store/keys.ts', () => {
    for (const [prefix, builders] of [
      ['keys', keys],
      ['indexKeys', indexKeys],
      ['listPartitions', listPartitions],
    ] as const) {
      const documented = named(new RegExp(`\`${prefix}\\.(\\w+)\``, 'g'));
      expect([...documented].sort(), `${prefix} builders in the document`).toEqual(Object.keys(builders).sort());
    }
  });

  it('names exactly the functions the entity stores export', async () => {
    const documented = named(
      /`((?:merchants|orders|policies|claims|payouts|deposits|deposit-items|withdrawals|advances|top-ups|compensation|compensations)\.\w+)`/g,
    );
    const exported = new Set<string>();
    for (const store of STORES) {
      const module = (await import(`#shared/store/${store}.ts`)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        // Classes are error types, not access patterns.
        if (typeof value === 'function' && !/^class\s/.test(Function.prototype.toString.call(value))) {
          exported.add(`${store}.${name}`);
        }
      }
    }
    expect([...documented].sort()).toEqual([...exported].sort());
  });

  it('every index the document names exists in the table definition', async () => {
    const { tableDefinition } = await import('#shared/store/table-definition.ts');
    const indexes = tableDefinition.globalSecondaryIndexes.map((i) => i.indexName);
    for (const index of named(/\| (GSI\d|DueIndex) \|/g)) expect(indexes).toContain(index);
  });

  it('no code issues a Scan', () => {
    const root = new URL('../../../', import.meta.url);
    const files = ['functions', 'shared'].flatMap((dir) =>
      readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => `${dir}/${file}`),
    );
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) expect(readFileSync(new URL(file, root), 'utf8'), file).not.toMatch(/ScanCommand/);
  });
});
