import { readDuration } from './duration.ts';

/**
 * Configuration read from the environment at module scope, failing fast (style principle 8):
 * a handler whose variable is missing refuses to start instead of failing on a later request.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string, fallback: string): string;
export function optionalEnv(name: string): string | undefined;
export function optionalEnv(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A whole number ≥ 1 (a count, a concurrency), `fallback` when unset. */
export function countEnv(name: string, fallback: number): number {
  const value = Number(optionalEnv(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a whole number ≥ 1`);
  return value;
}

/** A duration setting (`30s`, `1m`, `1h`; a bare number is milliseconds) in milliseconds, `fallback` when unset. */
export function durationEnv(name: string, fallback: string): number {
  const text = optionalEnv(name, fallback);
  const duration = readDuration(text);
  if (!duration) throw new ConfigurationError(`${name} must be a duration such as 30s, 1m or 1h, not '${text.trim().toLowerCase()}'`);
  return duration.ms;
}

/**
 * The service's settings, typed: every environment variable the runtime reads, checked together.
 * `readSettings` validates them all and fails with every problem listed (not the first one), so an
 * operator fixes a deployment in one pass. Modules read their settings from here.
 */
export interface Settings {
  /** `TABLE_NAME`: the one table (required by every handler that uses the store). */
  tableName: string | undefined;
  /** `DYNAMODB_ENDPOINT`: DynamoDB Local (npm start, tests); unset in AWS. */
  dynamodbEndpoint: string | undefined;
  /** `AWS_REGION` (default `local`, what DynamoDB Local is told). */
  awsRegion: string;
  /** `RULES_CONFIG`: the operator's rules overrides, raw JSON (shared/rules-config.ts). */
  rulesConfig: string | undefined;
  /** `PAYMENT_PROVIDER`: `local` (default) or `alipay`. */
  paymentProvider: 'local' | 'alipay';
  /** `PAYMENT_NOTIFY_BASE_URL`: the API's public URL the provider notifies (http or https). */
  paymentNotifyBaseUrl: string | undefined;
  /** `EXPIRY_CONCURRENCY` (default 8): items the expiry job writes at once. */
  expiryConcurrency: number;
  /** `PAYOUT_CONCURRENCY` (default 32): payouts a run handles at once. */
  payoutConcurrency: number;
  /** The payout job's retry policy (P3) and lease. */
  payout: {
    /** `PAYOUT_RETRY_BASE` (1m) */ retryBaseMs: number;
    /** `PAYOUT_MAX_BACKOFF` (1h) */ maxBackoffMs: number;
    /** `PAYOUT_MAX_ATTEMPTS` (5) */ maxAttempts: number;
    /** `PAYOUT_LEASE` (2m) */ leaseMs: number;
    /** `PAYOUT_OVERDUE_RECHECK` (4m) */ overdueRecheckMs: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

export function readSettings(env: Env = process.env): Settings {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const count = (name: string, fallback: number): number => {
    const value = Number(text(name) ?? String(fallback));
    if (Number.isSafeInteger(value) && value >= 1) return value;
    problems.push(`${name} must be a whole number ≥ 1`);
    return fallback;
  };
  const duration = (name: string, fallback: string): number => {
    const value = text(name) ?? fallback;
    const parsed = readDuration(value);
    if (parsed) return parsed.ms;
    problems.push(`${name} must be a duration such as 30s, 1m or 1h, not '${value.trim().toLowerCase()}'`);
    return readDuration(fallback)!.ms;
  };
  const provider = text('PAYMENT_PROVIDER') ?? 'local';
  if (provider !== 'local' && provider !== 'alipay') problems.push(`PAYMENT_PROVIDER must be 'local' or 'alipay', not '${provider}'`);
  const notifyBase = text('PAYMENT_NOTIFY_BASE_URL');
  if (notifyBase !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(notifyBase)) {
    problems.push(`PAYMENT_NOTIFY_BASE_URL must be an http(s) URL, not '${notifyBase}'`);
  }
  const settings: Settings = {
    tableName: text('TABLE_NAME'),
    dynamodbEndpoint: text('DYNAMODB_ENDPOINT'),
    awsRegion: text('AWS_REGION') ?? 'local',
    rulesConfig: text('RULES_CONFIG'),
    paymentProvider: provider === 'alipay' ? 'alipay' : 'local',
    paymentNotifyBaseUrl: notifyBase,
    expiryConcurrency: count('EXPIRY_CONCURRENCY', 8),
    payoutConcurrency: count('PAYOUT_CONCURRENCY', 32),
    payout: {
      retryBaseMs: duration('PAYOUT_RETRY_BASE', '1m'),
      maxBackoffMs: duration('PAYOUT_MAX_BACKOFF', '1h'),
      maxAttempts: count('PAYOUT_MAX_ATTEMPTS', 5),
      leaseMs: duration('PAYOUT_LEASE', '2m'),
      overdueRecheckMs: duration('PAYOUT_OVERDUE_RECHECK', '4m'),
    },
  };
  if (problems.length > 0) {
    throw new ConfigurationError(`The configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return settings;
}

/** The settings as the environment states them now (read on each call: cheap, and tests may change the environment). */
export function settings(): Settings {
  return readSettings(process.env);
}
