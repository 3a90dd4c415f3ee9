import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ROLES } from '#shared/http/auth.ts';

export const listPlansRoute = defineRoute({
  method: 'GET',
  path: '/v1/plans',
  operationId: 'listPlans',
  summary: 'The plan catalog with terms and current agreementVersion',
  handler: 'list-plans',
  roles: ROLES,
  responses: { 200: { description: 'The catalog', schema: z.object({ items: z.array(z.looseObject({ planId: z.string() })) }) } },
});
