import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ClaimSchema, idSchema } from '#shared/http/schemas.ts';

export const getClaimRoute = defineRoute({
  method: 'GET',
  path: '/v1/claims/{claimId}',
  operationId: 'getClaim',
  summary: 'One claim with its history (A4)',
  handler: 'get-claim',
  roles: ['buyer', 'merchant', 'adjuster', 'ops'],
  params: z.object({ claimId: idSchema }),
  responses: { 200: { description: 'The claim', schema: ClaimSchema } },
});
