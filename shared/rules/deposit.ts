/** The consumer-protection deposit (消保保证金, D1–D3). */
import type { RulesConfig } from './config.ts';
import { violation, type RuleViolation } from './errors.ts';
import { assertFen } from './money.ts';
import { toMs } from './time.ts';
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
  /** D1: the merchant has at least one ACTIVE enrollment, so the minimum must stay in the deposit. */
  enrolled?: boolean;
  /** D1: the minimum (config `deposit.minimumFen`); 0 when absent. */
  minimumFen?: number;
  /** D3: penalties within the look-back, lifted or not (`violationRecords`). */
  violationRecords?: number;
}

/**
 * D1: what a withdrawal must leave available — the minimum while the merchant is enrolled in any
 * plan, nothing once it has exited every plan.
 */
export function withdrawalKeepFen(enrolled: boolean, config: RulesConfig): number {
  return enrolled ? config.deposit.minimumFen : 0;
}

/**
 * D3: the penalties that count as a violation record at `now` — every penalty the merchant was
 * given (lifted or not) within the look-back (`deposit.violationLookBackDays`, default ever). A
 * lift remembered for a penalty never received is no record.
 */
export function violationRecords(penalties: readonly { penaltyId: string; penalizedAt?: string }[], now: string, config: RulesConfig): string[] {
  const days = config.deposit.violationLookBackDays;
  const since = days === null ? Number.NEGATIVE_INFINITY : toMs(now) - days * 86_400_000;
  return penalties.filter((p) => p.penalizedAt !== undefined && toMs(p.penalizedAt) >= since).map((p) => p.penaltyId);
}

/** D4: a top-up collects a positive whole number of fen, at most `deposit.topUpMaxFen`. */
export function topUpAmountViolation(amountFen: number, config: RulesConfig): RuleViolation | undefined {
  const maxFen = config.deposit.topUpMaxFen;
  if (Number.isSafeInteger(amountFen) && amountFen > 0 && amountFen <= maxFen) return undefined;
  return violation('INVALID_AMOUNT', `A top-up is a whole number of fen from 1 to ${maxFen}, not ${amountFen}.`, { rule: 'D4', amountFen, maxFen });
}

/**
 * D1: a merchant whose deposit is below the minimum cannot join a plan until it tops up. Only a
 * merchant that has a deposit (money was ever credited) is held to it: one that never paid in is
 * onboarded by the marketplace, which this service does not see (see docs/decisions).
 */
export function joinDepositViolation(account: { balanceFen: number; opened: boolean }, config: RulesConfig): RuleViolation | undefined {
  const minimumFen = config.deposit.minimumFen;
  if (!account.opened || account.balanceFen >= minimumFen) return undefined;
  return violation('DEPOSIT_BELOW_MINIMUM', `The deposit holds ${account.balanceFen} fen; joining needs at least ${minimumFen} fen. Top it up first.`, {
    rule: 'D1',
    balanceFen: account.balanceFen,
    minimumFen,
  });
}

/** D1: whether a change that leaves `availableAfterFen` available takes the deposit below the minimum (deposit.top-up-required). */
export function fallsBelowMinimum(availableBeforeFen: number, availableAfterFen: number, config: RulesConfig): boolean {
  const minimumFen = config.deposit.minimumFen;
  return availableAfterFen < minimumFen && availableBeforeFen >= minimumFen;
}

/** D3: every reason a withdrawal is refused (empty when it may go to ops review). */
export function withdrawalRefusals(check: WithdrawalCheck): RuleViolation[] {
  const refusals: RuleViolation[] = [];
  const { amountFen, availableFen } = check;
  const keepFen = check.enrolled ? (check.minimumFen ?? 0) : 0;
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) {
    refusals.push(violation('INVALID_AMOUNT', `A withdrawal is a positive whole number of fen, not ${amountFen}.`, { rule: 'D3', amountFen }));
  } else if (amountFen > availableFen) {
    refusals.push(violation('INSUFFICIENT_DEPOSIT', `${amountFen} fen requested, ${availableFen} fen available.`, { rule: 'D3', amountFen, availableFen }));
  } else if (availableFen - amountFen < keepFen) {
    refusals.push(
      violation('DEPOSIT_BELOW_MINIMUM', `While enrolled in a plan the deposit keeps ${keepFen} fen: at most ${availableFen - keepFen} fen may be withdrawn.`, {
        rule: 'D1',
        amountFen,
        availableFen,
        minimumFen: keepFen,
        maxWithdrawableFen: Math.max(0, availableFen - keepFen),
      }),
    );
  }
  if ((check.violationRecords ?? 0) > 0) {
    refusals.push(
      violation('VIOLATION_RECORD', `The merchant has ${check.violationRecords} violation record(s); the deposit cannot be withdrawn.`, {
        rule: 'D3',
        violationRecords: check.violationRecords,
      }),
    );
  }
  if (check.activePenalty) refusals.push(violation('MERCHANT_PENALIZED', 'No withdrawal while a violation penalty is active.', { rule: 'D3' }));
  if (check.openClaims > 0) {
    refusals.push(
      violation('OPEN_CLAIMS', `${check.openClaims} claim(s) on the merchant's orders are still open.`, { rule: 'D3', openClaims: check.openClaims }),
    );
  }
  if (check.fraudFinding) refusals.push(violation('FRAUD_FINDING', 'A fraud finding forfeits the deposit.', { rule: 'D3' }));
  return refusals;
}

export type WithdrawalDecision = { ok: true } | { ok: false; violation: RuleViolation; refusals: RuleViolation[] };

/**
 * D3: one answer for the API: a single failing condition is refused with its own code (e.g.
 * DEPOSIT_BELOW_MINIMUM, VIOLATION_RECORD); several are WITHDRAWAL_NOT_ALLOWED listing each.
 */
export function decideWithdrawal(check: WithdrawalCheck): WithdrawalDecision {
  const refusals = withdrawalRefusals(check);
  if (refusals.length === 0) return { ok: true };
  if (refusals.length === 1) {
    const only = refusals[0]!;
    return { ok: false, violation: violation(only.code as Parameters<typeof violation>[0], only.detail, { ...only.basis, reasons: [only.code] }), refusals };
  }
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
        rule: 'D2',
        status: claim.status,
        insurerCovers,
      }),
    };
  }
  if (claim.amountFen > availableFen) {
    return {
      ok: false,
      violation: violation('INSUFFICIENT_DEPOSIT', `The claim needs ${claim.amountFen} fen; ${availableFen} fen of the deposit is available.`, {
        rule: 'D2',
        amountFen: claim.amountFen,
        availableFen,
      }),
    };
  }
  return { ok: true, amountFen: claim.amountFen, basis: { rule: 'D2', claimId: claim.claimId, amountFen: claim.amountFen, availableFen } };
}

/** D3: a fraud finding forfeits the whole balance. */
export function fraudForfeiture(balanceFen: number): { forfeitFen: number; remainingFen: 0 } {
  return { forfeitFen: assertFen(balanceFen, 'balanceFen'), remainingFen: 0 };
}
