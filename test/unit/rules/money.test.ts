import { describe, expect, it } from 'vitest';
import { assertCount, assertFen, assertRateBps, mulDivHalfUp, multiplyFen, perUnitFen, premiumFen } from '#shared/rules/index.ts';

describe('money (integer fen, half up)', () => {
  it.each([
    // paidFen, rateBps, premium: 2500 × 2 / 10000 = 0.5 → 1; 2499 × 2 / 10000 = 0.4998 → 0
    [2500, 2, 1],
    [2499, 2, 0],
    [9000, 20, 18],
    [12345, 15, 19], // 18.5175 → 19
    [0, 20, 0],
    [1, 10000, 1],
  ])('I5 premium of %i fen at %i bp is %i fen', (paid, rate, premium) => {
    expect(premiumFen(paid, rate)).toBe(premium);
  });

  it('I5 premium stays exact at Number.MAX_SAFE_INTEGER', () => {
    // 9007199254740991 × 20 / 10000 = 18014398509481.982 → 18014398509482
    expect(premiumFen(Number.MAX_SAFE_INTEGER, 20)).toBe(18014398509482);
  });

  it('rounds one unit half up: 10001 fen over 2 units is 5001 fen', () => {
    expect(perUnitFen(10001, 2)).toBe(5001);
    expect(perUnitFen(10000, 3)).toBe(3333);
    expect(perUnitFen(20000, 3)).toBe(6667);
    expect(mulDivHalfUp(7, 3, 2)).toBe(11);
  });

  it('multiplies fen exactly and refuses results beyond the safe range', () => {
    expect(multiplyFen(9000, 4)).toBe(36000);
    expect(() => multiplyFen(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
  });

  it.each([1.5, -1, Number.NaN, 2 ** 53])('refuses %s as an amount of fen', (value) => {
    expect(() => assertFen(value)).toThrow(/non-negative safe integer/);
    expect(() => premiumFen(value, 20)).toThrow(RangeError);
  });

  it.each([1.5, -1, 10001])('refuses %s as a rate', (rate) => {
    expect(() => assertRateBps(rate)).toThrow(/between 0 and 10000/);
  });

  it.each([0, -2, 1.5])('refuses %s as a count', (count) => {
    expect(() => assertCount(count, 'quantity')).toThrow(/quantity must be a positive safe integer/);
    expect(() => perUnitFen(100, count)).toThrow(RangeError);
  });

  it('returns valid inputs unchanged', () => {
    expect(assertFen(0)).toBe(0);
    expect(assertRateBps(20)).toBe(20);
    expect(assertCount(3, 'n')).toBe(3);
  });
});
