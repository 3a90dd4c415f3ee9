import { afterEach, describe, expect, it, vi } from 'vitest';
import { cursorBinding, openCursor, parseCursorKeys, resetCursorKeys, sealCursor } from '#shared/http/cursor.ts';
import { HttpProblem } from '#shared/http/problem.ts';
import { decodeCursor, encodeCursor } from '#shared/store/pagination.ts';

/** Signed cursors (finding 4 of #18): sealing, binding, rotation, and the store's own check. */
afterEach(() => {
  vi.unstubAllEnvs();
  resetCursorKeys();
});

const merchant = { role: 'merchant', id: 'shop-1' };
const binding = cursorBinding(merchant, 'GET /v1/claims', {}, { status: 'PAID', limit: 10, cursor: 'x' });
const inner = encodeCursor({ PK: 'CLAIM#c1', SK: 'CLAIM', GSI2PK: 'MERCHANT#shop-1#CLAIMS', GSI2SK: '2026#c1' })!;
const refused = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpProblem);
  expect(error).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
};

describe('sealed cursors', () => {
  it('open what they sealed, for the same binding; limit and key order do not matter', async () => {
    const sealed = await sealCursor(inner, binding);
    expect(sealed).toMatch(/^v1\./);
    const same = cursorBinding(merchant, 'GET /v1/claims', {}, { limit: 50, status: 'PAID' });
    expect(await openCursor(sealed, same)).toBe(inner);
  });

  it('refuse another caller, route, path parameter or filter, an altered or truncated cursor', async () => {
    const sealed = await sealCursor(inner, binding);
    for (const other of [
      cursorBinding({ role: 'merchant', id: 'shop-2' }, 'GET /v1/claims', {}, { status: 'PAID' }),
      cursorBinding({ role: 'ops', id: 'shop-1' }, 'GET /v1/claims', {}, { status: 'PAID' }),
      cursorBinding(merchant, 'GET /v1/payouts', {}, { status: 'PAID' }),
      cursorBinding(merchant, 'GET /v1/claims', { merchantId: 'x' }, { status: 'PAID' }),
      cursorBinding(merchant, 'GET /v1/claims', {}, {}),
    ]) {
      await refused(openCursor(sealed, other));
    }
    await refused(openCursor(sealed.replace('v1.', 'v1.A'), binding));
    await refused(openCursor(sealed.slice(0, -1), binding));
    await refused(openCursor(inner, binding));
    await refused(openCursor('', binding));
  });

  it('rotate: the first key signs, every listed key verifies; a key dropped from the list no longer does', async () => {
    vi.stubEnv('CURSOR_KEYS', 'old-key-0123456789abcdef');
    const old = await sealCursor(inner, binding);
    resetCursorKeys();
    vi.stubEnv('CURSOR_KEYS', 'new-key-0123456789abcdef,\nold-key-0123456789abcdef');
    expect(await openCursor(old, binding)).toBe(inner);
    const fresh = await sealCursor(inner, binding);
    expect(fresh).not.toBe(old);
    resetCursorKeys();
    vi.stubEnv('CURSOR_KEYS', 'new-key-0123456789abcdef');
    expect(await openCursor(fresh, binding)).toBe(inner);
    await refused(openCursor(old, binding));
  });

  it('in Lambda without a configured key, fail loudly rather than sign with the local one', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'baozhang-prod-list-claims');
    await expect(sealCursor(inner, binding)).rejects.toThrow(/CURSOR_KEYS/);
    expect(() => parseCursorKeys('short')).toThrow();
    expect(() => parseCursorKeys(' , ')).toThrow();
  });
});

describe('the store cursor inside (defence in depth)', () => {
  const expected = { attribute: 'GSI2PK', value: 'MERCHANT#shop-1#CLAIMS' };
  const encode = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  it('accepts exactly the table and index key attributes of its own partition', () => {
    expect(decodeCursor(inner, expected)).toMatchObject({ GSI2PK: expected.value });
    expect(decodeCursor(encode({ PK: 'DEPOSIT#s', SK: 'MOVEMENT#1' }), { attribute: 'PK', value: 'DEPOSIT#s' })).toBeDefined();
  });
  it('refuses extra or missing attributes, non-string values and another partition as 400 INVALID_CURSOR', () => {
    const base = { PK: 'CLAIM#c1', SK: 'CLAIM', GSI2PK: expected.value, GSI2SK: '2026#c1' };
    for (const key of [
      { ...base, extra: 'x' },
      { GSI2PK: expected.value },
      { ...base, GSI2SK: 1 },
      { ...base, GSI2PK: 'MERCHANT#shop-2#CLAIMS' },
      [base],
      null,
    ]) {
      expect(() => decodeCursor(encode(key), expected), JSON.stringify(key)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    }
    expect(() => decodeCursor('%%%', expected)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
  });
});
