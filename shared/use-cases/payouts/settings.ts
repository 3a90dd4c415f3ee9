/**
 * How the payout job retries and how much it does at once: configuration, not business rules,
 * handed to `runPayouts` as a parameter. The environment is read once, at the handler
 * (functions/payout/settings.ts); these are the defaults it falls back to.
 */
import { ConfigurationError } from '#shared/config.ts';
import type { PaymentProvider } from '#shared/payments/port.ts';

/** How the job retries (configuration, not business rules). */
export interface PayoutRetryPolicy {
  /** First retry or query this long after a refusal or unknown outcome; doubled each time. */
  retryBaseMs: number;
  /** Longest wait between two tries. */
  maxBackoffMs: number;
  /** Transfers sent (first send included) before a refused payout is given up. */
  maxAttempts: number;
  /** How long a run holds a SENDING payout; past it another run queries the provider. */
  leaseMs: number;
  /**
   * Longest wait for an overdue payout: shorter than the schedule, so every run sees it, tries it
   * again and counts it in OverduePayouts while it stays unpaid.
   */
  overdueRecheckMs: number;
}

export interface PayoutSettings {
  retry: PayoutRetryPolicy;
  /**
   * Payouts handled at once by a run: each holds at most one provider call in flight, so this
   * bounds the calls per second the provider sees (keep it within the Alipay app's quota);
   * DynamoDB writes are bounded apart (two in flight, WRITES_IN_FLIGHT).
   */
  concurrency: number;
}

/**
 * The defaults: `PAYOUT_RETRY_BASE` 1m, `PAYOUT_MAX_BACKOFF` 1h, `PAYOUT_MAX_ATTEMPTS` 5,
 * `PAYOUT_LEASE` 2m, `PAYOUT_OVERDUE_RECHECK` 4m (the job runs every 5).
 */
export const payoutRetryPolicy: PayoutRetryPolicy = {
  retryBaseMs: 60_000,
  maxBackoffMs: 3_600_000,
  maxAttempts: 5,
  leaseMs: 120_000,
  overdueRecheckMs: 240_000,
};

/** `PAYOUT_CONCURRENCY`'s default. */
export const DEFAULT_PAYOUT_CONCURRENCY = 32;

export const DEFAULT_PAYOUT_SETTINGS: PayoutSettings = { retry: payoutRetryPolicy, concurrency: DEFAULT_PAYOUT_CONCURRENCY };

/** What a lease keeps beyond two of the longest provider calls (clock skew, a slow write). */
export const LEASE_MARGIN_MS = 10_000;

/**
 * P3, checked at start-up (failing fast): a lease must outlast two of the longest provider calls
 * plus a margin — the sender only starts a call that ends inside its lease, and "not found" is
 * final only once the lease and one more longest call are over.
 */
export function assertLeaseCoversCalls(retry: PayoutRetryPolicy, provider: Pick<PaymentProvider, 'name' | 'maxCallMs'>): void {
  const call = provider.maxCallMs ?? 0;
  if (retry.leaseMs <= 2 * call + LEASE_MARGIN_MS) {
    throw new ConfigurationError(
      `PAYOUT_LEASE (${retry.leaseMs} ms) must exceed 2 × the ${provider.name} provider's longest call (${call} ms) + ${LEASE_MARGIN_MS} ms`,
    );
  }
}
