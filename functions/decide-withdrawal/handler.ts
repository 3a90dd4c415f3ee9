import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { decideWithdrawalRequest } from '#shared/use-cases/deposits.ts';
import { decideWithdrawalRoute } from './schema.ts';

/** POST /v1/deposit-withdrawals/{withdrawalId}/decisions — ops reviews a REQUESTED withdrawal (D3). */
export const handler = httpHandler(decideWithdrawalRoute, async ({ params, body, principal }) => ({
  status: 200,
  body: await decideWithdrawalRequest(params.withdrawalId, body, principal, nowInstant()),
}));
