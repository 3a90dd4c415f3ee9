// The payout job's settings: read from the environment once, by the handler, failing fast.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { payoutSettingsFromEnv } from '#functions/payout/settings.ts';
import { assertLeaseCoversCalls, DEFAULT_PAYOUT_SETTINGS } from '#shared/use-cases/payouts.ts';

afterEach(() => vi.unstubAllEnvs());

describe('payout settings', () => {
  it('fall back to the defaults: 1m base, 1h longest backoff, 5 attempts, 2m lease, 4m overdue recheck, 32 at once', () => {
    for (const name of ['PAYOUT_RETRY_BASE', 'PAYOUT_MAX_BACKOFF', 'PAYOUT_MAX_ATTEMPTS', 'PAYOUT_LEASE', 'PAYOUT_OVERDUE_RECHECK', 'PAYOUT_CONCURRENCY'])
      vi.stubEnv(name, '');
    expect(payoutSettingsFromEnv()).toEqual(DEFAULT_PAYOUT_SETTINGS);
    expect(DEFAULT_PAYOUT_SETTINGS).toEqual({
      retry: { retryBaseMs: 60_000, maxBackoffMs: 3_600_000, maxAttempts: 5, leaseMs: 120_000, overdueRecheckMs: 240_000 },
      concurrency: 32,
    });
  });

  it('read durations in ms, s, m or h (a bare number is ms) and counts ≥ 1; anything else fails, naming the variable', () => {
    vi.stubEnv('PAYOUT_RETRY_BASE', '30s');
    vi.stubEnv('PAYOUT_MAX_BACKOFF', '2h');
    vi.stubEnv('PAYOUT_LEASE', '90000');
    vi.stubEnv('PAYOUT_OVERDUE_RECHECK', '3M');
    vi.stubEnv('PAYOUT_CONCURRENCY', '8');
    expect(payoutSettingsFromEnv()).toMatchObject({
      retry: { retryBaseMs: 30_000, maxBackoffMs: 7_200_000, leaseMs: 90_000, overdueRecheckMs: 180_000 },
      concurrency: 8,
    });
    vi.stubEnv('PAYOUT_LEASE', '2 minutes');
    expect(() => payoutSettingsFromEnv()).toThrow(/PAYOUT_LEASE must be a duration/);
    vi.stubEnv('PAYOUT_LEASE', '2m');
    vi.stubEnv('PAYOUT_MAX_ATTEMPTS', '0');
    expect(() => payoutSettingsFromEnv()).toThrow(/PAYOUT_MAX_ATTEMPTS must be a whole number/);
  });

  it('P3 the lease must outlast two of the provider’s longest calls plus 10 s', () => {
    const retry = { ...DEFAULT_PAYOUT_SETTINGS.retry, leaseMs: 90_000 };
    expect(() => assertLeaseCoversCalls(retry, { name: 'alipay', maxCallMs: 40_000 })).toThrow(/PAYOUT_LEASE \(90000 ms\) must exceed/);
    expect(() => assertLeaseCoversCalls({ ...retry, leaseMs: 90_001 }, { name: 'alipay', maxCallMs: 40_000 })).not.toThrow();
  });
});
