/**
 * Lifecycles as transition tables (A2, A4, X3 and product.md "Lifecycles"). Every change of a
 * claim's status appends a history entry with time, actor and note (A4); anything the table
 * does not allow throws IllegalTransition — never a silent no-op.
 */
import type { ClaimDraft } from './claims.ts';
import { IllegalTransition, violation } from './errors.ts';
import { normalizeInstant, type Instant } from './time.ts';
import type { Actor, Claim, ClaimStatus, EnrollmentStatus, Evidence, PayoutStatus, PolicyStatus, WithdrawalStatus } from './types.ts';

export type ClaimAction = 'approve' | 'reject' | 'request-info' | 'add-evidence' | 'lapse' | 'pay';

/** Who may act: a staff or system role, or `claimant` — the claim's own claimant. */
type Performer = 'adjuster' | 'ops' | 'system' | 'claimant';

const STAFF: readonly Performer[] = ['adjuster', 'ops'];

/** product.md: UNDER_REVIEW ⇄ NEEDS_INFO; UNDER_REVIEW → APPROVED | REJECTED; NEEDS_INFO → LAPSED; APPROVED → PAID. */
export const CLAIM_TRANSITIONS: Readonly<Record<ClaimStatus, Partial<Record<ClaimAction, { to: ClaimStatus; by: readonly Performer[] }>>>> = {
  UNDER_REVIEW: {
    approve: { to: 'APPROVED', by: STAFF },
    reject: { to: 'REJECTED', by: STAFF },
    'request-info': { to: 'NEEDS_INFO', by: STAFF },
  },
  NEEDS_INFO: {
    'add-evidence': { to: 'UNDER_REVIEW', by: ['claimant'] },
    // X3: the expiry job, once isClaimDueToLapse says so.
    lapse: { to: 'LAPSED', by: ['system'] },
  },
  APPROVED: { pay: { to: 'PAID', by: ['system'] } },
  REJECTED: {},
  LAPSED: {},
  PAID: {},
};

export interface TransitionDetails {
  /** Required to reject (A2). */
  reasonCode?: string;
  /** Required to add evidence (A2). */
  evidence?: readonly Evidence[];
}

/**
 * A1, A4: the stored claim for a draft. Auto-approved claims start APPROVED, decided by the
 * system; the others start UNDER_REVIEW, submitted by the claimant.
 */
export function openClaim(draft: ClaimDraft, claimId: string): Claim {
  const approved = draft.route === 'auto-approve';
  const status: ClaimStatus = approved ? 'APPROVED' : 'UNDER_REVIEW';
  const actor: Actor = approved ? { role: 'system' } : { role: draft.claimant.role, id: draft.claimant.id };
  const claim: Claim = {
    claimId,
    policyId: draft.policyId,
    planId: draft.planId,
    orderId: draft.orderId,
    claimant: draft.claimant,
    beneficiary: draft.beneficiary,
    status,
    amountFen: draft.amountFen,
    basis: draft.basis,
    evidence: draft.evidence,
    history: [{ at: draft.submittedAt, status, actor, note: draft.note }],
    submittedAt: draft.submittedAt,
  };
  if (draft.lineId !== undefined) claim.lineId = draft.lineId;
  if (draft.description !== undefined) claim.description = draft.description;
  if (draft.previousClaimIds !== undefined) claim.previousClaimIds = draft.previousClaimIds;
  if (draft.refundId !== undefined) claim.refundId = draft.refundId;
  if (approved) claim.decidedAt = draft.submittedAt;
  return claim;
}

/**
 * A2, A4, X3: applies an action to a claim, or throws IllegalTransition when the status does
 * not allow it or the actor may not take it. Returns a new claim with the history entry appended.
 */
