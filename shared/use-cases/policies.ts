import { readOrderPartition, type OrderPartition, type PartialOrder } from '#shared/store/orders.ts';
import { getPolicy, listPoliciesByMerchant, type StoredPolicy } from '#shared/store/policies.ts';
import type { Page } from '#shared/store/pagination.ts';

/**
 * Reading policies. Who may see what (I7: the parties of the policy or order, staff) is decided at
 * the HTTP edge with shared/http/access.ts, on what these return.
 */

/** A policy by id; undefined when there is none. */
export function findPolicy(policyId: string): Promise<StoredPolicy | undefined> {
  return getPolicy(policyId);
}

/**
 * The order detail's policies, oldest first, with the order they belong to (its parties decide
 * who may see them); undefined when the order is not known (no buyer yet).
 */
export async function findOrderPolicies(orderId: string): Promise<{ order: PartialOrder; policies: OrderPartition['policies'] } | undefined> {
  const { order, policies } = await readOrderPartition(orderId);
  if (!order?.buyerId) return undefined;
  return { order, policies: policies.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt)) };
}

/** A merchant's policies, oldest first, by page. */
export function listMerchantPolicies(merchantId: string, query: { status?: string; cursor?: string; limit: number }): Promise<Page<StoredPolicy>> {
  return listPoliciesByMerchant(merchantId, query);
}
