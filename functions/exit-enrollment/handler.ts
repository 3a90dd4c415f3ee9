import { nowInstant } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { exitEnrollment } from '#shared/use-cases/merchants.ts';
import { exitEnrollmentRoute } from './schema.ts';

/**
 * POST /v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit — exit (退保) with a reason (J8);
 * merchant (self), ops. 200 with the TERMINATED enrollment; 409 when it is no longer ACTIVE.
 */
export const handler = httpHandler(exitEnrollmentRoute, async ({ params, body, principal }) => {
  // Another merchant's resource is never revealed, not even that it exists.
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await exitEnrollment(params.merchantId, params.enrollmentId, body.reason, nowInstant()) };
});
