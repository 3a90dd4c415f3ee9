import { httpHandler } from '#shared/http/handler.ts';
import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { getQuote } from '#shared/use-cases/merchants.ts';
import { getQuoteRoute } from './schema.ts';

/** GET /v1/merchants/{merchantId}/quotes/{planId} — J4 eligibility and rate; merchant (self), ops. */
export const handler = httpHandler(getQuoteRoute, async ({ params, principal }) => {
  // Another merchant's resource is never revealed, not even that it exists.
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await getQuote(params.merchantId, params.planId) };
});
