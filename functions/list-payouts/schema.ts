import * as z from 'zod';
import { defineRoute } from '#shared/http/route.ts';
import { ListQuery, PayoutSchema, listOf } from '#shared/http/schemas.ts';

export const listPayoutsRoute = defineRoute({
  method: 'GET',
  path: '/v1/payouts',
  operationId: 'listPayouts',
  summary: 'Payouts: ops sees all, a beneficiary sees its own',
  handler: 'list-payouts',
  roles: ['ops', 'buyer', 'merchant'],
  query: ListQuery.extend({
    claimId: z.string().min(1).max(64).optional(),
    status: z.enum(['PENDING', 'SENDING', 'UNKNOWN', 'SENT', 'CONFIRMED', 'FAILED']).optional(),
  }),
  responses: { 200: { description: 'A page of payouts', schema: listOf(PayoutSchema) } },
});
