import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { observedJobRun } from '#shared/jobs/observed.ts';
import type { ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { logger } from '#shared/logger.ts';
import { METRIC, metrics, publishMetrics } from '#shared/metrics.ts';
import { selectPaymentProvider } from '#shared/payments/provider.ts';
import { calendarDaysLeftAt } from '#shared/rules-config.ts';
import { clock, nowInstant } from '#shared/clock.ts';
import { assertLeaseCoversCalls, runPayouts, type PayoutResult } from '#shared/use-cases/payouts.ts';
import { checkTopUps, type TopUpCheckResult } from '#shared/use-cases/top-ups.ts';
import { payoutSettingsFromEnv } from './settings.ts';

/** The payment provider from configuration (PAYMENT_PROVIDER), chosen once per execution environment. */
const provider = selectPaymentProvider();
/** The job's retry policy and concurrency (PAYOUT_*), read once, failing fast. */
const settings = payoutSettingsFromEnv();
// P3, failing fast at start-up: the lease outlasts two of the provider's longest calls plus a margin.
assertLeaseCoversCalls(settings.retry, provider);

/**
 * `OverduePayouts` (P2) and `CalendarDaysLeft` (shared/metrics.ts): the alarms in
 * infra/monitoring.ts fire on any overdue payout and on less than 60 days of working-day calendar.
 * Re-exported so tests can observe them.
 */
export { metrics };

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
    return await observedJobRun('payout', event, context, async () => {
      const remainingMs = () => context.getRemainingTimeInMillis();
      const result = {
        ...(await runPayouts({ provider, remainingMs, retry: settings.retry, concurrency: settings.concurrency })),
        topUps: await checkTopUps(provider, nowInstant(), remainingMs),
      };
      metrics.addMetric(METRIC.overduePayouts, MetricUnit.Count, result.overdue);
      metrics.addMetric(METRIC.calendarDaysLeft, MetricUnit.Count, calendarDaysLeftAt(clock.now()));
      logger.info('Payout run finished', { ...result, provider: provider.name, scheduleArn: event.scheduleArn, executionId: event.executionId });
      return result;
    });
  } finally {
    publishMetrics();
  }
}
