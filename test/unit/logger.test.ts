import { describe, expect, it } from 'vitest';
import { JsonLogger, levelThreshold } from '#shared/logger.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger('baozhang', levelThreshold(level), (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { logger, lines };
}

describe('structured logger', () => {
  it('writes one JSON object per entry with level, message, service, time and the fields given', () => {
    const { logger, lines } = capture('INFO');
    logger.info('Payout run finished', { processed: 3 });
    expect(lines).toEqual([
      { level: 'INFO', message: 'Payout run finished', service: 'baozhang', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), processed: 3 },
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
    expect(levelThreshold(undefined)).toBe(levelThreshold('INFO'));
    expect(levelThreshold('nonsense')).toBe(levelThreshold('INFO'));
  });

  it('logs an Error with its name, message, stack and cause, also inside fields', () => {
    const { logger, lines } = capture('DEBUG');
    const error = new Error('outer', { cause: new TypeError('inner') });
    logger.error('Unhandled error', error);
    logger.debug('nested', { failure: new RangeError('deep') });
    expect(lines[0]!['error']).toMatchObject({ name: 'Error', message: 'outer', stack: expect.stringContaining('outer'), cause: { name: 'TypeError', message: 'inner' } });
    expect(lines[1]!['failure']).toMatchObject({ name: 'RangeError', message: 'deep' });
  });
});
