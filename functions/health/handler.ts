import { httpHandler } from '#shared/http/handler.ts';
import { problems } from '#shared/http/problem.ts';
import { tableAnswers } from '#shared/use-cases/health.ts';
import { healthRoute } from './schema.ts';

/** GET /v1/health — 200 once the table answers a read, 503 until then. */
export const handler = httpHandler(healthRoute, async () => {
  if (!(await tableAnswers())) throw problems.unavailable('The table does not answer yet.');
  return { status: 200, body: { status: 'ok' } };
});
