import { httpHandler } from '#shared/http/handler.ts';
import { listPlans } from '#shared/use-cases/merchants.ts';
import { listPlansRoute } from './schema.ts';

/** GET /v1/plans — the plan catalog with terms and current agreementVersion; any role. */
export const handler = httpHandler(listPlansRoute, async () => ({ status: 200, body: listPlans() }));
