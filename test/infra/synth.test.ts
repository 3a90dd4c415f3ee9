import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobs } from '#functions/jobs.ts';
import { routes } from '#functions/routes.ts';
import { buildApp } from '#infra/app.ts';

/**
 * The deployable app exactly as `cdk synth` builds it: routes.ts, jobs.ts and the real handler
 * modules, bundled by the local esbuild (no Docker), checked by cdk-nag. Proves every handler
 * that exists today bundles and that the real configuration synthesizes.
 */
describe('the app as deployed', () => {
  it('synthesizes with every real handler bundled locally and no cdk-nag error', () => {
    const { app, stateless } = buildApp(new App({ context: { stage: 'ci' } }));
    const assembly = app.synth(); // throws on an unacknowledged cdk-nag error
    const handlers = new Set([...routes.map((r) => r.handler), ...jobs.map((j) => j.handler), 'outbox-enrichment']);
    const template = Template.fromStack(stateless);
    const names = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => fn['Properties'].FunctionName);
    expect(names.sort()).toEqual([...handlers].map((handler) => `baozhang-ci-${handler}`).sort());
    // Each function's bundle (the console stack's assets — web/dist, the BucketDeployment's own
    // provider — are not handler bundles).
    const bundles = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => `asset.${String(fn['Properties'].Code.S3Key).replace(/\.zip$/, '')}`,
    );
    expect(bundles.length).toBeGreaterThan(0);
    expect(readdirSync(assembly.directory)).toEqual(expect.arrayContaining(bundles));
    for (const bundle of bundles) expect(existsSync(join(assembly.directory, bundle, 'index.mjs')), bundle).toBe(true);
    // esbuild bundles 31 functions one after another: about a minute on 2 quiet cores, three or
    // more when the machine is busy. The limit only stops a hang; it is not a speed assertion.
  }, 400_000);
});
