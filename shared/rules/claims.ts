/**
 * Claims (C1–C10, A1, A3): evaluating a submitted claim against its policy, order and proof
 * order, and creating the automatic claims of a completed refund. A refusal is a value carrying
 * the rule code and the figures that failed; nothing is thrown for an expected outcome.
 */
import type { RulesConfig } from './config.ts';
import { RuleViolation, violation } from './errors.ts';
import { policyExpiresAt } from './expiry.ts';
import { bracketFor } from './issuance.ts';
import { multiplyFen, perUnitFen } from './money.ts';
import { AUTHENTICITY_MULTIPLIER, PROOF_CHANNELS } from './plans.ts';
import { elapsedDays, isInside, normalizeInstant, toMs, type Instant } from './time.ts';
import type { Basis, Evidence, Order, OrderLine, Party, PlanId, Policy, Refund, SkuAttributes } from './types.ts';

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
  /** Claims already stored for this policy (C1; the store enforces it too). */
  existingClaims?: readonly { policyId: string; lineId?: string }[];
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
}

interface Context extends ClaimInput {
  line: OrderLine;
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
    if (policy.status !== 'ACTIVE') {
      throw violation('POLICY_NOT_ACTIVE', `Policy ${policy.policyId} is ${policy.status} and accepts no claims.`, { rule: 'C9', status: policy.status });
    }
    if (!decide) {
      throw violation('AUTOMATIC_CLAIM_ONLY', `${policy.planId} claims are created automatically when a refund completes.`, { rule: 'C9', planId: policy.planId });
    }
    // C9: only the policy's buyer; anyone else is told the policy does not exist for them.
    if (input.claimant.role !== 'buyer' || input.claimant.id !== policy.buyerId) {
      throw violation('NOT_FOUND', `No policy ${policy.policyId} is visible to you.`);
    }
    const lineId = request.lineId ?? policy.lineId;
    const line = input.order.lines.find((l) => l.lineId === lineId);
    if (lineId !== policy.lineId || !line) {
      throw violation('LINE_NOT_FOUND', `Policy ${policy.policyId} covers line ${policy.lineId}, not ${lineId}.`, { rule: 'C1', lineId, policyLineId: policy.lineId });
    }
    if ((input.existingClaims ?? []).some((c) => c.policyId === policy.policyId && c.lineId === lineId)) {
      throw violation('CLAIM_EXISTS', `Policy ${policy.policyId} line ${lineId} already has a claim.`, { rule: 'C1', policyId: policy.policyId, lineId });
    }
    const outcome = decide({ ...input, line });
    const draft: ClaimDraft = {
      naturalKey: `${policy.policyId}#${lineId}`,
      policyId: policy.policyId,
      planId: policy.planId,
      orderId: policy.orderId,
      lineId,
      claimant: input.claimant,
      beneficiary: policy.beneficiary,
      ...outcome,
      evidence: request.evidence ?? [],
      submittedAt: normalizeInstant(now),
    };
    if (request.description !== undefined) draft.description = request.description;
    return { ok: true, ...draft };
  } catch (error) {
    if (error instanceof RuleViolation) return { ok: false, violation: error };
    throw error;
  }
}

/** C2, X1: the claim itself must be submitted inside the policy's window. */
function checkSubmittedInWindow({ policy, now }: Context): void {
  const windowEnd = policy.coverageEnd;
  if (!isInside(now, { start: policy.coverageStart, end: windowEnd })) {
    const rule = policy.planId === 'authenticity' ? 'X1' : 'C2';
    throw violation('OUTSIDE_WINDOW', `The claim was submitted at ${normalizeInstant(now)}; the window is ${policy.coverageStart} to ${windowEnd}.`, {
      rule, coverageStart: policy.coverageStart, windowEnd, submittedAt: now,
    });
  }
}

/** C6, A3: evidence required; always manual review; pays 4 × the line's paidFen (退一赔四). */
function authenticityOutcome(ctx: Context): Outcome {
  const { request, line } = ctx;
  checkSubmittedInWindow(ctx);
  if (!request.evidence || request.evidence.length === 0) {
    throw violation('EVIDENCE_REQUIRED', 'An authenticity claim needs at least one piece of evidence, such as a brand authentication report.', { rule: 'C6' });
  }
  return {
    amountFen: multiplyFen(line.paidFen, AUTHENTICITY_MULTIPLIER),
    basis: { rule: 'A3', paidFen: line.paidFen, multiplier: AUTHENTICITY_MULTIPLIER, capFen: multiplyFen(line.paidFen, AUTHENTICITY_MULTIPLIER) },
    route: routeFor('authenticity'),
    note: 'manual review: authenticity claims are always reviewed by an adjuster',
  };
}

/**
 * C2–C4: the proof order matches on buyer, SKU, shipping address, quantity and channel; the
 * difference is paidFen − proof unitPriceFen × quantity (exactly (paidFen / quantity − proof
 * price) × quantity without fractions), capped at the line's paidFen.
 */
