import { httpHandler, routeHandlers } from '#shared/http/handler.ts';
import { createEvidenceUpload } from '#shared/use-cases/evidence.ts';
import { createClaimEvidenceUploadRoute, createPolicyEvidenceUploadRoute } from './schema.ts';

/**
 * POST /v1/claims/{claimId}/evidence-uploads and POST /v1/policies/{policyId}/evidence-uploads —
 * a presigned upload for one evidence file of the caller's own claim or policy (issue 21).
 */
const forClaim = httpHandler(createClaimEvidenceUploadRoute, async ({ params, body, principal }) => ({
  status: 201,
  body: await createEvidenceUpload(principal, { claimId: params.claimId }, body),
}));
const forPolicy = httpHandler(createPolicyEvidenceUploadRoute, async ({ params, body, principal }) => ({
  status: 201,
  body: await createEvidenceUpload(principal, { policyId: params.policyId }, body),
}));

export const handler = routeHandlers({
  [`${createClaimEvidenceUploadRoute.method} ${createClaimEvidenceUploadRoute.path}`]: forClaim,
  [`${createPolicyEvidenceUploadRoute.method} ${createPolicyEvidenceUploadRoute.path}`]: forPolicy,
});
