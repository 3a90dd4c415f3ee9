import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUSINESS_METRIC } from '#shared/business-metrics.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { METRIC } from '#shared/metrics.ts';
import { CALENDAR_WARNING_DAYS } from '#shared/rules/calendar.ts';
import type { ScheduleSetting } from './config.ts';
import { acknowledge } from './nag.ts';

/**
 * The custom metric the payout job emits (Powertools Metrics, namespace from
 * POWERTOOLS_METRICS_NAMESPACE, default dimension `service`): how many payouts are past `dueBy`.
 */
export const OVERDUE_PAYOUTS_METRIC = METRIC.overduePayouts;

/**
 * Days of PRC working-day calendar left after today, from the payout and expiry jobs: below
 * CALENDAR_WARNING_DAYS (60) an operator must add next year (`npm run ops -- calendar add`).
 */
export const CALENDAR_DAYS_LEFT_METRIC = METRIC.calendarDaysLeft;

/** Where each alarm's description points: the runbook section `#alarm-<id>` of docs/operations.md. */
export const RUNBOOK = 'docs/operations.md';
export const runbookLink = (alarmId: string) => `${RUNBOOK}#alarm-${alarmId}`;

export interface MonitoringProps {
  stage: string;
  functions: ReadonlyMap<string, IFunction>;
  deadLetterQueues: ReadonlyMap<string, IQueue>;
  apiStage: IHttpStage;
  metricsNamespace: string;
  alarmEmail?: string;
  table?: ITableV2;
  routes?: readonly RouteSpec[];
  jobs?: ReadonlyArray<{ job: string; handler: string; every: ScheduleSetting }>;
  /** API 5xx share (%) and p99 latency (ms) that alarm when held for `minutes` minutes. */
  thresholds?: { api5xxPercent: number; apiP99Ms: number; minutes: number };
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);
/** Functions invoked by people through the API fail one request at a time: the 5xx rate alarm covers them. */
const API_ERRORS_TO_ALARM = 5;

