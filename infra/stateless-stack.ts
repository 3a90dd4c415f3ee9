import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type CorsHttpMethod, type HttpMethod, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBusPolicy, Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '#functions/jobs.ts';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '#shared/http/cors.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { scheduleInputTemplate } from '#shared/jobs/scheduled-event.ts';
import type { DeployConfig } from './config.ts';
import { BaozhangFunction, handlerEntry } from './function.ts';
import { EVENTS_HANDLER, OUTBOX_ENRICHMENT, needsOf } from './handlers.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledge } from './nag.ts';
import { OutboxPipe } from './outbox.ts';
import { deadLetterQueue } from './queues.ts';

/**
 * Inbound events: the order system's order.* and merchant.* envelopes — an allow-list of its one
 * source and account, never "anything but Baozhang" (docs/security.md). The bus policy already
 * refuses other producers; the rule is the second lock.
 */
export function inboundEventPattern(orderSystem: { source: string; account: string }) {
  return {
    source: [orderSystem.source],
    account: [orderSystem.account],
    detail: { type: [{ prefix: 'order.' }, { prefix: 'merchant.' }] },
  };
}

export interface StatelessStackProps extends StackProps {
  config: DeployConfig;
  table: ITableV2;
  /** Events in (the order system's). */
  bus: IEventBus;
  /** Events out: Baozhang's own, written only by the outbox pipe. */
  outBus: IEventBus;
  /** The cursor-signing keys, read by the handlers of list routes. */
  cursorKeys: ISecret;
  /** The stack's own user pool, used when `config.jwt` is absent. */
  userPool?: IUserPool;
  userPoolClient?: IUserPoolClient;
  routes: readonly RouteSpec[];
  jobs: readonly JobSpec[];
  /** Where a handler's module is; tests point not-yet-written handlers at an existing one. */
  entryFor?: (handler: string) => string;
}

