import { assertParty, assertSelfOrOps } from '#shared/use-cases/access.ts';
import { httpHandler, routeHandlers } from '#shared/http/handler.ts';
import { NotFound } from '#shared/rules/errors.ts';
import { findOrderPolicies, listMerchantPolicies } from '#shared/use-cases/policies.ts';
import { listMerchantPoliciesRoute, listOrderPoliciesRoute } from './schema.ts';

/** GET /v1/orders/{orderId}/policies — the order detail's policies, for its buyer and merchant (I7). */
const byOrder = httpHandler(listOrderPoliciesRoute, async ({ params, principal }) => {
  const found = await findOrderPolicies(params.orderId);
  if (!found) throw new NotFound(`Order ${params.orderId}`);
  assertParty(principal, found.order, `Order ${params.orderId}`);
  return { status: 200, body: { items: found.policies } };
});

/** GET /v1/merchants/{merchantId}/policies — the merchant's policies, oldest first, by page. */
const byMerchant = httpHandler(listMerchantPoliciesRoute, async ({ params, query, principal }) => {
  assertSelfOrOps(principal, params.merchantId);
  return { status: 200, body: await listMerchantPolicies(params.merchantId, query) };
});

export const handler = routeHandlers({
  [`${listOrderPoliciesRoute.method} ${listOrderPoliciesRoute.path}`]: byOrder,
  [`${listMerchantPoliciesRoute.method} ${listMerchantPoliciesRoute.path}`]: byMerchant,
});
