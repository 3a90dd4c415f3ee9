/**
 * C11 (and D5): one loss is compensated once. Each order line has a compensation ledger: what has
 * been paid or approved for it, per kind of loss, and the references (claims, refunds,
 * compensations) already entered, so an entry is never made twice. Any plan paying for a loss —
 * and the deposit's dispute compensation — consults the ledger and enters what it pays, in the
 * same transaction as the claim or approval (the store conditions the write on the ledger read).
 */
import { violation } from './errors.ts';
import type { Basis, PlanId } from './types.ts';

/**
 * The losses a line can be compensated for: a price drop (price-protection, live-price), the
 * goods refunded for a quality problem (live-quality), an order dispute paid from the deposit (D5).
 */
export const LOSS_KINDS = ['price-drop', 'quality', 'dispute'] as const;
export type LossKind = (typeof LOSS_KINDS)[number];

/** The loss each plan that shares one pays for; the others are not counted in a ledger. */
export const LOSS_OF_PLAN: Partial<Record<PlanId, LossKind>> = {
  'price-protection': 'price-drop',
  'live-price': 'price-drop',
  'live-quality': 'quality',
};

export interface CompensationLedger {
  orderId: string;
  lineId: string;
  /** Fen compensated so far per kind of loss. */
  compensatedFen: Partial<Record<LossKind, number>>;
  /** What has been entered (`claim:clm_…`, `refund:rf-…`, `compensation:…`). */
  refs: readonly string[];
}

/** Fen already compensated on a line for a kind of loss (0 without a ledger). */
export function compensatedFor(ledger: CompensationLedger | undefined, loss: LossKind): number {
  return ledger?.compensatedFen[loss] ?? 0;
}

/** Whether `ref` was already entered in the line's ledger. */
export function isEntered(ledger: CompensationLedger | undefined, ref: string): boolean {
  return ledger?.refs.includes(ref) ?? false;
}

/**
 * C11: of a loss of `lossFen`, what is still payable after the ledger's earlier compensations.
 * Throws ALREADY_COMPENSATED (422) when nothing remains.
 */
export function remainingLoss(lossFen: number, loss: LossKind, ledger: CompensationLedger | undefined): { payableFen: number; alreadyCompensatedFen: number } {
  const alreadyCompensatedFen = compensatedFor(ledger, loss);
  const payableFen = lossFen - alreadyCompensatedFen;
  if (payableFen <= 0) {
    throw violation('ALREADY_COMPENSATED', `This ${loss} of ${lossFen} fen was already compensated (${alreadyCompensatedFen} fen) on this line.`, {
      rule: 'C11',
      lossFen,
      alreadyCompensatedFen,
      loss,
    });
  }
  return { payableFen, alreadyCompensatedFen };
}

/** An entry in a line's compensation ledger: `amountFen` of `loss`, known by `ref`, decided against `expectedFen`. */
export interface CompensationEntry {
  orderId: string;
  lineId: string;
  loss: LossKind;
  amountFen: number;
  /** Unique per compensation (`refund:<id>`, `policy:<id>`, `compensation:<id>`): entered once. */
  ref: string;
  /** The ledger's figure for `loss` the amount was computed against (0 for a new ledger); the store conditions its write on it. */
  expectedFen: number;
}

/** The ledger after an entry: `amountFen` more of `loss`, `ref` entered (a new ledger when none). */
export function withEntry(ledger: CompensationLedger | undefined, entry: Omit<CompensationEntry, 'expectedFen'>): CompensationLedger {
  const base = ledger ?? { orderId: entry.orderId, lineId: entry.lineId, compensatedFen: {}, refs: [] };
  return {
    ...base,
    compensatedFen: { ...base.compensatedFen, [entry.loss]: compensatedFor(base, entry.loss) + entry.amountFen },
    refs: [...base.refs, entry.ref],
  };
}

/**
 * C11 at approval by an adjuster: a price claim decided against the ledger as it was at
 * submission pays only what another approval has not covered since. Returns the amount, the
 * basis and the ledger entry to write with the approval; undefined for a claim on a loss no
 * ledger counts. Throws ALREADY_COMPENSATED when nothing remains.
 */
export function compensationOnApproval(
  claim: { claimId: string; planId: PlanId; orderId: string; lineId?: string; amountFen: number; basis: Basis },
  ledger: CompensationLedger | undefined,
  ref: string,
):
  | { amountFen: number; basis: Basis; entry: { orderId: string; lineId: string; loss: LossKind; amountFen: number; ref: string; expectedFen: number } }
  | undefined {
  const loss = LOSS_OF_PLAN[claim.planId];
  if (!loss || claim.lineId === undefined) return undefined;
  const earlierFen = typeof claim.basis['alreadyCompensatedFen'] === 'number' ? claim.basis['alreadyCompensatedFen'] : 0;
  const { payableFen, alreadyCompensatedFen } = remainingLoss(claim.amountFen + earlierFen, loss, ledger);
  const amountFen = Math.min(claim.amountFen, payableFen);
  const basis: Basis = alreadyCompensatedFen > 0 ? { ...claim.basis, alreadyCompensatedFen } : claim.basis;
  return { amountFen, basis, entry: { orderId: claim.orderId, lineId: claim.lineId, loss, amountFen, ref, expectedFen: alreadyCompensatedFen } };
}
