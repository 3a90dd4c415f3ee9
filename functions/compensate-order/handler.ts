import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { compensateOrderLine } from '#shared/use-cases/compensations.ts';
import { compensateOrderRoute } from './schema.ts';

/** POST /v1/orders/{orderId}/compensations — ops compensates a buyer from the merchant's deposit (D5); 201. */
export const handler = httpHandler(compensateOrderRoute, async ({ params, body, principal }) => ({
  status: 201,
  body: await compensateOrderLine(params.orderId, body, principal, nowInstant()),
}));
