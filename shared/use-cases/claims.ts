/**
 * Claims end to end (C1–C10, A1–A4): filing, submission, adjudication and evidence. Their reads are
 * claim-reads.ts, the payout records approvals create (P1, P2) claim-payouts.ts, what the API
 * shows of them shared/views/claims.ts.
 * Every use case reads what the rules need (≤ 2 round trips), lets the pure rules decide, and
 * writes ONE transaction whose conditions carry the invariants, with its outbox events.
 */
import { ulid } from 'ulid';
import type { Principal } from '#shared/rules/types.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import {
  Conflict,
  NotFound,
  claimLapsesAt,
  compensationOnApproval,
  insuredFacts,
  netPaidFen,
  refundRequiredFen,
  evaluateClaim,
  normalizeInstant,
  openClaim,
  PLAN_DEFINITIONS,
  toMs,
  transition,
  violation,
  type Actor,
  type Claim,
  type ClaimDraft,
  type Evidence,
  type PolicyStatus,
} from '#shared/rules/index.ts';
import { createClaim, getClaim, policyByNaturalKey, saveClaimTransition, type OutboundEvent, type PolicyRef, type StoredClaim } from '#shared/store/claims.ts';
import type { CompensationEntry } from '#shared/rules/compensation.ts';
import { alipayAccountOf, approvedEventDetail, claimEventDetail, readAlipayAccount, withPayout } from './claim-payouts.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { isCompleteOrder, readOrderPartition, readOrders, type OrderPartition } from '#shared/store/orders.ts';
import { merchantAlipayAccount, type StoredPayout } from '#shared/store/payouts.ts';
import { findPolicy, type StoredPolicy } from '#shared/store/policies.ts';

// ---------------------------------------------------------------------------------------------
// Filing (C1, C10, A1): shared by POST /v1/claims and the automatic claims of a refund (C7, C8)
// ---------------------------------------------------------------------------------------------

/**
 * Stores a claim the rules have accepted (`evaluateClaim` or `claimsFromRefund`).
 * Steps: 1. read the policy by its natural key (the order's merchant) and, for an auto-approved
 * merchant beneficiary, its Alipay account — in parallel, one round trip; 2. open the claim
 * (`openClaim`), with its payout record when it starts APPROVED (A1); 3. one transaction: claim,
 * the policy's claim slot (C1), payout, outbox. A refused claim stores nothing (C10).
 *
 * Throws the rules' CLAIM_EXISTS (409) when the policy line already has a claim, POLICY_NOT_ACTIVE
 * (422) when the policy is no longer in force, NOT_FOUND (404) when there is no such policy.
 */
export async function fileClaim(draft: ClaimDraft, now: string): Promise<Claim> {
  const ref = policyRef(draft);
  const merchantBeneficiary = draft.route === 'auto-approve' && draft.beneficiary.role === 'merchant';
  const [policy, merchantAccount] = await Promise.all([
    policyByNaturalKey(ref),
    merchantBeneficiary ? merchantAlipayAccount(draft.beneficiary.id) : Promise.resolve(undefined),
  ]);
  if (!policy || policy.policyId !== draft.policyId) {
    throw new NotFound(`Policy ${draft.policyId}`, `No policy ${draft.policyId} is visible to you.`);
  }
  return storeClaim(draft, now, policy.merchantId, merchantAccount);
}

function policyRef(draft: Pick<ClaimDraft, 'orderId' | 'planId' | 'lineId'>): PolicyRef {
  return draft.lineId === undefined ? { orderId: draft.orderId, planId: draft.planId } : { orderId: draft.orderId, planId: draft.planId, lineId: draft.lineId };
}

async function storeClaim(draft: ClaimDraft, now: string, merchantId: string, merchantAccount?: string): Promise<StoredClaim> {
  const at = normalizeInstant(now);
  let claim: StoredClaim = { ...openClaim(draft, `clm_${ulid(toMs(at))}`), merchantId };
  const events: OutboundEvent[] = [{ type: 'claim.submitted', detail: claimEventDetail(claim) }];
  let payout: StoredPayout | undefined;
  if (claim.status === 'APPROVED') {
    ({ claim, payout } = withPayout(claim, claim.decidedAt ?? claim.submittedAt, at, alipayAccountOf(claim.beneficiary, merchantAccount)));
    events.push({ type: 'claim.approved', detail: approvedEventDetail(claim, payout) });
  }
  const ref = policyRef(draft);
  // C11, C7: an approved claim on a shared loss enters it in the line's ledger, in its transaction.
  const compensation = claim.status === 'APPROVED' ? draft.compensation : undefined;
  try {
    await createClaim({
      claim,
      policy: ref,
      policyStatuses: claimablePolicyStatuses(draft),
      perRefund: draft.refundId !== undefined,
      ...(compensation ? { compensation } : {}),
      payout,
      events,
      at,
    });
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('claim-slot-free')) throw await slotRefusal(ref, draft);
    if (error instanceof ConditionFailed && error.failed.includes('ledger-unchanged') && draft.refundId !== undefined)
      throw await refundSlotRefusal(draft, error);
    throw error;
  }
  return claim;
}

