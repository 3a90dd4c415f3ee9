/**
 * The deposit's accounting (D1–D5, J9) as a property: over random sequences of every movement
 * type — credited top-ups, holds (approved withdrawals, advance and dispute compensations, some
 * keeping the D1 minimum), releases (a cancelled withdrawal, a failed advance), settlements by the
 * payout job, and fraud forfeitures that cancel some holds in the same write — applied through the SAME ledger effects the store turns into its DynamoDB
 * updates and conditions (shared/store/deposit-ledger.ts) — the balance always equals the sum of
 * the journal, no figure is ever negative, available = balance − held, held = what is still
 * promised to payouts, and a refused change changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { depositStatus, makeRulesConfig } from '#shared/rules/index.ts';
import { admits, applyEffect, effectOf, EMPTY_ACCOUNT, ledgerDifferences, type AccountChange, type AccountFigures } from '#shared/store/deposit-ledger.ts';
import { depositPayoutSettledWrites, depositForfeitureWrites } from '#shared/store/deposits.ts';
import type { StoredPayout } from '#shared/store/payouts.ts';

const RUNS = 1000;
const config = makeRulesConfig({});

type Step =
  | { op: 'top-up'; amountFen: number }
  | { op: 'hold'; amountFen: number; keepFen?: number }
  | { op: 'release'; pick: number }
  | { op: 'settle'; pick: number; movement: 'withdrawal' | 'advance-compensation' | 'compensation' }
  | { op: 'forfeit-cancelling'; picks: number[] }
  | { op: 'settle-unpromised'; amountFen: number }
  | { op: 'forfeit' }
  | { op: 'forfeit-stale'; offsetFen: number };

const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: amount.map((amountFen) => ({ op: 'top-up' as const, amountFen })) },
  { weight: 3, arbitrary: amount.map((amountFen) => ({ op: 'hold' as const, amountFen })) },
  {
    weight: 1,
    arbitrary: fc.record({ amountFen: amount, keepFen: fc.constantFrom(0, 1, 100_000) }).map((s) => ({ op: 'hold' as const, ...s })),
  },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: 'release' as const, pick })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ pick: fc.nat(), movement: fc.constantFrom('withdrawal' as const, 'advance-compensation' as const, 'compensation' as const) })
      .map((s) => ({ op: 'settle' as const, ...s })),
  },
  { weight: 1, arbitrary: fc.array(fc.nat(), { maxLength: 3 }).map((picks) => ({ op: 'forfeit-cancelling' as const, picks })) },
  { weight: 1, arbitrary: amount.map((amountFen) => ({ op: 'settle-unpromised' as const, amountFen })) },
  { weight: 1, arbitrary: fc.constant({ op: 'forfeit' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: -1000, max: 1000 })
      .filter((n) => n !== 0)
      .map((offsetFen) => ({ op: 'forfeit-stale' as const, offsetFen })),
  },
);

interface Model {
  account: AccountFigures;
  /** Signed deltaFen of every movement written, in order. */
  journal: number[];
  /** Amounts held for payouts not yet settled. */
  promised: number[];
}

/** The change a step asks for (undefined: nothing to do, as the store would write nothing). */
function changeOf(model: Model, s: Step): { change: AccountChange; promise?: number; promises?: number[] } | undefined {
  switch (s.op) {
    case 'top-up':
      return { change: { kind: 'top-up', amountFen: s.amountFen } };
    case 'hold':
      return { change: { kind: 'hold', amountFen: s.amountFen, ...(s.keepFen !== undefined ? { keepFen: s.keepFen } : {}) } };
    case 'release': {
      if (model.promised.length === 0) return undefined;
      const index = s.pick % model.promised.length;
      return { change: { kind: 'release', amountFen: model.promised[index]! }, promise: index };
    }
    case 'forfeit-cancelling': {
      // A fraud finding cancels some approved, unsent withdrawals and forfeits what that frees too.
      const indexes = [...new Set(model.promised.length ? s.picks.map((p) => p % model.promised.length) : [])].sort((a, b) => b - a);
      const releasedFen = indexes.reduce((sum, i) => sum + model.promised[i]!, 0);
      const amountFen = model.account.availableFen + releasedFen;
      return amountFen > 0 ? { change: { kind: 'forfeit', amountFen, releasedFen }, promises: indexes } : undefined;
    }
    case 'settle': {
      if (model.promised.length === 0) return undefined;
      const index = s.pick % model.promised.length;
      return { change: { kind: 'settle', amountFen: model.promised[index]!, movement: s.movement }, promise: index };
    }
    case 'settle-unpromised':
      return { change: { kind: 'settle', amountFen: s.amountFen, movement: 'withdrawal' } };
    case 'forfeit':
      // depositForfeitureWrites writes nothing when nothing is available.
      return model.account.availableFen > 0 ? { change: { kind: 'forfeit', amountFen: model.account.availableFen } } : undefined;
    case 'forfeit-stale': {
      // A penalty that read the account before another change: its figure no longer matches.
      const read = model.account.availableFen + s.offsetFen;
      // A figure read from the table is always a safe integer of fen.
      return read > 0 && read <= Number.MAX_SAFE_INTEGER ? { change: { kind: 'forfeit', amountFen: read } } : undefined;
    }
  }
}

