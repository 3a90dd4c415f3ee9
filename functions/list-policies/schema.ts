import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, ListQuery, PolicySchema, listOf } from '#shared/http/schemas.ts';

export const listOrderPoliciesRoute = defineRoute({
  method: 'GET',
  path: '/v1/orders/{orderId}/policies',
  operationId: 'listOrderPolicies',
  summary: 'Policies in the order detail (I7)',
  handler: 'list-policies',
  roles: ['buyer', 'merchant', 'adjuster', 'ops'],
  params: z.object({ orderId: ExternalId }),
  responses: { 200: { description: "The order's policies", schema: z.object({ items: z.array(PolicySchema) }) } },
});

export const listMerchantPoliciesRoute = defineRoute({
  method: 'GET',
  path: '/v1/merchants/{merchantId}/policies',
  operationId: 'listMerchantPolicies',
  summary: "A merchant's policies, oldest first",
  handler: 'list-policies',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  query: z.extend(ListQuery, { status: z.optional(z.enum(['ACTIVE', 'CLAIMED', 'EXPIRED', 'VOID'])) }),
  responses: { 200: { description: 'A page of policies', schema: listOf(PolicySchema) } },
});
