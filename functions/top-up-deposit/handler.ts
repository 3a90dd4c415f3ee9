import { assertSelfOrOps } from '#shared/http/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/use-cases/claims.ts';
import { topUp } from '#shared/use-cases/deposits.ts';
import { topUpDepositRoute } from './schema.ts';

/** POST /v1/merchants/{merchantId}/deposit/top-ups — the merchant itself or ops pays in (D1); 201. */
export const handler = httpHandler(topUpDepositRoute, async ({ params, body, principal }) => {
  assertSelfOrOps(principal, params.merchantId);
  return { status: 201, body: await topUp(params.merchantId, body.amountFen, principal, nowInstant()) };
});
