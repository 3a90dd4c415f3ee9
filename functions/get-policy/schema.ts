import * as z from 'zod';
import { defineRoute } from '#shared/http/route.ts';
import { PolicySchema } from '#shared/http/schemas.ts';

export const getPolicyRoute = defineRoute({
  method: 'GET',
  path: '/v1/policies/{policyId}',
  operationId: 'getPolicy',
  summary: 'One policy',
  handler: 'get-policy',
  roles: ['buyer', 'merchant', 'adjuster', 'ops'],
  params: z.object({ policyId: z.string().min(1).max(64) }),
  responses: { 200: { description: 'The policy', schema: PolicySchema } },
});
