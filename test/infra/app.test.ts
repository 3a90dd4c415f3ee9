import { App, Validations } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs, type JobSpec } from '#functions/jobs.ts';
import { routes } from '#functions/routes.ts';
import { buildApp } from '#infra/app.ts';
import { tableActions } from '#infra/function.ts';
import { EVENTS_HANDLER, OUTBOX_ENRICHMENT, needsOf } from '#infra/handlers.ts';
import { CALENDAR_DAYS_LEFT_METRIC, OVERDUE_PAYOUTS_METRIC } from '#infra/monitoring.ts';
import { OUTBOX_PREFIX, outboxFilterPattern } from '#infra/outbox.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { scheduleInputTemplate } from '#shared/jobs/scheduled-event.ts';
import { tableDefinition } from '#shared/store/table-definition.ts';
import { withPlannedJobs, withPlannedRoutes } from './fixtures/contract.ts';
import { actionsOf, allowStatements, dynamoActions, functionsOf, isWildcardAction, type DeployedFunction } from './support.ts';

/**
 * Assertions on what the CDK app synthesizes. By default the app is built here (once) from the
 * contract: functions/routes.ts and functions/jobs.ts plus the planned routes and jobs they do not
 * declare yet, each function bundled from a stub module. With BAOZHANG_TEMPLATES_DIR set, the same
 * assertions run against the templates of a deployed stage instead (see README, "Deploying").
 */
const templatesDir = process.env['BAOZHANG_TEMPLATES_DIR'];
const deployed = Boolean(templatesDir);

const SECRET_ARN = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:baozhang/alipay-AbCdEf';
const context = {
  stage: 'test',
  jwtIssuer: 'https://issuer.example/',
  jwtAudience: 'baozhang-api',
  paymentProvider: 'alipay',
  paymentSecretArn: SECRET_ARN,
  alarmEmail: 'ops@example.com',
};
const stubHandler = fileURLToPath(new URL('./fixtures/stub-handler.ts', import.meta.url));

let stage: string;
let contractRoutes: RouteSpec[];
let contractJobs: JobSpec[];
let stateful: Template;
let stateless: Template;
let app: App | undefined;
let functions: Map<string, DeployedFunction>;

beforeAll(() => {
  if (templatesDir) {
    stage = process.env['BAOZHANG_STAGE'] ?? 'dev';
    contractRoutes = [...routes];
    contractJobs = [...jobs];
    const load = (name: string) => Template.fromJSON(JSON.parse(readFileSync(`${templatesDir}/Baozhang-${stage}-${name}.template.json`, 'utf8')));
    stateful = load('Stateful');
    stateless = load('Stateless');
  } else {
    stage = context.stage;
    contractRoutes = withPlannedRoutes(routes);
    contractJobs = withPlannedJobs(jobs);
    // One synthesis for the whole file; it also runs the cdk-nag packs (and would throw on an error).
    // Bundling is skipped here (synth.test.ts bundles the real handlers): templates do not depend on it.
    const built = buildApp(new App({ context: { ...context, [BUNDLING_STACKS]: [] } }), {
      routes: contractRoutes,
      jobs: contractJobs,
      entryFor: () => stubHandler,
    });
    app = built.app;
    stateful = Template.fromStack(built.stateful);
    stateless = Template.fromStack(built.stateless);
  }
  functions = functionsOf(stateless, stage);
});

const handlersOf = (routeList: readonly RouteSpec[], jobList: readonly JobSpec[]) =>
  new Set([...routeList.map((route) => route.handler), ...jobList.map((job) => job.handler)]);
const logicalIdOf = (template: Template, type: string, props: Record<string, unknown>) => {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, `${type} ${JSON.stringify(props)}`).toHaveLength(1);
  return ids[0]!;
};
const fnLogicalId = (handler: string) => {
  const fn = functions.get(handler);
  expect(fn, `function for ${handler}`).toBeDefined();
  return fn!.logicalId;
};

