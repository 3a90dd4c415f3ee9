/**
 * Custom CloudWatch metrics (Powertools Metrics, embedded metric format), in the namespace
 * POWERTOOLS_METRICS_NAMESPACE with the default `service` dimension; infra/monitoring.ts alarms on
 * them. The namespace is set in AWS only: without it (npm start, tests) nothing is printed — the
 * job results and responses carry the same facts. `metrics` is exported so tests can observe it.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { optionalEnv } from '#shared/config.ts';

export const metrics = new Metrics({ namespace: optionalEnv('POWERTOOLS_METRICS_NAMESPACE') ?? 'baozhang', serviceName: 'baozhang' });

/** Metric names, shared with the alarms in infra/monitoring.ts. */
export const METRIC = {
  /** Unsettled payouts past `dueBy` seen by a payout run (P2). */
  overduePayouts: 'OverduePayouts',
  /** Days of PRC working-day calendar left after today, from the scheduled jobs. */
  calendarDaysLeft: 'CalendarDaysLeft',
  /** A payout whose due date was counted in calendar days because the working-day calendar ends first. */
  payoutDueApproximate: 'PayoutDueApproximate',
  /** One per finished job run, dimension `job`: the "job has not run" alarm reads it. */
  jobRuns: 'JobRuns',
  /** An inbound event whose id was processed before, counted by the events handler. */
  duplicateEvents: 'DuplicateEvents',
  /** A stored response replayed for a repeated Idempotency-Key (shared/http/idempotency.ts). */
  idempotentReplays: 'IdempotentReplays',
  /** Items a job run handled (payouts, windows, claims), dimension `job`. */
  jobItems: 'JobItems',
} as const;

/** Ends a job invocation: publishes what it added to `metrics`, or drops it without a namespace. */
export function publishMetrics(): void {
  if (optionalEnv('POWERTOOLS_METRICS_NAMESPACE')) metrics.publishStoredMetrics();
  else metrics.clearMetrics();
}

/**
 * Counts one occurrence at once, on its own EMF line: for request handlers, which keep no
 * metrics to publish at the end of an invocation.
 */
export function countNow(name: string, value = 1): void {
  if (!optionalEnv('POWERTOOLS_METRICS_NAMESPACE')) return;
  metrics.singleMetric().addMetric(name, MetricUnit.Count, value);
}

/** A finished job run and how many items it handled, with the `job` dimension (on their own EMF line). */
export function countJobRun(job: string, items: number): void {
  if (!optionalEnv('POWERTOOLS_METRICS_NAMESPACE')) return;
  const single = metrics.singleMetric();
  single.addDimension('job', job);
  single.addMetric(METRIC.jobRuns, MetricUnit.Count, 1);
  const more = metrics.singleMetric();
  more.addDimension('job', job);
  more.addMetric(METRIC.jobItems, MetricUnit.Count, items);
}
