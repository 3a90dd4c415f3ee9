import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { DepositSchema, ExternalId } from '#shared/http/schemas.ts';

export const getDepositRoute = defineRoute({
  method: 'GET',
  path: '/v1/merchants/{merchantId}/deposit',
  operationId: 'getDeposit',
  summary: 'The consumer-protection deposit: balance, held and available, frozen and forfeited flags, withdrawals, recent movements (D1–D3, J9)',
  handler: 'get-deposit',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  responses: { 200: { description: 'The deposit', schema: DepositSchema } },
});
