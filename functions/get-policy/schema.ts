import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { idSchema, PolicySchema } from '#shared/http/schemas.ts';

export const getPolicyRoute = defineRoute({
  method: 'GET',
  path: '/v1/policies/{policyId}',
  operationId: 'getPolicy',
  summary: 'One policy',
  handler: 'get-policy',
  roles: ['buyer', 'merchant', 'adjuster', 'ops'],
  params: z.object({ policyId: idSchema }),
  responses: { 200: { description: 'The policy', schema: PolicySchema } },
});