function priceProtectionOutcome(ctx: Context): Outcome {
  const { line, order } = ctx;
  const proof = checkedProofOrder(ctx);
  const proofLine = proof.lines.find((l) => l.skuId === line.skuId);
  if (!proofLine) throw mismatch('C2', 'skuId', line.skuId, proof.lines.map((l) => l.skuId));
  if (proof.shippingAddressId !== order.shippingAddressId) throw mismatch('C3', 'shippingAddressId', order.shippingAddressId, proof.shippingAddressId);
  if (proofLine.quantity !== line.quantity) throw mismatch('C3', 'quantity', line.quantity, proofLine.quantity);
  if (!PROOF_CHANNELS.includes(proof.channel)) throw mismatch('C3', 'channel', PROOF_CHANNELS, proof.channel);
  const proofTotalFen = multiplyFen(proofLine.unitPriceFen, line.quantity);
  const figures = { paidFen: line.paidFen, proofUnitPriceFen: proofLine.unitPriceFen, units: line.quantity, capFen: line.paidFen };
  const differenceFen = line.paidFen - proofTotalFen;
  if (differenceFen <= 0) throw noPriceDrop(figures, differenceFen);
  return {
    amountFen: Math.min(differenceFen, line.paidFen),
    basis: { rule: 'C4', ...figures },
    route: routeFor('price-protection'),
    note: 'auto-approved: same SKU, address, quantity and channel',
  };
}

/**
 * C2, C4, C5: one unit's difference, round_half_up(paidFen / quantity) − proof unitPriceFen,
 * capped at one unit's paid amount (the same rounded figure). The same listing and SKU is
 * decided automatically; the same merchant's identical SKU attributes on another listing (the
 * shop changed the listing) goes to manual review.
 */
function livePriceOutcome(ctx: Context): Outcome {
  const { line, order } = ctx;
  const proof = checkedProofOrder(ctx);
  const sameListing = proof.lines.find((l) => l.itemId === line.itemId && l.skuId === line.skuId);
  const changedListing =
    proof.merchantId === order.merchantId
      ? proof.lines.find((l) => l.itemId !== line.itemId && sameSkuAttributes(l.skuAttributes, line.skuAttributes))
      : undefined;
  const proofLine = sameListing ?? changedListing;
  if (!proofLine) throw mismatch('C5', 'skuId', line.skuId, proof.lines.map((l) => l.skuId));
  const paidPerUnitFen = perUnitFen(line.paidFen, line.quantity);
  const figures = { paidPerUnitFen, proofUnitPriceFen: proofLine.unitPriceFen, units: 1, capFen: paidPerUnitFen };
  const differenceFen = paidPerUnitFen - proofLine.unitPriceFen;
  if (differenceFen <= 0) throw noPriceDrop(figures, differenceFen);
  const listing = sameListing ? 'same' : 'changed';
  return {
    amountFen: Math.min(differenceFen, paidPerUnitFen),
    basis: { rule: 'C4', ...figures },
    route: routeFor('live-price', listing),
    note: sameListing
      ? 'auto-approved: same listing and SKU'
      : `manual review: proof order on another listing (${proofLine.itemId}) with the same SKU attributes`,
  };
}

/** C2: the proof order exists, is unpaid, is the same buyer's and was placed inside the window. */
function checkedProofOrder(ctx: Context): Order {
  const { policy, order, proofOrder, request } = ctx;
  if (!request.proofOrderId) throw violation('PROOF_ORDER_REQUIRED', 'A price claim names a proof order (举证订单): an unpaid order at the lower price.', { rule: 'C2' });
  if (!proofOrder) throw violation('PROOF_ORDER_NOT_FOUND', `No order ${request.proofOrderId} is known.`, { rule: 'C2', proofOrderId: request.proofOrderId });
  if (proofOrder.paidAt) {
    throw violation('PROOF_ORDER_PAID', `Proof order ${proofOrder.orderId} was paid; a proof order is placed and never paid.`, {
      rule: 'C2', proofOrderId: proofOrder.orderId, paidAt: proofOrder.paidAt,
    });
  }
  if (proofOrder.buyerId !== order.buyerId) throw mismatch('C2', 'buyerId', order.buyerId, proofOrder.buyerId);
  const paidAt = policy.coverageStart;
  const windowEnd = policy.coverageEnd;
  if (!isInside(proofOrder.placedAt, { start: paidAt, end: windowEnd })) {
    const placed = proofOrder.placedAt;
    const detail =
      toMs(placed) < toMs(paidAt)
        ? `The proof order was placed at ${normalizeInstant(placed)}, before the payment at ${normalizeInstant(paidAt)}.`
        : policy.planId === 'live-price'
          ? `The proof order was placed ${elapsedDays(paidAt, placed)} days after payment; the window is ${elapsedDays(paidAt, windowEnd!)} days.`
          : `The proof order was placed at ${normalizeInstant(placed)}; the window ended at ${normalizeInstant(windowEnd!)}.`;
    throw violation('OUTSIDE_WINDOW', detail, { rule: 'C2', paidAt, windowEnd, proofPlacedAt: placed });
  }
  // The proof order's placement is judged first: it is the earlier event and the clearer answer.
  checkSubmittedInWindow(ctx);
  return proofOrder;
}

