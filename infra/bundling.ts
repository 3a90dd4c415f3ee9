import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * How every handler is bundled — one description, read by the CDK functions (infra/function.ts)
 * and by the benchmark and the bundle-size guard (bench/bundles.ts), so what is measured is what
 * is deployed: minified ESM for Node 22 with the AWS SDK inside (a pinned, tree-shaken copy loads
 * faster than the runtime's full one).
 */
export const bundleSettings = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  // Lambda hands the role's credentials over in the environment: the SDK's whole default chain
  // is replaced by its environment provider (shared/aws/lambda-credentials.ts, ~95 KB less).
  alias: { '@aws-sdk/credential-provider-node': `${projectRoot}shared/aws/lambda-credentials.ts` },
} as const;

/** The settings as the NodejsFunction `bundling` property (local esbuild, never Docker). */
export function cdkBundling(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: bundleSettings.target,
    minify: bundleSettings.minify,
    sourceMap: true,
    externalModules: [],
    mainFields: [...bundleSettings.mainFields],
    banner: bundleSettings.banner,
    esbuildArgs: { '--alias': Object.entries(bundleSettings.alias).map(([from, to]) => `${from}=${to}`) },
  };
}
