import { ulid } from 'ulid';
import { clock } from '#shared/clock.ts';
import type { InboundEvent } from '#shared/http/schemas.ts';
import { logger } from '#shared/logger.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import {
  claimsFromRefund,
  enrollmentActiveAt,
  policiesFor,
  normalizeInstant,
  returnShippingCoverageEnd,
  RuleViolation,
  type Enrollment,
  type Order,
  type Policy,
  type PolicyDraft,
  type ReturnShippingPurchase,
} from '#shared/rules/index.ts';
import { readMerchantPartition } from '#shared/store/merchants.ts';
import { isCompleteOrder, mergeOrderEvent, readOrderPartition, recordRefund, type OrderPartition } from '#shared/store/orders.ts';
import { issuePolicies, setCoverageEnd } from '#shared/store/policies.ts';
import { fileClaim } from './claims.ts';

type OrderEvent = Extract<InboundEvent, { type: `order.${string}` }>;

/**
 * What one inbound event did, answered per event by `POST /v1/events` so "why no policy?" has an
 * answer: `issued` (with the new policies), `nothingToIssue` (with the reason), `recorded` (facts
 * kept, nothing to issue by their nature: delivery, refund, penalty…) or `duplicate`.
 */
export interface EventOutcome {
  duplicate: boolean;
  outcome: 'issued' | 'nothingToIssue' | 'recorded' | 'duplicate';
  reason?: string;
  policyIds?: string[];
}

/**
 * Records one order event and brings the order's derived state up to date.
 * Steps: 1. store the event's facts with its id marker (one transaction; a repeated id is a
 * duplicate and stores nothing); 2. reconcile the order — even for a duplicate, so a delivery
 * that crashed after step 1 is completed by its redelivery; 3. say what it did.
 */
export async function recordOrderEvent(event: OrderEvent): Promise<EventOutcome> {
  const { duplicate } = await storeFacts(event);
  // order.placed and order.paid name the merchant: its partition is read beside the order's.
  const merchantId = 'merchantId' in event.data ? event.data.merchantId : undefined;
  const result = await reconcile(event.data.orderId, { merchantId });
  if (duplicate) return { duplicate, outcome: 'duplicate', reason: `Event ${event.id} was processed before; it changed nothing.` };
  if (result.issued.length > 0) return { duplicate, outcome: 'issued', policyIds: result.issued.map((p) => p.policyId) };
  if (!['order.placed', 'order.paid', 'order.shipped'].includes(event.type)) return { duplicate, outcome: 'recorded' };
  return { duplicate, outcome: 'nothingToIssue', reason: nothingToIssue(event.data.orderId, result) };
}

/** Why an order event that could issue cover issued none, in the integrator's terms. */
function nothingToIssue(orderId: string, result: Reconciled): string {
  const { order, enrollments, policies } = result;
  if (!order) return `Order ${orderId} is known only in part (no order.placed or order.paid yet): its facts are kept and cover follows the whole order.`;
  const { paidAt, shippedAt, merchantId } = order;
  if (!paidAt) return `Order ${orderId} is not paid (a proof order, or order.paid has not arrived): cover is issued from payment on.`;
  const own = enrollments.filter((e) => e.merchantId === merchantId);
  if (own.length === 0) return `Merchant ${merchantId} has no enrollment: it has joined no plan.`;
  const instants = [paidAt, ...(shippedAt ? [shippedAt] : [])];
  if (!own.some((e) => instants.some((at) => enrollmentActiveAt(e, at)))) {
    return `No enrollment of merchant ${merchantId} was active when the order was paid (${paidAt})${shippedAt ? ` or shipped (${shippedAt})` : ''}: cover applies to orders paid (live plans: shipped) while an enrollment is active.`;
  }
  if (policies.length > 0) return `Every policy order ${orderId} qualifies for so far is already issued (${policies.length}).`;
  return `No active plan of merchant ${merchantId} covers this order (yet): live plans issue at shipment for orders sold through its live-stream base, price protection for lines of its campaign's items, return-shipping when gifted or bought.`;
}

function storeFacts(event: OrderEvent): Promise<{ duplicate: boolean }> {
  switch (event.type) {
    case 'order.placed':
    case 'order.paid':
      return mergeOrderEvent(event, event.data.orderId, event.data);
    case 'order.shipped':
      return mergeOrderEvent(event, event.data.orderId, { shippedAt: event.data.shippedAt });
    case 'order.delivered':
      return mergeOrderEvent(event, event.data.orderId, { deliveredAt: event.data.deliveredAt });
    case 'order.receipt-confirmed':
      return mergeOrderEvent(event, event.data.orderId, { receiptConfirmedAt: event.data.receiptConfirmedAt });
    case 'order.refund-completed':
      return recordRefund(event, event.data);
  }
}

