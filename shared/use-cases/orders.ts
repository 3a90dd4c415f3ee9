import { ulid } from 'ulid';
import { logger } from '#shared/logger.ts';
import type { Payee } from '#shared/payments/port.ts';
import { retry, RETRY, TryAgain } from '#shared/retry.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import {
  checkRefund,
  claimsFromRefund,
  enrollmentActiveAt,
  policiesFor,
  policiesToVoid,
  normalizeInstant,
  returnShippingCoverageEnd,
  RuleViolation,
  type Enrollment,
  type Order,
  type Policy,
  type PolicyDraft,
  type Refund,
  type ReturnShippingPurchase,
  withEntry,
} from '#shared/rules/index.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { readMerchantPartition, type MerchantPartition } from '#shared/store/merchants.ts';
import { isCompleteOrder, mergeOrderEvent, readOrderPartition, recordRefund, type OrderPartition } from '#shared/store/orders.ts';
import { issuePolicies, setCoverageEnd, voidPolicy } from '#shared/store/policies.ts';
import { fileClaim } from './claims.ts';

/** An inbound event as the use cases take it: the edge (HTTP or the bus) has validated its wire form. */
type Envelope<T extends string, D> = { id: string; type: T; occurredAt: string; data: D };

/** The whole order as `order.placed` / `order.paid` state it, with the buyer's payee (P4). */
export type OrderFacts = Omit<Order, 'shippedAt' | 'deliveredAt' | 'receiptConfirmedAt'> & { buyerAlipay?: Payee };

