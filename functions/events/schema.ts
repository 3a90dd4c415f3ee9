import { defineRoute } from '#shared/http/route.ts';
import { EventsAccepted, EventsInput } from '#shared/http/schemas.ts';

export const eventsRoute = defineRoute({
  method: 'POST',
  path: '/v1/events',
  operationId: 'postEvents',
  summary: 'Order and merchant events, one or a batch',
  handler: 'events',
  roles: ['service'],
  body: EventsInput,
  responses: { 202: { description: 'Accepted; repeated event ids are counted as duplicates', schema: EventsAccepted } },
});
