import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, TopUpInput, TopUpResultSchema } from '#shared/http/schemas.ts';

export const topUpDepositRoute = defineRoute({
  method: 'POST',
  path: '/v1/merchants/{merchantId}/deposit/top-ups',
  operationId: 'topUpDeposit',
  summary: 'Pay into the consumer-protection deposit (D1)',
  handler: 'top-up-deposit',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  body: TopUpInput,
  responses: { 201: { description: 'The top-up movement and the deposit after it', schema: TopUpResultSchema } },
});
