/**
 * The Alipay adapter's configuration (./alipay.ts): its shape, the bounds a call's duration is
 * sized by (the payout lease is checked against them), and the checks run when it is read.
 */
import * as z from 'zod/mini';

/** The SDK's own default per-call timeout, and the most a configuration may set (capped at load). */
export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_TIMEOUT_MS = 10_000;
/**
 * The longest one call through the SDK can last for a timeout `t`: urllib waits up to `t` for the
 * answer's headers and up to `t` more for its body, and resends once on a socket error — 4t.
 */
export const maxCallMsFor = (timeoutMs: number) => 4 * timeoutMs;
/** The bound for any configuration (the timeout capped): what the payout lease is checked against. */
export const ALIPAY_MAX_CALL_MS = maxCallMsFor(MAX_TIMEOUT_MS);
/** Read the configuration (the secret) again when the copy in memory is older (default 10 min). */
export const DEFAULT_REFRESH_MS = 10 * 60_000;
/** A signature failure makes the adapter re-read its configuration, at most this often. */
export const MIN_RELOAD_MS = 60_000;

const Pem = z.string().check(z.minLength(1));

/**
 * What the adapter needs; in AWS the JSON of the payment secret, locally `ALIPAY_CONFIG`.
 * Certificate mode: `appCert`, `alipayPublicCert`, `alipayRootCert` (PEM contents, as downloaded
 * from the Alipay open platform). Public-key mode (sandbox): `alipayPublicKey` instead.
 */
export const AlipayConfigSchema = z.object({
  appId: z.string().check(z.minLength(1)),
  /** The app's private key (PEM, or the bare base64 body the Alipay key tool prints). */
  privateKey: z.string().check(z.minLength(1)),
  keyType: z.optional(z.enum(['PKCS1', 'PKCS8'])),
  /** appCertPublicKey_<appId>.crt */
  appCert: z.optional(Pem),
  /** alipayCertPublicKey_RSA2.crt */
  alipayPublicCert: z.optional(Pem),
  /** alipayRootCert.crt */
  alipayRootCert: z.optional(Pem),
  /** Public-key mode only (the sandbox): Alipay's public key. */
  alipayPublicKey: z.optional(z.string().check(z.minLength(1))),
  /** The OpenAPI endpoint; Alipay's production endpoint unless given (sandbox, a stand-in in tests). */
  endpoint: z.optional(z.url()),
  /** How long one call may take before its outcome counts as unknown; capped at MAX_TIMEOUT_MS. */
  timeoutMs: z.optional(z.int().check(z.positive())),
  /** Where Alipay posts collection notifications (…/v1/payments/alipay/notifications). */
  notifyUrl: z.optional(z.url()),
});
export type AlipayConfig = z.infer<typeof AlipayConfigSchema>;

/**
 * What is wrong with a configuration beyond its shape (field names only, never values): the three
 * certificates come together, or else the public key is given.
 */
export function alipayConfigProblems(config: AlipayConfig): string[] {
  const certs = { appCert: config.appCert, alipayPublicCert: config.alipayPublicCert, alipayRootCert: config.alipayRootCert };
  const given = Object.entries(certs).filter(([, value]) => value);
  if (given.length === 3) return [];
  if (given.length > 0)
    return Object.entries(certs)
      .filter(([, value]) => !value)
      .map(([name]) => name);
  return config.alipayPublicKey ? [] : ['alipayPublicKey (or appCert, alipayPublicCert, alipayRootCert)'];
}

/** The configuration with its timeout capped (the lease is sized against the cap). */
export function capped(config: AlipayConfig): AlipayConfig & { timeoutMs: number } {
  return { ...config, timeoutMs: Math.min(config.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS) };
}

export const isCertificateMode = (config: AlipayConfig) => Boolean(config.appCert);
