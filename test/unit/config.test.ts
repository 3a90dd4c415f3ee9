import { describe, expect, it } from 'vitest';
import { ConfigurationError, readSettings } from '#shared/config.ts';

describe('readSettings: one typed configuration, checked at once', () => {
  it('defaults what is unset', () => {
    expect(readSettings({})).toEqual({
      tableName: undefined,
      dynamodbEndpoint: undefined,
      awsRegion: 'local',
      rulesConfig: undefined,
      paymentProvider: 'local',
      paymentNotifyBaseUrl: undefined,
      expiryConcurrency: 8,
      payoutConcurrency: 32,
      payout: { retryBaseMs: 60_000, maxBackoffMs: 3_600_000, maxAttempts: 5, leaseMs: 120_000, overdueRecheckMs: 240_000 },
    });
  });

  it('reads durations and counts with the one duration parser', () => {
    const read = readSettings({ PAYOUT_LEASE: '90s', PAYOUT_RETRY_BASE: '250', EXPIRY_CONCURRENCY: '2', PAYMENT_PROVIDER: 'alipay' });
    expect([read.payout.leaseMs, read.payout.retryBaseMs, read.expiryConcurrency, read.paymentProvider]).toEqual([90_000, 250, 2, 'alipay']);
  });

  it('fails listing every problem, not only the first', () => {
    const env = { PAYOUT_LEASE: 'soon', PAYOUT_MAX_ATTEMPTS: '0', PAYMENT_PROVIDER: 'wechat', PAYMENT_NOTIFY_BASE_URL: 'ftp://x' };
    expect(() => readSettings(env)).toThrow(ConfigurationError);
    const message = (() => {
      try {
        readSettings(env);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of ['PAYOUT_LEASE', 'PAYOUT_MAX_ATTEMPTS', 'PAYMENT_PROVIDER', 'PAYMENT_NOTIFY_BASE_URL']) expect(message).toContain(`  - ${name} must`);
  });
});
