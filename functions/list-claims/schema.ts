import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ClaimSchema, ListQuery, listOf } from '#shared/http/schemas.ts';
import { CLAIM_STATUSES, ROLES } from '#shared/rules/types.ts';

export const listClaimsRoute = defineRoute({
  method: 'GET',
  path: '/v1/claims',
  operationId: 'listClaims',
  summary: 'Claims the caller may see, newest first',
  handler: 'list-claims',
  roles: ROLES,
  query: z.extend(ListQuery, { status: z.optional(z.enum(CLAIM_STATUSES)) }),
  responses: { 200: { description: 'A page of claims', schema: listOf(ClaimSchema) } },
});
