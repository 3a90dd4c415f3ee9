/**
 * Claims (C1–C10, A1, A3): evaluating a submitted claim against its policy, order and proof
 * order. The automatic claims of a completed refund (C7, C8) are refund-claims.ts. A refusal is a
 * value carrying the rule code and the figures that failed; nothing is thrown for an expected outcome.
 */
import { LOSS_OF_PLAN, remainingLoss, type CompensationEntry, type CompensationLedger } from './compensation.ts';

export type { CompensationEntry } from './compensation.ts';
import type { RulesConfig } from './config.ts';
import { NotFound, RuleViolation, violation } from './errors.ts';
import { multiplyFen, perUnitFen } from './money.ts';
import { AUTHENTICITY_MULTIPLIER, PROOF_CHANNELS } from './plans.ts';
import { netPaidFen } from './refunds.ts';
import { isInside, normalizeInstant, shanghaiDate, toMs, type Instant } from './time.ts';
import type { Basis, Evidence, Order, OrderLine, Party, PlanId, Policy, Refund } from './types.ts';
import { changedListingLine } from './sku.ts';

export type Route = 'auto-approve' | 'manual-review';

/** `POST /v1/claims` body, less the policy id. */
export interface ClaimRequest {
  lineId?: string;
  proofOrderId?: string;
  evidence?: readonly Evidence[];
  description?: string;
}

/** A claim ready to be stored (see `openClaim`); the store keeps one per natural key (C1). */
export interface ClaimDraft {
  /** `policyId#lineId` (`#order` for per-order cover). */
  naturalKey: string;
  policyId: string;
  planId: PlanId;
  orderId: string;
  lineId?: string;
  claimant: Party;
  beneficiary: Party;
  amountFen: number;
  basis: Basis;
  route: Route;
  evidence: readonly Evidence[];
  submittedAt: Instant;
  /** Why the claim took its route; the first history entry's note (A4). */
  note: string;
  description?: string;
  /** C1: the earlier (REJECTED or LAPSED) claims on the same policy line. */
  previousClaimIds?: readonly string[];
  /** C7: the refund an automatic live-quality claim pays for. */
  refundId?: string;
  /**
   * C11: the entry this claim makes in its line's compensation ledger once it is approved — the
   * loss, the amount, the reference, and the ledger's figure it was computed against (the store
   * conditions its write on it).
   */
  compensation?: CompensationEntry;
}

export type ClaimEvaluation = ({ ok: true } & ClaimDraft) | { ok: false; violation: RuleViolation };

export interface ClaimInput {
  policy: Policy;
  /** The policy's order. */
  order: Order;
  /** The proof order named by `request.proofOrderId`, or undefined when it is unknown. */
  proofOrder?: Order;
  request: ClaimRequest;
  claimant: Party;
  /** Open or paid claims stored for this policy (C1; the store enforces it too). */
  existingClaims?: readonly { policyId: string; lineId?: string }[];
  /** C1: earlier claims on the line that ended REJECTED or LAPSED. */
  previousClaimIds?: readonly string[];
  /** I9: the order's completed refunds. */
  refunds?: readonly Refund[];
  /** C11: the line's compensation ledger. */
  ledger?: CompensationLedger;
  now: Instant;
}

/**
 * A1: claims that need no judgement are approved at submission — price claims on the same
 * listing, live-quality and return-shipping. authenticity always goes to an adjuster (C6), and
 * so does a live-price proof order on a changed listing (C5).
 */
export function routeFor(planId: PlanId, listing: 'same' | 'changed' = 'same'): Route {
  return planId === 'authenticity' || listing === 'changed' ? 'manual-review' : 'auto-approve';
}

interface Outcome {
  amountFen: number;
  basis: Basis;
  route: Route;
  note: string;
  compensation?: CompensationEntry;
}

interface Context extends ClaimInput {
  /** The insured line: the policy's snapshot (I8), or the order's line for older policies. */
  line: OrderLine;
  /** The insured order facts: channel and shipping address from the snapshot (I8). */
  insuredOrder: Order;
  /** I9: the line's paid amount less the goods refunded. */
  netPaidFen: number;
}