/**
 * Alarms on what needs a person, each description saying what it means and where the runbook
 * section is: the API's 5xx *rate* and p99 latency over thresholds for N minutes (not one bad
 * request), a job function failing or not having run for two intervals, payouts overdue or failed
 * for good, anything in a dead-letter queue, throttling (functions, table), and a working-day
 * calendar that ends within 60 days. All notify one SNS topic. Plus one dashboard with the API per
 * route, the jobs, the business metrics, the queues and the table.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const thresholds = props.thresholds ?? { api5xxPercent: 1, apiP99Ms: 1000, minutes: 5 };
    this.topic = new Topic(this, 'Alarms', { topicName: `baozhang-${props.stage}-alarms`, enforceSSL: true });
    if (props.alarmEmail) {
      const subscription = new Subscription(this, 'Email', { topic: this.topic, protocol: SubscriptionProtocol.EMAIL, endpoint: props.alarmEmail });
      acknowledge(subscription, {
        'Serverless-SNSRedrivePolicy':
          'An alarm e-mail that cannot be delivered needs no dead-letter queue: the alarm state and history stay in ' +
          'CloudWatch, and a DLQ for notifications would itself need an alarm that could only notify this topic.',
      });
    }
    const action = new SnsAction(this.topic);
    const custom = (metricName: string, statistic: string, period = FIVE_MINUTES, dimensionsMap: Record<string, string> = {}) =>
      new Metric({ namespace: props.metricsNamespace, metricName, dimensionsMap: { service: 'baozhang', ...dimensionsMap }, period, statistic });

    const alarm = (
      alarmId: string,
      description: string,
      metric: IMetric,
      options: { threshold?: number; evaluationPeriods?: number; comparison?: ComparisonOperator; missing?: TreatMissingData } = {},
    ) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `baozhang-${props.stage}-${alarmId}`,
        alarmDescription: `${description} Runbook: ${runbookLink(alarmId.replace(/^.*-(errors|throttles|dlq-depth|not-run)$/, '$1'))}`,
        metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    const jobHandlers = new Set((props.jobs ?? []).map((job) => job.handler));
    const apiHandlers = new Set((props.routes ?? []).map((route) => route.handler));
    for (const [handler, fn] of props.functions) {
      // An API function's crash is one failed request (the 5xx rate alarm counts those); a job,
      // event or outbox function that fails leaves work undone, so one failure is worth a look.
      const perRequest = apiHandlers.has(handler) && !jobHandlers.has(handler) && handler !== 'events';
      alarm(
        `${handler}-errors`,
        perRequest
          ? `Function ${handler} failed ${API_ERRORS_TO_ALARM} or more times in ${thresholds.minutes} minutes (crashes or timeouts, not 4xx).`
          : `Function ${handler} failed: a job run, an inbound event or an outbox batch did not complete (it is retried).`,
        fn.metricErrors({ period: Duration.minutes(thresholds.minutes), statistic: 'Sum' }),
        { threshold: perRequest ? API_ERRORS_TO_ALARM : 1 },
      );
      alarm(
        `${handler}-throttles`,
        `Function ${handler} was throttled 5 or more times in 5 minutes: the account's or its reserved concurrency is exhausted.`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        { threshold: 5 },
      );
    }
    for (const [name, queue] of props.deadLetterQueues) {
      alarm(
        `${name}-dlq-depth`,
        `Messages are waiting in the ${name} dead-letter queue: work that failed every retry (npm run ops -- redrive-dlq ${name}).`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      );
    }
    alarm('overdue-payouts', 'Approved payouts are past their due date (P2: paid within the promised time).', custom(OVERDUE_PAYOUTS_METRIC, 'Maximum'));
    alarm(
      'payouts-failed',
      'A payout failed for good (the provider refused it or every attempt failed): a claimant or merchant is not paid.',
      custom(BUSINESS_METRIC.payoutsFailed, 'Sum'),
    );
    // Low, not high: fewer than 60 days of calendar. Missing data keeps the last state, so a
    // warning does not clear itself while the jobs are down.
    alarm(
      'calendar-days-left',
      `The PRC working-day calendar ends within ${CALENDAR_WARNING_DAYS} days (P2): add next year with ` +
        '`npm run ops -- calendar add YEAR FILE` and deploy.',
      custom(CALENDAR_DAYS_LEFT_METRIC, 'Minimum', Duration.hours(1)),
      { threshold: CALENDAR_WARNING_DAYS, comparison: ComparisonOperator.LESS_THAN_THRESHOLD, missing: TreatMissingData.MISSING },
    );

    // --- API: a rate and a latency held for N minutes, not one bad request ----------------------
    const api = props.apiStage;
    const requests = api.metricCount({ period: ONE_MINUTE, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: ONE_MINUTE, statistic: 'Sum' });
    const clientErrors = api.metricClientError({ period: ONE_MINUTE, statistic: 'Sum' });
    const errorRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: '5xx %',
      period: ONE_MINUTE,
    });
    alarm(
      'api-5xx-rate',
      `More than ${thresholds.api5xxPercent}% of API requests answered 5xx in each of ${thresholds.minutes} minutes (a 5xx is a bug).`,
      errorRate,
      { threshold: thresholds.api5xxPercent, evaluationPeriods: thresholds.minutes, comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    alarm(
      'api-p99-latency',
      `The API's p99 latency was above ${thresholds.apiP99Ms} ms in each of ${thresholds.minutes} minutes.`,
      api.metricLatency({ period: ONE_MINUTE, statistic: 'p99' }),
      { threshold: thresholds.apiP99Ms, evaluationPeriods: thresholds.minutes, comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );

    // --- Jobs: not run in two intervals ----------------------------------------------------------
    for (const { job, every } of props.jobs ?? []) {
      if (!every.enabled) continue; // a paused job (context `<job>Every=off`) is not missed
      alarm(
        `${job}-not-run`,
        `The ${job} job has not finished a run in two of its intervals (${every.rate.toMinutes()} minutes each).`,
        custom(METRIC.jobRuns, 'Sum', Duration.minutes(Math.min(2 * every.rate.toMinutes(), 24 * 60)), { job }),
        { comparison: ComparisonOperator.LESS_THAN_THRESHOLD, missing: TreatMissingData.BREACHING },
      );
    }

    // --- Table throttling ------------------------------------------------------------------------
    if (props.table) {
      const throttles = (metricName: string) =>
        new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: props.table!.tableName }, period: FIVE_MINUTES, statistic: 'Sum' });
      alarm(
        'table-throttles',
        'DynamoDB throttled reads or writes of the table 10 or more times in 5 minutes (a hot partition or the account limit).',
        new MathExpression({
          expression: 'reads + writes',
          usingMetrics: { reads: throttles('ReadThrottleEvents'), writes: throttles('WriteThrottleEvents') },
          label: 'throttle events',
          period: FIVE_MINUTES,
        }),
        { threshold: 10 },
      );
    }

    this.dashboard = this.buildDashboard(props, { requests, serverErrors, clientErrors, errorRate }, custom);
  }

  private buildDashboard(
    props: MonitoringProps,
    api: { requests: IMetric; serverErrors: IMetric; clientErrors: IMetric; errorRate: IMetric },
    custom: (metricName: string, statistic: string, period?: Duration, dimensions?: Record<string, string>) => Metric,
  ): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `baozhang-${props.stage}` });
    const stage = props.apiStage;
    const width = 12;
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# Baozhang ${props.stage}\nAlarms and what to do about each: ${RUNBOOK}. Logs: search \`correlationId\` in Logs Insights.`,
        width: 24,
        height: 2,
      }),
      new GraphWidget({ title: 'API requests, 4xx, 5xx', left: [api.requests, api.clientErrors, api.serverErrors], right: [api.errorRate], width }),
      new GraphWidget({
        title: 'API latency p50 / p99 (ms)',
        left: [stage.metricLatency({ statistic: 'p50', period: ONE_MINUTE }), stage.metricLatency({ statistic: 'p99', period: ONE_MINUTE })],
        width,
      }),
    );
    // Per route: detailed metrics of the HTTP API stage (ApiId, Stage, Method, Resource).
    const routeMetric = (route: RouteSpec, metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: stage.api.apiId, Stage: stage.stageName, Method: route.method, Resource: route.path },
        statistic,
        period: FIVE_MINUTES,
        label: `${route.method} ${route.path}`,
      });
    const routes = props.routes ?? [];
    if (routes.length > 0) {
      dashboard.addWidgets(
        new GraphWidget({ title: 'Latency p50 per route', left: routes.map((r) => routeMetric(r, 'Latency', 'p50')), width, legendPosition: undefined }),
        new GraphWidget({ title: 'Latency p99 per route', left: routes.map((r) => routeMetric(r, 'Latency', 'p99')), width }),
        new GraphWidget({ title: '4xx per route', left: routes.map((r) => routeMetric(r, '4xx', 'Sum')), width }),
        new GraphWidget({ title: '5xx per route', left: routes.map((r) => routeMetric(r, '5xx', 'Sum')), width }),
      );
    }
    const jobs = props.jobs ?? [];
    if (jobs.length > 0) {
      dashboard.addWidgets(
        new GraphWidget({
          title: 'Job duration p50 / max (ms)',
          left: jobs.flatMap(({ job, handler }) => {
            const fn = props.functions.get(handler);
            return fn ? [fn.metricDuration({ statistic: 'p50', label: `${job} p50` }), fn.metricDuration({ statistic: 'Maximum', label: `${job} max` })] : [];
          }),
          width,
        }),
        new GraphWidget({
          title: 'Job runs and items per run',
          left: jobs.map(({ job }) => custom(METRIC.jobRuns, 'Sum', FIVE_MINUTES, { job })),
          right: jobs.map(({ job }) => custom(METRIC.jobItems, 'Average', FIVE_MINUTES, { job })),
          width,
        }),
      );
    }
    // Business metrics: the plan dimension where events carry one (SEARCH sums every plan).
    const perPlan = (metricName: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${props.metricsNamespace},plan,service} MetricName="${metricName}"', 'Sum', 3600)`,
        label,
        period: Duration.hours(1),
      });
    const M = BUSINESS_METRIC;
    const hourly = (name: string) => custom(name, 'Sum', Duration.hours(1));
    dashboard.addWidgets(
      new GraphWidget({ title: 'Policies issued per plan (hourly)', left: [perPlan(M.policiesIssued, 'issued')], width }),
      new GraphWidget({
        title: 'Claims submitted / auto-approved per plan (hourly)',
        left: [perPlan(M.claimsSubmitted, 'submitted'), perPlan(M.claimsAutoApproved, 'auto-approved')],
        width,
      }),
      new GraphWidget({
        title: 'Claims approved / rejected / lapsed (hourly)',
        left: [hourly(M.claimsApproved), hourly(M.claimsRejected), hourly(M.claimsLapsed)],
        width,
      }),
      new GraphWidget({
        title: 'Amounts approved / paid / topped up (fen, hourly)',
        left: [hourly(M.amountApprovedFen), hourly(M.amountPaidFen), hourly(M.amountToppedUpFen)],
        width,
      }),
      new GraphWidget({
        title: 'Payouts sent / failed / overdue, top-ups credited (hourly)',
        left: [hourly(M.payoutsSent), hourly(M.payoutsFailed), hourly(M.payoutsOverdue), hourly(M.topUpsCredited)],
        right: [custom(OVERDUE_PAYOUTS_METRIC, 'Maximum')],
        width,
      }),
      new GraphWidget({ title: 'Duplicate events, idempotent replays (hourly)', left: [hourly(M.duplicateEvents), hourly(M.idempotentReplays)], width }),
    );
    const queues = [...props.deadLetterQueues];
    dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Dead-letter queue depths',
        metrics: queues.map(([name, queue]) => queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: name })),
        width,
      }),
    );
    if (props.table) {
      const tableMetric = (metricName: string) =>
        new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: props.table!.tableName }, statistic: 'Sum', period: FIVE_MINUTES });
      dashboard.addWidgets(
        new GraphWidget({
          title: 'Table throttles',
          left: [tableMetric('ReadThrottleEvents'), tableMetric('WriteThrottleEvents')],
          right: [tableMetric('ConsumedWriteCapacityUnits')],
          width,
        }),
      );
    }
    return dashboard;
  }
}
