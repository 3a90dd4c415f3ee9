import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { AddEvidenceInput, ClaimSchema } from '#shared/http/schemas.ts';

export const addEvidenceRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/evidence',
  operationId: 'addEvidence',
  summary: 'Add evidence to a claim in NEEDS_INFO; it returns to UNDER_REVIEW (A2)',
  handler: 'add-evidence',
  roles: ['buyer'],
  params: z.object({ claimId: z.string().check(z.minLength(1), z.maxLength(64)) }),
  body: AddEvidenceInput,
  responses: { 200: { description: 'The claim', schema: ClaimSchema } },
});
