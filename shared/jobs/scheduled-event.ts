/**
 * The event a scheduled job handler receives. In AWS, EventBridge Scheduler invokes the function
 * with the schedule's `Input`, which the CDK stack builds with `scheduleInputTemplate` from the
 * Scheduler's context attributes (`<aws.scheduler.scheduled-time>` …); the local runtime builds the
 * same object with `localScheduledEvent`. One shape, two producers.
 */
export const JOBS = ['payout', 'expiry'] as const;
export type JobName = (typeof JOBS)[number];

/** A scheduled job (functions/jobs.ts lists them): which handler folder runs it, and how often. */
export interface JobSpec {
  job: JobName;
  handler: string;
  everyEnv: string;
  /** The AWS schedule rate, and the local default. */
  every: string;
}

export interface ScheduledJobEvent {
  job: JobName;
  scheduleArn: string;
  /** ISO-8601 UTC, e.g. `2026-11-21T02:00:00Z`. */
  scheduledTime: string;
  executionId: string;
  attemptNumber: string;
}

/** The Scheduler context-attribute keywords, as the CDK stack puts them into the schedule input. */
export function scheduleInputTemplate(job: JobName): ScheduledJobEvent {
  return {
    job,
    scheduleArn: '<aws.scheduler.schedule-arn>',
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
    attemptNumber: '<aws.scheduler.attempt-number>',
  };
}

export function localScheduledEvent(job: JobName, at: Date, executionId: string): ScheduledJobEvent {
  return {
    job,
    scheduleArn: `arn:aws:scheduler:local:000000000000:schedule/default/baozhang-${job}`,
    scheduledTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    executionId,
    attemptNumber: '1',
  };
}