function run(steps: readonly Step[]) {
  const model: Model = { account: { ...EMPTY_ACCOUNT }, journal: [], promised: [] };
  for (const s of steps) {
    const planned = changeOf(model, s);
    if (!planned) continue;
    const before = { ...model.account };
    const effect = effectOf(planned.change);
    if (admits(model.account, effect)) {
      model.account = applyEffect(model.account, effect);
      if (effect.movement) model.journal.push(effect.movement.deltaFen);
      if (planned.change.kind === 'hold') model.promised.push(planned.change.amountFen);
      if (planned.promise !== undefined) model.promised.splice(planned.promise, 1);
      for (const index of planned.promises ?? []) model.promised.splice(index, 1);
      // Only a settlement of what was promised may take held money (the payout job settles its own payouts).
      if (s.op === 'settle-unpromised') model.promised = reconcilePromises(model.promised, planned.change.amountFen);
    } else {
      expect(model.account, 'a refused change changes nothing').toEqual(before);
      expect(refusalIsJustified(before, planned.change), JSON.stringify({ before, change: planned.change })).toBe(true);
    }
    assertInvariants(model);
  }
  return model;
}

/** An unpromised settlement the guards let through consumed held money: drop that much from the promises. */
function reconcilePromises(promised: number[], settledFen: number): number[] {
  let left = settledFen;
  const kept: number[] = [];
  for (const p of promised) {
    if (left >= p) left -= p;
    else {
      kept.push(p - left);
      left = 0;
    }
  }
  return kept;
}

/** The guards refuse only what would break an invariant (or a forfeiture of a stale figure). */
function refusalIsJustified(account: AccountFigures, change: AccountChange): boolean {
  const after = applyEffect(account, effectOf(change));
  const broken = Object.values(after).some((v) => v < 0 || v > Number.MAX_SAFE_INTEGER);
  const belowKept = change.kind === 'hold' && after.availableFen < (change.keepFen ?? 0);
  const stale = change.kind === 'forfeit' && change.amountFen - (change.releasedFen ?? 0) !== account.availableFen;
  return broken || belowKept || stale;
}

function assertInvariants({ account, journal, promised }: Model) {
  const sum = journal.reduce((a, b) => a + b, 0);
  expect(account.balanceFen).toBe(sum);
  for (const figure of Object.values(account)) {
    expect(Number.isSafeInteger(figure)).toBe(true);
    expect(figure).toBeGreaterThanOrEqual(0);
  }
  expect(account.availableFen).toBe(account.balanceFen - account.heldFen);
  expect(account.heldFen).toBe(promised.reduce((a, b) => a + b, 0));
  // The rules accept every state the ledger reaches (held never exceeds the balance).
  expect(depositStatus({ ...account, frozen: false }, config).availableFen).toBe(account.availableFen);
}