/** How each buyer-submitted plan decides; the others are claimed automatically (C7, C8). */
const SUBMITTED: Partial<Record<PlanId, (ctx: Context) => Outcome>> = {
  authenticity: authenticityOutcome,
  'price-protection': priceProtectionOutcome,
  'live-price': livePriceOutcome,
};

/**
 * C1–C6, C9, A1, A3: evaluates a buyer's claim. Steps: the policy is active and buyer-claimable,
 * the claimant is its buyer, the line is the policy's, no claim exists yet; then the plan's own
 * rules (proof order, window, evidence) give the amount, its basis and the route.
 * `config` is part of the contract although today's claim rules use only source facts (4×,
 * proof channels) and the policy's own window, so making one configurable changes no caller.
 */
export function evaluateClaim(input: ClaimInput, config: RulesConfig): ClaimEvaluation {
  try {
    const { policy, request, now } = input;
    const decide = SUBMITTED[policy.planId];
    const lineId = request.lineId ?? policy.lineId;
    const claimed = policy.status === 'CLAIMED' || (input.existingClaims ?? []).some((c) => c.policyId === policy.policyId && c.lineId === lineId);
    if (claimed && lineId === policy.lineId) {
      throw violation('CLAIM_EXISTS', `Policy ${policy.policyId} line ${lineId} already has a claim.`, { rule: 'C1', policyId: policy.policyId, lineId });
    }
    if (policy.status !== 'ACTIVE') {
      throw violation('POLICY_NOT_ACTIVE', `Policy ${policy.policyId} is ${policy.status} and accepts no claims.`, { rule: 'C9', status: policy.status });
    }
    if (!decide) {
      throw violation('AUTOMATIC_CLAIM_ONLY', `${policy.planId} claims are created automatically when a refund completes.`, {
        rule: 'C9',
        planId: policy.planId,
      });
    }
    // C9: only the policy's buyer; anyone else is told the policy does not exist for them.
    if (input.claimant.role !== 'buyer' || input.claimant.id !== policy.buyerId) {
      throw new NotFound(`Policy ${policy.policyId}`, `No policy ${policy.policyId} is visible to you.`);
    }
    const orderLine = input.order.lines.find((l) => l.lineId === lineId);
    if (lineId !== policy.lineId || !orderLine) {
      throw violation('LINE_NOT_FOUND', `Policy ${policy.policyId} covers line ${policy.lineId}, not ${lineId}.`, {
        rule: 'C1',
        lineId,
        policyLineId: policy.lineId,
      });
    }
    const previousClaimIds = input.previousClaimIds ?? [];
    if (previousClaimIds.length >= config.claims.maxClaimsPerLine) {
      throw violation('CLAIM_LIMIT_REACHED', `Policy ${policy.policyId} line ${lineId} has had ${previousClaimIds.length} claims, the most a line may have.`, {
        rule: 'C1',
        policyId: policy.policyId,
        lineId,
        limit: config.claims.maxClaimsPerLine,
        previousClaimIds,
      });
    }
    const { line, insuredOrder } = insuredFacts(policy, input.order, orderLine);
    const net = netPaidFen(line, input.order.lines, input.refunds ?? []);
    const outcome = decide({ ...input, line, insuredOrder, netPaidFen: net });
    // I8: no claim ever pays more than the policy's cap.
    const amountFen = Math.min(outcome.amountFen, policy.insuredFen);
    const { compensation, ...decided } = outcome;
    const draft: ClaimDraft = {
      naturalKey: `${policy.policyId}#${lineId}`,
      policyId: policy.policyId,
      planId: policy.planId,
      orderId: policy.orderId,
      lineId,
      claimant: input.claimant,
      beneficiary: policy.beneficiary,
      ...decided,
      amountFen,
      evidence: request.evidence ?? [],
      submittedAt: normalizeInstant(now),
    };
    if (compensation) draft.compensation = { ...compensation, amountFen };
    if (previousClaimIds.length > 0) draft.previousClaimIds = previousClaimIds;
    if (request.description !== undefined) draft.description = request.description;
    return { ok: true, ...draft };
  } catch (error) {
    if (error instanceof RuleViolation) return { ok: false, violation: error };
    throw error;
  }
}

