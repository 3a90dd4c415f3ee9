import type { JobSpec } from '#shared/jobs/scheduled-event.ts';

export type { JobSpec };

/**
 * The scheduled jobs: which handler folder runs each, and how often. The CDK stack creates an
 * EventBridge Scheduler schedule per entry; the local runtime runs the same handler on a timer
 * (`PAYOUT_EVERY`, `EXPIRY_EVERY`, e.g. `30s`, `5m`).
 */
export const jobs: readonly JobSpec[] = [
  { job: 'payout', handler: 'payout', everyEnv: 'PAYOUT_EVERY', every: '5m' },
  { job: 'expiry', handler: 'expire-windows', everyEnv: 'EXPIRY_EVERY', every: '15m' },
];
