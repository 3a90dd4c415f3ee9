/** The consumer-protection deposit (消保保证金, D1–D3). */
import type { RulesConfig } from './config.ts';
import { violation, type RuleViolation } from './errors.ts';
import { assertFen } from './money.ts';
import type { ClaimStatus } from './types.ts';

export interface DepositStatus {
  balanceFen: number;
  /** Reserved for withdrawals under review and advance compensations not yet paid. */
  heldFen: number;
  availableFen: number;
  minimumFen: number;
  /** D1 */
  meetsMinimum: boolean;
  /** J9: frozen while a penalty is active. */
  frozen: boolean;
}

/** D1: the deposit's figures; `availableFen` is what may still be withdrawn or used (balance − held). */
export function depositStatus(input: { balanceFen: number; heldFen: number; frozen: boolean }, config: RulesConfig): DepositStatus {
  const balanceFen = assertFen(input.balanceFen, 'balanceFen');
  const heldFen = assertFen(input.heldFen, 'heldFen');
  if (heldFen > balanceFen) throw new RangeError(`heldFen ${heldFen} exceeds balanceFen ${balanceFen}`);
  return {
    balanceFen,
    heldFen,
    availableFen: balanceFen - heldFen,
    minimumFen: config.deposit.minimumFen,
    meetsMinimum: balanceFen >= config.deposit.minimumFen,
    frozen: input.frozen,
  };
}

export interface WithdrawalCheck {
  amountFen: number;
  availableFen: number;
  activePenalty: boolean;
  /** Claims on the merchant's orders not yet in a final status. */
  openClaims: number;
  fraudFinding: boolean;
}

/** D3: every reason a withdrawal is refused (empty when it may go to ops review). */
export function withdrawalRefusals(check: WithdrawalCheck): RuleViolation[] {
  const refusals: RuleViolation[] = [];
  const { amountFen, availableFen } = check;
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) {
    refusals.push(violation('INVALID_AMOUNT', `A withdrawal is a positive whole number of fen, not ${amountFen}.`, { rule: 'D3', amountFen }));
  } else if (amountFen > availableFen) {
    refusals.push(violation('INSUFFICIENT_DEPOSIT', `${amountFen} fen requested, ${availableFen} fen available.`, { rule: 'D3', amountFen, availableFen }));
  }
  if (check.activePenalty) refusals.push(violation('MERCHANT_PENALIZED', 'No withdrawal while a violation penalty is active.', { rule: 'D3' }));
  if (check.openClaims > 0) {
    refusals.push(violation('OPEN_CLAIMS', `${check.openClaims} claim(s) on the merchant's orders are still open.`, { rule: 'D3', openClaims: check.openClaims }));
  }
  if (check.fraudFinding) refusals.push(violation('FRAUD_FINDING', 'A fraud finding forfeits the deposit.', { rule: 'D3' }));
  return refusals;
}

export type WithdrawalDecision = { ok: true } | { ok: false; violation: RuleViolation; refusals: RuleViolation[] };

/** D3: one answer for the API: WITHDRAWAL_NOT_ALLOWED listing every failing condition. */
export function decideWithdrawal(check: WithdrawalCheck): WithdrawalDecision {
  const refusals = withdrawalRefusals(check);
  if (refusals.length === 0) return { ok: true };
  const summary = refusals.map((r) => r.detail).join(' ');
  return {
    ok: false,
    violation: violation('WITHDRAWAL_NOT_ALLOWED', summary, { rule: 'D3', reasons: refusals.map((r) => r.code) }),
    refusals,
  };
}

export type AdvanceDecision = { ok: true; amountFen: number; basis: Record<string, unknown> } | { ok: false; violation: RuleViolation };

/**
 * D2: ops may advance-compensate (先行赔付) an approved claim that the insurer does not cover,
 * from the merchant's deposit — the whole approved amount, if the deposit has it available.
 * A claim already paid, or covered by the insurer, is paid by the insurer instead.
 */
export function advanceCompensation(input: {
  claim: { claimId: string; status: ClaimStatus; amountFen: number };
  insurerCovers: boolean;
  availableFen: number;
}): AdvanceDecision {
  const { claim, insurerCovers, availableFen } = input;
  if (claim.status !== 'APPROVED' || insurerCovers) {
    return {
      ok: false,
      violation: violation('ADVANCE_NOT_ALLOWED', 'Only an approved claim that the insurer does not cover can be paid from the deposit.', {
        rule: 'D2', status: claim.status, insurerCovers,
      }),
    };
  }
  if (claim.amountFen > availableFen) {
    return {
      ok: false,
      violation: violation('INSUFFICIENT_DEPOSIT', `The claim needs ${claim.amountFen} fen; ${availableFen} fen of the deposit is available.`, {
        rule: 'D2', amountFen: claim.amountFen, availableFen,
      }),
    };
  }
  return { ok: true, amountFen: claim.amountFen, basis: { rule: 'D2', claimId: claim.claimId, amountFen: claim.amountFen, availableFen } };
}

/** D3: a fraud finding forfeits the whole balance. */
export function fraudForfeiture(balanceFen: number): { forfeitFen: number; remainingFen: 0 } {
  return { forfeitFen: assertFen(balanceFen, 'balanceFen'), remainingFen: 0 };
}
