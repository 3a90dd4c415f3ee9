/**
 * Issue 8's guard on cold start: every handler bundle, built exactly as CDK builds it, stays within
 * its size budget (400 KB minified). Load times belong to `npm run bench`; sizes are counts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASELINE, BUNDLE_BUDGET_BYTES, bundleAll } from '../../bench/bundles.ts';

describe('bundle sizes (issue 8)', () => {
  it('every handler bundle is at most 400 KB minified', async () => {
    const reports = await bundleAll(mkdtempSync(join(tmpdir(), 'baozhang-size-')));
    const handlers = reports.filter((r) => r.name !== BASELINE);
    expect(handlers.length).toBeGreaterThan(20);
    const over = handlers
      .filter((r) => r.bytes > BUNDLE_BUDGET_BYTES)
      .map((r) => `${r.name}: ${(r.bytes / 1024).toFixed(0)} KB (${Object.entries(r.composition).slice(0, 5).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KB`).join(', ')})`);
    expect(over).toEqual([]);
  });
});
