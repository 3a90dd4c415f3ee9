import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SECRET, signToken, verifyToken } from '#shared/local/tokens.ts';

describe('local HS256 tokens (stand-in for the API Gateway JWT authorizer)', () => {
  it('verifies a token it signed and returns string claims like API Gateway', async () => {
    const token = await signToken(DEFAULT_JWT_SECRET, { sub: 'shop-9001', role: 'merchant' });
    const claims = await verifyToken(DEFAULT_JWT_SECRET, token);
    expect(claims).toMatchObject({ sub: 'shop-9001', role: 'merchant', iss: 'baozhang-local', aud: 'baozhang-api' });
    expect(Object.values(claims!).every((v) => typeof v === 'string')).toBe(true);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signToken('another-secret', { sub: 'shop-9001', role: 'merchant' });
    expect(await verifyToken(DEFAULT_JWT_SECRET, token)).toBeUndefined();
  });

  it('refuses a token without exp, and a sub that is not a non-empty string (never stringified)', async () => {
    const sign = (claims: Record<string, unknown>, exp = true) => {
      const jwt = new SignJWT({ role: 'ops', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('baozhang-local').setAudience('baozhang-api');
      return (exp ? jwt.setExpirationTime('1h') : jwt).sign(new TextEncoder().encode(DEFAULT_JWT_SECRET));
    };
    expect(await verifyToken(DEFAULT_JWT_SECRET, await sign({ sub: 'ops-1' }, false))).toBeUndefined();
    for (const sub of [9001, ['ops-1'], '', { id: 'x' }]) {
      expect(await verifyToken(DEFAULT_JWT_SECRET, await sign({ sub })), JSON.stringify(sub)).toBeUndefined();
    }
    expect(await verifyToken(DEFAULT_JWT_SECRET, await sign({ sub: 'ops-1' }))).toMatchObject({ sub: 'ops-1' });
  });

  it('refuses an expired token', async () => {
    const token = await signToken(DEFAULT_JWT_SECRET, { sub: 'b', role: 'buyer' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect(await verifyToken(DEFAULT_JWT_SECRET, token)).toBeUndefined();
  });

  it('refuses a wrong audience and an unsigned (alg none) token', async () => {
    const wrongAudience = await signToken(DEFAULT_JWT_SECRET, { sub: 'b', role: 'buyer' }, { audience: 'other' });
    expect(await verifyToken(DEFAULT_JWT_SECRET, wrongAudience)).toBeUndefined();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'x', role: 'ops' })).toString('base64url');
    expect(await verifyToken(DEFAULT_JWT_SECRET, `${header}.${payload}.`)).toBeUndefined();
    expect(await verifyToken(DEFAULT_JWT_SECRET, 'garbage')).toBeUndefined();
  });

  it('refuses a token signed with another algorithm', async () => {
    const hs512 = await new SignJWT({ role: 'ops' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('x')
      .setIssuer('baozhang-local')
      .setAudience('baozhang-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(DEFAULT_JWT_SECRET.padEnd(64, '!')));
    expect(await verifyToken(DEFAULT_JWT_SECRET.padEnd(64, '!'), hs512)).toBeUndefined();
  });
});
