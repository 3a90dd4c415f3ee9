/**
 * Issue 21 in the CDK app: the evidence bucket (stateful: private, encrypted, versioned, TLS only,
 * lifecycle, access-logged), the grants of the handlers that reach it, and the console stack —
 * a private bucket behind CloudFront with origin access control, the API at /v1/* on the same
 * origin, the built console and its config.json deployed. The synthesis runs the cdk-nag packs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '#functions/jobs.ts';
import { routes } from '#functions/routes.ts';
import { buildApp } from '#infra/app.ts';
import { functionsOf } from './support.ts';

const stubHandler = fileURLToPath(new URL('./fixtures/stub-handler.ts', import.meta.url));
let stateful: Template;
let stateless: Template;
let consoleTemplate: Template;

beforeAll(() => {
  const webDist = mkdtempSync(join(tmpdir(), 'baozhang-web-'));
  writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>desk</title>');
  const built = buildApp(new App({ context: { stage: 'desk', [BUNDLING_STACKS]: [] } }), { routes, jobs, entryFor: () => stubHandler, webDist });
  built.app.synth(); // throws on an unacknowledged cdk-nag error
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
  consoleTemplate = Template.fromStack(built.console);
});

describe('the evidence bucket (issue 21)', () => {
  it('is private, encrypted, versioned, access-logged, with lifecycle rules and retained', () => {
    stateful.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['baozhang-desk-evidence-'])] }),
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'evidence/' }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 365 }, Status: 'Enabled' }),
          ]),
        },
        CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['content-type', 'x-amz-checksum-sha256'] })] },
      }),
    });
  });

  it('refuses any request without TLS', () => {
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('is reached only by the evidence handlers: uploads may PutObject, reads GetObject, both only under evidence/', () => {
    const fns = functionsOf(stateless, 'desk');
    const s3Of = (handler: string) =>
      fns
        .get(handler)!
        .statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).map((action) => ({ action, resource: JSON.stringify(s.Resource) })))
        .filter(({ action }) => action.startsWith('s3:'));
    expect(
      s3Of('evidence-uploads')
        .map((s) => s.action)
        .sort(),
    ).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    for (const handler of ['get-claim', 'submit-claim', 'add-evidence'])
      expect(
        s3Of(handler)
          .map((s) => s.action)
          .sort(),
      ).toEqual(['s3:GetObject', 's3:ListBucket']);
    for (const { action, resource } of [...s3Of('evidence-uploads'), ...s3Of('get-claim')]) {
      expect(resource).toContain(action === 's3:ListBucket' ? 'baozhang-desk-evidence-' : '/evidence/*');
    }
    for (const [handler, fn] of fns) {
      const hasEnv = Boolean(fn.properties.Environment?.Variables?.EVIDENCE_BUCKET);
      expect(hasEnv, handler).toBe(['evidence-uploads', 'get-claim', 'submit-claim', 'add-evidence'].includes(handler));
      if (!hasEnv) expect(s3Of(handler), handler).toEqual([]);
    }
  });
});

describe('the console stack (issue 21)', () => {
  it('serves a private bucket through CloudFront with origin access control, HTTPS only, logged', () => {
    consoleTemplate.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    consoleTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        Origins: Match.arrayWith([Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: Match.anyValue() })]),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/v1/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['PUT', 'PATCH', 'POST', 'DELETE']),
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
          }),
        ],
      }),
    });
    consoleTemplate.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: Match.anyValue(),
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    // Only CloudFront (this distribution) reads the site bucket.
    consoleTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('deploys the built console with its config.json and invalidates both entry files', () => {
    consoleTemplate.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: ['/index.html', '/config.json'],
      SourceMarkersConfig: Match.anyValue(),
    });
    consoleTemplate.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({ ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'") }),
        }),
      },
    });
  });
});
