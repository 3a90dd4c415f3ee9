import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

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