/**
 * Brings an order's policies and automatic claims in line with everything known about it.
 * Declarative, so any order or repetition of events converges on the same state:
 * - I1–I5, I6: issue the policies `policiesFor` says the order deserves and it lacks;
 * - X2: give return-shipping cover its end once delivery or receipt confirmation is known;
 * - C7, C8: open the automatic claims of stored refunds whose policy has no claim yet.
 */
export interface ReconcileOptions {
  /** The buyer's purchase of return-shipping cover (I4), when that is what is being reconciled. */
  purchase?: ReturnShippingPurchase;
  /** The order's partition as the caller just read it (consistently): not read again. */
  partition?: OrderPartition;
  /** The order's merchant, when the caller knows it: read beside the order, not after it. */
  merchantId?: string;
}

export async function reconcileOrder(orderId: string, options: ReconcileOptions = {}): Promise<Policy[]> {
  return (await reconcile(orderId, options)).policies;
}

interface Reconciled {
  /** Every policy of the order, the new ones included. */
  policies: Policy[];
  /** The policies this reconciliation issued. */
  issued: Policy[];
  /** The order, when its facts are complete enough to insure. */
  order?: Order;
  enrollments: readonly Enrollment[];
}

async function reconcile(orderId: string, options: ReconcileOptions): Promise<Reconciled> {
  const { purchase } = options;
  for (let attempt = 0; ; attempt++) {
    const fresh = attempt === 0 ? options : {};
    const [partition, hinted] = await Promise.all([
      fresh.partition ?? readOrderPartition(orderId),
      fresh.merchantId ? readMerchantPartition(fresh.merchantId) : undefined,
    ]);
    const { order } = partition;
    if (!isCompleteOrder(order)) return { policies: [], issued: [], enrollments: [] };
    const { enrollments } = hinted && fresh.merchantId === order.merchantId ? hinted : await readMerchantPartition(order.merchantId);
    const now = clock.now().toISOString();
    const drafts = newPolicies(policiesFor(order, enrollments, rulesConfig, purchase), partition, now);
    if (!(await issuePolicies(drafts, now))) {
      // Another delivery of an event for this order issued some of them first: recompute.
      if (attempt < 3) continue;
      throw new Error(`Could not settle the policies of order ${orderId}`);
    }
    const policies = [...partition.policies, ...drafts];
    await updateCoverageEnds(order, partition.policies);
    await openRefundClaims(order, partition, policies, now);
    return { policies, issued: drafts, order, enrollments };
  }
}

function newPolicies(drafts: PolicyDraft[], partition: OrderPartition, now: string): Policy[] {
  const existing = new Set(partition.policies.map((p) => `${p.planId}#${p.lineId ?? '-'}`));
  return drafts
    .filter((draft) => !existing.has(`${draft.planId}#${draft.lineId ?? '-'}`))
    .map(({ naturalKey: _key, premiumBasis: _basis, ...draft }) => ({
      ...draft,
      policyId: `pol_${ulid(Date.parse(now))}`,
      status: 'ACTIVE' as const,
    }));
}

async function updateCoverageEnds(order: Order, policies: readonly Policy[]): Promise<void> {
  for (const policy of policies) {
    if (policy.status !== 'ACTIVE' || policy.planId !== 'return-shipping') continue;
    const found = returnShippingCoverageEnd(order, rulesConfig);
    const end = found && normalizeInstant(found);
    if (end && end !== policy.coverageEnd) await setCoverageEnd(policy, end);
  }
}

async function openRefundClaims(order: Order, partition: OrderPartition, policies: Policy[], now: string): Promise<void> {
  const claimed = new Set(partition.policies.filter((p) => p.claimId).map((p) => p.policyId));
  for (const refund of partition.refunds) {
    for (const draft of claimsFromRefund(refund, order, policies, rulesConfig)) {
      if (claimed.has(draft.policyId)) continue;
      try {
        await fileClaim(draft, now);
        claimed.add(draft.policyId);
      } catch (error) {
        // Already claimed (C1) or no longer active: the automatic claim has nothing left to do.
        if (error instanceof RuleViolation) {
          logger.info('Automatic claim not opened', { policyId: draft.policyId, code: error.code });
          continue;
        }
        throw error;
      }
    }
  }
}