/**
 * Buyers claim only policies in force (C9). An automatic claim (C7, C8) may also land on a policy
 * whose window closed after the refund was requested inside it (`claimsFromRefund`).
 */
function claimablePolicyStatuses(draft: ClaimDraft): readonly PolicyStatus[] {
  // C7: a live-quality claim per refund may follow one already paid (the policy CLAIMED).
  if (draft.refundId !== undefined) return ['ACTIVE', 'EXPIRED', 'CLAIMED'];
  return PLAN_DEFINITIONS[draft.planId].claimedBy === 'automatic' ? ['ACTIVE', 'EXPIRED'] : ['ACTIVE'];
}

/** The slot condition failed: re-read the policy to answer with the precise rule. */
async function slotRefusal(ref: PolicyRef, draft: ClaimDraft) {
  const policy = await policyByNaturalKey(ref);
  if (!policy) return new NotFound(`Policy ${draft.policyId}`, `No policy ${draft.policyId} is visible to you.`);
  if (policy.claimId || policy.status === 'CLAIMED') {
    return violation('CLAIM_EXISTS', `Policy ${draft.policyId} line ${draft.lineId ?? 'order'} already has a claim.`, {
      rule: 'C1',
      policyId: draft.policyId,
      lineId: draft.lineId,
    });
  }
  return violation('POLICY_NOT_ACTIVE', `Policy ${draft.policyId} is ${policy.status} and accepts no claims.`, {
    rule: 'C9',
    status: policy.status,
  });
}

/**
 * C7: a per-refund claim's ledger entry failed: CLAIM_EXISTS when this refund was already claimed,
 * else the ledger moved (`ledger-unchanged` again, for the caller to re-read and decide again).
 */
