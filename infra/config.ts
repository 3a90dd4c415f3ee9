import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseCorsOrigins } from '#shared/http/cors.ts';
import { makeRulesConfig } from '#shared/rules/config.ts';
import { readDuration } from '#shared/duration.ts';
import type { JobName } from '#shared/jobs/scheduled-event.ts';
import type { JobSpec } from '#functions/jobs.ts';

export type PaymentProvider = 'local' | 'alipay';

/** A job's schedule: how often it fires, and whether it is enabled (`off` pauses it, e.g. payouts). */
export interface ScheduleSetting {
  rate: Duration;
  enabled: boolean;
}

/**
 * Deployment settings, from CDK context (`-c key=value` or cdk.json) with environment fallbacks.
 * The README's "Deploying" section lists every key; keep the two in step.
 */
export interface DeployConfig {
  stage: string;
  /**
   * Issuer and audience for the API Gateway JWT authorizer. Both or neither: without them the
   * stateful stack creates a Cognito user pool and the authorizer trusts that instead.
   */
  jwt?: { issuer: string; audience: string };
  /** `local` pays nobody (dev and test stages); `alipay` needs the provider's secret. */
  paymentProvider: PaymentProvider;
  /** Full ARN of the Secrets Manager secret holding the provider's credentials (alipay only). */
  paymentSecretArn?: string;
  /** Per scheduled job; the rate defaults to the job's `every` in functions/jobs.ts. */
  schedules: ReadonlyMap<JobName, ScheduleSetting>;
  /** Steady-state requests per second and burst for the whole HTTP API stage. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Where alarm notifications go; without it the topic exists and operators subscribe later. */
  alarmEmail?: string;
  /** Browser origins API Gateway answers CORS for (`*` for any); none by default. */
  corsOrigins: string[];
  /**
   * The only producer of inbound events (api.md "Events in"): its account (default: this stack's
   * own), optionally the one role in it that may put them, and the `source` it sets. The inbound
   * bus's resource policy and rule admit nothing else (docs/security.md).
   */
  orderSystem: { account?: string; roleArn?: string; source: string };
  /**
   * Runtime settings handed to the functions as the environment variables they already read
   * (names unchanged): `RULES_CONFIG` to every function, `PAYOUT_*` to the payout job,
   * `EXPIRY_CONCURRENCY` to the expiry job. Only the ones configured are set; the code's defaults
   * apply to the rest. Each is checked here, at synth, the way the function would check it at start.
   */
  runtime: RuntimeSettings;
  /**
   * Full ARN of a Secrets Manager secret holding the list-cursor signing keys, when the operator
   * manages it; without it the stateful stack's own generated secret is used. Never a literal key.
   */
  cursorKeysSecretArn?: string;
  /** Days CloudWatch keeps the functions' logs (a value CloudWatch offers); 30 by default. */
  logRetentionDays: number;
  /** LOG_LEVEL and Lambda's application log level: DEBUG, INFO (default), WARN or ERROR. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Alarm thresholds (infra/monitoring.ts): API 5xx share and p99 latency, each held for `alarmMinutes`. */
  alarms: { api5xxPercent: number; apiP99Ms: number; minutes: number };
}

export interface RuntimeSettings {
  rulesConfig?: string;
  payout: Partial<Record<PayoutSetting, string>>;
  expiryConcurrency?: string;
}

/** Context key → the payout job's environment variable (shared/use-cases/payouts.ts reads them). */
export const PAYOUT_SETTINGS = {
  payoutConcurrency: 'PAYOUT_CONCURRENCY',
  payoutMaxAttempts: 'PAYOUT_MAX_ATTEMPTS',
  payoutRetryBase: 'PAYOUT_RETRY_BASE',
  payoutMaxBackoff: 'PAYOUT_MAX_BACKOFF',
  payoutLease: 'PAYOUT_LEASE',
  payoutOverdueRecheck: 'PAYOUT_OVERDUE_RECHECK',
} as const;
export type PayoutSetting = (typeof PAYOUT_SETTINGS)[keyof typeof PAYOUT_SETTINGS];
const COUNT_SETTINGS = new Set<string>(['payoutConcurrency', 'payoutMaxAttempts']);

/** CloudWatch Logs' retention choices, in days. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** Lambda environment variables are limited to 4 KB altogether; leave room for the others. */
const MAX_RULES_CONFIG_BYTES = 2048;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The `source` the order system sets when no other is configured. */
export const DEFAULT_ORDER_SYSTEM_SOURCE = 'marketplace.orders';
const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
/** EventBridge sources: letters, digits, `.`, `_`, `-` and `/`; `aws.*` is AWS's own. */
const SOURCE = /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/;

/** `30s`, `1m`, `2h`, `500ms` or bare milliseconds: what the payout job's duration settings accept. */
const DURATION = /^\d+(ms|s|m|h)?$/;

