/**
 * Issuing policies (I1–I6). Declarative: `policiesFor` returns every policy an order deserves
 * given what is known about it now, each with a natural key. The store writes each draft only
 * if its key does not exist yet, so duplicated or out-of-order events (a `shipped` before its
 * `paid`) converge on the same policies and never change one already issued (I6).
 */
import type { RulesConfig, WeightBracket } from './config.ts';
import { NotFound, violation, type RuleViolation } from './errors.ts';
import { returnShippingCoverageEnd } from './expiry.ts';
import { multiplyFen, perUnitFen, premiumFen } from './money.ts';
import { AUTHENTICITY_MULTIPLIER, PLAN_DEFINITIONS } from './plans.ts';
import { later, normalizeInstant, toMs, type Instant } from './time.ts';
import type { Basis, Enrollment, InsuredFacts, Order, OrderLine, Party, PlanId, Policy } from './types.ts';
import { daysAfter } from './windows.ts';

/** A buyer buying return-shipping cover at checkout (I4). */
export interface ReturnShippingPurchase {
  buyerId: string;
  purchasedAt: Instant;
}

export interface PolicyDraft extends Omit<Policy, 'policyId' | 'status'> {
  /** `orderId#planId#lineId` (or `#order` for per-order cover): unique per policy (I6). */
  naturalKey: string;
  /** How the premium was computed (I5). */
  premiumBasis: Basis;
}

/**
 * Whether an enrollment covered the instant `at`: joined at or before it and not exited by
 * then. Judged by time, not by current status, so a late event for an order paid before an
 * exit still gets its policy (J8) and one paid after it does not.
 */
export function enrollmentActiveAt(enrollment: Enrollment, at: Instant): boolean {
  const t = toMs(at);
  return toMs(enrollment.joinedAt) <= t && (enrollment.exitedAt === undefined || t < toMs(enrollment.exitedAt));
}

/** The bracket for a weight: the first whose upper bound is at or above it (I5, C8). */
export function bracketFor(brackets: readonly WeightBracket[], weightGrams: number): WeightBracket {
  // Config validation guarantees an open last bracket, so one always matches.
  return brackets.find((b) => b.upToGrams === null || weightGrams <= b.upToGrams)!;
}

/**
 * I1–I5: every policy draft the order deserves now. Nothing before payment. Policies of the
 * enrollments active at the trigger: payment for authenticity, price-protection and
 * return-shipping; shipment for the live plans.
 */
export function policiesFor(order: Order, enrollments: readonly Enrollment[], config: RulesConfig, purchase?: ReturnShippingPurchase): PolicyDraft[] {
  const { paidAt } = order;
  if (!paidAt) return [];
  const activeAt = (planId: PlanId, at: Instant) =>
    enrollments.filter((e) => e.merchantId === order.merchantId && e.planId === planId && enrollmentActiveAt(e, at));
  const fromPayment = (planId: PlanId) => daysAfter(paidAt, config.plans[planId].windowDays, config.dayBoundary);
  const drafts: PolicyDraft[] = [];

  // I1: authenticity, per line, at payment; pays up to 4 × the line's paidFen (A3).
  const [authenticity] = activeAt('authenticity', paidAt);
  if (authenticity) {
    for (const line of order.lines) {
      drafts.push(lineDraft(order, line, authenticity, paidAt, fromPayment('authenticity'), multiplyFen(line.paidFen, AUTHENTICITY_MULTIPLIER)));
    }
  }

  // I2: live plans, per line, at shipment, only for orders sold through a live-stream base.
  const { shippedAt } = order;
  if (shippedAt && order.liveBaseId) {
    const [quality] = activeAt('live-quality', shippedAt);
    const categories = config.plans['live-quality'].coveredCategories;
    if (quality) {
      for (const line of order.lines.filter((l) => categories.includes(l.category))) {
        drafts.push(lineDraft(order, line, quality, shippedAt, fromPayment('live-quality'), line.paidFen));
      }
    }
    const [price] = activeAt('live-price', shippedAt);
    if (price) {
      for (const line of order.lines) {
        // live-price pays for one unit at most (C4).
        drafts.push(lineDraft(order, line, price, shippedAt, fromPayment('live-price'), perUnitFen(line.paidFen, line.quantity)));
      }
    }
  }

  // I3: price-protection, per paid line of an item in the order's campaign.
  const campaigns = activeAt('price-protection', paidAt).filter((e) => e.campaign?.campaignId === order.campaignId);
  for (const line of order.lines) {
    const enrollment = campaigns.find((e) => e.campaign?.itemIds.includes(line.itemId));
    if (enrollment?.campaign) {
      // C3: 15 days (inclusive) of the campaign's end day; the period starts when it ends.
      const end = daysAfter(enrollment.campaign.endsAt, config.plans['price-protection'].windowDays, config.dayBoundary);
      drafts.push(lineDraft(order, line, enrollment, paidAt, end, line.paidFen, { campaignEndsAt: normalizeInstant(enrollment.campaign.endsAt) }));
    }
  }

  // I4: return-shipping, per order: gifted by the merchant, else bought by the buyer.
  const returnShipping = returnShippingDraft(order, paidAt, activeAt('return-shipping', paidAt), config, purchase);
  if (returnShipping) drafts.push(returnShipping);
  return drafts;
}

/**
 * I4: can this buyer buy cover for this order now? Only return-shipping is for sale (J6),
 * only to the order's buyer, once the order is paid, once per order, and while the cover
 * has not already ended. Returns the violation, or undefined when the purchase may proceed.
 */
