import type { Context } from 'aws-lambda';
import { withCorrelationId } from '#shared/correlation.ts';
import { logger } from '#shared/logger.ts';
import { countJobRun } from '#shared/metrics.ts';
import type { ScheduledJobEvent } from './scheduled-event.ts';

/**
 * One job run as operators see it: every log line and every event out it causes carries the run's
 * correlation id — the schedule's `executionId` (the API request id for `POST /v1/jobs/{job}/runs`)
 * — and the Lambda context when Lambda gave one; a finished run counts `JobRuns` and `JobItems`
 * (the "job has not run" alarm and the dashboard read them). The items a run handles keep their
 * own ids in the log fields (payoutId, claimId), so a search by either id finds the run too.
 */
export async function observedJobRun<T extends { processed: number }>(
  job: string,
  event: ScheduledJobEvent,
  context: Partial<Context>,
  run: () => Promise<T>,
): Promise<T> {
  if (typeof context.awsRequestId === 'string' && typeof context.functionName === 'string') logger.powertools.addContext(context as Context);
  return withCorrelationId(event.executionId, async () => {
    const result = await run();
    countJobRun(job, result.processed);
    return result;
  });
}
