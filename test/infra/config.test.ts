import { App, Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseScheduleRate, readConfig } from '#infra/config.ts';
import { plannedJobs } from './fixtures/contract.ts';

const configOf = (context: Record<string, string>) => readConfig(new App({ context }), plannedJobs);
const SECRET = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:baozhang/alipay-AbCdEf';

describe('deploy configuration', () => {
  it('defaults to stage dev, the local payment provider, the jobs’ own rates and a modest throttle', () => {
    const config = configOf({ stage: 'dev' });
    expect(config).toMatchObject({ stage: 'dev', paymentProvider: 'local', apiRateLimit: 100, apiBurstLimit: 200 });
    expect(config.jwt).toBeUndefined();
    expect(config.corsOrigins).toEqual([]);
    expect(config.schedules.get('payout')).toEqual({ rate: Duration.minutes(5), enabled: true });
    expect(config.schedules.get('expiry')).toEqual({ rate: Duration.minutes(15), enabled: true });
  });

  it('reads issuer, audience, provider, secret and rates from context', () => {
    const config = configOf({
      stage: 'prod',
      jwtIssuer: 'https://idp.example/',
      jwtAudience: 'baozhang-api',
      paymentProvider: 'alipay',
      paymentSecretArn: SECRET,
      payoutEvery: '10m',
      expiryEvery: 'off',
    });
    expect(config.jwt).toEqual({ issuer: 'https://idp.example/', audience: 'baozhang-api' });
    expect(config.paymentSecretArn).toBe(SECRET);
    expect(config.schedules.get('payout')).toEqual({ rate: Duration.minutes(10), enabled: true });
    // Paused: the schedule stays (with the job's own rate) but is disabled.
    expect(config.schedules.get('expiry')).toEqual({ rate: Duration.minutes(15), enabled: false });
  });

  it('ignores a secret ARN unless the provider is alipay', () => {
    expect(configOf({ paymentProvider: 'local', paymentSecretArn: SECRET }).paymentSecretArn).toBeUndefined();
  });

  it.each([
    [{ stage: 'Prod!' }, /stage must match/],
    [{ jwtIssuer: 'https://idp.example/' }, /both jwtIssuer and jwtAudience/],
    [{ jwtIssuer: 'http://idp.example/', jwtAudience: 'a' }, /https:\/\//],
    [{ paymentProvider: 'wechat' }, /'local' or 'alipay'/],
    [{ paymentProvider: 'alipay' }, /needs paymentSecretArn/],
    [
      { paymentProvider: 'alipay', paymentSecretArn: 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:baozhang/alipay' },
      /complete Secrets Manager secret ARN/,
    ],
    [{ payoutEvery: '30s' }, /payoutEvery must look like/],
    [{ apiRateLimit: '0' }, /positive integer/],
    [{ corsOrigins: 'https://shop.example/path' }, /corsOrigins must list origins/],
  ])('refuses %j', (context, message) => {
    expect(() => configOf(context as Record<string, string>)).toThrow(ConfigError);
    expect(() => configOf(context as Record<string, string>)).toThrow(message);
  });

  it('reads CORS origins (none by default): a comma-separated list, or *', () => {
    expect(configOf({ corsOrigins: 'https://shop.example, http://127.0.0.1:5173' }).corsOrigins).toEqual(['https://shop.example', 'http://127.0.0.1:5173']);
    expect(configOf({ corsOrigins: '*' }).corsOrigins).toEqual(['*']);
  });

  it('parses rates in minutes, hours and days, with a one-minute floor', () => {
    expect((parseScheduleRate('1h', 'x') as Duration).toMinutes()).toBe(60);
    expect((parseScheduleRate('1d', 'x') as Duration).toHours()).toBe(24);
    expect(() => parseScheduleRate('0m', 'x')).toThrow(ConfigError);
  });
});

describe('runtime settings through CDK context (issue 19)', () => {
  it('passes rules, payout and expiry settings, checked at synth, under the variable names the code reads', () => {
    const config = configOf({
      rulesConfig: '{"claims":{}}',
      payoutConcurrency: '8',
      payoutMaxAttempts: '3',
      payoutLease: '3m',
      payoutRetryBase: '30s',
      expiryConcurrency: '4',
      logLevel: 'debug',
      logRetentionDays: '90',
      alarmApi5xxPercent: '2.5',
      alarmApiP99Ms: '800',
      alarmMinutes: '10',
    });
    expect(config.runtime).toEqual({
      rulesConfig: '{"claims":{}}',
      payout: { PAYOUT_CONCURRENCY: '8', PAYOUT_MAX_ATTEMPTS: '3', PAYOUT_LEASE: '3m', PAYOUT_RETRY_BASE: '30s' },
      expiryConcurrency: '4',
    });
    expect(config).toMatchObject({ logLevel: 'DEBUG', logRetentionDays: 90, alarms: { api5xxPercent: 2.5, apiP99Ms: 800, minutes: 10 } });
    // A rules configuration given as an object in cdk.json is accepted too.
    expect(readConfig(new App({ context: { rulesConfig: { claims: {} } } }), plannedJobs).runtime.rulesConfig).toBe('{"claims":{}}');
  });

  it('defaults to nothing set: the code keeps its own defaults', () => {
    expect(configOf({}).runtime).toEqual({ rulesConfig: undefined, payout: {}, expiryConcurrency: undefined });
    expect(configOf({})).toMatchObject({ logLevel: 'INFO', logRetentionDays: 30, cursorKeysSecretArn: undefined });
  });

  it.each([
    [{ rulesConfig: '{nope' }, /rulesConfig must be a JSON object.*not JSON/],
    [{ rulesConfig: '[1]' }, /rulesConfig must be a JSON object/],
    [{ rulesConfig: '{"note":"x"}' }, /rulesConfig is refused by the rules/],
    [{ payoutConcurrency: '0' }, /payoutConcurrency must be a positive integer/],
    [{ payoutLease: 'two minutes' }, /payoutLease must be a duration such as 30s/],
    [{ expiryConcurrency: '1.5' }, /expiryConcurrency must be a positive integer/],
    [{ logRetentionDays: '42' }, /logRetentionDays must be one of CloudWatch's choices/],
    [{ logLevel: 'TRACE' }, /logLevel must be DEBUG, INFO, WARN or ERROR/],
    [{ alarmApi5xxPercent: '150' }, /alarmApi5xxPercent is a share/],
    [{ cursorKeysSecretArn: 'my-signing-key-in-clear' }, /cursorKeysSecretArn must be a complete Secrets Manager secret ARN/],
  ])('refuses %j with a clear error', (context, message) => {
    expect(() => configOf(context as Record<string, string>)).toThrow(ConfigError);
    expect(() => configOf(context as Record<string, string>)).toThrow(message);
  });
});
