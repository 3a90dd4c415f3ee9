import { nowInstant } from '#shared/clock.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { putMerchant } from '#shared/use-cases/merchants.ts';
import { putMerchantRoute } from './schema.ts';

/**
 * PUT /v1/merchants/{merchantId} — upsert a merchant profile (service, ops). Only the profile
 * fields change: penalties and deposit flags are kept.
 */
export const handler = httpHandler(putMerchantRoute, async ({ params, body }) => ({
  status: 200,
  body: await putMerchant(params.merchantId, body, nowInstant()),
}));
