import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { BuyCoverInput, ExternalId, PolicySchema } from '#shared/http/schemas.ts';

export const issuePolicyRoute = defineRoute({
  method: 'POST',
  path: '/v1/orders/{orderId}/policies',
  operationId: 'issuePolicy',
  summary: 'Buy (buyer) or issue (service) cover for an order (I1–I6)',
  handler: 'issue-policy',
  roles: ['buyer', 'service'],
  params: z.object({ orderId: ExternalId }),
  body: BuyCoverInput,
  responses: { 201: { description: 'The issued policies', schema: z.object({ items: z.array(PolicySchema) }) } },
});
