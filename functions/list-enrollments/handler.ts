import { httpHandler } from '#shared/http/handler.ts';
import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { listEnrollments } from '#shared/use-cases/merchants.ts';
import { listEnrollmentsRoute } from './schema.ts';

/** GET /v1/merchants/{merchantId}/enrollments — `{items, liveSelectQualified}` (J5); merchant (self), ops. */
export const handler = httpHandler(listEnrollmentsRoute, async ({ params, principal }) => {
  // Another merchant's resource is never revealed, not even that it exists.
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await listEnrollments(params.merchantId) };
});
