import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { BUSINESS_METRIC } from '#shared/business-metrics.ts';
import { clock, nowInstant } from '#shared/clock.ts';
import { observedJobRun } from '#shared/jobs/observed.ts';
import type { ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { logger } from '#shared/logger.ts';
import { METRIC, metrics, publishMetrics } from '#shared/metrics.ts';
import { calendarDaysLeftAt } from '#shared/rules-config.ts';
import { runExpiry, type ExpiryResult } from '#shared/use-cases/expiry.ts';

/**
 * The `expiry` job (X1–X4), every 15 minutes from EventBridge Scheduler, on a timer locally, and
 * on demand through POST /v1/jobs/expiry/runs — always this same function. It stops early when
 * the invocation has less than 10 s left; the next run continues where it stopped. It reports
 * `CalendarDaysLeft` too, so the calendar alarm keeps its data while either job runs.
 */
export async function handler(event: ScheduledJobEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ExpiryResult> {
  try {
    return await observedJobRun('expiry', event, context, async () => {
      const result = await runExpiry(nowInstant(), { remainingMs: () => context.getRemainingTimeInMillis() });
      metrics.addMetric(METRIC.calendarDaysLeft, MetricUnit.Count, calendarDaysLeftAt(clock.now()));
      // A lapse (X3) publishes no event out: it is counted here (shared/business-metrics.ts).
      metrics.addMetric(BUSINESS_METRIC.claimsLapsed, MetricUnit.Count, result.lapsed);
      logger.info('Expiry run finished', { ...result, scheduleArn: event.scheduleArn, executionId: event.executionId, scheduledTime: event.scheduledTime });
      return result;
    });
  } finally {
    publishMetrics();
  }
}
