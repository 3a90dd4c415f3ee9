import { describe, expect, it } from 'vitest';
import { retry, RETRY, TryAgain, type RetryPolicy } from '#shared/retry.ts';

const now: RetryPolicy = { attempts: 3, pauseMs: () => 0 };

describe('retry: the one retry helper', () => {
  it('runs again while the error is retryable, counting attempts from 1', async () => {
    const seen: number[] = [];
    const result = await retry(now, { retryable: (e) => e instanceof TryAgain }, async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new TryAgain();
      return 'done';
    });
    expect([result, seen]).toEqual(['done', [1, 2, 3]]);
  });

  it('throws a non-retryable error at once', async () => {
    let runs = 0;
    const boom = new Error('boom');
    await expect(
      retry(now, { retryable: () => false }, async () => {
        runs += 1;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(runs).toBe(1);
  });

  it('after the last attempt throws what `exhausted` makes of the last error (default: that error)', async () => {
    const last = new TryAgain('x');
    await expect(
      retry(now, { retryable: () => true }, async () => {
        throw last;
      }),
    ).rejects.toBe(last);
    await expect(
      retry(now, { retryable: () => true, exhausted: () => new Error('gave up') }, async () => {
        throw last;
      }),
    ).rejects.toThrow('gave up');
  });

  it('names its policies: 5 conflict retries, 8 merchant re-decisions, 4 decisions again', () => {
    expect([RETRY.transactionConflict.attempts, RETRY.merchantChanged.attempts, RETRY.decideAgain.attempts]).toEqual([5, 8, 4]);
    expect(RETRY.decideAgain.pauseMs()).toBe(0);
  });
});
