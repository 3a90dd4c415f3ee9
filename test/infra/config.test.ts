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
    [{ paymentProvider: 'alipay', paymentSecretArn: 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:baozhang/alipay' }, /complete Secrets Manager secret ARN/],
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
