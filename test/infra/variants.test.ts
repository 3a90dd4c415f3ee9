import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { plannedJobs, plannedRoutes } from './fixtures/contract.ts';
import { actionsOf, functionsOf } from './support.ts';

/**
 * The other configuration: no external identity provider (the stack's own Cognito user pool),
 * the local payment provider, a paused payout schedule, and no events handler yet.
 */
const stubHandler = fileURLToPath(new URL('./fixtures/stub-handler.ts', import.meta.url));
const routes = plannedRoutes.filter((route) => ['health', 'list-plans', 'run-job'].includes(route.handler));

let built: ReturnType<typeof buildApp>;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  const app = new App({
    context: { stage: 'pool', paymentProvider: 'local', payoutEvery: 'off', expiryEvery: '1h', corsOrigins: 'https://shop.example', [BUNDLING_STACKS]: [] },
  });
  built = buildApp(app, { routes, jobs: plannedJobs, entryFor: () => stubHandler });
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

describe('with corsOrigins', () => {
  it("API Gateway answers CORS for those origins with the local runtime's headers", () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://shop.example'],
        AllowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        ExposeHeaders: ['idempotent-replayed', 'www-authenticate', 'allow'],
        AllowMethods: Match.arrayWith(['GET', 'POST']),
        MaxAge: 600,
      },
    });
  });
});

describe('without jwtIssuer/jwtAudience', () => {
  it('creates a retained user pool: admin-created users only, MFA required, strong passwords', () => {
    stateful.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        MfaConfiguration: 'ON',
        DeletionProtection: 'ACTIVE',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
        Schema: Match.arrayWith([Match.objectLike({ Name: 'role', Mutable: true })]),
      }),
    });
    stateful.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
  });

  it('has the API trust that pool: issuer is the pool, audience its app client', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Audience: [{ 'Fn::ImportValue': Match.stringLikeRegexp('UsersApiClient') }],
        Issuer: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('https://cognito-idp\\.')])] },
      },
    });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/plans', AuthorizationType: 'JWT' });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/health', AuthorizationType: 'NONE' });
  });
});

describe('local payment provider and schedule settings', () => {
  it('tells the paying handlers the provider but grants no secret', () => {
    for (const [handler, fn] of functionsOf(stateless, 'pool')) {
      expect(
        fn.statements.flatMap(actionsOf).filter((action) => action.startsWith('secretsmanager:')),
        handler,
      ).toEqual([]);
      const variables = fn.properties.Environment?.Variables ?? {};
      expect(variables.PAYMENT_SECRET_ARN, handler).toBeUndefined();
      if (handler === 'payout' || handler === 'run-job') expect(variables.PAYMENT_PROVIDER, handler).toBe('local');
      else expect(variables.PAYMENT_PROVIDER, handler).toBeUndefined();
    }
  });

  it('keeps a schedule set to off, disabled, and applies a configured rate', () => {
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'baozhang-pool-payout',
      State: 'DISABLED',
      ScheduleExpression: 'rate(5 minutes)',
    });
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'baozhang-pool-expiry',
      State: 'ENABLED',
      ScheduleExpression: 'rate(1 hour)',
    });
  });
});

describe('before the events handler exists', () => {
  it('creates no bus rule and says so in a synth warning', () => {
    stateless.resourceCountIs('AWS::Events::Rule', 0);
    Annotations.fromStack(built.stateless).hasWarning('*', Match.stringLikeRegexp("No 'events' handler"));
  });

  it('still passes the AwsSolutions and Serverless packs', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const errors = pack.validateScope(built.app).violations.filter((violation) => violation.severity === 'error');
      expect(
        errors.map((error) => error.ruleName),
        pack.readPackName,
      ).toEqual([]);
    }
  });
});
