import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { idSchema, listOf, ListQuery, PayoutSchema } from '#shared/http/schemas.ts';
import { PAYOUT_STATUSES } from '#shared/rules/types.ts';

export const listPayoutsRoute = defineRoute({
  method: 'GET',
  path: '/v1/payouts',
  operationId: 'listPayouts',
  summary: 'Payouts: ops sees all, a beneficiary sees its own',
  handler: 'list-payouts',
  roles: ['ops', 'buyer', 'merchant'],
  query: z.extend(ListQuery, {
    claimId: z.optional(idSchema),
    status: z.optional(z.enum(PAYOUT_STATUSES)),
  }),
  responses: { 200: { description: 'A page of payouts', schema: listOf(PayoutSchema) } },
});
