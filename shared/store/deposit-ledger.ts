/**
 * The arithmetic of a deposit account (D1–D3, J9), pure: no I/O. Each change of the account is
 * described once, as an `Effect` — what it adds to each figure, what must hold before it, and
 * the journal movement it records. The store turns an effect into ONE DynamoDB UpdateItem
 * (`ADD` of the deltas, the guards as its ConditionExpression) in the same transaction as the
 * movement; the property test (test/unit/deposit-journal.test.ts) applies random sequences of
 * the same effects in memory. So "balance = sum of the journal, never negative" is proven on the
 * very functions the store writes with.
 *
 * Figures: `balanceFen` (the money in the deposit), `heldFen` (promised to payouts not yet
 * settled: approved withdrawals, advance compensations) and `availableFen` = balance − held,
 * stored as its own attribute because DynamoDB conditions cannot subtract.
 */

export interface AccountFigures {
  balanceFen: number;
  heldFen: number;
  availableFen: number;
}

export type MovementType = 'top-up' | 'withdrawal' | 'advance-compensation' | 'compensation' | 'forfeiture';

/**
 * The changes an account can take:
 * - `top-up` (D4): money the provider confirmed received; a journal movement of +amount.
 * - `hold` (D1, D2, D3, D5): an approved withdrawal, an advance compensation or a dispute
 *   compensation reserves part of the available balance for its payout; no money moves, so no
 *   journal movement. `keepFen` (D1: the minimum a withdrawal must leave while the merchant is
 *   enrolled) must stay available after it.
 * - `release` (D2, D3): a hold whose payout will not be sent (a withdrawal cancelled by a fraud
 *   finding, an advance whose payout failed for good) is available again; no money moves.
 * - `settle`: the payout job confirmed that payout; the held money leaves: −amount.
 * - `forfeit` (D3, J9): a fraud finding takes exactly the available balance, as read, plus the
 *   holds it cancels in the same transaction (`releasedFen`, at most what is held): −amount.
 */
export type AccountChange =
  | { kind: 'top-up'; amountFen: number }
  | { kind: 'hold'; amountFen: number; keepFen?: number }
  | { kind: 'release'; amountFen: number }
  | { kind: 'settle'; amountFen: number; movement: 'withdrawal' | 'advance-compensation' | 'compensation' }
  | { kind: 'forfeit'; amountFen: number; releasedFen?: number };

type Figure = keyof AccountFigures;

export interface Effect {
  /** Added to each figure (DynamoDB `ADD`). */
  delta: AccountFigures;
  /** Lower bounds each figure must meet before the change (DynamoDB `figure >= :bound`). */
  atLeast: Partial<Record<Figure, number>>;
  /** Upper bounds (`attribute_not_exists(figure) OR figure <= :bound`). */
  atMost: Partial<Record<Figure, number>>;
  /** The journal movement the change records, when it moves money (`deltaFen` = delta.balanceFen). */
  movement?: { type: MovementType; deltaFen: number };
}

export const EMPTY_ACCOUNT: AccountFigures = { balanceFen: 0, heldFen: 0, availableFen: 0 };

function assertAmount(amountFen: number): void {
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) throw new RangeError(`An amount is a positive whole number of fen, not ${amountFen}`);
}

/** The effect of one change; throws RangeError for an amount that is not positive integer fen. */
export function effectOf(change: AccountChange): Effect {
  const a = change.amountFen;
  assertAmount(a);
  switch (change.kind) {
    case 'top-up':
      // The balance must stay a safe integer: fen beyond 2^53 would stop being exact.
      return {
        delta: { balanceFen: a, heldFen: 0, availableFen: a },
        atLeast: {},
        atMost: { balanceFen: Number.MAX_SAFE_INTEGER - a },
        movement: { type: 'top-up', deltaFen: a },
      };
    case 'hold': {
      // The guard that keeps one balance from being promised twice (and, D1, the minimum in place).
      const keep = change.keepFen ?? 0;
      if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError(`keepFen is a non-negative whole number of fen, not ${keep}`);
      return { delta: { balanceFen: 0, heldFen: a, availableFen: -a }, atLeast: { availableFen: a + keep }, atMost: {} };
    }
    case 'release':
      return { delta: { balanceFen: 0, heldFen: -a, availableFen: a }, atLeast: { heldFen: a }, atMost: {} };
    case 'settle':
      return {
        delta: { balanceFen: -a, heldFen: -a, availableFen: 0 },
        atLeast: { balanceFen: a, heldFen: a },
        atMost: {},
        movement: { type: change.movement, deltaFen: -a },
      };
    case 'forfeit': {
      // Exactly what was read: a top-up that lands in between makes the penalty read again.
      const released = change.releasedFen ?? 0;
      if (!Number.isSafeInteger(released) || released < 0 || released > a) {
        throw new RangeError(`releasedFen is a whole number of fen within the forfeiture, not ${released}`);
      }
      const available = a - released;
      return {
        delta: { balanceFen: -a, heldFen: -released, availableFen: -available },
        atLeast: { availableFen: available, heldFen: released },
        atMost: { availableFen: available },
        movement: { type: 'forfeiture', deltaFen: -a },
      };
    }
  }
}

/** Whether the account meets the effect's guards — what the store's ConditionExpression decides. */
export function admits(account: AccountFigures, effect: Effect): boolean {
  const figures = Object.keys(account) as Figure[];
  return figures.every(
    (figure) =>
      account[figure] >= (effect.atLeast[figure] ?? Number.NEGATIVE_INFINITY) && account[figure] <= (effect.atMost[figure] ?? Number.POSITIVE_INFINITY),
  );
}

/** The account after the effect (DynamoDB `ADD`); call only when `admits` says so. */
export function applyEffect(account: AccountFigures, effect: Effect): AccountFigures {
  return {
    balanceFen: account.balanceFen + effect.delta.balanceFen,
    heldFen: account.heldFen + effect.delta.heldFen,
    availableFen: account.availableFen + effect.delta.availableFen,
  };
}

/** One disagreement the reconciliation found (`npm run reconcile`). */
export interface Difference {
  merchantId: string;
  kind: string;
  detail: string;
  expected?: number;
  actual?: number;
}

/**
 * The ledger's own arithmetic, checked: the balance is the sum of the journal's movements, the
 * available figure is balance − held, and no figure is negative. Empty on a correct account.
 */
export function ledgerDifferences(merchantId: string, account: AccountFigures, journalDeltas: readonly number[]): Difference[] {
  const differences: Difference[] = [];
  const sum = journalDeltas.reduce((a, b) => a + b, 0);
  if (account.balanceFen !== sum)
    differences.push({
      merchantId,
      kind: 'balance-vs-journal',
      detail: 'the balance is not the sum of the journal',
      expected: sum,
      actual: account.balanceFen,
    });
  if (account.availableFen !== account.balanceFen - account.heldFen) {
    differences.push({
      merchantId,
      kind: 'available-vs-held',
      detail: 'available is not balance − held',
      expected: account.balanceFen - account.heldFen,
      actual: account.availableFen,
    });
  }
  for (const [figure, value] of Object.entries(account)) {
    if (value < 0) differences.push({ merchantId, kind: 'negative-figure', detail: `${figure} is negative`, actual: value });
  }
  return differences;
}
