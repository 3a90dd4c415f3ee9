/**
 * Structured logs through Powertools Logger (`@aws-lambda-powertools/logger`): one JSON object per
 * line with level, message, timestamp, service, the Lambda context (function name, request id,
 * cold start — added by `injectLambdaContext` in the handler wrappers), `xray_trace_id`, the
 * `correlationId` of the request, event or job run (shared/correlation.ts) and the fields given.
 * The level comes from LOG_LEVEL (DEBUG, INFO, WARN, ERROR or SILENT; INFO by default); tests run SILENT.
 *
 * Powertools rather than an in-house writer (docs/performance.md "Logger and tracer" has the
 * cold-start numbers): it adds the Lambda context and trace id, and serialises circular values,
 * BigInt and errors (with their cause) without throwing. The call sites keep this module's small
 * API — `logger.info(message, fields | error)`.
 *
 * Masking: Alipay identities and accounts, the names that go with them, and tokens, keys and
 * secrets are masked by key wherever they appear in the fields (see `maskedValue`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { correlationId } from './correlation.ts';

/** Keys whose value is never logged at all. */
const SECRET_KEYS = /^(authorization|token|accessToken|idToken|refreshToken|privateKey|secret|password|appCert|cursorKeys|signature|sign)$/i;
/** Keys whose value identifies a payee: kept recognisable (first and last characters), never whole. */
const ACCOUNT_KEYS = /^(alipayAccount|identity|payeeAccount|buyerAlipayAccount|realName|payeeName|holderName|buyerName)$/i;

/** A text with only its first and last characters shown: `2088********5135`, `张*`. */
export function maskText(text: string): string {
  const chars = [...text];
  if (chars.length <= 2) return `${chars[0] ?? ''}*`;
  const keep = Math.max(1, Math.min(4, Math.floor(chars.length / 4)));
  return `${chars.slice(0, keep).join('')}${'*'.repeat(chars.length - 2 * keep)}${chars.slice(-keep).join('')}`;
}

/**
 * The JSON replacer Powertools calls for every key before its own (errors, BigInt, circular
 * references): secrets become `[REDACTED]`, payee identities and names are masked. A bare `name` is
 * masked only beside an `identity`, `identityType` or `alipayAccount` (a payee, a merchant profile):
 * an error's `name` stays readable.
 */
export function maskedValue(key: string, value: unknown): unknown {
  if (key === '' || value === undefined || value === null) return value;
  if (SECRET_KEYS.test(key)) return '[REDACTED]';
  if (typeof value === 'string') return ACCOUNT_KEYS.test(key) ? maskText(value) : value;
  if (typeof value === 'object' && !Array.isArray(value) && ('identity' in value || 'alipayAccount' in value)) {
    const { name } = value as { name?: unknown };
    if (typeof name === 'string') return { ...value, name: maskText(name) };
  }
  return value;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** The Powertools Logger behind `logger`; the handler wrappers pass it to `injectLambdaContext`. */
export function createPowertoolsLogger(logLevel?: string): Logger {
  const level = (logLevel ?? process.env['LOG_LEVEL'] ?? 'INFO').toUpperCase();
  return new Logger({
    serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? 'baozhang',
    logLevel: (['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'].includes(level) ? level : 'INFO') as 'INFO',
    jsonReplacerFn: maskedValue,
  });
}

/** The small API the service logs through: a message, and fields or an Error. */
export class ServiceLogger {
  constructor(readonly powertools: Logger) {}

  private log(level: Level, message: string, detail?: unknown): void {
    const id = correlationId();
    const extra: LogAttributes[] = [];
    if (detail instanceof Error) extra.push({ error: detail });
    else if (detail !== undefined && detail !== null && typeof detail === 'object') extra.push(detail as LogAttributes);
    else if (detail !== undefined) extra.push({ detail });
    if (id) extra.push({ correlationId: id });
    this.powertools[level](message, ...extra);
  }

  debug(message: string, detail?: unknown) {
    this.log('debug', message, detail);
  }
  info(message: string, detail?: unknown) {
    this.log('info', message, detail);
  }
  warn(message: string, detail?: unknown) {
    this.log('warn', message, detail);
  }
  error(message: string, detail?: unknown) {
    this.log('error', message, detail);
  }
}

export const logger = new ServiceLogger(createPowertoolsLogger());