/** RULES_CONFIG: JSON the rules accept (makeRulesConfig throws naming the bad setting), small enough for the environment. */
function rulesConfigSetting(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('rulesConfig must be a JSON object (the RULES_CONFIG of docs/rules.md), and this is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('rulesConfig must be a JSON object');
  try {
    makeRulesConfig(parsed as Parameters<typeof makeRulesConfig>[0]);
  } catch (error) {
    throw new ConfigError(`rulesConfig is refused by the rules: ${(error as Error).message}`);
  }
  const compact = JSON.stringify(parsed);
  if (Buffer.byteLength(compact) > MAX_RULES_CONFIG_BYTES) {
    throw new ConfigError(`rulesConfig is ${Buffer.byteLength(compact)} bytes; at most ${MAX_RULES_CONFIG_BYTES} fit in a function's environment`);
  }
  return compact;
}

function positiveNumber(value: string, key: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new ConfigError(`${key} must be a positive number, not '${value}'`);
  return number;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** `5m`, `15m`, `1h`, `1d` or `off`. EventBridge Scheduler's smallest rate is one minute. */
export function parseScheduleRate(value: string, key: string): Duration | 'off' {
  if (value === 'off') return 'off';
  const rate = readDuration(value, ['m', 'h', 'd']);
  if (!rate || rate.amount < 1) {
    throw new ConfigError(`${key} must look like 5m, 15m, 1h, 1d or off (at least one minute), not '${value}'`);
  }
  return rate.unit === 'm' ? Duration.minutes(rate.amount) : rate.unit === 'h' ? Duration.hours(rate.amount) : Duration.days(rate.amount);
}

function positiveInteger(value: string, key: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new ConfigError(`${key} must be a positive integer, not '${value}'`);
  return number;
}

/** `https://shop.example,https://desk.example` or `*`: each an http(s) origin without a path. */
function corsOrigins(value: string | undefined): string[] {
  const origins = parseCorsOrigins(value);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
      throw new ConfigError(`corsOrigins must list origins like https://shop.example (or *), not '${origin}'`);
    }
  }
  return origins;
}

