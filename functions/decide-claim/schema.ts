import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ClaimSchema, DecisionInput, idSchema } from '#shared/http/schemas.ts';

export const decideClaimRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/decisions',
  operationId: 'decideClaim',
  summary: 'Approve, reject or request information (A2, A3)',
  handler: 'decide-claim',
  roles: ['adjuster', 'ops'],
  params: z.object({ claimId: idSchema }),
  body: DecisionInput,
  responses: { 200: { description: 'The claim after the decision', schema: ClaimSchema } },
});