/**
 * I8: the facts a claim is computed from — the policy's snapshot when it has one; a policy
 * issued before snapshots existed reads the order as before (no silent change of amounts).
 */
export function insuredFacts(policy: Policy, order: Order, orderLine: OrderLine): { line: OrderLine; insuredOrder: Order } {
  const facts = policy.insured;
  if (!facts) return { line: orderLine, insuredOrder: order };
  const line: OrderLine = {
    ...orderLine,
    paidFen: facts.paidFen,
    unitPriceFen: facts.unitPriceFen ?? orderLine.unitPriceFen,
    quantity: facts.quantity ?? orderLine.quantity,
    itemId: facts.itemId ?? orderLine.itemId,
    skuId: facts.skuId ?? orderLine.skuId,
    skuAttributes: facts.skuAttributes ?? orderLine.skuAttributes,
  };
  return { line, insuredOrder: { ...order, channel: facts.channel, shippingAddressId: facts.shippingAddressId } };
}

/** Days are written as dates when a window ends at the end of a day (Units), else as instants. */
function endsAtEndOfDay(end: Instant): boolean {
  return normalizeInstant(end).endsWith('T23:59:59.999+08:00');
}

/** "… on 2026-11-01, after the window closed at the end of 2026-10-31." — never self-contradicting. */
function closedDetail(what: string, at: Instant, windowEnd: Instant): string {
  return endsAtEndOfDay(windowEnd)
    ? `${what} on ${shanghaiDate(at)}, after the window closed at the end of ${shanghaiDate(windowEnd)}.`
    : `${what} at ${normalizeInstant(at)}, after the window closed at ${normalizeInstant(windowEnd)}.`;
}

/** C2, X1: the claim itself must be submitted inside the policy's window. */
function checkSubmittedInWindow({ policy, now }: Context): void {
  const windowEnd = policy.coverageEnd;
  if (!isInside(now, { start: policy.coverageStart, end: windowEnd })) {
    const rule = policy.planId === 'authenticity' ? 'X1' : 'C2';
    const detail =
      toMs(now) < toMs(policy.coverageStart)
        ? `The claim was submitted at ${normalizeInstant(now)}, before the cover started at ${policy.coverageStart}.`
        : closedDetail('The claim was submitted', now, windowEnd!);
    throw violation('OUTSIDE_WINDOW', detail, { rule, coverageStart: policy.coverageStart, windowEnd, submittedAt: now });
  }
}

/** C6, A3: evidence required; always manual review; pays 4 × the line's paidFen (退一赔四). */
function authenticityOutcome(ctx: Context): Outcome {
  const { request, line, netPaidFen } = ctx;
  checkSubmittedInWindow(ctx);
  if (!request.evidence || request.evidence.length === 0) {
    throw violation('EVIDENCE_REQUIRED', 'An authenticity claim needs at least one piece of evidence, such as a brand authentication report.', { rule: 'C6' });
  }
  // I9: 4 × what was paid, refunded or not; the refund-required event asks only for the net paid.
  return {
    amountFen: multiplyFen(line.paidFen, AUTHENTICITY_MULTIPLIER),
    basis: {
      rule: 'A3',
      paidFen: line.paidFen,
      multiplier: AUTHENTICITY_MULTIPLIER,
      capFen: multiplyFen(line.paidFen, AUTHENTICITY_MULTIPLIER),
      ...(netPaidFen < line.paidFen ? { netPaidFen } : {}),
    },
    route: routeFor('authenticity'),
    note: 'manual review: authenticity claims are always reviewed by an adjuster',
  };
}

