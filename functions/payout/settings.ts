/**
 * The payout job's settings from the environment, read once when the handler starts (failing
 * fast): `PAYOUT_RETRY_BASE`, `PAYOUT_MAX_BACKOFF`, `PAYOUT_MAX_ATTEMPTS`, `PAYOUT_LEASE`,
 * `PAYOUT_OVERDUE_RECHECK` and `PAYOUT_CONCURRENCY`, each with the default of
 * shared/use-cases/payouts/settings.ts when unset.
 */
import { ConfigurationError, countEnv, optionalEnv } from '#shared/config.ts';
import { DEFAULT_PAYOUT_CONCURRENCY, payoutRetryPolicy as defaults, type PayoutSettings } from '#shared/use-cases/payouts/settings.ts';

function durationEnv(name: string, fallbackMs: number): number {
  const text = optionalEnv(name, `${fallbackMs}ms`).trim().toLowerCase();
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new ConfigurationError(`${name} must be a duration such as 30s, 1m or 1h, not '${text}'`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
}

export function payoutSettingsFromEnv(): PayoutSettings {
  return {
    retry: {
      retryBaseMs: durationEnv('PAYOUT_RETRY_BASE', defaults.retryBaseMs),
      maxBackoffMs: durationEnv('PAYOUT_MAX_BACKOFF', defaults.maxBackoffMs),
      maxAttempts: countEnv('PAYOUT_MAX_ATTEMPTS', defaults.maxAttempts),
      leaseMs: durationEnv('PAYOUT_LEASE', defaults.leaseMs),
      overdueRecheckMs: durationEnv('PAYOUT_OVERDUE_RECHECK', defaults.overdueRecheckMs),
    },
    concurrency: countEnv('PAYOUT_CONCURRENCY', DEFAULT_PAYOUT_CONCURRENCY),
  };
}
