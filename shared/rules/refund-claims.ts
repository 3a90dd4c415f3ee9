/**
 * The automatic claims of a completed refund (C7, C8), already approved (A1): the drafts the order
 * events' use case stores. Submitted claims are evaluated in claims.ts.
 */
import { compensatedFor, isEntered, type CompensationLedger } from './compensation.ts';
import { routeFor, type ClaimDraft } from './claims.ts';
import type { RulesConfig } from './config.ts';
import { policyExpiresAt } from './expiry.ts';
import { bracketFor } from './issuance.ts';
import { refundSharesByLine, sortRefunds } from './refunds.ts';
import { isInside, normalizeInstant } from './time.ts';
import type { Basis, Order, Policy, Refund } from './types.ts';

/**
 * C7, C8: the claims a completed refund creates, already approved (A1). Drafts are
 * deterministic (submittedAt = the refund's completion), so a repeated event yields the same
 * natural keys and the store keeps one claim per refund (C7) or per policy (C8).
 *
 * The policy must be ACTIVE, EXPIRED or (live-quality, paid for an earlier refund) CLAIMED: what
 * counts is that the refund was *requested* inside the window (C7), even if the window closed
 * before the refund completed.
 *
 * C7: one claim per refund for the goods part only, spread pro rata over the lines when the
 * refund names none; a line's claims together never exceed its paid goods — each refund is
 * capped by what the refunds completed before it (in `refunds`, any arrival order) and the
 * line's ledger (what was actually paid) left.
 */
export function claimsFromRefund(
  refund: Refund,
  order: Order,
  policies: readonly Policy[],
  config: RulesConfig,
  context: { refunds?: readonly Refund[]; ledgers?: readonly CompensationLedger[] } = {},
): ClaimDraft[] {
  const inWindow = (p: Policy) => isInside(refund.requestedAt, { start: p.coverageStart, end: policyExpiresAt(p, config, order) });
  const drafts: ClaimDraft[] = [];
  const refundId = refund.refundId ?? `${refund.orderId}:${refund.completedAt}`;

  if (config.plans['live-quality'].refundReasons.includes(refund.reason)) {
    const shares = refundSharesByLine(refund, order.lines);
    const covered = policies.filter(
      (p) => p.orderId === refund.orderId && p.planId === 'live-quality' && p.status !== 'VOID' && (shares.get(p.lineId!) ?? 0) > 0 && inWindow(p),
    );
    for (const policy of covered) {
      const lineId = policy.lineId!;
      const ledger = context.ledgers?.find((l) => l.lineId === lineId);
      const ref = `refund:${refundId}`;
      if (isEntered(ledger, ref)) continue;
      const capFen = policy.insuredFen;
      const earlierFen = earlierQualityShares(refund, refundId, lineId, order, context.refunds ?? [], config);
      const alreadyFen = compensatedFor(ledger, 'quality');
      const shareFen = shares.get(lineId)!;
      // What the refunds alone decide (any arrival order gives the same), then what the ledger
      // says was actually paid: it only lowers the amount when the refunds were over the cap.
      const decidedFen = Math.max(0, Math.min(shareFen, capFen - earlierFen));
      const amountFen = Math.max(0, Math.min(decidedFen, capFen - alreadyFen));
      if (amountFen === 0) continue;
      const draft = automaticDraft(policy, refund, amountFen, {
        rule: 'C7',
        refundId,
        refundFen: refund.refundFen,
        ...(refund.shippingRefundFen ? { shippingRefundFen: refund.shippingRefundFen } : {}),
        goodsFen: shareFen,
        capFen,
        ...(amountFen < decidedFen ? { alreadyCompensatedFen: alreadyFen } : {}),
        reason: refund.reason,
        requestedAt: refund.requestedAt,
      });
      draft.naturalKey = `${policy.policyId}#${lineId}#${refundId}`;
      draft.refundId = refundId;
      draft.compensation = { orderId: policy.orderId, lineId, loss: 'quality', amountFen, ref, expectedFen: alreadyFen };
      drafts.push(draft);
    }
  }

  // C8: a completed return pays the weight bracket — once the cover's end is final (X2: delivery
  // or receipt confirmation). A return implies a delivery; until that event has arrived the
  // window cannot be judged, and a refund seen first must not be paid on a provisional window.
  const delivered = order.deliveredAt !== undefined || order.receiptConfirmedAt !== undefined;
  const returnShipping =
    refund.returned && delivered
      ? policies.find((p) => p.orderId === refund.orderId && p.planId === 'return-shipping' && (p.status === 'ACTIVE' || p.status === 'EXPIRED') && inWindow(p))
      : undefined;
  if (returnShipping) {
    const weightGrams = returnedWeight(refund, order, returnShipping);
    const bracket = bracketFor(config.plans['return-shipping'].payoutBrackets, weightGrams);
    drafts.push(
      automaticDraft(returnShipping, refund, Math.min(bracket.fen, returnShipping.insuredFen), {
        rule: 'C8',
        weightGrams,
        upToGrams: bracket.upToGrams,
        capFen: returnShipping.insuredFen,
      }),
    );
  }
  return drafts;
}

/** C7: the goods of qualifying refunds completed before `refund` on the line (fixed order). */
function earlierQualityShares(refund: Refund, refundId: string, lineId: string, order: Order, refunds: readonly Refund[], config: RulesConfig): number {
  const qualifying = sortRefunds(refunds.filter((r) => config.plans['live-quality'].refundReasons.includes(r.reason) && r.refundId !== refundId));
  const self = { ...refund, refundId };
  const ordered = sortRefunds([...qualifying, self]);
  return ordered.slice(0, ordered.indexOf(self)).reduce((sum, r) => sum + (refundSharesByLine(r, order.lines).get(lineId) ?? 0), 0);
}

/** C8: the returned line's weight when the line carries one, else the order's (as insured, I8). */
function returnedWeight(refund: Refund, order: Order, policy: Policy): number {
  const line = refund.lineId === undefined ? undefined : order.lines.find((l) => l.lineId === refund.lineId);
  return line?.weightGrams ?? policy.insured?.weightGrams ?? order.weightGrams;
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
