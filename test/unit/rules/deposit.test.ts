import { describe, expect, it } from 'vitest';
import {
  advanceCompensation,
  decideWithdrawal,
  depositStatus,
  fallsBelowMinimum,
  fraudForfeiture,
  joinDepositViolation,
  makeRulesConfig,
  topUpAmountViolation,
  violationRecords,
  withdrawalKeepFen,
  withdrawalRefusals,
  type WithdrawalCheck,
} from '#shared/rules/index.ts';
import { config } from './fixtures.ts';

const check = (overrides: Partial<WithdrawalCheck> = {}): WithdrawalCheck => ({
  amountFen: 50_000,
  availableFen: 120_000,
  activePenalty: false,
  openClaims: 0,
  fraudFinding: false,
  ...overrides,
});

describe('deposit (D)', () => {
  it('D1 the minimum deposit is 100000 fen: one fen below misses it, at it meets it', () => {
    expect(depositStatus({ balanceFen: 99_999, heldFen: 0, frozen: false }, config)).toMatchObject({
      meetsMinimum: false,
      minimumFen: 100_000,
      availableFen: 99_999,
    });
    expect(depositStatus({ balanceFen: 100_000, heldFen: 30_000, frozen: true }, config)).toEqual({
      balanceFen: 100_000,
      heldFen: 30_000,
      availableFen: 70_000,
      minimumFen: 100_000,
      meetsMinimum: true,
      frozen: true,
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
      ok: true,
      amountFen: 36_000,
      basis: { rule: 'D2', claimId: 'clm_1', amountFen: 36_000, availableFen: 36_000 },
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
    expect(!decision.ok && decision.violation).toMatchObject({
      code: 'WITHDRAWAL_NOT_ALLOWED',
      status: 422,
      basis: { rule: 'D3', reasons: ['MERCHANT_PENALIZED', 'OPEN_CLAIMS'] },
    });
    expect(!decision.ok && decision.refusals).toHaveLength(2);
  });

  it.each([0, -5, 10.5])('D3 a withdrawal of %s fen is not an amount', (amountFen) => {
    expect(withdrawalRefusals(check({ amountFen })).map((r) => r.code)).toEqual(['INVALID_AMOUNT']);
  });

  it('D3 a fraud finding forfeits the whole deposit', () => {
    expect(fraudForfeiture(123_456)).toEqual({ forfeitFen: 123_456, remainingFen: 0 });
  });

  it('D1 while enrolled a withdrawal keeps the minimum: at the boundary allowed, one fen more DEPOSIT_BELOW_MINIMUM; exited from every plan, all of it', () => {
    expect(withdrawalKeepFen(true, config)).toBe(100_000);
    expect(withdrawalKeepFen(false, config)).toBe(0);
    expect(decideWithdrawal(check({ amountFen: 20_000, availableFen: 120_000, enrolled: true, minimumFen: 100_000 }))).toEqual({ ok: true });
    const below = decideWithdrawal(check({ amountFen: 20_001, availableFen: 120_000, enrolled: true, minimumFen: 100_000 }));
    expect(!below.ok && below.violation).toMatchObject({
      code: 'DEPOSIT_BELOW_MINIMUM',
      status: 422,
      basis: { rule: 'D1', maxWithdrawableFen: 20_000, reasons: ['DEPOSIT_BELOW_MINIMUM'] },
    });
    const none = decideWithdrawal(check({ amountFen: 1, availableFen: 50_000, enrolled: true, minimumFen: 100_000 }));
    expect(!none.ok && none.violation.basis).toMatchObject({ maxWithdrawableFen: 0 });
    expect(decideWithdrawal(check({ amountFen: 120_000, availableFen: 120_000, enrolled: true }))).toEqual({ ok: true });
    expect(decideWithdrawal(check({ amountFen: 120_000, availableFen: 120_000, enrolled: false, minimumFen: 100_000 }))).toEqual({ ok: true });
  });

  it('D3 any violation record within the look-back (default: ever), lifted or not, refuses a withdrawal (VIOLATION_RECORD)', () => {
    const penalties = [
      { penaltyId: 'old', penalizedAt: '2020-01-01T00:00:00+08:00' },
      { penaltyId: 'recent', penalizedAt: '2026-11-01T00:00:00+08:00' },
      { penaltyId: 'lift-only' },
    ];
    expect(violationRecords(penalties, '2026-11-23T10:00:00+08:00', config)).toEqual(['old', 'recent']);
    const yearly = makeRulesConfig({ deposit: { violationLookBackDays: 365 } });
    expect(violationRecords(penalties, '2026-11-23T10:00:00+08:00', yearly)).toEqual(['recent']);
    const refused = decideWithdrawal(check({ violationRecords: 2 }));
    expect(!refused.ok && refused.violation).toMatchObject({ code: 'VIOLATION_RECORD', basis: { rule: 'D3', violationRecords: 2 } });
  });

  it('D4 a top-up is 1 … 10,000,000 fen (default cap, configurable)', () => {
    expect(topUpAmountViolation(1, config)).toBeUndefined();
    expect(topUpAmountViolation(10_000_000, config)).toBeUndefined();
    for (const amountFen of [0, -1, 1.5, 10_000_001, Number.MAX_SAFE_INTEGER]) {
      expect(topUpAmountViolation(amountFen, config), String(amountFen)).toMatchObject({ code: 'INVALID_AMOUNT', basis: { rule: 'D4', maxFen: 10_000_000 } });
    }
    expect(topUpAmountViolation(10_000_001, makeRulesConfig({ deposit: { topUpMaxFen: 20_000_000 } }))).toBeUndefined();
  });

  it('D1 a merchant with a deposit below the minimum cannot join; one that never paid in is not held to it', () => {
    expect(joinDepositViolation({ balanceFen: 99_999, opened: true }, config)).toMatchObject({
      code: 'DEPOSIT_BELOW_MINIMUM',
      basis: { rule: 'D1', balanceFen: 99_999 },
    });
    expect(joinDepositViolation({ balanceFen: 100_000, opened: true }, config)).toBeUndefined();
    expect(joinDepositViolation({ balanceFen: 0, opened: false }, config)).toBeUndefined();
  });

  it('D1 falling below the minimum is reported once, when it happens', () => {
    expect(fallsBelowMinimum(100_000, 99_999, config)).toBe(true);
    expect(fallsBelowMinimum(100_000, 100_000, config)).toBe(false);
    expect(fallsBelowMinimum(99_999, 50_000, config)).toBe(false);
  });

  it('D4 D3 the new settings are validated', () => {
    expect(() => makeRulesConfig({ deposit: { topUpMaxFen: 0 } })).toThrow(/topUpMaxFen/);
    expect(() => makeRulesConfig({ deposit: { topUpExpiryHours: 1.5 } })).toThrow(/topUpExpiryHours/);
    expect(() => makeRulesConfig({ deposit: { violationLookBackDays: 0 } })).toThrow(/violationLookBackDays/);
  });
});
