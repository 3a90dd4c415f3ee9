import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '#shared/http/auth.ts';

/**
 * Local stand-in for the API Gateway JWT authorizer: HS256 tokens signed with `JWT_SECRET`.
 * In AWS the authorizer verifies issuer, audience, expiry and signature before the Lambda runs.
 */
export const DEFAULT_JWT_SECRET = 'baozhang-local-dev-secret';
export const LOCAL_ISSUER = 'baozhang-local';
export const LOCAL_AUDIENCE = 'baozhang-api';

const encoder = new TextEncoder();

export async function signToken(
  secret: string,
  claims: { sub: string; role: Role },
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer ?? LOCAL_ISSUER)
    .setAudience(options.audience ?? LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(encoder.encode(secret));
}

export type VerifiedClaims = Record<string, string>;

/**
 * Verifies an HS256 token and returns its claims the way API Gateway hands them to the Lambda
 * (`requestContext.authorizer.jwt.claims`): every value a string. Returns undefined when invalid.
 */
export async function verifyToken(secret: string, token: string): Promise<VerifiedClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      // API Gateway's authorizer refuses a token without an expiry; so does the local one.
      requiredClaims: ['exp', 'sub'],
    });
    // A number or an array is not an id: refused here, never stringified into one.
    if (typeof payload.sub !== 'string' || payload.sub === '') return undefined;
    return Object.fromEntries(
      Object.entries(payload).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}

/** The demo parties whose tokens `npm start` prints. */
export const DEMO_PARTIES: readonly { label: string; sub: string; role: Role }[] = [
  { label: 'merchant', sub: 'shop-9001', role: 'merchant' },
  { label: 'buyer', sub: 'buyer-417', role: 'buyer' },
  { label: 'adjuster', sub: 'adjuster-1', role: 'adjuster' },
  { label: 'ops', sub: 'ops-1', role: 'ops' },
  { label: 'service', sub: 'order-system', role: 'service' },
];
