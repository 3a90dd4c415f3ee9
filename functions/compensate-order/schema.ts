import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { CompensationInput, CompensationSchema, ExternalId } from '#shared/http/schemas.ts';

export const compensateOrderRoute = defineRoute({
  method: 'POST',
  path: '/v1/orders/{orderId}/compensations',
  operationId: 'compensateOrder',
  summary:
    "Compensate a buyer from the merchant's deposit for an order dispute no policy covers (先行赔付, D5): at most the line's net paid less what claims and earlier compensations cover; paid like a claim",
  handler: 'compensate-order',
  roles: ['ops'],
  params: z.object({ orderId: ExternalId }),
  body: CompensationInput,
  responses: { 201: { description: 'The compensation, PENDING until its payout to the buyer settles', schema: CompensationSchema } },
});
