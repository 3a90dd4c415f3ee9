import type { Context, EventBridgeEvent } from 'aws-lambda';
import { nowInstant } from '#shared/clock.ts';
import { withCorrelationId } from '#shared/correlation.ts';
import { callerCorrelationId, httpHandler, type ApiEvent } from '#shared/http/handler.ts';
import { OrderEventSchema, type InboundEvent } from '#shared/http/schemas.ts';
import { logger } from '#shared/logger.ts';
import { countNow, METRIC } from '#shared/metrics.ts';
import { RuleViolation } from '#shared/rules/index.ts';
import { recordOrderEvent, type EventOutcome } from '#shared/use-cases/orders.ts';
import { applyPenalty, liftPenalty } from '#shared/use-cases/penalties.ts';
import { eventsRoute } from './schema.ts';

const recorded = ({ duplicate }: { duplicate: boolean }): EventOutcome =>
  duplicate ? { duplicate, outcome: 'duplicate' } : { duplicate, outcome: 'recorded' };

/** One inbound event, whatever its type, and what it did (`duplicate` when its id was processed before). */
async function dispatch(event: InboundEvent, now: string): Promise<EventOutcome> {
  switch (event.type) {
    case 'merchant.penalized':
      return recorded(await applyPenalty(event, event.data));
    case 'merchant.penalty-lifted':
      return recorded(await liftPenalty(event, event.data));
    default:
      return recordOrderEvent(event, now);
  }
}

/**
 * `dispatch` under the event's correlation id — the caller's `x-correlation-id` when it sent one,
 * else the event's own id — so the log lines and the events out it causes carry it; one log line
 * per event, and a duplicate counted (`DuplicateEvents`).
 */
function process(event: InboundEvent, now: string, given?: string): Promise<EventOutcome> {
  return withCorrelationId(given ?? event.id, async () => {
    const outcome = await dispatch(event, now);
    if (outcome.duplicate) countNow(METRIC.duplicateEvents);
    logger.info('Inbound event processed', { eventId: event.id, type: event.type, outcome: outcome.outcome });
    return outcome;
  });
}

/**
 * POST /v1/events — one event or a batch, in the order given → 202 {accepted, duplicates, results}:
 * per event what it did, so an event that issued nothing says why.
 */
const http = httpHandler(eventsRoute, async ({ body, event: request }) => {
  const events = 'events' in body ? body.events : [body];
  const given = callerCorrelationId(request);
  const now = nowInstant();
  const results = [];
  for (const event of events) {
    const { duplicate: _duplicate, ...result } = await process(event, now, given);
    results.push({ id: event.id, type: event.type, ...result });
  }
  const duplicates = results.filter((r) => r.outcome === 'duplicate').length;
  return { status: 202, body: { accepted: events.length - duplicates, duplicates, results } };
});

/**
 * The EventBridge bus delivers the same envelope as `detail`. A malformed one throws, so
 * EventBridge retries it and then parks it in the rule's dead-letter queue instead of losing it.
 */
async function fromBus(event: EventBridgeEvent<string, unknown>): Promise<{ duplicate: boolean; rejected?: RuleViolation }> {
  const parsed = OrderEventSchema.parse(event.detail);
  try {
    return await process(parsed, nowInstant());
  } catch (error) {
    // A refund the rules refuse (I9: unknown line, more than the net paid) will never succeed on a
    // retry: it is reported and recorded as rejected, and nothing of it was stored.
    if (!(error instanceof RuleViolation)) throw error;
    logger.error('Order event rejected', { eventId: parsed.id, type: parsed.type, code: error.code, detail: error.detail, basis: error.basis });
    return { duplicate: false, rejected: error };
  }
}

export async function handler(event: ApiEvent | EventBridgeEvent<string, unknown>, context: Context) {
  if (!('detail-type' in event)) return http(event, context);
  logger.powertools.addContext(context);
  return fromBus(event);
}