const SKU_ATTRIBUTE_KEYS: readonly (keyof SkuAttributes)[] = ['name', 'spec', 'model', 'brand', 'size', 'color', 'saleMethod'];

/** C5: the same SKU is the same name, spec, model, brand, size, colour and sale method (003). */
export function sameSkuAttributes(a: SkuAttributes, b: SkuAttributes): boolean {
  return SKU_ATTRIBUTE_KEYS.every((key) => a[key] === b[key]);
}

function mismatch(rule: string, field: string, expected: unknown, actual: unknown): RuleViolation {
  return violation('PROOF_ORDER_MISMATCH', `The proof order's ${field} does not match the claimed order.`, { rule, field, expected, actual });
}

function noPriceDrop(figures: Record<string, number>, differenceFen: number): RuleViolation {
  return violation('NO_PRICE_DROP', `The proof order's price is not lower than what was paid (difference ${differenceFen} fen).`, {
    rule: 'C4', ...figures, differenceFen,
  });
}

/**
 * C7, C8: the claims a completed refund creates, already approved (A1). Drafts are
 * deterministic (submittedAt = the refund's completion), so a repeated event yields the same
 * natural keys and the store keeps one claim per policy line.
 *
 * The policy must be ACTIVE or EXPIRED: what counts is that the refund was *requested* inside
 * the window (C7), even if the window closed before the refund completed.
 */
export function claimsFromRefund(refund: Refund, order: Order, policies: readonly Policy[], config: RulesConfig): ClaimDraft[] {
  const candidates = policies.filter((p) => p.orderId === refund.orderId && (p.status === 'ACTIVE' || p.status === 'EXPIRED'));
  const inWindow = (p: Policy) => isInside(refund.requestedAt, { start: p.coverageStart, end: policyExpiresAt(p, config, order) });
  const drafts: ClaimDraft[] = [];

  // C7: 1× the loss, never shipping: the refund is spread over the covered lines, each capped
  // at its paidFen (a whole-order refund with shipping leaves the shipping part unpaid).
  if (config.plans['live-quality'].refundReasons.includes(refund.reason)) {
    let remainingFen = refund.refundFen;
    const covered = candidates.filter(
      (p) => p.planId === 'live-quality' && (refund.lineId === undefined || p.lineId === refund.lineId) && inWindow(p),
    );
    for (const policy of covered) {
      const amountFen = Math.min(remainingFen, policy.insuredFen);
      remainingFen -= amountFen;
      if (amountFen > 0) {
        drafts.push(
          automaticDraft(policy, refund, amountFen, {
            rule: 'C7', refundFen: refund.refundFen, capFen: policy.insuredFen, reason: refund.reason, requestedAt: refund.requestedAt,
          }),
        );
      }
    }
  }

  // C8: a completed return pays the weight bracket — once the cover's end is known (X2: delivery
  // or receipt confirmation). A return implies a delivery; until that event has arrived the
  // window cannot be judged, and a refund seen first must not be paid on an open-ended window.
  const returnShipping = refund.returned
    ? candidates.find((p) => p.planId === 'return-shipping' && policyExpiresAt(p, config, order) !== undefined && inWindow(p))
    : undefined;
  if (returnShipping) {
    const bracket = bracketFor(config.plans['return-shipping'].payoutBrackets, order.weightGrams);
    drafts.push(
      automaticDraft(returnShipping, refund, bracket.fen, {
        rule: 'C8', weightGrams: order.weightGrams, upToGrams: bracket.upToGrams, capFen: bracket.fen,
      }),
    );
  }
  return drafts;
}

/** Automatic claims are made on the beneficiary's behalf and approved by the system (A1). */
function automaticDraft(policy: Policy, refund: Refund, amountFen: number, basis: Basis): ClaimDraft {
  const draft: ClaimDraft = {
    naturalKey: `${policy.policyId}#${policy.lineId ?? 'order'}`,
    policyId: policy.policyId,
    planId: policy.planId,
    orderId: policy.orderId,
    claimant: policy.beneficiary,
    beneficiary: policy.beneficiary,
    amountFen,
    basis,
    route: routeFor(policy.planId),
    evidence: [],
    submittedAt: normalizeInstant(refund.completedAt),
    note: `auto-approved: refund completed (${refund.reason}${refund.returned ? ', returned' : ''})`,
  };
  if (policy.lineId !== undefined) draft.lineId = policy.lineId;
  return draft;
}
