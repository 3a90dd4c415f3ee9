/**
 * Tamper-proof list cursors (api.md "Conventions"; docs/security.md). The store's cursor (its
 * LastEvaluatedKey, encoded) travels inside an HMAC-SHA256 envelope bound to the caller (role and
 * id of the verified token) and the query (route, path parameters, filters; not `limit`):
 *
 *   v1.<store cursor>.<base64url HMAC(key, "v1" | binding | store cursor)>
 *
 * Any change — a forged or altered cursor, another caller's, another list's or another filter's —
 * is `400 INVALID_CURSOR`, and the store never sees it. Keys rotate without breaking cursors in
 * flight: `CURSOR_KEYS` (or the Secrets Manager secret `CURSOR_KEYS_SECRET_ARN`) is a list,
 * comma- or newline-separated; the first signs, any verifies. Outside Lambda (npm start, tests) a
 * fixed local key is used when neither is set; in Lambda a missing key fails the request loudly.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { optionalEnv } from '#shared/config.ts';
import { HttpProblem } from './problem.ts';

export const LOCAL_CURSOR_KEY = 'baozhang-local-cursor-key-not-for-aws';
const VERSION = 'v1';
const MIN_KEY_LENGTH = 16;

export function invalidCursor(): HttpProblem {
  return new HttpProblem(
    400,
    'INVALID_CURSOR',
    'Invalid cursor',
    'This cursor was not issued for this list, these filters and this caller; request the first page again without it.',
  );
}

/** The keys in a configured list: first signs, all verify. */
export function parseCursorKeys(text: string): string[] {
  const listed = text
    .split(/[\n,]/)
    .map((key) => key.trim())
    .filter(Boolean);
  if (listed.length === 0 || listed.some((key) => key.length < MIN_KEY_LENGTH)) {
    throw new Error(`CURSOR_KEYS must list keys of at least ${MIN_KEY_LENGTH} characters`);
  }
  return listed;
}

let loaded: Promise<string[]> | undefined;

async function loadKeys(): Promise<string[]> {
  const inline = optionalEnv('CURSOR_KEYS');
  if (inline) return parseCursorKeys(inline);
  const secretArn = optionalEnv('CURSOR_KEYS_SECRET_ARN');
  if (secretArn) {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
    return parseCursorKeys(secret.SecretString ?? '');
  }
  if (optionalEnv('AWS_LAMBDA_FUNCTION_NAME')) throw new Error('Set CURSOR_KEYS or CURSOR_KEYS_SECRET_ARN: list cursors need a signing key');
  return [LOCAL_CURSOR_KEY];
}

/** Read once per container (a failed load is retried on the next request). */
function cursorKeys(): Promise<string[]> {
  loaded ??= loadKeys().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

/** For tests: forget the loaded keys, so a changed CURSOR_KEYS is read again. */
export function resetCursorKeys(): void {
  loaded = undefined;
}

/** Object keys sorted at every depth: the same query is the same binding whatever the order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

/** What a cursor is bound to: the caller, the route, its path parameters and its filters (not cursor or limit). */
export function cursorBinding(
  caller: { role: string; id: string } | undefined,
  route: string,
  params: unknown,
  query: Record<string, unknown> | undefined,
): string {
  const { cursor: _cursor, limit: _limit, ...filters } = query ?? {};
  return JSON.stringify(canonical({ caller: caller ? `${caller.role}:${caller.id}` : null, route, params: params ?? {}, filters }));
}

const mac = (key: string, binding: string, inner: string) => createHmac('sha256', key).update(`${VERSION}\u0000${binding}\u0000${inner}`).digest();

/** Wraps the store's cursor for this caller and query. */
export async function sealCursor(inner: string, binding: string): Promise<string> {
  const [signing] = await cursorKeys();
  return `${VERSION}.${inner}.${mac(signing!, binding, inner).toString('base64url')}`;
}

/** The store's cursor inside a sealed one, or 400 INVALID_CURSOR. */
export async function openCursor(sealed: string, binding: string): Promise<string> {
  const match = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(sealed);
  if (!match) throw invalidCursor();
  const [, inner, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  for (const key of await cursorKeys()) {
    const expected = mac(key, binding, inner);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return inner;
  }
  throw invalidCursor();
}