/**
 * The proof order's line for the insured line: the same listing and SKU (`sameListing`), else the
 * same merchant's identical SKU attributes on another listing; neither is `rule`'s SKU mismatch.
 */
function proofLineOf(ctx: Context, rule: 'C2' | 'C5') {
  const { line, insuredOrder: order } = ctx;
  const proof = checkedProofOrder(ctx);
  const sameListing = proof.lines.find((l) => l.itemId === line.itemId && l.skuId === line.skuId);
  const proofLine = sameListing ?? changedListingLine(proof, order, line);
  if (!proofLine)
    throw mismatch(
      rule,
      'skuId',
      line.skuId,
      proof.lines.map((l) => l.skuId),
    );
  return { proof, proofLine, sameListing };
}

/**
 * C2–C4, C11: the proof order matches on buyer, SKU (or, on another listing of the same merchant,
 * the SKU attributes: manual review), shipping address, quantity and channel; the difference is
 * netPaid − proof unitPriceFen × quantity (exactly (paid / quantity − proof price) × quantity
 * without fractions), capped at the line's net paid, less what the line's price drop was already
 * compensated (C11).
 */
function priceProtectionOutcome(ctx: Context): Outcome {
  const { line, insuredOrder: order, netPaidFen } = ctx;
  const { proof, proofLine, sameListing } = proofLineOf(ctx, 'C2');
  if (proof.shippingAddressId !== order.shippingAddressId) throw mismatch('C3', 'shippingAddressId', order.shippingAddressId, proof.shippingAddressId);
  if (proofLine.quantity !== line.quantity) throw mismatch('C3', 'quantity', line.quantity, proofLine.quantity);
  if (!PROOF_CHANNELS.includes(proof.channel)) throw mismatch('C3', 'channel', PROOF_CHANNELS, proof.channel);
  const proofTotalFen = multiplyFen(proofLine.unitPriceFen, line.quantity);
  const figures = { paidFen: line.paidFen, ...netFigure(ctx), proofUnitPriceFen: proofLine.unitPriceFen, units: line.quantity, capFen: netPaidFen };
  const differenceFen = netPaidFen - proofTotalFen;
  if (differenceFen <= 0) throw noPriceDrop(figures, differenceFen);
  return priceOutcome(ctx, Math.min(differenceFen, netPaidFen), figures, sameListing ? 'same' : 'changed', proofLine.itemId);
}

/** I9: `netPaidFen` appears in a basis when refunds lowered the paid amount. */
function netFigure({ line, netPaidFen }: Context): { netPaidFen?: number } {
  return netPaidFen < line.paidFen ? { netPaidFen } : {};
}

/**
 * C11, A1, C5: a price claim's amount after the line's earlier price-drop compensations, its
 * route, and the ledger entry it makes when approved.
 */
function priceOutcome(ctx: Context, lossFen: number, figures: Record<string, number>, listing: 'same' | 'changed', proofItemId: string): Outcome {
  const { policy, ledger } = ctx;
  const loss = LOSS_OF_PLAN[policy.planId]!;
  const { payableFen, alreadyCompensatedFen } = remainingLoss(lossFen, loss, ledger);
  return {
    amountFen: payableFen,
    basis: { rule: 'C4', ...figures, ...(alreadyCompensatedFen > 0 ? { alreadyCompensatedFen } : {}) },
    route: routeFor(policy.planId, listing),
    note:
      listing === 'same'
        ? policy.planId === 'live-price'
          ? 'auto-approved: same listing and SKU'
          : 'auto-approved: same SKU, address, quantity and channel'
        : `manual review: proof order on another listing (${proofItemId}) with the same SKU attributes`,
    compensation: {
      orderId: policy.orderId,
      lineId: policy.lineId!,
      loss,
      amountFen: payableFen,
      ref: `policy:${policy.policyId}`,
      expectedFen: alreadyCompensatedFen,
    },
  };
}

