import { defineRoute } from '#shared/http/route.ts';
import { ClaimSchema, SubmitClaimInput } from '#shared/http/schemas.ts';

export const submitClaimRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims',
  operationId: 'submitClaim',
  summary: 'Submit a claim on a policy (C1–C10, A1)',
  handler: 'submit-claim',
  roles: ['buyer'],
  body: SubmitClaimInput,
  responses: { 201: { description: 'The claim, APPROVED or UNDER_REVIEW', schema: ClaimSchema } },
});
