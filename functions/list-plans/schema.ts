import { defineRoute } from '#shared/http/route.ts';
import { ROLES } from '#shared/rules/types.ts';
import { PlanCatalogSchema } from '#shared/http/schemas.ts';

export const listPlansRoute = defineRoute({
  method: 'GET',
  path: '/v1/plans',
  operationId: 'listPlans',
  summary: 'The plan catalog with terms and current agreementVersion',
  handler: 'list-plans',
  roles: ROLES,
  responses: { 200: { description: 'The five plans, and beside them the deposit’s terms (not a plan: never quoted or joined)', schema: PlanCatalogSchema } },
});
