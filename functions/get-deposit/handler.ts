import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { viewDeposit } from '#shared/use-cases/deposits.ts';
import { getDepositRoute } from './schema.ts';

/** GET /v1/merchants/{merchantId}/deposit — the merchant itself or ops; another merchant's is 404. */
export const handler = httpHandler(getDepositRoute, async ({ params, principal }) => {
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await viewDeposit(params.merchantId) };
});