describe('stateful stack', () => {
  it('keeps the one table: keys and indexes from the shared definition, TTL, stream, on-demand, encrypted', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: `baozhang-${stage}`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: Match.objectLike({ ProjectionType: index.projection.type }),
        }),
      ),
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      SSESpecification: Match.objectLike({ SSEEnabled: true }),
    });
  });

  it('protects the table: point-in-time recovery, deletion protection, retained on stack deletion', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    stateful.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has an event bus for events in and one for events out', () => {
    stateful.hasResource('AWS::Events::EventBus', { Properties: { Name: `baozhang-${stage}` }, DeletionPolicy: 'Retain' });
    stateful.hasResource('AWS::Events::EventBus', { Properties: { Name: `baozhang-${stage}-out` }, DeletionPolicy: 'Retain' });
  });
});

describe('HTTP API', () => {
  it("has one route per contract route, behind the JWT authorizer unless public (health, openapi, the payment provider's signed notifications)", () => {
    const authorizerId = logicalIdOf(stateless, 'AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
    for (const route of contractRoutes) {
      const expected =
        route.roles === 'public'
          ? { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'NONE', AuthorizerId: Match.absent() }
          : { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } };
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', expected);
    }
    expect(Object.keys(stateless.findResources('AWS::ApiGatewayV2::Route'))).toHaveLength(contractRoutes.length);
    expect(
      contractRoutes
        .filter((route) => route.roles === 'public')
        .map((route) => route.path)
        .sort(),
    ).toEqual(['/v1/health', '/v1/openapi.json', '/v1/payments/{provider}/notifications']);
  });

  it.skipIf(deployed)('trusts the configured issuer and audience', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: context.jwtIssuer, Audience: [context.jwtAudience] },
    });
  });

  it('logs every request as JSON and throttles the stage', () => {
    const stage$ = Object.values(stateless.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage$).toHaveLength(1);
    const properties = stage$[0]!['Properties'];
    expect(properties.StageName).toBe('$default');
    const format = JSON.parse(properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(properties.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThan(0);
  });
});

describe('functions', () => {
  it('has one function per handler (plus the outbox enrichment), nothing else', () => {
    const expected = [...handlersOf(contractRoutes, contractJobs), OUTBOX_ENRICHMENT].sort();
    expect([...functions.keys()].sort()).toEqual(expected);
    expect(Object.keys(stateless.findResources('AWS::Lambda::Function'))).toHaveLength(expected.length);
  });

  it('runs every function on nodejs22.x, arm64, with its declared memory and timeout, traced, logging to a retained group', () => {
    const logGroups = stateless.findResources('AWS::Logs::LogGroup');
    for (const [handler, fn] of functions) {
      const needs = needsOf(handler);
      expect(fn.properties, handler).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: needs.memorySize,
        Timeout: needs.timeout.toSeconds(),
        TracingConfig: { Mode: 'Active' },
      });
      const logGroupId: string = fn.properties.LoggingConfig.LogGroup.Ref;
      expect(logGroups[logGroupId]?.['Properties'].RetentionInDays, handler).toBeGreaterThan(0);
    }
  });

  it('gives functions invoked asynchronously (bus rule, schedules) an on-failure queue', () => {
    const asyncHandlers = new Set([...contractJobs.map((job) => job.handler), EVENTS_HANDLER]);
    for (const handler of functions.keys()) {
      const configs = stateless.findResources('AWS::Lambda::EventInvokeConfig', {
        Properties: { FunctionName: { Ref: fnLogicalId(handler) } },
      });
      if (!asyncHandlers.has(handler)) {
        expect(Object.keys(configs), handler).toHaveLength(0);
        continue;
      }
      expect(Object.values(configs), handler).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            MaximumRetryAttempts: 2,
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^Dlqasyncfailures/), 'Arn'] } } },
          }),
        }),
      ]);
    }
  });
});

