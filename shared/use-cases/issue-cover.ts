import type { Principal } from '#shared/rules/types.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import { checkPurchase, NotFound, RuleViolation, type PlanId, type Policy } from '#shared/rules/index.ts';
import { isCompleteOrder, readOrderPartition } from '#shared/store/orders.ts';
import { reconcileOrder } from './orders.ts';

/**
 * Issue-policy on request.
 * Buyer (I4, J6): 1. read the order and its policies; 2. `checkPurchase` (only return-shipping is
 * for sale, own paid order, once, before its cover ends); 3. reconcile with the purchase (on the partition
 * already read), which writes the buyer-paid policy under its natural key (I6).
 * Service: reconcile the order (idempotent) and return its policies of that plan.
 */
export async function issueCover(orderId: string, planId: PlanId, principal: Principal, now: string): Promise<Policy[]> {
  const partition = await readOrderPartition(orderId);
  const { order, policies } = partition;
  if (!isCompleteOrder(order) || (principal.role === 'buyer' && order.buyerId !== principal.id)) {
    throw new NotFound(`Order ${orderId}`);
  }
  if (principal.role === 'buyer') {
    const refusal = checkPurchase({ order, planId, buyerId: principal.id, now, existingPolicies: policies }, rulesConfig);
    if (refusal) throw refusal;
  }
  const purchase = principal.role === 'buyer' ? { buyerId: principal.id, purchasedAt: now } : undefined;
  const issued = (await reconcileOrder(orderId, now, { purchase, partition, merchantId: order.merchantId })).filter((p) => p.planId === planId);
  if (issued.length === 0) {
    throw new RuleViolation({
      code: 'NOT_COVERED',
      title: 'Order not covered by the plan',
      detail: `Order ${orderId} is not covered by ${planId}: no active enrollment covered it when it was paid or shipped.`,
      basis: { rule: 'I1–I4', orderId, planId },
    });
  }
  return issued;
}
