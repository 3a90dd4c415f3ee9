import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '#shared/rules/types.ts';

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

/** A token's check: its claims, or what is wrong with it in words a caller can act on. */
export type TokenCheck = { ok: true; claims: VerifiedClaims } | { ok: false; fault: string };

/** jose's error codes → what was wrong, for the 401's `detail` and `WWW-Authenticate`. */
function faultOf(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return `The token expired at ${new Date(Number(error.payload.exp) * 1000).toISOString()}; mint a new one.`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return `The token's issuer (iss) must be '${LOCAL_ISSUER}'.`;
    if (error.claim === 'aud') return `The token's audience (aud) must be '${LOCAL_AUDIENCE}'.`;
    if (error.claim === 'sub') return "The token carries no subject (sub): the caller's merchant, buyer or staff id.";
    if (error.reason === 'missing') return `The token has no '${error.claim}' claim; it is required${error.claim === 'exp' ? ' (an expiry)' : ''}.`;
    return `The token's '${error.claim}' claim is not valid: ${error.reason}.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return "The token's signature does not verify: it was not signed with this service's JWT_SECRET.";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token must be signed with HS256.';
  return 'The bearer token is not a well-formed signed JWT (header.payload.signature).';
}

/**
 * Verifies an HS256 token and returns its claims the way API Gateway hands them to the Lambda
 * (`requestContext.authorizer.jwt.claims`): every value a string — or the fault, in words.
 */
export async function checkToken(secret: string, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      // API Gateway's authorizer refuses a token without an expiry; so does the local one.
      requiredClaims: ['exp', 'sub'],
    });
    // A number or an array is not an id: refused here, never stringified into one.
    if (typeof payload.sub !== 'string' || payload.sub === '')
      return { ok: false, fault: "The token's subject (sub) must be a non-empty string: the caller's merchant, buyer or staff id." };
    return {
      ok: true,
      claims: Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])),
    };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return { ok: false, fault: faultOf(error) };
    throw error;
  }
}

/** The claims of a valid token; undefined when it is not valid (see `checkToken` for why). */
export async function verifyToken(secret: string, token: string): Promise<VerifiedClaims | undefined> {
  const check = await checkToken(secret, token);
  return check.ok ? check.claims : undefined;
}

/** The demo parties whose tokens `npm start` prints. */
export const DEMO_PARTIES: readonly { label: string; sub: string; role: Role }[] = [
  { label: 'merchant', sub: 'shop-9001', role: 'merchant' },
  { label: 'buyer', sub: 'buyer-417', role: 'buyer' },
  { label: 'adjuster', sub: 'adjuster-1', role: 'adjuster' },
  { label: 'ops', sub: 'ops-1', role: 'ops' },
  { label: 'service', sub: 'order-system', role: 'service' },
];
