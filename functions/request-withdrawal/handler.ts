import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { requestWithdrawal } from '#shared/use-cases/deposits.ts';
import { requestWithdrawalRoute } from './schema.ts';

/** POST /v1/merchants/{merchantId}/deposit/withdrawals — the merchant itself (D3); 201 REQUESTED or 422. */
export const handler = httpHandler(requestWithdrawalRoute, async ({ params, body, principal }) => {
  // The route admits merchants only: this leaves a merchant its own deposit alone.
  assertSelfOrOps(principal, params.merchantId);
  return { status: 201, body: await requestWithdrawal(params.merchantId, body, nowInstant()) };
});
