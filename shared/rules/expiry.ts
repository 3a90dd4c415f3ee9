/**
 * X1–X3: when windows end and claims lapse. These give the due instants the store indexes on;
 * an item is due once `now` is strictly after its instant (windows are inclusive of their end).
 */
import type { RulesConfig } from './config.ts';
import { toMs, type Instant } from './time.ts';
import type { Claim, Order, Policy } from './types.ts';
import { daysAfter } from './windows.ts';

/**
 * X2: return-shipping cover ends at receipt confirmation, or 7 days (configurable) after
 * delivery, whichever comes first; an order that shipped and was never delivered keeps it at
 * most 30 days (configurable) after shipment. Unknown (undefined) before shipment.
 */
export function returnShippingCoverageEnd(order: Order, config: RulesConfig): Instant | undefined {
  const settings = config.plans['return-shipping'];
  const candidates: Instant[] = [];
  if (order.receiptConfirmedAt) candidates.push(order.receiptConfirmedAt);
  if (order.deliveredAt) candidates.push(daysAfter(order.deliveredAt, settings.windowDays, config.dayBoundary));
  if (candidates.length === 0 && order.shippedAt) candidates.push(daysAfter(order.shippedAt, settings.undeliveredWindowDays, config.dayBoundary));
  if (candidates.length === 0) return undefined;
  return candidates.reduce((a, b) => (toMs(a) <= toMs(b) ? a : b));
}

/**
 * X1/X2: the last instant of a policy's window — its coverageEnd, or for return-shipping cover
 * issued before delivery, the end computed from the order's later events.
 */
export function policyExpiresAt(policy: Policy, config: RulesConfig, order?: Order): Instant | undefined {
  // Return-shipping cover's end moves as the order's later events arrive (X2): the order decides.
  const fromOrder = policy.planId === 'return-shipping' && order ? returnShippingCoverageEnd(order, config) : undefined;
  return fromOrder ?? policy.coverageEnd;
}

/** X1: an ACTIVE policy is due to expire once `now` is past the last instant of its window. */
export function isPolicyDue(policy: Policy, now: Instant, config: RulesConfig, order?: Order): boolean {
  const end = policyExpiresAt(policy, config, order);
  return policy.status === 'ACTIVE' && end !== undefined && toMs(now) > toMs(end);
}

/** X3: the last instant a NEEDS_INFO claim may receive evidence (needsInfoSince + 15 days). */
export function claimLapsesAt(claim: Claim, config: RulesConfig): Instant | undefined {
  return claim.status === 'NEEDS_INFO' && claim.needsInfoSince
    ? daysAfter(claim.needsInfoSince, config.claims.needsInfoLapseDays, config.dayBoundary)
    : undefined;
}

/** X3: a claim left in NEEDS_INFO past its lapse instant becomes LAPSED. */
export function isClaimDueToLapse(claim: Claim, now: Instant, config: RulesConfig): boolean {
  const lapsesAt = claimLapsesAt(claim, config);
  return lapsesAt !== undefined && toMs(now) > toMs(lapsesAt);
}

/**
 * X1–X3: what is due at `now` among the given candidates (the store reads only due items, X4;
 * this decides each one). Return-shipping policies without a known end are matched to their order.
 */
export function dueAt(
  now: Instant,
  items: { policies?: readonly Policy[]; claims?: readonly Claim[]; orders?: readonly Order[] },
  config: RulesConfig,
): { expirePolicyIds: string[]; lapseClaimIds: string[] } {
  const orders = new Map((items.orders ?? []).map((o) => [o.orderId, o]));
  return {
    expirePolicyIds: (items.policies ?? []).filter((p) => isPolicyDue(p, now, config, orders.get(p.orderId))).map((p) => p.policyId),
    lapseClaimIds: (items.claims ?? []).filter((c) => isClaimDueToLapse(c, now, config)).map((c) => c.claimId),
  };
}
