import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ClaimSchema } from '#shared/http/schemas.ts';

export const getClaimRoute = defineRoute({
  method: 'GET',
  path: '/v1/claims/{claimId}',
  operationId: 'getClaim',
  summary: 'One claim with its history (A4)',
  handler: 'get-claim',
  roles: ['buyer', 'merchant', 'adjuster', 'ops'],
  params: z.object({ claimId: z.string().check(z.minLength(1), z.maxLength(64)) }),
  responses: { 200: { description: 'The claim', schema: ClaimSchema } },
});
