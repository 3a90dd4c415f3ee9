/**
 * Issue 8's guard on cold start: every handler bundle, built exactly as CDK builds it, stays within
 * its size budget (400 KB minified; the bundles that pay through the Alipay SDK — issue 17 — within
 * theirs, set from their measured size). Load times belong to `npm run bench`; sizes are counts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASELINE, BUNDLE_BUDGET_BYTES, budgetOf, bundleAll, PAYING_BUNDLE_BUDGET_BYTES, PAYING_BUNDLES } from '../../bench/bundles.ts';

describe('bundle sizes (issue 8)', () => {
  it('every handler bundle is at most 400 KB minified; the paying ones within their measured budget, and only they carry the Alipay SDK', async () => {
    const reports = await bundleAll(mkdtempSync(join(tmpdir(), 'baozhang-size-')));
    const handlers = reports.filter((r) => r.name !== BASELINE);
    expect(handlers.length).toBeGreaterThan(20);
    const over = handlers
      .filter((r) => r.bytes > budgetOf(r.name))
      .map(
        (r) =>
          `${r.name}: ${(r.bytes / 1024).toFixed(0)} KB (${Object.entries(r.composition)
            .slice(0, 5)
            .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KB`)
            .join(', ')})`,
      );
    expect(over).toEqual([]);
    // The SDK stays out of every API handler: only the bundles that pay may carry it.
    const carrying = handlers.filter((r) => (r.composition['alipay-sdk'] ?? 0) > 0).map((r) => r.name);
    expect(carrying.filter((name) => !PAYING_BUNDLES.includes(name))).toEqual([]);
    expect(BUNDLE_BUDGET_BYTES).toBe(400 * 1024);
    expect(PAYING_BUNDLE_BUDGET_BYTES).toBeLessThanOrEqual(1_500 * 1024);
  });
});
