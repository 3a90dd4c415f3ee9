import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { optionalEnv } from '#shared/config.ts';
import type { ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { logger } from '#shared/logger.ts';
import { selectPaymentProvider } from '#shared/payments/provider.ts';
import { nowInstant } from '#shared/use-cases/claims.ts';
import { runPayouts, type PayoutResult } from '#shared/use-cases/payouts.ts';
import { checkTopUps, type TopUpCheckResult } from '#shared/use-cases/top-ups.ts';

/** The payment provider from configuration (PAYMENT_PROVIDER), chosen once per execution environment. */
const provider = selectPaymentProvider();

/**
 * `OverduePayouts` (P2), in POWERTOOLS_METRICS_NAMESPACE with the default `service` dimension: the
 * alarm in infra/monitoring.ts fires on any. The namespace is set in AWS only; without it (npm
 * start, tests) the metric is dropped — the run's result and log carry the same count. Exported so
 * tests can observe it.
 */
const namespace = optionalEnv('POWERTOOLS_METRICS_NAMESPACE');
export const metrics = new Metrics({ namespace: namespace ?? 'baozhang', serviceName: 'baozhang' });

/**
 * The `payout` job (P1–P3), every 5 minutes from EventBridge Scheduler, on a timer locally, and on
 * demand through POST /v1/jobs/payout/runs — always this same function. It starts no new payout
 * once the invocation has less than 10 s left; the next run continues where it stopped. Then, with
 * the same provider, its small second step: the deposit top-ups whose query is due (D4) are asked
 * about — credited once when paid, EXPIRED when their time is over (`topUps` in the result).
 */
export async function handler(
  event: ScheduledJobEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<PayoutResult & { topUps: TopUpCheckResult }> {
  try {
    const remainingMs = () => context.getRemainingTimeInMillis();
    const result = { ...(await runPayouts({ provider, remainingMs })), topUps: await checkTopUps(provider, nowInstant(), remainingMs) };
    metrics.addMetric('OverduePayouts', MetricUnit.Count, result.overdue);
    logger.info('Payout run finished', { ...result, provider: provider.name, scheduleArn: event.scheduleArn, executionId: event.executionId });
    return result;
  } finally {
    if (namespace) metrics.publishStoredMetrics();
    else metrics.clearMetrics();
  }
}
