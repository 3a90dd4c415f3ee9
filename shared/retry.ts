import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one retry helper, with its named policies. Every "try again" in the code base is one of
 * these — a write that lost a race and is judged again, or a decision made again on a fresh
 * read — so how often and how fast a thing is retried is read and changed here.
 */
export interface RetryPolicy {
  /** How many times the work runs at most (the first run included). */
  attempts: number;
  /** The pause before run `attempt + 1` (after run `attempt`, counted from 1). */
  pauseMs: (attempt: number) => number;
}

export const RETRY = {
  /**
   * A transaction DynamoDB cancelled only because another transaction held one of its items
   * (TransactionConflict): written again after a short jittered pause, its conditions then judged
   * against the winner's result.
   */
  transactionConflict: { attempts: 5, pauseMs: (attempt) => 10 * attempt + Math.floor(Math.random() * 40) },
  /**
   * The merchant's partition changed between read and write (a join or penalty committed first):
   * read, decide and write again, with jitter so racing writers do not collide in lockstep.
   */
  merchantChanged: { attempts: 8, pauseMs: (attempt) => Math.random() * 20 * attempt },
  /**
   * What the rules read (a deposit, a line's ledger, an order's policies, a top-up) changed before
   * the write: read again and decide again at once — the answer is then the precise rule.
   */
  decideAgain: { attempts: 4, pauseMs: () => 0 },
} as const satisfies Record<string, RetryPolicy>;

export interface RetryOptions {
  /** Whether an error means "run it again" (anything else is thrown at once). */
  retryable: (error: unknown) => boolean;
  /** The error thrown when the last attempt failed retryably (default: that error itself). */
  exhausted?: (error: unknown) => unknown;
}

/**
 * Runs `work(attempt)` (attempt counted from 1) until it returns, throws an error that is not
 * `retryable`, or has run `policy.attempts` times.
 */
export async function retry<T>(policy: RetryPolicy, options: RetryOptions, work: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!options.retryable(error)) throw error;
      if (attempt >= policy.attempts) throw options.exhausted ? options.exhausted(error) : error;
      const pause = policy.pauseMs(attempt);
      if (pause > 0) await sleep(pause);
    }
  }
}

/** Thrown inside `retry`'s work to ask for another attempt (a result said "changed meanwhile", not an error). */
export class TryAgain extends Error {
  override name = 'TryAgain';
}
