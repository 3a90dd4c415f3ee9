/**
 * Builds every handler bundle exactly as CDK does (infra/bundling.ts) and reports its size and
 * what it is made of. Used by `npm run bench` (cold start) and by the bundle-size guard test.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { handlerNeeds, OUTBOX_ENRICHMENT } from '#infra/handlers.ts';
import { bundleSettings, projectRoot } from '#infra/bundling.ts';

/** Every bundle's budget (issue 8): 400 KB minified — except the bundles that pay. */
export const BUNDLE_BUDGET_BYTES = 400 * 1024;

/**
 * The bundles that move money through Alipay (issue 17) carry the official SDK (`alipay-sdk`
 * with urllib and undici, mime-db, crypto-js, @fidm/x509 — ≈1 MB), imported on first use only.
 * Measured 2026-12-06 (bench/sizes-cli.ts): payout 1376 KB, run-job 1396 KB; the budget keeps
 * ≈5 % headroom over the larger. The handlers that start or confirm a collection (top-up-deposit:
 * 1348 KB, payment-notification: 1306 KB, D4) pay too, so they are on this list.
 */
export const PAYING_BUNDLES: readonly string[] = ['payout', 'run-job', 'top-up-deposit', 'payment-notification'];
export const PAYING_BUNDLE_BUDGET_BYTES = 1_470 * 1024;

/**
 * Issue 21: the bundles that reach the evidence bucket carry the S3 client and its presigner
 * (about 180 KB minified over a claims handler's 350 KB), measured at 534 KB at most.
 */
export const EVIDENCE_BUNDLES: readonly string[] = ['submit-claim', 'add-evidence', 'get-claim', 'evidence-uploads'];
export const EVIDENCE_BUNDLE_BUDGET_BYTES = 600 * 1024;

/**
 * Issue 19: `events` is the API route and the bus target for every inbound event type, so it
 * carries every inbound schema, the order, refund and penalty use cases and their stores. With
 * Powertools Logger (+18 KB, asked for by issue 19) it measured 404 KB on 2026-12-06 — the only
 * bundle past 400 KB; this budget keeps ≈4 % headroom. The next trim is known: the Secrets Manager
 * client (29 KB) is in every API bundle only to load the cursor keys, which `events` never uses.
 */
export const EVENTS_BUNDLE_BUDGET_BYTES = 420 * 1024;

/** A bundle's size budget. */
export const budgetOf = (name: string): number =>
  PAYING_BUNDLES.includes(name)
    ? PAYING_BUNDLE_BUDGET_BYTES
    : EVIDENCE_BUNDLES.includes(name)
      ? EVIDENCE_BUNDLE_BUDGET_BYTES
      : name === 'events'
        ? EVENTS_BUNDLE_BUDGET_BYTES
        : BUNDLE_BUDGET_BYTES;
export const BASELINE = 'baseline';

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output per package (node_modules/<pkg>) or project folder. */
  composition: Record<string, number>;
}

/** Every function the CDK app deploys (infra/handlers.ts), by name. */
export const handlerNames = (): string[] => Object.keys(handlerNeeds);

export function entryOf(name: string): string {
  if (name === BASELINE) return `${projectRoot}bench/baseline-handler.ts`;
  if (name === OUTBOX_ENRICHMENT) return `${projectRoot}infra/outbox-enrichment.ts`;
  return `${projectRoot}functions/${name}/handler.ts`;
}

function composition(metafile: Metafile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      out[pkg] = (out[pkg] ?? 0) + input.bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

const buildOptions: BuildOptions = {
  bundle: true,
  format: bundleSettings.format,
  platform: bundleSettings.platform,
  target: bundleSettings.target,
  minify: bundleSettings.minify,
  mainFields: [...bundleSettings.mainFields],
  banner: { js: bundleSettings.banner },
  alias: { ...bundleSettings.alias },
  metafile: true,
  write: true,
  logLevel: 'silent',
  absWorkingDir: projectRoot,
};

/**
 * Bundles handlers (and the baseline) into `outDir/<name>/index.mjs`, all in one esbuild run:
 * each output is standalone (no code splitting, as CDK builds them), but shared modules are
 * parsed once.
 */
export async function bundleMany(names: readonly string[], outDir: string): Promise<BundleReport[]> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    ...buildOptions,
    entryPoints: Object.fromEntries(names.map((name) => [`${name}/index`, entryOf(name)])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
  });
  return names.map((name) => {
    const file = `${outDir}/${name}/index.mjs`;
    const output = Object.entries(result.metafile!.outputs).find(([path]) => path.endsWith(`${name}/index.mjs`));
    if (!output) throw new Error(`esbuild wrote no bundle for ${name}`);
    const code = readFileSync(file);
    return {
      name,
      file,
      bytes: code.byteLength,
      gzipBytes: gzipSync(code).byteLength,
      composition: composition({ inputs: {}, outputs: { [output[0]]: output[1] } }),
    };
  });
}

/** Bundles one handler (or the baseline) into `outDir/<name>/index.mjs`. */
export async function bundle(name: string, outDir: string): Promise<BundleReport> {
  const [report] = await bundleMany([name], outDir);
  return report!;
}

/** Every handler's bundle, in handler order, then the baseline. */
export async function bundleAll(outDir: string): Promise<BundleReport[]> {
  return bundleMany([...handlerNames(), BASELINE], outDir);
}
