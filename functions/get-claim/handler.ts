import { httpHandler } from '#shared/http/handler.ts';
import { viewClaim } from '#shared/use-cases/claim-reads.ts';
import { claimView } from '#shared/views/claims.ts';
import { getClaimRoute } from './schema.ts';

/** GET /v1/claims/{claimId} — the claim with its history (A4), for the parties it concerns and staff. */
export const handler = httpHandler(getClaimRoute, async ({ params, principal }) => {
  const claim = await viewClaim(params.claimId, principal);
  return { status: 200, body: claimView(claim) };
});
