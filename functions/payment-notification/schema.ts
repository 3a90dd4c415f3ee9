import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';

export const paymentNotificationRoute = defineRoute({
  method: 'POST',
  path: '/v1/payments/{provider}/notifications',
  operationId: 'receivePaymentNotification',
  summary:
    "The payment provider's asynchronous notification of a collection (D4): verified by the provider's signature, idempotent; credits a PENDING top-up once and answers the provider's acknowledgement (Alipay: `success`)",
  handler: 'payment-notification',
  // The provider signs it; there is no bearer token.
  roles: 'public',
  params: z.object({ provider: z.enum(['local', 'alipay']) }),
  responses: {
    200: { description: "The provider's acknowledgement, as text/plain (e.g. `success`)" },
    400: { description: 'The signature does not verify (problem details); nothing changes' },
    404: { description: 'Unknown provider or top-up (problem details); nothing changes' },
    409: { description: 'The top-up expired (problem details); nothing is credited' },
    422: { description: 'Another amount than the top-up (problem details); nothing is credited' },
  },
});
