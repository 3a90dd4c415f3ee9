import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { submitClaim } from '#shared/use-cases/claims.ts';
import { claimView } from '#shared/views/claims.ts';
import { resolveEvidence } from '#shared/use-cases/evidence.ts';
import { submitClaimRoute } from './schema.ts';

/** POST /v1/claims — a buyer claims on its own policy (C1–C10); 201 APPROVED or UNDER_REVIEW (A1). */
export const handler = httpHandler(submitClaimRoute, async ({ body, principal }) => {
  const { evidence: sent, ...rest } = body;
  const evidence = await resolveEvidence(principal.id, sent);
  const claim = await submitClaim(principal.id, { ...rest, ...(evidence ? { evidence } : {}) }, nowInstant());
  return { status: 201, body: claimView(claim), headers: { location: `/v1/claims/${claim.claimId}` } };
});
