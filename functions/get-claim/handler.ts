import { httpHandler } from '#shared/http/handler.ts';
import { viewClaim } from '#shared/use-cases/claim-reads.ts';
import { claimView } from '#shared/views/claims.ts';
import { withDownloadUrls } from '#shared/use-cases/evidence.ts';
import { getClaimRoute } from './schema.ts';

/** GET /v1/claims/{claimId} — the claim with its history (A4), for the parties it concerns and staff. */
export const handler = httpHandler(getClaimRoute, async ({ params, principal }) => {
  const claim = await viewClaim(params.claimId, principal);
  // Issue 21: each uploaded file with a presigned GET, for a caller the read has allowed.
  return { status: 200, body: await withDownloadUrls(claimView(claim)) };
});
