import type { Context, EventBridgeEvent } from 'aws-lambda';
import { httpHandler, type ApiEvent } from '#shared/http/handler.ts';
import { OrderEventSchema, type InboundEvent } from '#shared/http/schemas.ts';
import { recordOrderEvent } from '#shared/use-cases/orders.ts';
import { applyPenalty, liftPenalty } from '#shared/use-cases/penalties.ts';
import { eventsRoute } from './schema.ts';

/** One inbound event, whatever its type: `{duplicate}` when its id was processed before. */
function process(event: InboundEvent): Promise<{ duplicate: boolean }> {
  switch (event.type) {
    case 'merchant.penalized':
      return applyPenalty(event, event.data);
    case 'merchant.penalty-lifted':
      return liftPenalty(event, event.data);
    default:
      return recordOrderEvent(event);
  }
}

/** POST /v1/events — one event or a batch, in the order given → 202 {accepted, duplicates}. */
const http = httpHandler(eventsRoute, async ({ body }) => {
  const events = 'events' in body ? body.events : [body];
  let duplicates = 0;
  for (const event of events) if ((await process(event)).duplicate) duplicates++;
  return { status: 202, body: { accepted: events.length - duplicates, duplicates } };
});

/**
 * The EventBridge bus delivers the same envelope as `detail`. A malformed one throws, so
 * EventBridge retries it and then parks it in the rule's dead-letter queue instead of losing it.
 */
async function fromBus(event: EventBridgeEvent<string, unknown>): Promise<{ duplicate: boolean }> {
  return process(OrderEventSchema.parse(event.detail));
}

export async function handler(event: ApiEvent | EventBridgeEvent<string, unknown>, context: Context) {
  return 'detail-type' in event ? fromBus(event) : http(event, context);
}
