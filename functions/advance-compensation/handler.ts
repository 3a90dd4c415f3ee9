import { httpHandler } from '#shared/http/handler.ts';
import { nowInstant } from '#shared/clock.ts';
import { advanceCompensate } from '#shared/use-cases/advances.ts';
import { advanceCompensationRoute } from './schema.ts';

/** POST /v1/claims/{claimId}/advance-compensations — ops advance-compensates a claim from the deposit (D2). */
export const handler = httpHandler(advanceCompensationRoute, async ({ params, body, principal }) => ({
  status: 201,
  body: await advanceCompensate(params.claimId, body, principal, nowInstant()),
}));
