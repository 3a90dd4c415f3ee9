/**
 * The deposit use cases' one answer to a write whose conditions failed because what the rules read
 * has changed (the deposit, the merchant, the claim): read again and let the rules decide again,
 * a bounded number of times (RETRY.decideAgain), then 409.
 */
import { retry, RETRY } from '#shared/retry.ts';
import { Conflict } from '#shared/rules/index.ts';
import { ConditionFailed } from '#shared/store/errors.ts';

/** The deposit or the merchant changed between the read and the write: read again, decide again. */
export class Stale extends Error {
  override name = 'Stale';
  constructor(readonly failed: readonly string[]) {
    super(`Deposit changed concurrently: ${failed.join(', ')}`);
  }
}

export function decideAgainWhenStale<T>(attempt: () => Promise<T>): Promise<T> {
  return retry(
    RETRY.decideAgain,
    {
      retryable: (error) => error instanceof Stale,
      exhausted: (error) => new Conflict('The deposit kept changing while the request ran; retry it.', { failed: (error as Stale).failed }),
    },
    attempt,
  );
}

/** Failed conditions that mean "what the rules read has changed": decide again on a fresh read. */
export function staleOr(error: unknown, names: readonly string[]): unknown {
  if (error instanceof ConditionFailed && error.failed.some((name) => names.includes(name))) return new Stale(error.failed);
  return error;
}
