import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';

export const healthRoute = defineRoute({
  method: 'GET',
  path: '/v1/health',
  operationId: 'getHealth',
  summary: 'Liveness and table readiness',
  handler: 'health',
  roles: 'public',
  responses: {
    200: { description: 'The table answers', schema: z.object({ status: z.literal('ok') }) },
    503: { description: 'The table does not answer yet (problem details)' },
  },
});
