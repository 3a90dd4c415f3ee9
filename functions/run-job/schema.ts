import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { JOBS } from '#shared/jobs/scheduled-event.ts';
import { jobs } from '../jobs.ts';

/** Only jobs registered in functions/jobs.ts can be run; any other name is a 400. */
const registeredJobs = jobs.map((spec) => spec.job);

export const runJobRoute = defineRoute({
  method: 'POST',
  path: '/v1/jobs/{job}/runs',
  operationId: 'runJob',
  summary: 'Run a scheduled job now, with the same handler the schedule invokes',
  handler: 'run-job',
  roles: ['ops'],
  params: z.object({ job: z.enum(registeredJobs) }),
  responses: {
    200: { description: 'What the run did', schema: z.looseObject({ job: z.enum(JOBS), processed: z.int() }) },
  },
});