describe('least privilege', () => {
  it('allows no wildcard action anywhere (no "*", no "service:*")', () => {
    for (const template of [stateful, stateless]) {
      for (const { resource, statement } of allowStatements(template)) {
        expect(actionsOf(statement).filter(isWildcardAction), resource).toEqual([]);
      }
    }
  });

  it('grants each function exactly the table actions it declares, on the table and its named indexes only', () => {
    for (const [handler, fn] of functions) {
      const expected = [...tableActions(needsOf(handler).table)].sort();
      expect(dynamoActions(fn), handler).toEqual(expected);
      for (const statement of fn.statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))) {
        const resources = JSON.stringify(statement.Resource);
        expect(resources, handler).not.toContain('/index/*');
        // Reads reach the table and its named indexes; writes only the table (test/infra/security.test.ts).
        if (actionsOf(statement).includes('dynamodb:PutItem')) continue;
        for (const index of tableDefinition.globalSecondaryIndexes) expect(resources, handler).toContain(`/index/${index.indexName}`);
      }
    }
  });

  it('keeps read-only handlers read-only and never grants Scan', () => {
    const writes = tableActions('read-write').filter((action) => !tableActions('read').includes(action));
    for (const [handler, fn] of functions) {
      expect(dynamoActions(fn), handler).not.toContain('dynamodb:Scan');
      if (/^(get|list)-/.test(handler) || handler === 'health' || handler === 'openapi') {
        expect(
          dynamoActions(fn).filter((action) => writes.includes(action)),
          handler,
        ).toEqual([]);
      }
    }
    expect(dynamoActions(functions.get('openapi')!)).toEqual([]);
  });

  it('lets functions call only the services they use; only the outbox pipe publishes to the bus', () => {
    for (const [handler, fn] of functions) {
      const needs = needsOf(handler);
      const services = new Set(fn.statements.flatMap(actionsOf).map((action) => action.split(':')[0]));
      const allowed = new Set(['logs', 'xray', 'dynamodb', 'sqs']);
      if (needs.publishes) allowed.add('events');
      if (needs.evidence) allowed.add('s3'); // issue 21: the evidence bucket (test/infra/claims-desk.test.ts)
      if (needs.pays || fn.properties.Environment?.Variables?.CURSOR_KEYS_SECRET_ARN) allowed.add('secretsmanager');
      expect(
        [...services].filter((service) => !allowed.has(service!)),
        handler,
      ).toEqual([]);
      const statementsFor = (service: string) => fn.statements.filter((s) => actionsOf(s).some((a) => a.startsWith(`${service}:`)));
      for (const statement of statementsFor('xray'))
        expect(actionsOf(statement).sort(), handler).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      for (const statement of statementsFor('sqs')) {
        expect(JSON.stringify(statement.Resource), handler).toMatch(/Dlqasyncfailures/);
      }
    }
    const pipeRole = logicalIdOf(stateless, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'pipes.amazonaws.com' } })],
      }),
    });
    stateless.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: pipeRole }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'events:PutEvents', Resource: Match.anyValue() })]) },
    });
  });

  it.skipIf(deployed)('gives the payment secret, and only that one secret, to the handlers that pay', () => {
    for (const [handler, fn] of functions) {
      // The cursor-signing keys of list handlers are another secret (test/infra/security.test.ts).
      const secretStatements = fn.statements.filter(
        (s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')) && !JSON.stringify(s.Resource).includes('CursorKeys'),
      );
      if (!needsOf(handler).pays) {
        expect(secretStatements, handler).toEqual([]);
        expect(fn.properties.Environment?.Variables?.PAYMENT_SECRET_ARN, handler).toBeUndefined();
        continue;
      }
      expect(secretStatements, handler).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }]);
      expect(fn.properties.Environment.Variables, handler).toMatchObject({
        PAYMENT_PROVIDER: 'alipay',
        PAYMENT_SECRET_ARN: SECRET_ARN,
      });
    }
    // D4: starting a top-up asks the provider for a payment instruction; a notification is verified with its key.
    expect([...functions.keys()].filter((handler) => needsOf(handler).pays).sort()).toEqual(['payment-notification', 'payout', 'run-job', 'top-up-deposit']);
  });
});

