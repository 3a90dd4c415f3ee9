import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SECRET } from '#shared/local/tokens.ts';
import { useApi } from './support/api.ts';

/**
 * README "Calling the API": a token minted exactly as the README says is accepted, and each kind
 * of bad token gets a 401 whose `WWW-Authenticate` and `detail` name its fault.
 */
const api = useApi();
const secret = new TextEncoder().encode(DEFAULT_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** The raw claims of the README: HS256 with JWT_SECRET; sub, role, iss, aud, exp. */
function mint(claims: Record<string, unknown>, key = secret, alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}
const readmeClaims = () => ({ sub: 'shop-9001', role: 'merchant', iss: 'baozhang-local', aud: 'baozhang-api', exp: now() + 3600 });

const plans = (token?: string, header = token === undefined ? undefined : `Bearer ${token}`) =>
  fetch(`${api.base}/v1/plans`, { headers: header === undefined ? {} : { authorization: header } }).then(async (res) => ({
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    body: (await res.json()) as { code: string; detail: string },
  }));

describe('local tokens, minted as the README says', () => {
  it('`npm run token -- merchant shop-9001` prints a token the API accepts', async () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', 'merchant', 'shop-9001'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await plans(token)).status).toBe(200);
  });

  it('a token with exactly the raw claims of the README is accepted', async () => {
    expect((await plans(await mint(readmeClaims()))).status).toBe(200);
  });

  it.each([
    ['no token', undefined, 'Bearer realm="baozhang"', /No bearer token/],
    ['another scheme', 'Basic dXNlcjpwdw==', /error="invalid_token"/, /must be: Bearer <JWT>/],
    ['a malformed token', 'Bearer not-a-jwt', /error="invalid_token"/, /not a well-formed signed JWT/],
  ])('401 for %s, saying so', async (_case, header, challenge, detail) => {
    const res = await plans(undefined, header);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    expect(res.challenge).toMatch(challenge);
    expect(res.body.detail).toMatch(detail);
  });

  it.each([
    ['a bad signature', () => mint(readmeClaims(), new TextEncoder().encode('another-secret')), /signature does not verify/],
    ['an expired token', () => mint({ ...readmeClaims(), exp: now() - 60 }), /expired at/],
    ['the wrong issuer', () => mint({ ...readmeClaims(), iss: 'someone-else' }), /issuer \(iss\) must be 'baozhang-local'/],
    ['no issuer', () => mint({ ...readmeClaims(), iss: undefined }), /issuer \(iss\) must be 'baozhang-local'/],
    ['the wrong audience', () => mint({ ...readmeClaims(), aud: 'other-api' }), /audience \(aud\) must be 'baozhang-api'/],
    ['no role', () => mint({ ...readmeClaims(), role: undefined }), /no known role: 'role' must be one of merchant, buyer, adjuster, ops, service/],
    ['an unknown role', () => mint({ ...readmeClaims(), role: 'admin' }), /\(it is 'admin'\)/],
    ['no subject', () => mint({ ...readmeClaims(), sub: undefined }), /no subject \(sub\)/],
  ])('401 for %s names the fault in WWW-Authenticate and detail', async (_case, token, fault) => {
    const res = await plans(await token());
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    expect(res.body.detail).toMatch(fault);
    expect(res.challenge).toMatch(/^Bearer realm="baozhang", error="invalid_token", error_description="[^"]+"$/);
    expect(res.challenge).toContain(res.body.detail.replace(/"/g, "'"));
  });
});