export function transition(claim: Claim, action: ClaimAction, actor: Actor, at: Instant, note?: string, details: TransitionDetails = {}): Claim {
  const step = CLAIM_TRANSITIONS[claim.status][action];
  if (!step?.by.some((performer) => mayAct(performer, actor, claim))) {
    throw new IllegalTransition('claim', claim.status, action, actor);
  }
  const when = normalizeInstant(at);
  const entry = note === undefined ? { at: when, status: step.to, actor } : { at: when, status: step.to, actor, note };
  const { needsInfoSince: _clock, ...rest } = claim;
  const next: Claim = { ...rest, status: step.to, history: [...claim.history, entry] };
  if (action === 'approve') next.decidedAt = when;
  if (action === 'reject') {
    if (!details.reasonCode) throw violation('REASON_CODE_REQUIRED', 'Rejecting a claim needs a reasonCode.', { rule: 'A2' });
    next.decidedAt = when;
    next.reasonCode = details.reasonCode;
  }
  // The lapse clock (X3) runs only while the claim waits in NEEDS_INFO.
  if (action === 'request-info') next.needsInfoSince = when;
  if (action === 'add-evidence') {
    if (!details.evidence || details.evidence.length === 0) throw violation('EVIDENCE_REQUIRED', 'Adding evidence needs at least one item.', { rule: 'A2' });
    next.evidence = [...claim.evidence, ...details.evidence];
  }
  if (action === 'pay') next.paidAt = when;
  return next;
}

function mayAct(performer: Performer, actor: Actor, claim: Claim): boolean {
  if (performer === 'claimant') return actor.role === claim.claimant.role && actor.id === claim.claimant.id;
  return actor.role === performer;
}

/** A3: approving an authenticity claim requires the order system to refund the goods unconditionally. */
export function refundRequired(claim: Claim): boolean {
  return claim.planId === 'authenticity' && claim.status === 'APPROVED';
}

/**
 * A3, I9: the refund an approved authenticity claim asks the order system for — only the part of
 * the line not refunded yet (its net paid); 0: nothing to ask, no event.
 */
export function refundRequiredFen(claim: Claim, netPaidFen: number): number {
  return refundRequired(claim) ? netPaidFen : 0;
}

/** Status lifecycles without actors or side effects: the allowed next statuses of each status. */
export type Lifecycle<S extends string> = Readonly<Record<S, readonly S[]>>;

export const ENROLLMENT_LIFECYCLE: Lifecycle<EnrollmentStatus> = {
  ACTIVE: ['TERMINATED'],
  TERMINATED: [],
};

/**
 * ACTIVE → CLAIMED | EXPIRED | VOID. Also EXPIRED → CLAIMED: an automatic claim on a refund
 * requested inside the window may be paid after the window closed (C7).
 */
export const POLICY_LIFECYCLE: Lifecycle<PolicyStatus> = {
  ACTIVE: ['CLAIMED', 'EXPIRED', 'VOID'],
  EXPIRED: ['CLAIMED'],
  CLAIMED: [],
  VOID: [],
};

/**
 * PENDING → SENDING → SENT → CONFIRMED, or FAILED (P3). A transfer whose outcome is unknown
 * (timeout) is UNKNOWN and is queried, never resent blindly: it can only become SENT or FAILED.
 * A FAILED transfer may be sent again (same idempotency key, the payout id).
 */
export const PAYOUT_LIFECYCLE: Lifecycle<PayoutStatus> = {
  // D3: a fraud finding cancels a withdrawal's payout never handed to the provider.
  PENDING: ['SENDING', 'CANCELLED'],
  SENDING: ['SENT', 'FAILED', 'UNKNOWN'],
  UNKNOWN: ['SENT', 'FAILED'],
  SENT: ['CONFIRMED'],
  FAILED: ['SENDING', 'CANCELLED'],
  CONFIRMED: [],
  CANCELLED: [],
};

/** D3: REQUESTED → APPROVED → PAID, or → REJECTED, or APPROVED → CANCELLED (a fraud finding before it was sent). */
export const WITHDRAWAL_LIFECYCLE: Lifecycle<WithdrawalStatus> = {
  REQUESTED: ['APPROVED', 'REJECTED'],
  APPROVED: ['PAID', 'CANCELLED'],
  PAID: [],
  REJECTED: [],
  CANCELLED: [],
};

/** Returns `to` when the lifecycle allows `from → to`; throws IllegalTransition otherwise. */
export function nextStatus<S extends string>(machine: string, lifecycle: Lifecycle<S>, from: S, to: S, actor: Actor = { role: 'system' }): S {
  if (!lifecycle[from].includes(to)) throw new IllegalTransition(machine, from, `→ ${to}`, actor);
  return to;
}