describe('events', () => {
  it('routes order.* and merchant.* events on the bus to the events handler, with retries and a DLQ', () => {
    if (!handlersOf(contractRoutes, contractJobs).has(EVENTS_HANDLER)) {
      // Only possible against a deployed stage from before the events handler existed.
      expect(deployed).toBe(true);
      stateless.resourceCountIs('AWS::Events::Rule', 0);
      return;
    }
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['marketplace.orders'],
        account: [deployed ? Match.anyValue() : { Ref: 'AWS::AccountId' }],
        detail: { type: [{ prefix: 'order.' }, { prefix: 'merchant.' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnLogicalId(EVENTS_HANDLER), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlqeventsrule'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('publishes new outbox items from the table stream to the bus through the pipe, with its own DLQ', () => {
    const pipes = Object.values(stateless.findResources('AWS::Pipes::Pipe'));
    expect(pipes).toHaveLength(1);
    const pipe = pipes[0]!['Properties'];
    expect(JSON.stringify(pipe.Source)).toMatch(/StreamArn/);
    expect(JSON.stringify(pipe.Target)).toMatch(/Bus/);
    expect(pipe.Enrichment).toEqual({ 'Fn::GetAtt': [fnLogicalId(OUTBOX_ENRICHMENT), 'Arn'] });
    expect(JSON.parse(pipe.SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual(outboxFilterPattern);
    expect(outboxFilterPattern.dynamodb.NewImage.PK.S).toEqual([{ prefix: OUTBOX_PREFIX }]);
    expect(pipe.SourceParameters.DynamoDBStreamParameters).toMatchObject({
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: expect.any(Number),
      OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Dlqoutbox/), 'Arn'] } },
    });
    expect(pipe.TargetParameters.EventBridgeEventBusParameters).toEqual({ Source: 'baozhang', DetailType: '$.type' });
  });
});

describe('schedules', () => {
  it('runs each job from EventBridge Scheduler at its rate, with the scheduled-event input, retries and a DLQ', () => {
    if (!deployed) expect(contractJobs.map((job) => job.job).sort()).toEqual(['expiry', 'payout']);
    const defaults: Record<string, string> = { payout: 'rate(5 minutes)', expiry: 'rate(15 minutes)' };
    for (const job of contractJobs) {
      stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `baozhang-${stage}-${job.job}`,
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ...(deployed ? {} : { ScheduleExpression: defaults[job.job] }),
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnLogicalId(job.handler), 'Arn'] },
          Input: JSON.stringify(scheduleInputTemplate(job.job)),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Dlqschedule${job.job}`), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: Match.anyValue() },
        }),
      });
    }
    expect(Object.keys(stateless.findResources('AWS::Scheduler::Schedule'))).toHaveLength(contractJobs.length);
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm['Properties']);

  it('alarms on errors and throttles of every function', () => {
    for (const handler of functions.keys()) {
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms().filter(
          (alarm) => alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === metric && JSON.stringify(alarm.Dimensions).includes(fnLogicalId(handler)),
        );
        expect(found, `${handler} ${metric}`).toHaveLength(1);
      }
    }
  });

  it('alarms on the depth of every dead-letter queue, on overdue payouts, on API 5xx and on a working-day calendar ending within 60 days, all notifying one topic', () => {
    const queues = Object.keys(stateless.findResources('AWS::SQS::Queue'));
    for (const queue of queues) {
      expect(
        alarms().filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm.Dimensions).includes(queue)),
        queue,
      ).toHaveLength(1);
    }
    expect(alarms().filter((alarm) => alarm.MetricName === OVERDUE_PAYOUTS_METRIC)).toEqual([
      expect.objectContaining({ Namespace: `Baozhang/${stage}`, Threshold: 1 }),
    ]);
    // The 5xx alarm is a rate now (issue 19), asserted in 'alarms that mean something' below.
    expect(alarms().filter((alarm) => alarm.MetricName === CALENDAR_DAYS_LEFT_METRIC)).toEqual([
      expect.objectContaining({
        Namespace: `Baozhang/${stage}`,
        Dimensions: [{ Name: 'service', Value: 'baozhang' }],
        Statistic: 'Minimum',
        Period: 3600,
        Threshold: 60,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'missing',
      }),
    ]);
    const topic = logicalIdOf(stateless, 'AWS::SNS::Topic', {});
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
  });
});

describe('alarms that mean something, and the dashboard (issue 19)', () => {
  const alarms = () => Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm['Properties']);
  const named = (suffix: string) => alarms().filter((alarm) => String(alarm.AlarmName).endsWith(`-${suffix}`));

  it('alarms on the API 5xx *rate* and p99 latency held over 5 one-minute periods, not on one bad request', () => {
    const [rate] = named('api-5xx-rate');
    expect(rate).toMatchObject({ Threshold: 1, EvaluationPeriods: 5, ComparisonOperator: 'GreaterThanThreshold' });
    const expression = rate.Metrics.find((m: { Expression?: string }) => m.Expression);
    expect(expression.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(
      rate.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['5xx', 'Count']);
    expect(named('api-p99-latency')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: 1000,
      }),
    ]);
    // An API function's crash alarms only when repeated; a job's or the events handler's at once.
    expect(named('get-claim-errors')[0]).toMatchObject({ Threshold: 5 });
    expect(named('payout-errors')[0]).toMatchObject({ Threshold: 1 });
    expect(named('events-errors')[0]).toMatchObject({ Threshold: 1 });
  });

  it('alarms on payouts failed for good, a job not run in two intervals, and table throttling', () => {
    expect(named('payouts-failed')).toEqual([expect.objectContaining({ Namespace: `Baozhang/${stage}`, MetricName: 'PayoutsFailed', Threshold: 1 })]);
    expect(named('payout-not-run')).toEqual([
      expect.objectContaining({
        MetricName: 'JobRuns',
        Dimensions: expect.arrayContaining([{ Name: 'job', Value: 'payout' }]),
        Period: 600,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      }),
    ]);
    expect(named('expiry-not-run')[0]).toMatchObject({ Period: 1800 });
    const [throttles] = named('table-throttles');
    expect(
      throttles.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
  });

  it("links every alarm's description to its runbook section in docs/operations.md, and each section exists", () => {
    const runbook = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const alarm of alarms()) {
      const anchor = /docs\/operations\.md#(alarm-[a-z0-9-]+)/.exec(String(alarm.AlarmDescription))?.[1];
      expect(anchor, alarm.AlarmName).toBeDefined();
      expect(runbook, `${alarm.AlarmName} → #${anchor}`).toContain(`<a id="${anchor}"></a>`);
    }
  });

  it('has one dashboard with the API per route, the jobs, the business metrics, the dead-letter queues and the table', () => {
    const dashboards = Object.values(stateless.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!['Properties'].DashboardBody);
    for (const needle of [
      'Latency p99 per route',
      '5xx per route',
      'Job runs and items per run',
      'PoliciesIssued',
      'ClaimsAutoApproved',
      'AmountPaidFen',
      'PayoutsFailed',
      'TopUpsCredited',
      'DuplicateEvents',
      'IdempotentReplays',
      'Dead-letter queue depths',
      'WriteThrottleEvents',
    ]) {
      expect(body, needle).toContain(needle);
    }
    expect(stateless.findResources('AWS::ApiGatewayV2::Stage', { Properties: { DefaultRouteSettings: { DetailedMetricsEnabled: true } } })).not.toEqual({});
  });

  it("logs every function in Lambda's JSON format at the configured level, with retention", () => {
    for (const [handler, fn] of functions) {
      expect(fn.properties.LoggingConfig, handler).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
      expect(fn.properties.Environment.Variables.EVENT_BUS_NAME, handler).toBeUndefined();
    }
  });
});

