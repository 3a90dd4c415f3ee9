import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { idSchema, WithdrawalDecisionInput, WithdrawalSchema } from '#shared/http/schemas.ts';

export const decideWithdrawalRoute = defineRoute({
  method: 'POST',
  path: '/v1/deposit-withdrawals/{withdrawalId}/decisions',
  operationId: 'decideWithdrawal',
  summary: 'Ops approves (the amount is held and paid by the payout job) or rejects a withdrawal (D3)',
  handler: 'decide-withdrawal',
  roles: ['ops'],
  params: z.object({ withdrawalId: idSchema }),
  body: WithdrawalDecisionInput,
  responses: { 200: { description: 'The withdrawal after the decision', schema: WithdrawalSchema } },
});
