import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
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
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict'))
  );
}

/** A transaction cancelled only because another held one of its items is run again this often. */
const CONFLICT_ATTEMPTS = 5;

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
  for (let attempt = 1; ; attempt += 1) {
    try {
      await named(names, () => documentClient.send(new TransactWriteCommand({ TransactItems: transactItems })));
      return;
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw new ConditionFailed([exhausted]);
      await sleep(10 * attempt + Math.floor(Math.random() * 40));
    }
  }
}
