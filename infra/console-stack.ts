import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { projectRoot } from './bundling.ts';
import { acknowledge } from './nag.ts';

export interface ConsoleStackProps extends StackProps {
  stage: string;
  /** The HTTP API's endpoint, `https://<id>.execute-api.<region>.amazonaws.com`. */
  apiEndpoint: string;
  /** What the console signs in with (written to its config.json). */
  auth: ConsoleAuth;
  /** The built console (`npm run build:web`); without an index.html there, nothing is uploaded. */
  webDist?: string;
}

/** The sign-in the console offers in AWS: an OpenID provider's authorize endpoint and client. */
export interface ConsoleAuth {
  issuer: string;
  clientId: string;
  /** The provider's authorize endpoint (e.g. a Cognito domain's `/oauth2/authorize`), when it has one. */
  authorizeUrl?: string;
}

export const defaultWebDist = join(projectRoot, 'web', 'dist');

/**
 * The claims desk (issue 21): the static console in a private bucket behind CloudFront (origin
 * access control — only the distribution can read it), and the API behind the same distribution
 * at `/v1/*`, so the console calls its own origin: no CORS to configure, and the distribution's
 * domain need not be known before the API is deployed. `config.json` (written at deploy, never
 * cached) tells the console where the API is and how to sign in.
 */
export class ConsoleStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const common = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    };
    // CloudFront's standard logs, delivered with ACLs (hence object-writer ownership).
    const logs = new Bucket(this, 'AccessLogs', {
      ...common,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    acknowledge(logs, { 'AwsSolutions-S1': 'This bucket receives the distribution access logs; logging its own access would log the log writes.' });
    // Rebuilt from web/ on every deploy: nothing in it is worth keeping.
    this.bucket = new Bucket(this, 'Site', { ...common, objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED });
    acknowledge(this.bucket, {
      'AwsSolutions-S1': 'Only the CloudFront distribution (origin access control) reads this bucket, and its access logs record every request.',
    });

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // Scripts and styles from the console's own origin; images also from presigned evidence URLs.
          contentSecurityPolicy:
            "default-src 'self'; img-src 'self' https: data: blob:; connect-src 'self' https:; frame-src https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Baozhang ${props.stage} claims desk`,
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: {
        // The API on the console's own origin: never cached, every header but Host passed on.
        '/v1/*': {
          origin: new HttpOrigin(apiDomain),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    acknowledge(this.distribution, {
      'AwsSolutions-CFR1': 'Buyers, merchants and staff of a Chinese marketplace sign in from anywhere; no country is to be refused.',
      'AwsSolutions-CFR2':
        'The console is static files; the API behind /v1/* is throttled at its stage and authenticates every call. A WAF web ACL is an operator decision per stage (cost), not a default.',
      'AwsSolutions-CFR4':
        'The default *.cloudfront.net certificate cannot carry a minimum TLS policy; a production stage puts the console on its own domain and certificate (TLSv1.2_2021), which is outside this stack.',
    });

    const webDist = props.webDist ?? defaultWebDist;
    const config = { apiUrl: '', apiOrigin: props.apiEndpoint, stage: props.stage, auth: props.auth };
    if (existsSync(join(webDist, 'index.html'))) {
      const deployment = new BucketDeployment(this, 'Deploy', {
        sources: [Source.asset(webDist), Source.jsonData('config.json', config)],
        destinationBucket: this.bucket,
        distribution: this.distribution,
        distributionPaths: ['/index.html', '/config.json'],
        memoryLimit: 256,
      });
      // The construct's one Lambda is a singleton at stack level, not under the deployment.
      const provider = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
      acknowledge(provider ?? deployment, {
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
          'The BucketDeployment custom resource (a CDK construct) logs with the AWS managed basic execution role; it runs only during a deploy.',
        ...Object.fromEntries(
          [
            'Action::s3:GetObject*',
            'Action::s3:GetBucket*',
            'Action::s3:List*',
            'Action::s3:DeleteObject*',
            'Action::s3:Abort*',
            'Resource::*',
            `Resource::<${this.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*`,
            'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
          ].map((appliesTo) => [
            `AwsSolutions-IAM5[${appliesTo}]`,
            'Granted by the CDK BucketDeployment construct to copy the built console from the CDK asset bucket into this site bucket during a deploy.',
          ]),
        ),
        'AwsSolutions-L1': 'The runtime of the CDK BucketDeployment custom resource is chosen by aws-cdk-lib, upgraded with it.',
        'Serverless-LambdaLatestVersion': 'The runtime of the CDK BucketDeployment custom resource is chosen by aws-cdk-lib, upgraded with it.',
        'Serverless-LambdaDLQ': 'Invoked by CloudFormation as a custom resource, which reports its failure to the deploy.',
        'Serverless-LambdaTracing': 'The CDK BucketDeployment custom resource runs only during a deploy.',
      });
    }
    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.distribution.distributionDomainName}`, description: 'The claims desk' });
  }
}
