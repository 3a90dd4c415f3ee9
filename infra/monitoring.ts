import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '#shared/metrics.ts';
import { CALENDAR_WARNING_DAYS } from '#shared/rules/calendar.ts';
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

export interface MonitoringProps {
  stage: string;
  functions: ReadonlyMap<string, IFunction>;
  deadLetterQueues: ReadonlyMap<string, IQueue>;
  apiStage: IHttpStage;
  metricsNamespace: string;
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what needs a person: any function error or throttle, anything in a dead-letter queue,
 * any overdue payout, any API 5xx (a 5xx is always a bug), and a working-day calendar that ends
 * within 60 days. All notify one SNS topic.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
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

    const alarm = (alarmId: string, description: string, metric: IMetric) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `baozhang-${props.stage}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    for (const [handler, fn] of props.functions) {
      alarm(`${handler}-errors`, `Function ${handler} failed`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }));
      alarm(`${handler}-throttles`, `Function ${handler} was throttled`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }));
    }
    for (const [name, queue] of props.deadLetterQueues) {
      alarm(
        `${name}-dlq-depth`,
        `Messages are waiting in the ${name} dead-letter queue`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      );
    }
    alarm(
      'overdue-payouts',
      'Approved payouts are past their due date (P-rules: paid within the promised time)',
      new Metric({
        namespace: props.metricsNamespace,
        metricName: OVERDUE_PAYOUTS_METRIC,
        dimensionsMap: { service: 'baozhang' },
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
    );
    // Low, not high: fewer than 60 days of calendar. Missing data keeps the last state, so a
    // warning does not clear itself while the jobs are down.
    const calendarEnding = new Alarm(this, 'calendar-days-left', {
      alarmName: `baozhang-${props.stage}-calendar-days-left`,
      alarmDescription:
        `The PRC working-day calendar ends within ${CALENDAR_WARNING_DAYS} days (P2): add next year with ` +
        '`npm run ops -- calendar add YEAR FILE` and deploy (docs/operations.md)',
      metric: new Metric({
        namespace: props.metricsNamespace,
        metricName: CALENDAR_DAYS_LEFT_METRIC,
        dimensionsMap: { service: 'baozhang' },
        period: Duration.hours(1),
        statistic: 'Minimum',
      }),
      threshold: CALENDAR_WARNING_DAYS,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.MISSING,
    });
    calendarEnding.addAlarmAction(action);
    this.alarms.push(calendarEnding);
    alarm('api-5xx', 'The API answered with a 5xx', props.apiStage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }));
  }
}
