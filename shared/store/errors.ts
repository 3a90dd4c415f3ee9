import { ConditionalCheckFailedException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { retry, RETRY } from '#shared/retry.ts';
import { documentClient } from './client.ts';

/**
 * A conditional write or transaction was refused because a named condition did not hold
 * (one claim per line, one active enrollment per plan …). `failed` lists the names of the
 * conditions that failed, so the use case can answer with the precise conflict.
 */
export class ConditionFailed extends Error {
  override name = 'ConditionFailed';
  constructor(readonly failed: readonly string[]) {
    super(`Condition failed: ${failed.join(', ')}`);
  }
}

/**
 * A list cursor the store cannot continue from: not one it issued for this query's partition and
 * key attributes. (The HTTP edge answers it 400 INVALID_CURSOR, like a cursor whose seal fails.)
 */
export class InvalidCursor extends Error {
  override name = 'InvalidCursor';
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('The cursor was not issued for this query');
  }
}

/**
 * Runs a write whose items are named in order; turns the SDK's conditional-check errors into
 * ConditionFailed with those names. DynamoDB reports a transaction's failures per item, in order.
 */
export async function named<T>(names: readonly string[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ConditionFailed(names.slice(0, 1));
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, i) => (reason.Code === 'ConditionalCheckFailed' ? [names[i] ?? `item ${i}`] : []));
      if (failed.length > 0) throw new ConditionFailed(failed);
    }
    throw error;
  }
}

/** A transaction that lost a race with another one on the same item (not a failed condition). */
export function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionConflictException ||
    (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict'))
  );
}

/**
 * Runs a named transaction; when DynamoDB cancels it only because another transaction held one of
 * its items (TransactionConflict), runs it again after a short jittered pause: its conditions are
 * then judged against the winner's result, which is the answer the caller needs (e.g. CLAIM_EXISTS).
 * After the last attempt it fails as ConditionFailed([exhausted]).
 */
export async function transactRetryingConflicts(
  names: readonly string[],
  transactItems: NonNullable<TransactWriteCommandInput['TransactItems']>,
  exhausted = 'transaction-conflict',
): Promise<void> {
  await retry(RETRY.transactionConflict, { retryable: isTransactionConflict, exhausted: () => new ConditionFailed([exhausted]) }, () =>
    named(names, () => documentClient.send(new TransactWriteCommand({ TransactItems: transactItems }))),
  );
}

/** One item of a TransactWriteItems request. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One all-or-nothing part of a shared transaction: its items and, in order, their condition names. */
export interface TransactPart {
  names: readonly string[];
  items: readonly TransactItem[];
}

/**
 * What became of a part: written; refused — nothing of it written — naming its conditions that did
 * not hold (or the `exhausted` name: it kept conflicting with other writers even alone); or failed
 * with an error, nothing of it written.
 */
export type PartOutcome = { status: 'written' } | { status: 'refused'; failed: string[] } | { status: 'error'; error: unknown };

/** Items one transaction takes at most (DynamoDB's limit). */
const TRANSACTION_ITEMS = 100;

/** The table key an item of a transaction writes or checks. */
function keyOf(item: TransactItem): string {
  const key = item.Put ? item.Put.Item : (item.Update ?? item.Delete ?? item.ConditionCheck)!.Key;
  return `${String(key!['PK'])}\u0000${String(key!['SK'])}`;
}

/**
 * Writes independent all-or-nothing parts (one per payout, one per policy …) in as few transactions
 * as they fit: at most 100 items a transaction, no item twice (a part touching an item already in
 * the transaction goes into the next). A part whose condition fails is taken out and the others are
 * written again; a transaction that keeps conflicting or fails with an error is split into its
 * parts, written one by one, so one part's trouble never holds back the others. Each condition is
 * named `<part>/<name>` inside; the outcome of each part is returned in order, never thrown.
 */
export async function transactEach(parts: readonly TransactPart[], exhausted = 'transaction-conflict'): Promise<PartOutcome[]> {
  const outcomes: PartOutcome[] = new Array(parts.length);
  const keysOf = parts.map((part) => part.items.map(keyOf));

  const together = async (group: readonly number[]): Promise<void> => {
    let pending = [...group];
    while (pending.length > 0) {
      try {
        await transactRetryingConflicts(
          pending.flatMap((i) => parts[i]!.names.map((name) => `${i}/${name}`)),
          pending.flatMap((i) => parts[i]!.items),
          exhausted,
        );
        for (const i of pending) outcomes[i] = { status: 'written' };
        return;
      } catch (error) {
        const failedBy = error instanceof ConditionFailed ? failuresByPart(error.failed) : undefined;
        if (!failedBy) {
          // Not a part's condition: conflicts kept coming, or another error.
          if (pending.length > 1) {
            for (const i of pending) await together([i]);
          } else {
            outcomes[pending[0]!] = error instanceof ConditionFailed ? { status: 'refused', failed: [...error.failed] } : { status: 'error', error };
          }
          return;
        }
        for (const [i, failed] of failedBy) outcomes[i] = { status: 'refused', failed };
        pending = pending.filter((i) => !failedBy.has(i));
      }
    }
  };

  let rest = parts.map((_, i) => i);
  while (rest.length > 0) {
    // Pack the next transaction: in order, whatever fits and shares no item with it.
    const group: number[] = [];
    const later: number[] = [];
    const taken = new Set<string>();
    for (const i of rest) {
      const own = keysOf[i]!;
      if (own.length > TRANSACTION_ITEMS) throw new RangeError(`A part of ${own.length} items exceeds one transaction`);
      if (taken.size + own.length > TRANSACTION_ITEMS || own.some((key) => taken.has(key))) later.push(i);
      else {
        group.push(i);
        for (const key of own) taken.add(key);
      }
    }
    await together(group);
    rest = later;
  }
  return outcomes;
}

/** The failed names of a shared transaction by part; undefined when one names no part. */
function failuresByPart(failed: readonly string[]): Map<number, string[]> | undefined {
  const byPart = new Map<number, string[]>();
  for (const name of failed) {
    const slash = name.indexOf('/');
    if (slash < 0) return undefined;
    const i = Number(name.slice(0, slash));
    byPart.set(i, [...(byPart.get(i) ?? []), name.slice(slash + 1)]);
  }
  return byPart;
}
