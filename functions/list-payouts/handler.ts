import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { listPayouts } from '#shared/use-cases/payout-reads.ts';
import { payoutView } from '#shared/views/claims.ts';
import { listPayoutsRoute } from './schema.ts';

/** GET /v1/payouts — ops sees every payout, a buyer or merchant the payouts it receives. */
export const handler = httpHandler(listPayoutsRoute, async ({ query, principal }) => {
  const page = await listPayouts(principal, query);
  const now = nowInstant();
  return { status: 200, body: { ...page, items: page.items.map((payout) => payoutView(payout, now)) } };
});
