/**
 * The compensation ledger of an order line (C11, D5): one item per line in the order's partition
 * (`keys.compensationLedger`), holding the fen compensated per kind of loss and the set of
 * references entered. Whatever compensates a line — an approved price or quality claim, and the
 * deposit's dispute compensation (D5) — adds its entry with `compensationWrite` inside its own
 * transaction; the write is conditioned on the ledger still holding the figure the amount was
 * computed from (`ledger-unchanged`) and on the reference not being entered yet, so of two racing
 * compensations for one loss exactly one counts and the other re-reads and recomputes.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LOSS_KINDS, type CompensationEntry, type CompensationLedger, type LossKind } from '#shared/rules/compensation.ts';
import { documentClient, tableName } from './client.ts';
import { named, type TransactItem } from './errors.ts';
import { keys } from './keys.ts';

/** The attribute holding a loss kind's total (`fen:price-drop`, …). */
const fenAttribute = (loss: LossKind) => `fen:${loss}`;

/** The TransactItem that enters a compensation in its line's ledger; its condition is `ledger-unchanged`. */
export function compensationWrite(record: CompensationEntry): TransactItem {
  const unchanged = record.expectedFen === 0 ? '(attribute_not_exists(#fen) OR #fen = :expected)' : '#fen = :expected';
  return {
    Update: {
      TableName: tableName,
      Key: keys.compensationLedger(record.orderId, record.lineId),
      UpdateExpression: 'SET #fen = if_not_exists(#fen, :zero) + :amount, orderId = :orderId, lineId = :lineId, entity = :entity ADD refs :refs',
      ConditionExpression: `NOT contains(refs, :ref) AND ${unchanged}`,
      ExpressionAttributeNames: { '#fen': fenAttribute(record.loss) },
      ExpressionAttributeValues: {
        ':zero': 0,
        ':amount': record.amountFen,
        ':expected': record.expectedFen,
        ':orderId': record.orderId,
        ':lineId': record.lineId,
        ':entity': 'CompensationLedger',
        ':refs': new Set([record.ref]),
        ':ref': record.ref,
      },
    },
  };
}

/**
 * Records a compensation on its own (a caller without a transaction of its own, e.g. D5 when it
 * pays from the deposit in a separate step). Throws ConditionFailed(['ledger-unchanged']) when the
 * ledger moved since `expectedFen` was read or the reference was already entered.
 */
export async function recordCompensation(record: CompensationEntry): Promise<void> {
  await named(['ledger-unchanged'], () => documentClient.send(new TransactWriteCommand({ TransactItems: [compensationWrite(record)] })));
}

/** A ledger item → the rules' CompensationLedger. */
export function ledgerFromItem(item: Record<string, unknown>): CompensationLedger {
  const compensatedFen: Partial<Record<LossKind, number>> = {};
  for (const loss of LOSS_KINDS) {
    const fen = item[fenAttribute(loss)];
    if (typeof fen === 'number') compensatedFen[loss] = fen;
  }
  const refs = item['refs'];
  return {
    orderId: String(item['orderId']),
    lineId: String(item['lineId']),
    compensatedFen,
    refs: refs instanceof Set ? [...(refs as Set<string>)].sort() : [],
  };
}