export function checkPurchase(
  input: { order: Order; planId: PlanId; buyerId: string; now: Instant; existingPolicies: readonly Policy[] },
  config: RulesConfig,
): RuleViolation | undefined {
  const { order, planId, now } = input;
  if (!PLAN_DEFINITIONS[planId].buyerPurchasable) {
    return violation('PLAN_NOT_PURCHASABLE', `${planId} cannot be bought by a buyer; only return-shipping can.`, { rule: 'J6', planId });
  }
  // Another buyer's order: answered as not found, never revealing that it exists.
  if (order.buyerId !== input.buyerId) return new NotFound(`Order ${order.orderId}`, `No order ${order.orderId} is visible to you.`);
  if (!order.paidAt) return violation('ORDER_NOT_PAID', `Order ${order.orderId} is not paid yet.`, { rule: 'I4' });
  const existing = input.existingPolicies.find((p) => p.orderId === order.orderId && p.planId === planId);
  if (existing) {
    return violation('POLICY_EXISTS', `Order ${order.orderId} already has ${planId} cover.`, { rule: 'I6', policyId: existing.policyId });
  }
  // "At checkout" is before the order ships: cover bought later would insure a decided return.
  if (order.shippedAt && toMs(now) > toMs(order.shippedAt)) {
    return violation(
      'PURCHASE_WINDOW_CLOSED',
      `Return-shipping cover is bought before the order ships; order ${order.orderId} shipped at ${normalizeInstant(order.shippedAt)}.`,
      {
        rule: 'I4',
        shippedAt: order.shippedAt,
        now,
      },
    );
  }
  const end = returnShippingCoverageEnd(order, config);
  if (end && toMs(now) > toMs(end)) {
    return violation('COVERAGE_ENDED', `Return-shipping cover for order ${order.orderId} ended at ${normalizeInstant(end)}.`, {
      rule: 'X2',
      coverageEnd: end,
      now,
    });
  }
  return undefined;
}

function lineDraft(
  order: Order,
  line: OrderLine,
  enrollment: Enrollment,
  issuedAt: Instant,
  coverageEnd: Instant,
  insuredFen: number,
  extra: Partial<InsuredFacts> = {},
): PolicyDraft {
  const merchant: Party = { role: 'merchant', id: order.merchantId };
  // I8: the insured facts, frozen now; claims are computed from them, never from the order later.
  const insured: InsuredFacts = {
    paidFen: line.paidFen,
    unitPriceFen: line.unitPriceFen,
    quantity: line.quantity,
    itemId: line.itemId,
    skuId: line.skuId,
    skuAttributes: line.skuAttributes,
    channel: order.channel,
    shippingAddressId: order.shippingAddressId,
    ...(line.weightGrams !== undefined ? { weightGrams: line.weightGrams } : {}),
    ...extra,
  };
  return {
    naturalKey: `${order.orderId}#${enrollment.planId}#${line.lineId}`,
    planId: enrollment.planId,
    orderId: order.orderId,
    lineId: line.lineId,
    merchantId: order.merchantId,
    buyerId: order.buyerId,
    beneficiary: PLAN_DEFINITIONS[enrollment.planId].beneficiary === 'merchant' ? merchant : { role: 'buyer', id: order.buyerId },
    payer: merchant,
    insuredFen,
    premiumFen: premiumFen(line.paidFen, enrollment.rateBps),
    premiumBasis: { rule: 'I5', paidFen: line.paidFen, rateBps: enrollment.rateBps },
    rateBps: enrollment.rateBps,
    coverageStart: normalizeInstant(order.paidAt!),
    coverageEnd,
    issuedAt: normalizeInstant(issuedAt),
    enrollmentId: enrollment.enrollmentId,
    insured,
  };
}

function returnShippingDraft(
  order: Order,
  paidAt: Instant,
  gifts: readonly Enrollment[],
  config: RulesConfig,
  purchase: ReturnShippingPurchase | undefined,
): PolicyDraft | undefined {
  const gift = gifts.find((e) => e.gift === true);
  if (!gift && !purchase) return undefined;
  const settings = config.plans['return-shipping'];
  const premium = bracketFor(settings.premiumBrackets, order.weightGrams);
  // Cover bought after payment starts at the purchase, never before it.
  const start = normalizeInstant(gift || !purchase ? paidAt : later(paidAt, purchase.purchasedAt));
  const draft: PolicyDraft = {
    naturalKey: `${order.orderId}#return-shipping#order`,
    planId: 'return-shipping',
    orderId: order.orderId,
    merchantId: order.merchantId,
    buyerId: order.buyerId,
    beneficiary: { role: 'buyer', id: order.buyerId },
    payer: gift ? { role: 'merchant', id: order.merchantId } : { role: 'buyer', id: order.buyerId },
    insuredFen: bracketFor(settings.payoutBrackets, order.weightGrams).fen,
    premiumFen: premium.fen,
    premiumBasis: { rule: 'I5', weightGrams: order.weightGrams, upToGrams: premium.upToGrams, premiumFen: premium.fen },
    rateBps: 0,
    coverageStart: start,
    issuedAt: start,
    // I8: the order's facts as insured (its goods total and parcel weight).
    insured: {
      paidFen: order.lines.reduce((sum, l) => sum + l.paidFen, 0),
      channel: order.channel,
      shippingAddressId: order.shippingAddressId,
      weightGrams: order.weightGrams,
    },
  };
  const end = returnShippingCoverageEnd(order, config);
  if (end) draft.coverageEnd = normalizeInstant(end);
  if (gift) draft.enrollmentId = gift.enrollmentId;
  return draft;
}
