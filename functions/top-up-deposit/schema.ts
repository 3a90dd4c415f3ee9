import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, TopUpInput, TopUpSchema } from '#shared/http/schemas.ts';

export const topUpDepositRoute = defineRoute({
  method: 'POST',
  path: '/v1/merchants/{merchantId}/deposit/top-ups',
  operationId: 'topUpDeposit',
  summary: "Start a deposit top-up (D4): the answer is the payment provider's instruction; the deposit is credited only when the provider confirms the payment",
  handler: 'top-up-deposit',
  roles: ['merchant'],
  params: z.object({ merchantId: ExternalId }),
  body: TopUpInput,
  responses: { 201: { description: 'The top-up, PENDING, with its payment instruction and expiry', schema: TopUpSchema } },
});