/**
 * What can be redeployed at will: one function per handler, the HTTP API with one route per
 * contract route (functions/routes.ts), the bus rule for inbound events, one schedule per job
 * (functions/jobs.ts), the outbox pipe, and the alarms.
 */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly functions = new Map<string, BaozhangFunction>();
  readonly deadLetterQueues = new Map<string, IQueue>();
  readonly schedules = new Map<string, Schedule>();
  readonly eventsRule?: Rule;
  readonly outbox: OutboxPipe;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const metricsNamespace = `Baozhang/${config.stage}`;
    const entryFor = props.entryFor ?? handlerEntry;
    const dlq = (name: string) => {
      const queue = deadLetterQueue(this, `Dlq-${name}`);
      this.deadLetterQueues.set(name, queue);
      return queue;
    };

    // Functions invoked asynchronously (bus rule, schedules) send exhausted events to one queue.
    const asyncHandlers = new Set([...props.jobs.map((job) => job.handler), EVENTS_HANDLER]);
    const handlers = new Set([...props.routes.map((route) => route.handler), ...props.jobs.map((job) => job.handler)]);
    // Handlers of list routes (a `cursor` in the query) sign and verify cursors.
    const listHandlers = new Set(props.routes.filter(takesCursor).map((route) => route.handler));
    const asyncFailures = [...handlers].some((handler) => asyncHandlers.has(handler)) ? dlq('async-failures') : undefined;
    const settings = runtimeSettings(config);
    for (const handler of handlers) {
      this.functions.set(
        handler,
        new BaozhangFunction(this, `Fn-${handler}`, {
          handler,
          entry: entryFor(handler),
          stage: config.stage,
          needs: needsOf(handler),
          table: props.table,
          bus: props.outBus,
          payment: { provider: config.paymentProvider, secretArn: config.paymentSecretArn },
          cursorKeys: listHandlers.has(handler) ? props.cursorKeys : undefined,
          metricsNamespace,
          onFailure: asyncHandlers.has(handler) ? asyncFailures : undefined,
          settings: settings(handler),
          logRetentionDays: config.logRetentionDays,
          logLevel: config.logLevel,
        }),
      );
    }
    const fnOf = (handler: string) => this.functions.get(handler)!.fn;

    // --- HTTP API -------------------------------------------------------------------------
    const authorizer: IHttpRouteAuthorizer = config.jwt
      ? new HttpJwtAuthorizer('Jwt', config.jwt.issuer, { jwtAudience: [config.jwt.audience] })
      : new HttpUserPoolAuthorizer('Cognito', required(props.userPool, 'userPool'), {
          userPoolClients: [required(props.userPoolClient, 'userPoolClient')],
        });
    // Our own stage instead of the implicit one: it carries access logs and throttling.
    this.api = new HttpApi(this, 'Api', {
      apiName: `baozhang-${config.stage}`,
      createDefaultStage: false,
      // CORS only when origins are configured (context corsOrigins); the same headers as the local runtime.
      ...(config.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: config.corsOrigins,
              allowMethods: [...new Set(props.routes.map((route) => route.method as CorsHttpMethod))],
              allowHeaders: [...CORS_ALLOW_HEADERS],
              exposeHeaders: [...CORS_EXPOSE_HEADERS],
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.apiStage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Route-level metrics (ApiId, Stage, Method, Resource) for the dashboard's per-route graphs.
      detailedMetricsEnabled: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    for (const route of props.routes) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration: new HttpLambdaIntegration(`Int-${route.operationId}`, fnOf(route.handler)),
        ...(route.roles === 'public' ? {} : { authorizer }),
      });
      if (route.roles === 'public' && created) {
        acknowledge(created, {
          'AwsSolutions-APIG4': `${route.method} ${route.path} is public by contract (api.md: roles "none"); it exposes no party data.`,
        });
      }
    }

    // --- Events in --------------------------------------------------------------------------
    if (this.functions.has(EVENTS_HANDLER)) {
      const ruleDlq = dlq('events-rule');
      this.eventsRule = new Rule(this, 'InboundEvents', {
        ruleName: `baozhang-${config.stage}-inbound`,
        description: 'order.* and merchant.* events from the order system → the events handler',
        eventBus: props.bus,
        eventPattern: inboundEventPattern({ source: config.orderSystem.source, account: config.orderSystem.account ?? this.account }),
        targets: [new LambdaFunction(fnOf(EVENTS_HANDLER), { deadLetterQueue: ruleDlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
      });
    } else {
      // Until functions/events exists there is nothing to deliver to; say so on every synth.
      Annotations.of(this).addWarningV2('baozhang:no-events-handler', `No '${EVENTS_HANDLER}' handler among the routes: the inbound bus rule is not created.`);
    }

    // --- Schedules ----------------------------------------------------------------------------
    for (const job of props.jobs) {
      const setting = config.schedules.get(job.job);
      if (!setting) throw new Error(`No schedule setting for job ${job.job}: build the config from the same job list`);
      const schedule = new Schedule(this, `Schedule-${job.job}`, {
        scheduleName: `baozhang-${config.stage}-${job.job}`,
        description: `Runs the ${job.job} job (${job.handler})`,
        schedule: ScheduleExpression.rate(setting.rate),
        timeWindow: TimeWindow.off(),
        enabled: setting.enabled,
        target: new LambdaInvoke(fnOf(job.handler), {
          input: ScheduleTargetInput.fromObject(scheduleInputTemplate(job.job)),
          deadLetterQueue: dlq(`schedule-${job.job}`),
          retryAttempts: 3,
          // A run that could not start before the next one is due is superseded by it.
          maxEventAge: Duration.minutes(Math.min(setting.rate.toMinutes(), 24 * 60)),
        }),
      });
      this.schedules.set(job.job, schedule);
      // LambdaInvoke's role may invoke the function and its versions (`<arn>:*`): still this one function.
      const fnLogicalId = this.getLogicalId(fnOf(job.handler).node.defaultChild as CfnFunction);
      acknowledge(this, {
        [`AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`]:
          `The ${job.job} schedule's role may invoke ${job.handler} and its published versions (the ':*' qualifier ` +
          'LambdaInvoke adds); it grants nothing on any other function.',
      });
    }

    // --- Events out (outbox) -----------------------------------------------------------------
    const enrichment = new BaozhangFunction(this, `Fn-${OUTBOX_ENRICHMENT}`, {
      handler: OUTBOX_ENRICHMENT,
      entry: fileURLToPath(new URL('./outbox-enrichment.ts', import.meta.url)),
      stage: config.stage,
      needs: needsOf(OUTBOX_ENRICHMENT),
      table: props.table,
      bus: props.outBus,
      payment: { provider: config.paymentProvider },
      metricsNamespace,
      logRetentionDays: config.logRetentionDays,
      logLevel: config.logLevel,
    });
    this.functions.set(OUTBOX_ENRICHMENT, enrichment);
    this.outbox = new OutboxPipe(this, 'Outbox', {
      stage: config.stage,
      table: props.table,
      bus: props.outBus,
      enrichment: enrichment.fn,
      deadLetterQueue: dlq('outbox'),
    });
    // Only the pipe's role may put events on the outbound bus: an explicit Deny for every other
    // principal, so an IAM policy elsewhere in the account allowing PutEvents cannot publish as us.
    new CfnEventBusPolicy(this, 'OutBusOnlyThePipe', {
      eventBusName: props.outBus.eventBusName,
      statementId: 'only-the-outbox-pipe',
      statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: props.outBus.eventBusArn,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': this.outbox.role.roleArn } },
      },
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: new Map([...this.functions].map(([handler, fn]) => [handler, fn.fn])),
      deadLetterQueues: this.deadLetterQueues,
      apiStage: this.apiStage,
      metricsNamespace,
      alarmEmail: config.alarmEmail,
      table: props.table,
      routes: props.routes,
      jobs: props.jobs.map((job) => ({ job: job.job, handler: job.handler, every: config.schedules.get(job.job)! })),
      thresholds: config.alarms,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    if (props.userPool && props.userPoolClient && !config.jwt) {
      new CfnOutput(this, 'UserPoolId', { value: props.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: props.userPoolClient.userPoolClientId });
    }
  }
}

/**
 * The context settings each function gets, as the environment variables the code already reads:
 * RULES_CONFIG to every function that applies rules (all but the outbox enrichment), PAYOUT_* to the
 * functions that run the payout job, EXPIRY_CONCURRENCY to those that run the expiry job.
 */
export function runtimeSettings(config: DeployConfig): (handler: string) => Record<string, string> {
  const { rulesConfig, payout, expiryConcurrency } = config.runtime;
  const runsPayouts = new Set(['payout', 'run-job']);
  const runsExpiry = new Set(['expire-windows', 'run-job']);
  return (handler) => ({
    ...(rulesConfig ? { RULES_CONFIG: rulesConfig } : {}),
    ...(runsPayouts.has(handler) ? payout : {}),
    ...(runsExpiry.has(handler) && expiryConcurrency ? { EXPIRY_CONCURRENCY: expiryConcurrency } : {}),
  });
}

/** A route whose query schema has a `cursor` field. */
function takesCursor(route: RouteSpec): boolean {
  const shape = (route.query as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return Boolean(shape && 'cursor' in shape);
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`StatelessStack needs ${name} when no JWT issuer is configured`);
  return value;
}

/** One JSON object per request, with what an operator needs to trace a call or a failed login. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    method: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
    userAgent: '$context.identity.userAgent',
  }),
);