async function refundSlotRefusal(draft: ClaimDraft, error: ConditionFailed) {
  const { ledgers } = await readOrderPartition(draft.orderId);
  const ledger = ledgers.find((l) => l.lineId === draft.lineId);
  if (draft.compensation && ledger?.refs.includes(draft.compensation.ref)) {
    return violation('CLAIM_EXISTS', `Refund ${draft.refundId} on policy ${draft.policyId} line ${draft.lineId} already has a claim.`, {
      rule: 'C1',
      policyId: draft.policyId,
      lineId: draft.lineId,
      refundId: draft.refundId,
    });
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// Submission (C1–C6, C9, C10, A1)
// ---------------------------------------------------------------------------------------------

export interface ClaimSubmission {
  policyId: string;
  lineId?: string;
  proofOrderId?: string;
  evidence?: readonly Evidence[];
  description?: string;
}

/**
 * POST /v1/claims. Steps: 1. where the policy is, by id (GSI1, keys only) — unknown: 404;
 * 2. its order's partition (the policy with it: another buyer's is 404, C9) and the proof order, together; 3. `evaluateClaim` — a refusal is answered
 * with its rule code and figures and stores nothing (C10); 4. `storeClaim`: one transaction.
 * A buyer's own live-quality or return-shipping policy is answered by the rules
 * (AUTOMATIC_CLAIM_ONLY, 422): the buyer sees that policy in the order detail anyway (I7).
 */
export async function submitClaim(buyerId: string, submission: ClaimSubmission, now: string): Promise<StoredClaim> {
  const { policyId, ...request } = submission;
  const found = await findPolicy(policyId);
  if (!found) throw new NotFound(`Policy ${policyId}`);
  // The order's partition (order, this policy as written, refunds, ledgers) and the proof order.
  const [partition, proofs] = await Promise.all([
    readOrderPartition(found.orderId),
    request.proofOrderId ? readOrders([request.proofOrderId]) : Promise.resolve(new Map<string, never>()),
  ]);
  const policy = partition.policies.find((p) => p.policyId === policyId) as StoredPolicy | undefined;
  if (!policy || policy.buyerId !== buyerId) throw new NotFound(`Policy ${policyId}`);
  const { order } = partition;
  if (!isCompleteOrder(order)) throw new NotFound(`Order ${found.orderId}`);
  // An order known only by a later event (no lines yet) is not a proof order anyone can check.
  const proof = request.proofOrderId ? (request.proofOrderId === order.orderId ? order : proofs.get(request.proofOrderId)) : undefined;
  const lineId = request.lineId ?? policy.lineId;
  const evaluation = evaluateClaim(
    {
      policy,
      order,
      proofOrder: isCompleteOrder(proof) ? proof : undefined,
      request,
      claimant: { role: 'buyer', id: buyerId },
      existingClaims: policy.claimId ? [{ policyId: policy.policyId, lineId: policy.lineId }] : [],
      previousClaimIds: policy.previousClaimIds ?? [],
      refunds: partition.refunds,
      ledger: partition.ledgers.find((l) => l.lineId === lineId),
      now,
    },
    rulesConfig,
  );
  if (!evaluation.ok) throw evaluation.violation;
  const { ok: _ok, ...draft } = evaluation;
  try {
    return await storeClaim(draft, now, policy.merchantId);
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('ledger-unchanged')) throw ledgerMoved(draft.policyId);
    throw error;
  }
}

/** C11: the line's ledger changed between the read and the write: the caller submits again. */
function ledgerMoved(policyId: string): Conflict {
  return new Conflict(`Another compensation on the line of policy ${policyId} was recorded meanwhile; submit again.`, { rule: 'C11', policyId });
}

// ---------------------------------------------------------------------------------------------
// Adjudication (A2, A3, A4) and evidence
// ---------------------------------------------------------------------------------------------

export interface Decision {
  decision: 'approve' | 'reject' | 'request-info';
  reasonCode?: string;
  note?: string;
}

/**
 * POST /v1/claims/{id}/decisions. Steps: 1. the claim (consistent read); 2. `transition` (an
 * illegal one is 409, a reject without reasonCode 422); an approval adds its payout record — and
 * for authenticity `claim.refund-required` (A3) — a request for information the lapse entry (X3);
 * 3. one transaction conditioned on the claim being unchanged since step 1.
 */
export async function decideClaim(claimId: string, decision: Decision, staff: Principal, now: string): Promise<StoredClaim> {
  const claim = await getClaim(claimId);
  if (!claim) throw new NotFound(`Claim ${claimId}`);
  const actor: Actor = { role: staff.role, id: staff.id };
  const details = withoutUndefined({ reasonCode: decision.reasonCode });
  const decide = (current: Claim) => transition(current, decision.decision, actor, now, decision.note, details);
  let next = decide(claim) as StoredClaim;
  const events: OutboundEvent[] = [];
  let payout: StoredPayout | undefined;
  let lapsesAt: string | undefined;
  let compensation: CompensationEntry | undefined;
  let releaseSlot: PolicyRef | undefined;
  switch (decision.decision) {
    case 'approve': {
      // Only a merchant beneficiary costs a read; every merchant-benefit plan is auto-approved today.
      // The order's partition (refunds, ledgers) is read beside it (I9, C11).
      const [account, partition] = await Promise.all([readAlipayAccount(next.beneficiary), readOrderPartition(next.orderId)]);
      // I9: a price claim still open when its line was refunded in full cannot be approved any more.
      const policyNow = partition.policies.find((p) => p.policyId === next.policyId);
      if (policyNow?.status === 'VOID') {
        throw violation('POLICY_NOT_ACTIVE', `Policy ${next.policyId} is VOID (${policyNow.voidReason ?? 'void'}): the claim can only be rejected.`, {
          rule: 'I9',
          status: 'VOID',
          voidReason: policyNow.voidReason,
        });
      }
      const approval = compensationOnApproval(
        next,
        partition.ledgers.find((l) => l.lineId === next.lineId),
        `policy:${next.policyId}`,
      );
      if (approval) {
        next = { ...next, amountFen: approval.amountFen, basis: approval.basis };
        compensation = approval.entry;
      }
      ({ claim: next, payout } = withPayout(next, next.decidedAt ?? now, normalizeInstant(now), account));
      events.push({ type: 'claim.approved', detail: approvedEventDetail(next, payout) });
      // A3, I9: the order system refunds only what it has not refunded yet.
      const refundFen = refundRequiredFen(next, unrefundedFen(next, partition));
      if (refundFen > 0) {
        events.push({
          type: 'claim.refund-required',
          detail: { claimId: next.claimId, orderId: next.orderId, lineId: next.lineId, planId: next.planId, buyerId: next.beneficiary.id, refundFen },
        });
      }
      break;
    }
    case 'reject':
      releaseSlot = policyRef(next);
      events.push({ type: 'claim.rejected', detail: { claimId, reasonCode: next.reasonCode, note: decision.note } });
      break;
    case 'request-info':
      lapsesAt = claimLapsesAt(next, rulesConfig);
      events.push({ type: 'claim.needs-info', detail: { claimId, note: decision.note, lapsesAt, claimant: next.claimant } });
      break;
  }
  await saveOrExplain(claim, next, decide, now, { lapsesAt, payout, events, releaseSlot, compensation });
  return next;
}

/** I9: the claim's line's net paid (from the policy's snapshot and the order's refunds). */
function unrefundedFen(claim: Claim, partition: OrderPartition): number {
  const { order } = partition;
  const line = order?.lines?.find((l) => l.lineId === claim.lineId);
  const policy = partition.policies.find((p) => p.policyId === claim.policyId);
  if (!isCompleteOrder(order) || !line || !policy) return 0;
  return netPaidFen(insuredFacts(policy, order, line).line, order.lines, partition.refunds);
}

/**
 * POST /v1/claims/{id}/evidence, by the claimant only (anyone else: 404). NEEDS_INFO →
 * UNDER_REVIEW with the evidence appended (A2); writing the whole item drops the lapse entry.
 * Evidence that arrives after the lapse instant but before the expiry job has lapsed the claim is
 * accepted: the transition table allows it, and exactly one of the two writes wins.
 */
export async function addEvidence(
  claimId: string,
  buyerId: string,
  input: { evidence: readonly Evidence[]; note?: string },
  now: string,
): Promise<StoredClaim> {
  const claim = await getClaim(claimId);
  if (!claim || claim.claimant.role !== 'buyer' || claim.claimant.id !== buyerId) throw new NotFound(`Claim ${claimId}`);
  const actor: Actor = { role: 'buyer', id: buyerId };
  const add = (current: Claim) => transition(current, 'add-evidence', actor, now, input.note, { evidence: input.evidence });
  const next = add(claim) as StoredClaim;
  await saveOrExplain(claim, next, add, now, { events: [] });
  return next;
}

/**
 * X3: NEEDS_INFO → LAPSED by the system, conditioned like any other transition. Returns false
 * when the claim changed since it was read (evidence arrived first): then nothing is written.
 */
export async function lapseClaim(claim: StoredClaim, now: string): Promise<boolean> {
  const note = `lapsed: no new evidence within ${rulesConfig.claims.needsInfoLapseDays} days`;
  const next = transition(claim, 'lapse', { role: 'system' }, now, note) as StoredClaim;
  try {
    // C1: a lapsed claim frees its line for another claim.
    await saveClaimTransition({ previous: claim, claim: next, events: [], releaseSlot: policyRef(claim), at: normalizeInstant(now) });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('claim-unchanged')) return false;
    throw error;
  }
}

/**
 * Writes a transition; when another writer changed the claim first, re-reads it and answers as
 * if this request had come second: the rules' ILLEGAL_TRANSITION (409) when the action no longer
 * applies, otherwise CONFLICT (409) — the claim changed and the caller should look again.
 */
async function saveOrExplain(
  previous: StoredClaim,
  next: StoredClaim,
  retransition: (current: Claim) => unknown,
  now: string,
  write: { lapsesAt?: string; payout?: StoredPayout; events: OutboundEvent[]; releaseSlot?: PolicyRef; compensation?: CompensationEntry },
): Promise<void> {
  try {
    await saveClaimTransition({ previous, claim: next, ...write, at: normalizeInstant(now) });
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('ledger-unchanged')) throw ledgerMoved(previous.policyId);
    if (!(error instanceof ConditionFailed && error.failed.includes('claim-unchanged'))) throw error;
    const current = await getClaim(previous.claimId);
    if (current) retransition(current); // throws IllegalTransition when the action no longer applies
    throw new Conflict(`Claim ${previous.claimId} changed while the request ran; read it again.`, { claimId: previous.claimId, status: current?.status });
  }
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
