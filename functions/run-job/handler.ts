import type { Context } from 'aws-lambda';
import { clock } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { HttpProblem } from '#shared/http/problem.ts';
import type { ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { handler as expireWindows } from '#functions/expire-windows/handler.ts';
import { handler as payout } from '#functions/payout/handler.ts';
import { jobs } from '../jobs.ts';
import { runJobRoute } from './schema.ts';

type ScheduledHandler = (event: ScheduledJobEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<{ job: string; processed: number }>;

/**
 * The scheduled handler of each job handler folder, imported statically: the bundler packs it into
 * this function and tree-shakes it (a dynamic import would keep every module it reaches whole).
 * A job registered in functions/jobs.ts needs its entry here.
 */
const scheduledHandlers: Readonly<Record<string, ScheduledHandler>> = {
  'expire-windows': expireWindows as ScheduledHandler,
  payout: payout as ScheduledHandler,
};

/** API Gateway gives up after 29 s; the job stops itself when < 10 s of this budget remain. */
const RUN_BUDGET_MS = 25_000;

/**
 * POST /v1/jobs/{job}/runs (ops) — runs a registered job now through the SAME handler module the
 * schedule invokes, with a ScheduledJobEvent whose `scheduleArn` is `api`, and answers its result.
 */
export const handler = httpHandler(runJobRoute, async ({ params, event }) => {
  const spec = jobs.find((candidate) => candidate.job === params.job);
  const run = spec && scheduledHandlers[spec.handler];
  if (!run) throw new HttpProblem(501, 'JOB_NOT_AVAILABLE', 'Job not available', `The ${params.job} job has no handler yet.`);
  const startedAt = performance.now();
  const result = await run(
    {
      job: params.job,
      scheduleArn: 'api',
      scheduledTime: clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      executionId: event.requestContext.requestId,
      attemptNumber: '1',
    },
    { getRemainingTimeInMillis: () => RUN_BUDGET_MS - (performance.now() - startedAt) },
  );
  return { status: 200, body: result };
});
