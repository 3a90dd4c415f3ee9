import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, PlanIdSchema, QuoteSchema } from '#shared/http/schemas.ts';

export const getQuoteRoute = defineRoute({
  method: 'GET',
  path: '/v1/merchants/{merchantId}/quotes/{planId}',
  operationId: 'getQuote',
  summary: 'Eligibility with every failing reason, and the estimated rate (J4)',
  handler: 'get-quote',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId, planId: PlanIdSchema }),
  responses: { 200: { description: 'The quote', schema: QuoteSchema } },
});