export function readConfig(scope: Construct, jobs: readonly JobSpec[]): DeployConfig {
  const get = (key: string, env: string): string | undefined => {
    const value: unknown = scope.node.tryGetContext(key) ?? process.env[env];
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  };

  const stage = get('stage', 'BAOZHANG_STAGE') ?? 'dev';
  // Stage becomes part of resource names (table, bus, functions): keep it short and name-safe.
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) throw new ConfigError(`stage must match [a-z][a-z0-9-]{0,19}, not '${stage}'`);

  const issuer = get('jwtIssuer', 'BAOZHANG_JWT_ISSUER');
  const audience = get('jwtAudience', 'BAOZHANG_JWT_AUDIENCE');
  if (Boolean(issuer) !== Boolean(audience)) throw new ConfigError('Set both jwtIssuer and jwtAudience, or neither');
  if (issuer && !issuer.startsWith('https://')) throw new ConfigError(`jwtIssuer must be an https:// URL, not '${issuer}'`);

  const provider = get('paymentProvider', 'BAOZHANG_PAYMENT_PROVIDER') ?? 'local';
  if (provider !== 'local' && provider !== 'alipay') {
    throw new ConfigError(`paymentProvider must be 'local' or 'alipay', not '${provider}'`);
  }
  const paymentSecretArn = get('paymentSecretArn', 'BAOZHANG_PAYMENT_SECRET_ARN');
  if (provider === 'alipay' && !paymentSecretArn) throw new ConfigError('paymentProvider=alipay needs paymentSecretArn');
  // The complete ARN (with the 6-character suffix) lets the grant name exactly one secret.
  if (paymentSecretArn && !SECRET_ARN.test(paymentSecretArn)) {
    throw new ConfigError(`paymentSecretArn must be a complete Secrets Manager secret ARN, not '${paymentSecretArn}'`);
  }

  const schedules = new Map<JobName, ScheduleSetting>();
  for (const job of jobs) {
    const key = `${job.job}Every`;
    const fallback = parseScheduleRate(job.every, `functions/jobs.ts every of ${job.job}`);
    if (fallback === 'off') throw new ConfigError(`functions/jobs.ts must give ${job.job} a rate, not 'off'`);
    const configured = parseScheduleRate(get(key, `BAOZHANG_${job.job.toUpperCase()}_EVERY`) ?? job.every, key);
    schedules.set(job.job, configured === 'off' ? { rate: fallback, enabled: false } : { rate: configured, enabled: true });
  }

  const orderSystemAccount = get('orderSystemAccount', 'BAOZHANG_ORDER_SYSTEM_ACCOUNT');
  if (orderSystemAccount && !ACCOUNT.test(orderSystemAccount)) {
    throw new ConfigError(`orderSystemAccount must be a 12-digit AWS account id, not '${orderSystemAccount}'`);
  }
  const orderSystemRoleArn = get('orderSystemRoleArn', 'BAOZHANG_ORDER_SYSTEM_ROLE_ARN');
  const roleAccount = orderSystemRoleArn ? ROLE_ARN.exec(orderSystemRoleArn)?.[1] : undefined;
  if (orderSystemRoleArn && !roleAccount) throw new ConfigError(`orderSystemRoleArn must be an IAM role ARN, not '${orderSystemRoleArn}'`);
  if (roleAccount && orderSystemAccount && roleAccount !== orderSystemAccount) {
    throw new ConfigError(`orderSystemRoleArn is in account ${roleAccount}, not orderSystemAccount ${orderSystemAccount}`);
  }
  const orderSystemSource = get('orderSystemSource', 'BAOZHANG_ORDER_SYSTEM_SOURCE') ?? DEFAULT_ORDER_SYSTEM_SOURCE;
  if (!SOURCE.test(orderSystemSource) || orderSystemSource === 'baozhang') {
    throw new ConfigError(`orderSystemSource must be an EventBridge source other than 'baozhang' and aws.*, not '${orderSystemSource}'`);
  }

  const payout: Partial<Record<PayoutSetting, string>> = {};
  for (const [key, env] of Object.entries(PAYOUT_SETTINGS)) {
    const value = get(key, `BAOZHANG_${env}`);
    if (value === undefined) continue;
    if (COUNT_SETTINGS.has(key)) positiveInteger(value, key);
    else if (!DURATION.test(value.trim().toLowerCase())) throw new ConfigError(`${key} must be a duration such as 30s, 1m or 1h, not '${value}'`);
    payout[env] = value.trim();
  }
  const expiryConcurrency = get('expiryConcurrency', 'BAOZHANG_EXPIRY_CONCURRENCY');
  if (expiryConcurrency !== undefined) positiveInteger(expiryConcurrency, 'expiryConcurrency');
  const rulesContext: unknown = scope.node.tryGetContext('rulesConfig') ?? (process.env['BAOZHANG_RULES_CONFIG'] || undefined);

  const cursorKeysSecretArn = get('cursorKeysSecretArn', 'BAOZHANG_CURSOR_KEYS_SECRET_ARN');
  if (cursorKeysSecretArn && !SECRET_ARN.test(cursorKeysSecretArn)) {
    throw new ConfigError(
      `cursorKeysSecretArn must be a complete Secrets Manager secret ARN (the keys themselves never go in context), not '${cursorKeysSecretArn}'`,
    );
  }
  const retention = positiveInteger(get('logRetentionDays', 'BAOZHANG_LOG_RETENTION_DAYS') ?? '30', 'logRetentionDays');
  if (!RETENTION_DAYS.includes(retention)) {
    throw new ConfigError(`logRetentionDays must be one of CloudWatch's choices (${RETENTION_DAYS.join(', ')}), not ${retention}`);
  }
  const logLevel = (get('logLevel', 'BAOZHANG_LOG_LEVEL') ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) throw new ConfigError(`logLevel must be DEBUG, INFO, WARN or ERROR, not '${logLevel}'`);
  const api5xxPercent = positiveNumber(get('alarmApi5xxPercent', 'BAOZHANG_ALARM_API_5XX_PERCENT') ?? '1', 'alarmApi5xxPercent');
  if (api5xxPercent > 100) throw new ConfigError(`alarmApi5xxPercent is a share of requests in percent (0–100], not ${api5xxPercent}`);

  return {
    stage,
    runtime: { rulesConfig: rulesConfigSetting(rulesContext), payout, expiryConcurrency },
    cursorKeysSecretArn,
    logRetentionDays: retention,
    logLevel: logLevel as DeployConfig['logLevel'],
    alarms: {
      api5xxPercent,
      apiP99Ms: positiveInteger(get('alarmApiP99Ms', 'BAOZHANG_ALARM_API_P99_MS') ?? '1000', 'alarmApiP99Ms'),
      minutes: positiveInteger(get('alarmMinutes', 'BAOZHANG_ALARM_MINUTES') ?? '5', 'alarmMinutes'),
    },
    jwt: issuer && audience ? { issuer, audience } : undefined,
    paymentProvider: provider,
    // Only the alipay provider reads a secret; a stray ARN on a local stage grants nothing.
    paymentSecretArn: provider === 'alipay' ? paymentSecretArn : undefined,
    schedules,
    apiRateLimit: positiveInteger(get('apiRateLimit', 'BAOZHANG_API_RATE_LIMIT') ?? '100', 'apiRateLimit'),
    apiBurstLimit: positiveInteger(get('apiBurstLimit', 'BAOZHANG_API_BURST_LIMIT') ?? '200', 'apiBurstLimit'),
    alarmEmail: get('alarmEmail', 'BAOZHANG_ALARM_EMAIL'),
    corsOrigins: corsOrigins(get('corsOrigins', 'BAOZHANG_CORS_ORIGINS')),
    orderSystem: { account: orderSystemAccount ?? roleAccount, roleArn: orderSystemRoleArn, source: orderSystemSource },
  };
}
