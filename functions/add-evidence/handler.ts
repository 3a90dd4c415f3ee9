import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { addEvidence } from '#shared/use-cases/claims.ts';
import { claimView } from '#shared/views/claims.ts';
import { resolveEvidence } from '#shared/use-cases/evidence.ts';
import { addEvidenceRoute } from './schema.ts';

/** POST /v1/claims/{claimId}/evidence — the claimant answers a request for information (A2). */
export const handler = httpHandler(addEvidenceRoute, async ({ params, body, principal }) => {
  const evidence = (await resolveEvidence(principal.id, body.evidence))!;
  const claim = await addEvidence(params.claimId, principal.id, { ...body, evidence }, nowInstant());
  return { status: 200, body: claimView(claim) };
});
