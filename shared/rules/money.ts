/**
 * Money is integer fen; rates are integer basis points. Every division rounds half up to a
 * whole fen and is done in BigInt so that amounts up to Number.MAX_SAFE_INTEGER stay exact
 * (a float product such as 9007199254740991 × 20 would already lose digits).
 */

export const BPS_PER_UNIT = 10_000;

/** Asserts a non-negative safe integer amount of fen and returns it. */
export function assertFen(value: number, name = 'amountFen'): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer (fen), got ${value}`);
  }
  return value;
}

/** Asserts a rate in whole basis points between 0 and 10000 (100%). */
export function assertRateBps(value: number, name = 'rateBps'): number {
  if (!Number.isInteger(value) || value < 0 || value > BPS_PER_UNIT) {
    throw new RangeError(`${name} must be an integer between 0 and ${BPS_PER_UNIT} bp, got ${value}`);
  }
  return value;
}

/** Asserts a positive safe integer count (quantities, multipliers, divisors). */
export function assertCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive safe integer, got ${value}`);
  }
  return value;
}

/** round_half_up(a × b / d) for non-negative integers, exact. */
export function mulDivHalfUp(a: number, b: number, d: number): number {
  assertFen(a, 'a');
  assertFen(b, 'b');
  assertCount(d, 'divisor');
  const twice = 2n * BigInt(a) * BigInt(b);
  const denominator = 2n * BigInt(d);
  return toSafeNumber((twice + BigInt(d)) / denominator);
}

/** I5: premium = round_half_up(paidFen × rateBps / 10000). */
export function premiumFen(paidFen: number, rateBps: number): number {
  assertRateBps(rateBps);
  return mulDivHalfUp(paidFen, rateBps, BPS_PER_UNIT);
}

/** One unit's paid amount: round_half_up(paidFen / quantity) (C4 live-price). */
export function perUnitFen(paidFen: number, quantity: number): number {
  return mulDivHalfUp(paidFen, 1, quantity);
}

/** fen × factor, refusing a result that would leave the safe-integer range. */
export function multiplyFen(fen: number, factor: number): number {
  assertFen(fen);
  assertFen(factor, 'factor');
  return toSafeNumber(BigInt(fen) * BigInt(factor));
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount ${value} exceeds the safe integer range`);
  }
  return Number(value);
}
