import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ListQuery, PayoutSchema, listOf } from '#shared/http/schemas.ts';

export const listPayoutsRoute = defineRoute({
  method: 'GET',
  path: '/v1/payouts',
  operationId: 'listPayouts',
  summary: 'Payouts: ops sees all, a beneficiary sees its own',
  handler: 'list-payouts',
  roles: ['ops', 'buyer', 'merchant'],
  query: z.extend(ListQuery, {
    claimId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    status: z.optional(z.enum(['PENDING', 'SENDING', 'UNKNOWN', 'SENT', 'CONFIRMED', 'FAILED', 'CANCELLED'])),
  }),
  responses: { 200: { description: 'A page of payouts', schema: listOf(PayoutSchema) } },
});
