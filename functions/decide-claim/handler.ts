import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { decideClaim } from '#shared/use-cases/claims.ts';
import { claimView } from '#shared/views/claims.ts';
import { decideClaimRoute } from './schema.ts';

/** POST /v1/claims/{claimId}/decisions — an adjuster approves, rejects or asks for more (A2, A3). */
export const handler = httpHandler(decideClaimRoute, async ({ params, body, principal }) => {
  const claim = await decideClaim(params.claimId, body, principal, nowInstant());
  return { status: 200, body: claimView(claim) };
});
