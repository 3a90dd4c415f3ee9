import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { AdvanceInput, AdvanceSchema, idSchema } from '#shared/http/schemas.ts';

export const advanceCompensationRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/advance-compensations',
  operationId: 'advanceCompensation',
  summary:
    "Pay an approved claim the insurer does not cover from the merchant's deposit (先行赔付, D2): the claim's payout is funded from the deposit, its amount held until the payout job settles it",
  handler: 'advance-compensation',
  roles: ['ops'],
  params: z.object({ claimId: idSchema }),
  body: AdvanceInput,
  responses: { 201: { description: 'The advance compensation, PENDING until its payout settles', schema: AdvanceSchema } },
});
