import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { AddEvidenceInput, ClaimSchema, idSchema } from '#shared/http/schemas.ts';

export const addEvidenceRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/evidence',
  operationId: 'addEvidence',
  summary: 'Add evidence to a claim in NEEDS_INFO; it returns to UNDER_REVIEW (A2)',
  handler: 'add-evidence',
  roles: ['buyer'],
  params: z.object({ claimId: idSchema }),
  body: AddEvidenceInput,
  responses: { 200: { description: 'The claim', schema: ClaimSchema } },
});
