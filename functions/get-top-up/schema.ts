import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, TopUpSchema } from '#shared/http/schemas.ts';

export const getTopUpRoute = defineRoute({
  method: 'GET',
  path: '/v1/merchants/{merchantId}/deposit/top-ups/{topUpId}',
  operationId: 'getTopUp',
  summary: 'One deposit top-up and its status: PENDING, CREDITED (the provider confirmed it) or EXPIRED (D4)',
  handler: 'get-top-up',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId, topUpId: ExternalId }),
  responses: { 200: { description: 'The top-up', schema: TopUpSchema } },
});