/**
 * C2, C4, C5: one unit's difference, round_half_up(netPaid / quantity) − proof unitPriceFen,
 * capped at one unit's paid amount (the same rounded figure). The same listing and SKU is
 * decided automatically; the same merchant's identical SKU attributes on another listing (the
 * shop changed the listing) goes to manual review.
 */
function livePriceOutcome(ctx: Context): Outcome {
  const { line, netPaidFen } = ctx;
  const { proofLine, sameListing } = proofLineOf(ctx, 'C5');
  const paidPerUnitFen = perUnitFen(netPaidFen, line.quantity);
  const figures = { paidPerUnitFen, ...netFigure(ctx), proofUnitPriceFen: proofLine.unitPriceFen, units: 1, capFen: paidPerUnitFen };
  const differenceFen = paidPerUnitFen - proofLine.unitPriceFen;
  if (differenceFen <= 0) throw noPriceDrop(figures, differenceFen);
  return priceOutcome(ctx, differenceFen, figures, sameListing ? 'same' : 'changed', proofLine.itemId);
}

/** C2: the proof order exists, is unpaid, is the same buyer's and was placed inside the window. */
function checkedProofOrder(ctx: Context): Order {
  const { policy, order, proofOrder, request } = ctx;
  if (!request.proofOrderId)
    throw violation('PROOF_ORDER_REQUIRED', 'A price claim names a proof order (举证订单): an unpaid order at the lower price.', { rule: 'C2' });
  if (!proofOrder) throw violation('PROOF_ORDER_NOT_FOUND', `No order ${request.proofOrderId} is known.`, { rule: 'C2', proofOrderId: request.proofOrderId });
  if (proofOrder.paidAt) {
    throw violation('PROOF_ORDER_PAID', `Proof order ${proofOrder.orderId} was paid; a proof order is placed and never paid.`, {
      rule: 'C2',
      proofOrderId: proofOrder.orderId,
      paidAt: proofOrder.paidAt,
    });
  }
  if (proofOrder.buyerId !== order.buyerId) throw mismatch('C2', 'buyerId', order.buyerId, proofOrder.buyerId);
  const paidAt = policy.coverageStart;
  const windowEnd = policy.coverageEnd!;
  // C3: price protection's period starts when the campaign ends (exclusive); others at payment.
  const campaignEndsAt = policy.planId === 'price-protection' ? policy.insured?.campaignEndsAt : undefined;
  const placed = proofOrder.placedAt;
  const tooEarly = campaignEndsAt ? toMs(placed) <= toMs(campaignEndsAt) : toMs(placed) < toMs(paidAt);
  if (tooEarly || !isInside(placed, { start: paidAt, end: windowEnd })) {
    const detail = tooEarly
      ? campaignEndsAt
        ? `The proof order was placed at ${normalizeInstant(placed)}, before the campaign ended at ${normalizeInstant(campaignEndsAt)}; the protection period starts then.`
        : `The proof order was placed at ${normalizeInstant(placed)}, before the payment at ${normalizeInstant(paidAt)}.`
      : closedDetail('The proof order was placed', placed, windowEnd);
    throw violation('OUTSIDE_WINDOW', detail, {
      rule: campaignEndsAt ? 'C3' : 'C2',
      paidAt,
      ...(campaignEndsAt ? { campaignEndsAt } : {}),
      windowEnd,
      proofPlacedAt: placed,
    });
  }
  // The proof order's placement is judged first: it is the earlier event and the clearer answer.
  checkSubmittedInWindow(ctx);
  return proofOrder;
}

function mismatch(rule: string, field: string, expected: unknown, actual: unknown): RuleViolation {
  return violation('PROOF_ORDER_MISMATCH', `The proof order's ${field} does not match the claimed order.`, { rule, field, expected, actual });
}

function noPriceDrop(figures: Record<string, number>, differenceFen: number): RuleViolation {
  return violation('NO_PRICE_DROP', `The proof order's price is not lower than what was paid (difference ${differenceFen} fen).`, {
    rule: 'C4',
    ...figures,
    differenceFen,
  });
}
