import { describe, expect, it } from 'vitest';
import { advanceCompensation, decideWithdrawal, depositStatus, fraudForfeiture, makeRulesConfig, withdrawalRefusals, type WithdrawalCheck } from '#shared/rules/index.ts';
import { config } from './fixtures.ts';

const check = (overrides: Partial<WithdrawalCheck> = {}): WithdrawalCheck => ({
  amountFen: 50_000, availableFen: 120_000, activePenalty: false, openClaims: 0, fraudFinding: false, ...overrides,
});

describe('deposit (D)', () => {
  it('D1 the minimum deposit is 100000 fen: one fen below misses it, at it meets it', () => {
    expect(depositStatus({ balanceFen: 99_999, heldFen: 0, frozen: false }, config)).toMatchObject({ meetsMinimum: false, minimumFen: 100_000, availableFen: 99_999 });
    expect(depositStatus({ balanceFen: 100_000, heldFen: 30_000, frozen: true }, config)).toEqual({
      balanceFen: 100_000, heldFen: 30_000, availableFen: 70_000, minimumFen: 100_000, meetsMinimum: true, frozen: true,
    });
    expect(depositStatus({ balanceFen: 60_000, heldFen: 0, frozen: false }, makeRulesConfig({ deposit: { minimumFen: 50_000 } })).meetsMinimum).toBe(true);
  });

  it('D1 money is integer fen; more held than the balance is a bug', () => {
    expect(() => depositStatus({ balanceFen: 100.5, heldFen: 0, frozen: false }, config)).toThrow(RangeError);
    expect(() => depositStatus({ balanceFen: 100, heldFen: 101, frozen: false }, config)).toThrow(/exceeds/);
  });

  it('D2 ops may advance-compensate an approved claim the insurer does not cover', () => {
    const claim = { claimId: 'clm_1', status: 'APPROVED' as const, amountFen: 36_000 };
    expect(advanceCompensation({ claim, insurerCovers: false, availableFen: 36_000 })).toEqual({
      ok: true, amountFen: 36_000, basis: { rule: 'D2', claimId: 'clm_1', amountFen: 36_000, availableFen: 36_000 },
    });
    const short = advanceCompensation({ claim, insurerCovers: false, availableFen: 35_999 });
    expect(!short.ok && short.violation).toMatchObject({ code: 'INSUFFICIENT_DEPOSIT', basis: { rule: 'D2' } });
  });

  it.each([
    ['covered by the insurer', 'APPROVED', true],
    ['not approved', 'UNDER_REVIEW', false],
    ['already paid', 'PAID', false],
  ] as const)('D2 no advance compensation for a claim %s', (_name, status, insurerCovers) => {
    const decision = advanceCompensation({ claim: { claimId: 'clm_1', status, amountFen: 100 }, insurerCovers, availableFen: 1_000_000 });
    expect(!decision.ok && decision.violation.code).toBe('ADVANCE_NOT_ALLOWED');
  });

  it('D3 a withdrawal with no penalty, no open claims and no fraud goes to review', () => {
    expect(withdrawalRefusals(check())).toEqual([]);
    expect(withdrawalRefusals(check({ amountFen: 120_000 }))).toEqual([]);
    expect(decideWithdrawal(check())).toEqual({ ok: true });
  });

  it('D3 every failing condition is returned', () => {
    const refusals = withdrawalRefusals(check({ amountFen: 120_001, activePenalty: true, openClaims: 2, fraudFinding: true }));
    expect(refusals.map((r) => r.code)).toEqual(['INSUFFICIENT_DEPOSIT', 'MERCHANT_PENALIZED', 'OPEN_CLAIMS', 'FRAUD_FINDING']);
    const decision = decideWithdrawal(check({ openClaims: 1, activePenalty: true }));
    expect(!decision.ok && decision.violation).toMatchObject({ code: 'WITHDRAWAL_NOT_ALLOWED', status: 422, basis: { rule: 'D3', reasons: ['MERCHANT_PENALIZED', 'OPEN_CLAIMS'] } });
    expect(!decision.ok && decision.refusals).toHaveLength(2);
  });

  it.each([0, -5, 10.5])('D3 a withdrawal of %s fen is not an amount', (amountFen) => {
    expect(withdrawalRefusals(check({ amountFen })).map((r) => r.code)).toEqual(['INVALID_AMOUNT']);
  });

  it('D3 a fraud finding forfeits the whole deposit', () => {
    expect(fraudForfeiture(123_456)).toEqual({ forfeitFen: 123_456, remainingFen: 0 });
  });
});
