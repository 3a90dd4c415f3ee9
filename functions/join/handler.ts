import { nowInstant } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { join } from '#shared/use-cases/merchants.ts';
import { joinRoute } from './schema.ts';

/**
 * POST /v1/merchants/{merchantId}/enrollments — join a plan (J1–J10); merchant (self), ops.
 * 201 with the enrollment; a refusal is the rule's problem (422, or 409 ALREADY_ENROLLED).
 */
export const handler = httpHandler(joinRoute, async ({ params, body, principal }) => {
  // Another merchant's resource is never revealed, not even that it exists.
  assertSelfOrOps(principal, params.merchantId);
  return { status: 201, body: await join(params.merchantId, body, nowInstant()) };
});
