/**
 * CORS, one definition for both places that answer browsers: API Gateway's `corsPreflight`
 * (CDK context `corsOrigins`) and the local runtime (`CORS_ORIGINS`). No origin is allowed unless
 * configured: the API's clients are servers and apps, a browser front end is opted into.
 */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key'] as const;
export const CORS_EXPOSE_HEADERS = ['idempotent-replayed', 'www-authenticate', 'allow'] as const;
export const CORS_MAX_AGE_SECONDS = 600;

/** `https://a.example, https://b.example` or `*` → the list; empty or absent → none. */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** The CORS headers of a response to `origin`, or none when that origin is not allowed. */
export function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (!origin || allowed.length === 0) return {};
  const any = allowed.includes('*');
  if (!any && !allowed.includes(origin)) return {};
  return {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(', '),
    ...(any ? {} : { vary: 'Origin' }),
  };
}

/** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) for a known path. */
export function preflightHeaders(allowed: readonly string[], origin: string | undefined, methods: readonly string[]): Record<string, string> {
  const base = corsHeaders(allowed, origin);
  if (!base['access-control-allow-origin']) return {};
  return {
    ...base,
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
    'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
  };
}