/** The order system's events (the domain input of `recordOrderEvent`, never the wire type). */
export type OrderEvent =
  | Envelope<'order.placed', OrderFacts>
  | Envelope<'order.paid', OrderFacts & { paidAt: string }>
  | Envelope<'order.shipped', { orderId: string; shippedAt: string }>
  | Envelope<'order.delivered', { orderId: string; deliveredAt: string }>
  | Envelope<'order.receipt-confirmed', { orderId: string; receiptConfirmedAt: string }>
  | Envelope<'order.refund-completed', Refund>;

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
export async function recordOrderEvent(event: OrderEvent, now: string): Promise<EventOutcome> {
  if (event.type === 'order.refund-completed') {
    const { duplicate } = await recordRefundEvent(event, now);
    return duplicate
      ? { duplicate, outcome: 'duplicate', reason: `Event ${event.id} was processed before; it changed nothing.` }
      : { duplicate, outcome: 'recorded' };
  }
  const { duplicate } = await storeFacts(event);
  // order.placed and order.paid name the merchant: its partition is read beside the order's.
  const merchantId = 'merchantId' in event.data ? event.data.merchantId : undefined;
  const result = await reconcile(event.data.orderId, now, { merchantId });
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

/**
 * I9: a completed refund. Steps: 1. read the order's partition; 2. when the order is known, check
 * the refund against it (`checkRefund`: an unknown line, more than the net paid left — refused
 * with its rule code, nothing stored); 3. store it with its event marker; 4. reconcile from the
 * partition as read plus this refund (the refund's own write is the only change).
 * A refund that arrives before its order cannot be checked yet; the rules cap what it can cost.
 */
async function recordRefundEvent(event: Extract<OrderEvent, { type: 'order.refund-completed' }>, now: string): Promise<{ duplicate: boolean }> {
  const partition = await readOrderPartition(event.data.orderId);
  const refund: Refund = { ...event.data, refundId: event.data.refundId ?? event.id };
  if (isCompleteOrder(partition.order)) {
    const refused = checkRefund(refund, partition.order, partition.refunds);
    if (refused) throw refused;
  }
  // The merchant's partition (enrollments) is read while the refund is written: no extra round trip.
  const merchantId = partition.order?.merchantId;
  const [{ duplicate }, merchant] = await Promise.all([
    recordRefund(event, refund),
    merchantId ? readMerchantPartition(merchantId) : Promise.resolve(undefined),
  ]);
  const refunds = [...partition.refunds.filter((r) => r.refundId !== refund.refundId), refund];
  await reconcileOrder(event.data.orderId, now, { partition: { ...partition, refunds }, ...(merchant ? { merchant } : {}) });
  return { duplicate };
}

function storeFacts(event: Exclude<OrderEvent, { type: 'order.refund-completed' }>): Promise<{ duplicate: boolean }> {
  switch (event.type) {
    case 'order.placed':
      // I8: the paid facts win; a placed event only fills what is not known yet.
      return mergeOrderEvent(event, event.data.orderId, event.data, { ifAbsent: true });
    case 'order.paid':
      return mergeOrderEvent(event, event.data.orderId, event.data);
    case 'order.shipped':
      return mergeOrderEvent(event, event.data.orderId, { shippedAt: event.data.shippedAt });
    case 'order.delivered':
      return mergeOrderEvent(event, event.data.orderId, { deliveredAt: event.data.deliveredAt });
    case 'order.receipt-confirmed':
      return mergeOrderEvent(event, event.data.orderId, { receiptConfirmedAt: event.data.receiptConfirmedAt });
  }
}

/**
 * Brings an order's policies and automatic claims in line with everything known about it.
 * Declarative, so any order or repetition of events converges on the same state:
 * - I1–I5, I6: issue the policies `policiesFor` says the order deserves and it lacks;
 * - X2: give return-shipping cover its end once shipment, delivery or receipt confirmation is known;
 * - I9: void the price cover of lines refunded in full, and return-shipping refunded before shipment;
 * - C7, C8: open the automatic claims of stored refunds not claimed yet (one per refund for C7).
 */
export interface ReconcileOptions {
  /** The buyer's purchase of return-shipping cover (I4), when that is what is being reconciled. */
  purchase?: ReturnShippingPurchase;
  /** The order's partition as the caller just read it (consistently): not read again. */
  partition?: OrderPartition;
  /** The order's merchant, when the caller knows it: read beside the order, not after it. */
  merchantId?: string;
  /** The order's merchant's partition as the caller just read it: not read again. */
  merchant?: MerchantPartition;
}

export async function reconcileOrder(orderId: string, now: string, options: ReconcileOptions = {}): Promise<Policy[]> {
  return (await reconcile(orderId, now, options)).policies;
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

async function reconcile(orderId: string, now: string, options: ReconcileOptions): Promise<Reconciled> {
  const { purchase } = options;
  const exhausted = (error: unknown) => new Error(`Could not settle the ${(error as TryAgain).message} of order ${orderId}`);
  return retry(RETRY.decideAgain, { retryable: (error) => error instanceof TryAgain, exhausted }, async (attempt) => {
    const fresh = attempt === 1 ? options : {};
    const [partition, hinted] = await Promise.all([
      fresh.partition ?? readOrderPartition(orderId),
      fresh.merchantId ? readMerchantPartition(fresh.merchantId) : undefined,
    ]);
    const { order } = partition;
    if (!isCompleteOrder(order)) return { policies: [], issued: [], enrollments: [] };
    const known = fresh.merchant ?? (hinted && fresh.merchantId === order.merchantId ? hinted : undefined);
    const { enrollments } = known ?? (await readMerchantPartition(order.merchantId));
    const drafts = newPolicies(policiesFor(order, enrollments, rulesConfig, purchase), partition, now);
    // Another delivery of an event for this order issued some of them first: recompute.
    if (!(await issuePolicies(drafts, now))) throw new TryAgain('policies');
    const policies = [...partition.policies, ...drafts];
    await updateCoverageEnds(order, partition.policies);
    const voided = await voidRefundedPolicies(order, partition.refunds, policies, now);
    const inForce = policies.map((p) => (voided.has(p.policyId) ? { ...p, status: 'VOID' as const, voidReason: 'refunded' as const } : p));
    // A ledger entry moved while the claims were decided: decide again on a fresh read.
    if (!(await openRefundClaims(order, partition, inForce, now))) throw new TryAgain('refund claims');
    return { policies: inForce, issued: drafts, order, enrollments };
  });
}

/** I9: the policies the refunds void (`policiesToVoid`), each VOID with its `policy.voided` event. */
async function voidRefundedPolicies(order: Order, refunds: readonly Refund[], policies: readonly Policy[], now: string): Promise<Set<string>> {
  const voided = new Set<string>();
  for (const policy of policiesToVoid(order, refunds, policies)) {
    if (await voidPolicy(policy, 'refunded', normalizeInstant(now))) voided.add(policy.policyId);
  }
  return voided;
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

/**
 * C7, C8: files the automatic claims the stored refunds call for. Returns false when a line's
 * ledger changed under a claim being filed (`ledger-unchanged`): the caller re-reads and decides again.
 */
async function openRefundClaims(order: Order, partition: OrderPartition, policies: Policy[], now: string): Promise<boolean> {
  const claimed = new Set(partition.policies.filter((p) => p.claimId).map((p) => p.policyId));
  for (const refund of partition.refunds) {
    const drafts = claimsFromRefund(refund, order, policies, rulesConfig, { refunds: partition.refunds, ledgers: partition.ledgers });
    for (const draft of drafts) {
      // One claim per policy, except live-quality's one per refund (the ledger guards those).
      if (draft.refundId === undefined && claimed.has(draft.policyId)) continue;
      try {
        await fileClaim(draft, now);
        if (draft.refundId === undefined) claimed.add(draft.policyId);
        const entry = draft.compensation;
        if (entry) {
          // The next refund's claim on this line is decided against the ledger as now written.
          const ledger = partition.ledgers.find((l) => l.lineId === entry.lineId);
          partition.ledgers = [...partition.ledgers.filter((l) => l !== ledger), withEntry(ledger, entry)];
        }
      } catch (error) {
        if (error instanceof ConditionFailed && error.failed.includes('ledger-unchanged')) return false;
        // Already claimed (C1) or no longer active: the automatic claim has nothing left to do.
        if (error instanceof RuleViolation) {
          logger.info('Automatic claim not opened', { policyId: draft.policyId, code: error.code });
          continue;
        }
        throw error;
      }
    }
  }
  return true;
}
