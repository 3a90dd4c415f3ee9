import { assertSelfOrOps } from '#shared/use-cases/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { idempotencyKeyOf } from '#shared/http/idempotency.ts';
import { selectPaymentProvider } from '#shared/payments/provider.ts';
import { nowInstant } from '#shared/clock.ts';
import { startTopUp } from '#shared/use-cases/top-ups.ts';
import { topUpDepositRoute } from './schema.ts';

const provider = selectPaymentProvider();

/** POST /v1/merchants/{merchantId}/deposit/top-ups — the merchant starts paying in (D4); 201 PENDING with the payment instruction. */
export const handler = httpHandler(topUpDepositRoute, async ({ params, body, principal, event }) => {
  assertSelfOrOps(principal, params.merchantId);
  const idempotencyKey = idempotencyKeyOf(event);
  return {
    status: 201,
    body: await startTopUp(
      provider,
      { merchantId: params.merchantId, amountFen: body.amountFen, ...(idempotencyKey ? { idempotencyKey } : {}) },
      principal,
      nowInstant(),
    ),
  };
});