describe.skipIf(deployed)('cdk-nag', () => {
  /** Findings of a pack on the app; `raw` ignores acknowledgements (cdk-nag 3.0.2's private hook). */
  const findings = (pack: NagPack, raw = false) => {
    if (raw) Object.assign(pack, { isAcknowledged: () => false });
    return pack.validateScope(app!).violations;
  };
  const acknowledgements = () => {
    const found: Array<{ path: string; id: string; reason: string }> = [];
    for (const construct of app!.node.findAll() as IConstruct[]) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          // Ours only: CDK acknowledges cfn-lint findings of its own (e.g. W3045 on an access-log bucket).
          if (id.startsWith('CloudFormation-Validate::')) continue;
          found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
        }
      }
    }
    return found;
  };

  it('reports no unacknowledged error from the AwsSolutions and Serverless packs', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const errors = findings(pack).filter((violation) => violation.severity === 'error');
      expect(
        errors.map((error) => `${error.ruleName} ${error.violatingResources.map((r) => r.constructPath).join(', ')}`),
        pack.readPackName,
      ).toEqual([]);
    }
  });

  it('acknowledges each finding with a written reason, and only findings that really occur', () => {
    const raw = [...findings(new AwsSolutionsChecks(), true), ...findings(new ServerlessChecks(), true)];
    const list = acknowledgements();
    expect(list.length).toBeGreaterThan(0);
    for (const { path, id, reason } of list) {
      expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThan(40);
      const occurs = raw.some(
        (violation) =>
          violation.ruleName === id && violation.violatingResources.some((r) => r.constructPath === path || r.constructPath!.startsWith(`${path}/`)),
      );
      expect(occurs, `${id} acknowledged at ${path} but not reported there`).toBe(true);
    }
  });
});
