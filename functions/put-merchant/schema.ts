import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, MerchantProfileBody, MerchantSchema } from '#shared/http/schemas.ts';

export const putMerchantRoute = defineRoute({
  method: 'PUT',
  path: '/v1/merchants/{merchantId}',
  operationId: 'putMerchant',
  summary: 'Upsert a merchant profile',
  handler: 'put-merchant',
  roles: ['service', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  body: MerchantProfileBody,
  responses: { 200: { description: 'The stored profile', schema: MerchantSchema } },
});
