import { afterEach, describe, expect, it, vi } from 'vitest';
import { withCorrelationId } from '#shared/correlation.ts';
import { createPowertoolsLogger, maskText, ServiceLogger } from '#shared/logger.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A logger at `level` whose lines are parsed back (POWERTOOLS_DEV makes Powertools write through `console`). */
function capture(level: string) {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const lines: Record<string, unknown>[] = [];
  const keep = (text: unknown) => void lines.push(JSON.parse(String(text)) as Record<string, unknown>);
  for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) vi.spyOn(console, method).mockImplementation(keep);
  return { logger: new ServiceLogger(createPowertoolsLogger(level)), lines };
}

describe('structured logger (Powertools Logger behind shared/logger.ts)', () => {
  it('writes one JSON object per entry with level, message, service, time and the fields given', () => {
    const { logger, lines } = capture('INFO');
    logger.info('Payout run finished', { processed: 3 });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Payout run finished',
        service: 'baozhang',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        processed: 3,
      }),
    ]);
  });

  it('keeps entries below LOG_LEVEL out, and SILENT keeps everything out', () => {
    const warn = capture('warn');
    warn.logger.info('not shown');
    warn.logger.warn('shown');
    warn.logger.error('shown too');
    expect(warn.lines.map((l) => l['level'])).toEqual(['WARN', 'ERROR']);
    const silent = capture('SILENT');
    silent.logger.error('never');
    expect(silent.lines).toEqual([]);
  });

  it('logs an Error with its name, message, stack and cause, also inside fields', () => {
    const { logger, lines } = capture('DEBUG');
    const error = new Error('outer', { cause: new TypeError('inner') });
    logger.error('Unhandled error', error);
    logger.debug('nested', { failure: new RangeError('deep') });
    expect(JSON.stringify((lines[0]!['error'] as { stack: unknown }).stack)).toContain('outer');
    expect(lines[0]!['error']).toMatchObject({ name: 'Error', message: 'outer', cause: { name: 'TypeError', message: 'inner' } });
    expect(lines[1]!['failure']).toMatchObject({ name: 'RangeError', message: 'deep' });
  });

  it('does not throw on circular values or BigInt (the in-house logger threw on both)', () => {
    const { logger, lines } = capture('INFO');
    const loop: Record<string, unknown> = { id: 'a' };
    loop['self'] = loop;
    expect(() => logger.info('odd values', { loop, big: 12345678901234567890n })).not.toThrow();
    expect(lines[0]).toMatchObject({ loop: { id: 'a' }, big: '12345678901234567890' });
  });

  it('stamps the correlation id of the work in progress on every line', async () => {
    const { logger, lines } = capture('INFO');
    await withCorrelationId('corr-1', async () => {
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines.map((l) => l['correlationId'])).toEqual(['corr-1', undefined]);
  });

  it('masks Alipay identities, the names beside them, and tokens; an error keeps its name', () => {
    const { logger, lines } = capture('INFO');
    logger.info('payee', {
      payee: { identity: '2088123412345135', identityType: 'ALIPAY_USER_ID', name: '张三丰' },
      profile: { alipayAccount: 'shop@example.com', name: '李四' },
      authorization: 'Bearer eyJhbGciOi',
      privateKey: 'MIIE…',
      failure: new TypeError('boom'),
    });
    expect(lines[0]).toMatchObject({
      payee: { identity: '2088********5135', identityType: 'ALIPAY_USER_ID', name: '张*丰' },
      profile: { alipayAccount: 'shop********.com', name: '李*' },
      authorization: '[REDACTED]',
      privateKey: '[REDACTED]',
      failure: { name: 'TypeError', message: 'boom' },
    });
    expect(maskText('ab')).toBe('a*');
  });
});
