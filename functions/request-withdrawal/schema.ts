import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { ExternalId, WithdrawalInput, WithdrawalSchema } from '#shared/http/schemas.ts';

export const requestWithdrawalRoute = defineRoute({
  method: 'POST',
  path: '/v1/merchants/{merchantId}/deposit/withdrawals',
  operationId: 'requestWithdrawal',
  summary: 'Apply to withdraw from the deposit; refused at once (422 WITHDRAWAL_NOT_ALLOWED) with every failing condition (D3)',
  handler: 'request-withdrawal',
  roles: ['merchant'],
  params: z.object({ merchantId: ExternalId }),
  body: WithdrawalInput,
  responses: { 201: { description: 'The withdrawal, REQUESTED: it waits for ops review', schema: WithdrawalSchema } },
});
