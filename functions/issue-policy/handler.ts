import { nowInstant } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { issueCover } from '#shared/use-cases/issue-cover.ts';
import { issuePolicyRoute } from './schema.ts';

/**
 * POST /v1/orders/{orderId}/policies — a buyer buys return-shipping cover for their order (I4),
 * or the order system asks for the cover an order is due (I1–I3) → 201 {items}.
 */
export const handler = httpHandler(issuePolicyRoute, async ({ params, body, principal }) => {
  const items = await issueCover(params.orderId, body.planId, principal, nowInstant());
  return { status: 201, body: { items } };
});
