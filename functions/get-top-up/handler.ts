import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { viewTopUp } from '#shared/use-cases/top-ups.ts';
import { getTopUpRoute } from './schema.ts';

/** GET /v1/merchants/{merchantId}/deposit/top-ups/{topUpId} — the merchant itself or ops; another merchant's top-up is 404. */
export const handler = httpHandler(getTopUpRoute, async ({ params, principal }) => {
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await viewTopUp(params.merchantId, params.topUpId) };
});