describe('deposit journal (D1–D5, J9)', () => {
  it('D1 D2 D3 D4 D5 J9 over every movement type the balance always equals the sum of the journal and never goes below zero', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        steps.forEach((s) => kinds.add(s.op === 'settle' ? `settle:${s.movement}` : s.op));
        const model = run(steps);
        // The reconciliation's ledger check finds nothing to report after any of them.
        expect(ledgerDifferences('shop-1', model.account, model.journal)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect([...kinds].sort()).toEqual(
      [
        'forfeit',
        'forfeit-cancelling',
        'forfeit-stale',
        'hold',
        'release',
        'settle-unpromised',
        'settle:advance-compensation',
        'settle:compensation',
        'settle:withdrawal',
        'top-up',
      ].sort(),
    );
  });

  it('D1 a hold that keeps the minimum is refused when less than the minimum would stay available', () => {
    const model = run([
      { op: 'top-up', amountFen: 150_000 },
      { op: 'hold', amountFen: 50_001, keepFen: 100_000 },
      { op: 'hold', amountFen: 50_000, keepFen: 100_000 },
    ]);
    expect(model.account).toEqual({ balanceFen: 150_000, heldFen: 50_000, availableFen: 100_000 });
  });

  it('D3 a fraud finding cancelling a withdrawal forfeits its hold with the available balance, in one movement', () => {
    const model = run([
      { op: 'top-up', amountFen: 150_000 },
      { op: 'hold', amountFen: 40_000 },
      { op: 'forfeit-cancelling', picks: [0] },
    ]);
    expect(model.account).toEqual(EMPTY_ACCOUNT);
    expect(model.journal).toEqual([150_000, -150_000]);
    expect(() => effectOf({ kind: 'forfeit', amountFen: 10, releasedFen: 11 })).toThrow(RangeError);
    expect(() => effectOf({ kind: 'hold', amountFen: 10, keepFen: -1 })).toThrow(RangeError);
  });

  it('D3 of two holds racing for one available balance exactly one is admitted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (available, extra) => {
        const model = run([
          { op: 'top-up', amountFen: available + extra },
          { op: 'hold', amountFen: extra || 1 },
        ]);
        const free = model.account.availableFen;
        if (free === 0) return;
        const hold = effectOf({ kind: 'hold', amountFen: free });
        const first = applyEffect(model.account, hold);
        expect(admits(model.account, hold)).toBe(true);
        expect(admits(first, hold)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('a forfeiture takes exactly the available balance; held money stays promised', () => {
    const model = run([{ op: 'top-up', amountFen: 150_000 }, { op: 'hold', amountFen: 40_000 }, { op: 'forfeit' }]);
    expect(model.account).toEqual({ balanceFen: 40_000, heldFen: 40_000, availableFen: 0 });
    expect(model.journal).toEqual([150_000, -110_000]);
    const settled = run([
      { op: 'top-up', amountFen: 150_000 },
      { op: 'hold', amountFen: 40_000 },
      { op: 'forfeit' },
      { op: 'settle', pick: 0, movement: 'withdrawal' },
    ]);
    expect(settled.account).toEqual(EMPTY_ACCOUNT);
  });

  it('D1 a top-up never takes the balance beyond Number.MAX_SAFE_INTEGER', () => {
    const model = run([
      { op: 'top-up', amountFen: Number.MAX_SAFE_INTEGER },
      { op: 'top-up', amountFen: 1 },
    ]);
    expect(model.account.balanceFen).toBe(Number.MAX_SAFE_INTEGER);
    expect(model.journal).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN])('an amount of %s fen is no change at all', (amountFen) => {
    expect(() => effectOf({ kind: 'top-up', amountFen })).toThrow(RangeError);
    expect(() => effectOf({ kind: 'hold', amountFen })).toThrow(RangeError);
  });
});

describe('the reconciliation (npm run reconcile)', () => {
  it('reports a balance that is not the sum of its journal, an available figure that does not add up and a negative figure', () => {
    expect(ledgerDifferences('shop-1', { balanceFen: 10, heldFen: 4, availableFen: 6 }, [15, -5])).toEqual([]);
    expect(ledgerDifferences('shop-1', { balanceFen: 11, heldFen: 4, availableFen: 6 }, [15, -5]).map((d) => d.kind)).toEqual([
      'balance-vs-journal',
      'available-vs-held',
    ]);
    expect(ledgerDifferences('shop-1', { balanceFen: -1, heldFen: 0, availableFen: -1 }, [-1]).map((d) => d.kind)).toEqual([
      'negative-figure',
      'negative-figure',
    ]);
  });
});

describe('the store writes the ledger effects', () => {
  const payout = (overrides: Partial<StoredPayout>): StoredPayout => ({
    payoutId: 'pay_1',
    beneficiary: { role: 'merchant', id: 'shop-1', alipayAccount: 'shop-1@alipay.example' },
    amountFen: 30_000,
    status: 'SENT',
    attempts: 1,
    dueBy: '2026-11-25T09:00:00+08:00',
    overdue: false,
    createdAt: '2026-11-22T09:00:00+08:00',
    ...overrides,
  });
  const at = '2026-11-23T10:00:00+08:00';

  it('a payout the deposit does not fund adds nothing to its confirmation', () => {
    expect(depositPayoutSettledWrites(payout({ claimId: 'clm_1' }), at)).toEqual([]);
  });

  it('D3 a withdrawal payout settles as the ledger says: balance and held −amount, guarded, with its movement', () => {
    const writes = depositPayoutSettledWrites(payout({ withdrawalId: 'wdr_1', source: 'deposit', depositMerchantId: 'shop-1' }), at);
    expect(writes).toHaveLength(3);
    expect(writes[0]!.Update).toMatchObject({ Key: { PK: 'WITHDRAWAL#wdr_1' }, ConditionExpression: '#status = :approved AND payoutId = :payoutId' });
    expect(writes[1]!.Update).toMatchObject({
      Key: { PK: 'DEPOSIT#shop-1', SK: 'ACCOUNT' },
      ConditionExpression: 'balanceFen >= :min_balanceFen AND heldFen >= :min_heldFen',
      ExpressionAttributeValues: { ':dBalance': -30_000, ':dHeld': -30_000, ':dAvailable': 0, ':min_balanceFen': 30_000, ':min_heldFen': 30_000 },
    });
    expect(writes[2]!.Put?.Item).toMatchObject({ type: 'withdrawal', deltaFen: -30_000, withdrawalId: 'wdr_1', payoutId: 'pay_1', merchantId: 'shop-1' });
  });

  it('D2 an advance payout settles the advance of its claim, from the funding merchant', () => {
    const writes = depositPayoutSettledWrites(
      payout({
        claimId: 'clm_1',
        advanceId: 'adv_1',
        source: 'deposit',
        depositMerchantId: 'shop-1',
        beneficiary: { role: 'buyer', id: 'buyer-1', alipayAccount: 'buyer-1' },
      }),
      at,
    );
    expect(writes[0]!.Update).toMatchObject({ Key: { PK: 'CLAIM#clm_1', SK: 'ADVANCE' } });
    expect(writes[1]!.Update?.Key).toEqual({ PK: 'DEPOSIT#shop-1', SK: 'ACCOUNT' });
    expect(writes[2]!.Put?.Item).toMatchObject({ type: 'advance-compensation', deltaFen: -30_000, claimId: 'clm_1', advanceId: 'adv_1' });
  });

  it('J9 a forfeiture with nothing available writes nothing; otherwise exactly the available figure as read', () => {
    const account = { merchantId: 'shop-1', balanceFen: 50_000, heldFen: 50_000, availableFen: 0, version: 3 };
    expect(depositForfeitureWrites(account, { penaltyId: 'pen-1', at })).toEqual({ names: [], items: [] });
    const { names, items } = depositForfeitureWrites({ ...account, availableFen: 20_000, balanceFen: 70_000 }, { penaltyId: 'pen-1', at });
    expect(names).toEqual(['deposit-unchanged', 'movement-new', 'outbox']);
    expect(items[0]!.Update).toMatchObject({
      ConditionExpression: 'availableFen >= :min_availableFen AND (attribute_not_exists(availableFen) OR availableFen <= :max_availableFen)',
      ExpressionAttributeValues: { ':dBalance': -20_000, ':dAvailable': -20_000, ':min_availableFen': 20_000, ':max_availableFen': 20_000 },
    });
    expect(items[1]!.Put?.Item).toMatchObject({ type: 'forfeiture', deltaFen: -20_000, penaltyId: 'pen-1' });
  });
});
