/**
 * I9, C7: what refunds do to an order's lines. A refund is identified by its `refundId` (the
 * store defaults it to the event id) and counts once. Its goods part (`refundFen` −
 * `shippingRefundFen`) lowers the line's *net paid*; a refund without `lineId` is spread over
 * the order's lines in proportion to their `paidFen` (largest remainder, whole fen). Everything
 * here is order-independent: the same refunds, in any order of arrival, give the same figures.
 */
import { violation, type RuleViolation } from './errors.ts';
import { toMs } from './time.ts';
import type { Order, Policy, PlanId, Refund } from './types.ts';

/** A line as refunds see it: its id and what was paid for it. */
export interface PaidLine {
  lineId: string;
  paidFen: number;
}

/** C7: the goods part of a refund — never its shipping part. */
export function refundGoodsFen(refund: Pick<Refund, 'refundFen' | 'shippingRefundFen'>): number {
  return Math.max(0, refund.refundFen - (refund.shippingRefundFen ?? 0));
}

/**
 * `amountFen` split over `weights` in proportion, in whole fen, by largest remainder: every part
 * is the floor of its exact share, and the fen left over go to the largest remainders (ties to
 * the earlier weight). The parts always add up to `amountFen` (0 everywhere when no weight).
 */
export function spreadProRata(amountFen: number, weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => BigInt(amountFen) * BigInt(w));
  const parts = exact.map((e) => Number(e / BigInt(total)));
  const byRemainder = exact
    .map((e, i) => ({ i, remainder: e % BigInt(total) }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  let left = amountFen - parts.reduce((sum, p) => sum + p, 0);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** The goods one refund takes from each line: its own line, or every line pro rata (C7). */
export function refundSharesByLine(refund: Refund, lines: readonly PaidLine[]): Map<string, number> {
  const goods = refundGoodsFen(refund);
  if (refund.lineId !== undefined) return new Map([[refund.lineId, goods]]);
  const parts = spreadProRata(
    goods,
    lines.map((l) => l.paidFen),
  );
  return new Map(lines.map((l, i) => [l.lineId, parts[i]!]));
}

/** Refunds in a fixed order — completion time, then id — whatever order they arrived in. */
export function sortRefunds(refunds: readonly Refund[]): Refund[] {
  return [...refunds].sort((a, b) => toMs(a.completedAt) - toMs(b.completedAt) || String(a.refundId).localeCompare(String(b.refundId)));
}

/** I9: goods refunded per line, over every refund. */
export function refundedByLine(lines: readonly PaidLine[], refunds: readonly Refund[]): Map<string, number> {
  const refunded = new Map(lines.map((l) => [l.lineId, 0]));
  for (const refund of refunds) {
    for (const [lineId, fen] of refundSharesByLine(refund, lines)) {
      if (refunded.has(lineId)) refunded.set(lineId, refunded.get(lineId)! + fen);
    }
  }
  return refunded;
}

/** I9: a line's net paid — `paidFen` less the goods refunded, never below zero. */
export function netPaidFen(line: PaidLine, lines: readonly PaidLine[], refunds: readonly Refund[]): number {
  return Math.max(0, line.paidFen - (refundedByLine(lines, refunds).get(line.lineId) ?? 0));
}

/**
 * I9: checks a refund against the order before it is recorded. Refused: a line the order does
 * not have; a goods part larger than what is left of the line's (or, without `lineId`, the
 * order's) net paid; a shipping part larger than the refund. `earlier` are the refunds already
 * recorded; one with the same `refundId` is this refund again and is not counted twice. A refund
 * without `lineId` is checked line by line, as it is spread (pro rata): no line may go below zero.
 */
export function checkRefund(refund: Refund, order: Order, earlier: readonly Refund[]): RuleViolation | undefined {
  const shippingFen = refund.shippingRefundFen ?? 0;
  if (shippingFen > refund.refundFen) {
    return violation('REFUND_EXCEEDS_PAID', `The shipping part (${shippingFen} fen) is larger than the refund (${refund.refundFen} fen).`, {
      rule: 'I9',
      field: 'shippingRefundFen',
      shippingRefundFen: shippingFen,
      refundFen: refund.refundFen,
    });
  }
  const others = earlier.filter((r) => r.refundId !== refund.refundId);
  const refunded = refundedByLine(order.lines, others);
  const goodsFen = refundGoodsFen(refund);
  if (refund.lineId !== undefined) {
    const line = order.lines.find((l) => l.lineId === refund.lineId);
    if (!line) {
      return violation('LINE_NOT_FOUND', `Order ${order.orderId} has no line ${refund.lineId}.`, { rule: 'I9', field: 'lineId', lineId: refund.lineId });
    }
    const leftFen = line.paidFen - refunded.get(line.lineId)!;
    if (goodsFen > leftFen) return tooLarge(goodsFen, leftFen, { lineId: line.lineId });
    return undefined;
  }
  // Spread pro rata, each line's share must fit what is left of that line.
  const shares = refundSharesByLine(refund, order.lines);
  const over = order.lines.find((l) => shares.get(l.lineId)! > l.paidFen - refunded.get(l.lineId)!);
  return over ? tooLarge(shares.get(over.lineId)!, over.paidFen - refunded.get(over.lineId)!, { lineId: over.lineId }) : undefined;
}

function tooLarge(goodsFen: number, netPaidFen: number, where: Record<string, unknown>): RuleViolation {
  return violation('REFUND_EXCEEDS_PAID', `The refund's goods part (${goodsFen} fen) is larger than the net paid left (${netPaidFen} fen).`, {
    rule: 'I9',
    field: 'refundFen',
    goodsRefundFen: goodsFen,
    netPaidFen,
    ...where,
  });
}

/** Price cover needs a successful trade (002/003): these plans are voided by a full refund (I9). */
export const PRICE_PLANS: readonly PlanId[] = ['price-protection', 'live-price'];

/**
 * I9: the ACTIVE policies the refunds void. A price policy whose line is refunded in full
 * (net paid 0); return-shipping cover when the refunds completed before shipment (all of them,
 * while the order has not shipped) refund every line in full.
 */
export function policiesToVoid(order: Order, refunds: readonly Refund[], policies: readonly Policy[]): Policy[] {
  const refunded = refundedByLine(order.lines, refunds);
  const fullyRefunded = (lineId: string) => {
    const line = order.lines.find((l) => l.lineId === lineId);
    return line !== undefined && refunded.get(lineId)! >= line.paidFen;
  };
  const { shippedAt } = order;
  const beforeShipment = refunds.filter((r) => shippedAt === undefined || toMs(r.completedAt) < toMs(shippedAt));
  const refundedBeforeShipment = refundedByLine(order.lines, beforeShipment);
  const orderRefundedBeforeShipment = beforeShipment.length > 0 && order.lines.every((l) => refundedBeforeShipment.get(l.lineId)! >= l.paidFen);
  return policies.filter((p) => {
    if (p.status !== 'ACTIVE') return false;
    if (p.planId === 'return-shipping') return orderRefundedBeforeShipment;
    return PRICE_PLANS.includes(p.planId) && p.lineId !== undefined && fullyRefunded(p.lineId);
  });
}
