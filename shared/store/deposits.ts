import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, Basis } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { fromItem } from './items.ts';
import { keys, prefixes, type TableKey } from './keys.ts';
import { getDepositAccount, type DepositAccount } from './deposit-account.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';
import type { StoredPayout } from './payouts.ts';
import {
  type TransactWriteItem,
  type DepositMovement,
  type DepositHolder,
  holderOf,
  movementPut,
  accountUpdate,
  outbox,
  newMovementId,
} from './deposit-items.ts';
import { type Withdrawal, withdrawalCancelWrites } from './withdrawals.ts';

/**
 * The consumer-protection deposit (D1–D3, J9). A merchant's account and its append-only journal
 * share the partition `DEPOSIT#merchantId`; withdrawals have their own partition (the ops route
 * names only the withdrawal) and are listed per merchant on GSI2; an advance compensation lives in
 * its claim's partition (one per claim). Every change of the account is ONE transaction: the
 * account's `ADD` of the ledger effect guarded by its conditions (deposit-ledger.ts), the journal
 * movement when money moves, the records it concerns and the outbox event — so the balance is
 * always the sum of the journal and never below zero.
 */

export { getDepositAccount, type DepositAccount };

/** The profile fields the deposit rules need: GetItem `PK = MERCHANT#id, SK = PROFILE` (consistent, projected). */
export async function getDepositHolder(merchantId: string): Promise<DepositHolder> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.merchant(merchantId),
      ConsistentRead: true,
      ProjectionExpression: '#name, alipayAccount, activePenaltyIds, depositFrozen, fraudFinding',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  return holderOf(merchantId, Item);
}

export interface MovementPage {
  items: DepositMovement[];
  nextCursor?: string;
}

/** A deposit's journal, newest first: Query `PK = DEPOSIT#id AND begins_with(SK, MOVEMENT#)` (consistent). */
export async function depositJournal(merchantId: string, options: { limit: number; cursor?: string }): Promise<MovementPage> {
  const pk = keys.depositAccount(merchantId).PK;
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :movement)',
      ExpressionAttributeValues: { ':pk': pk, ':movement': prefixes.depositMovement },
      ExclusiveStartKey: decodeCursor(options.cursor, { attribute: 'PK', value: pk }),
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: options.limit,
    }),
  );
  const nextCursor = encodeCursor(result.LastEvaluatedKey);
  return { items: (result.Items ?? []).map((item) => fromItem<DepositMovement>(item)), ...(nextCursor ? { nextCursor } : {}) };
}

export type CompensationStatus = 'PENDING' | 'PAID';

/** D5: ops compensates a buyer from the merchant's deposit for a dispute no policy covers. */
export interface Compensation {
  compensationId: string;
  orderId: string;
  lineId: string;
  merchantId: string;
  buyerId: string;
  amountFen: number;
  reason: string;
  note?: string;
  status: CompensationStatus;
  payoutId: string;
  basis: Basis;
  createdAt: string;
  createdBy: Actor;
  paidAt?: string;
}

/** The record a deposit-funded payout paid (withdrawal, advance, compensation) → PAID, if still `expected` and the same `ref`. */
function markPaid(key: TableKey, expected: 'APPROVED' | 'PENDING', refAttribute: 'payoutId' | 'advanceId', ref: string, at: string): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #status = :paid, paidAt = :at',
      ConditionExpression: `#status = :${expected.toLowerCase()} AND ${refAttribute} = :${refAttribute}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':paid': 'PAID', ':at': at, [`:${expected.toLowerCase()}`]: expected, [`:${refAttribute}`]: ref },
    },
  };
}

/**
 * The items the payout job adds to the transaction that marks a `source: 'deposit'` payout
 * CONFIRMED (none for any other payout): the withdrawal APPROVED → PAID, or the advance PENDING →
 * PAID (each conditioned on its status and this payout, so a repeat changes nothing); the held
 * amount leaves the account (`balanceFen >= :amount AND heldFen >= :amount`); and the journal
 * movement (`withdrawal` / `advance-compensation`). Names for `named()`:
 * `depositPayoutSettledConditionNames`.
 */
export function depositPayoutSettledWrites(payout: StoredPayout, at: string): TransactWriteItem[] {
  if (payout.source !== 'deposit') return [];
  const merchantId = payout.depositMerchantId ?? payout.beneficiary.id;
  const amountFen = payout.amountFen;
  const movementId = newMovementId(at);
  const base = { movementId, merchantId, deltaFen: -amountFen, at, actor: { role: 'system' } as Actor, payoutId: payout.payoutId };
  if (payout.withdrawalId) {
    return [
      markPaid(keys.withdrawal(payout.withdrawalId), 'APPROVED', 'payoutId', payout.payoutId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'withdrawal' }, at),
      movementPut({ ...base, type: 'withdrawal', withdrawalId: payout.withdrawalId }),
    ];
  }
  if (payout.advanceId && payout.claimId) {
    return [
      markPaid(keys.advance(payout.claimId), 'PENDING', 'advanceId', payout.advanceId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'advance-compensation' }, at),
      movementPut({ ...base, type: 'advance-compensation', claimId: payout.claimId, advanceId: payout.advanceId }),
    ];
  }
  if (payout.compensationId && payout.compensationOrderId && payout.compensationLineId) {
    return [
      markPaid(keys.compensation(payout.compensationOrderId, payout.compensationLineId, payout.compensationId), 'PENDING', 'payoutId', payout.payoutId, at),
      accountUpdate(merchantId, { kind: 'settle', amountFen, movement: 'compensation' }, at),
      movementPut({ ...base, type: 'compensation', compensationId: payout.compensationId }),
    ];
  }
  throw new Error(`Deposit payout ${payout.payoutId} names neither a withdrawal, an advance nor a compensation`);
}

/**
 * D3, J9: the writes a fraud finding adds to its penalty's transaction — the available balance as
 * read, plus the holds of the withdrawals it cancels (`cancelled`: approved, not yet sent), leave
 * the account (`deposit-unchanged`: exactly that much is still available, else the penalty
 * re-reads), a `forfeiture` movement and `deposit.forfeited`; each cancelled withdrawal → CANCELLED
 * with its payout (`withdrawalCancelWrites`). Money held for transfers already in flight and for
 * advance or dispute compensations stays promised to their payouts. None when nothing is left.
 */
export function depositForfeitureWrites(
  account: DepositAccount,
  penalty: { penaltyId: string; at: string },
  cancelled: readonly { withdrawal: Withdrawal; payout: StoredPayout }[] = [],
  inFlight: readonly { withdrawalId: string; payoutId: string; status: string }[] = [],
): { names: string[]; items: TransactWriteItem[] } {
  const releasedFen = cancelled.reduce((sum, c) => sum + c.withdrawal.amountFen, 0);
  const forfeitFen = account.availableFen + releasedFen;
  const cancels = cancelled.map((c) => withdrawalCancelWrites(c.withdrawal, c.payout, penalty.at, penalty.penaltyId));
  if (forfeitFen <= 0) return { names: cancels.flatMap((c) => c.names), items: cancels.flatMap((c) => c.items) };
  const { merchantId } = account;
  const movement: DepositMovement = {
    movementId: newMovementId(penalty.at),
    merchantId,
    type: 'forfeiture',
    deltaFen: -forfeitFen,
    at: penalty.at,
    actor: { role: 'system' },
    penaltyId: penalty.penaltyId,
  };
  return {
    names: ['deposit-unchanged', 'movement-new', 'outbox', ...cancels.flatMap((c) => c.names)],
    items: [
      accountUpdate(merchantId, { kind: 'forfeit', amountFen: forfeitFen, releasedFen }, penalty.at),
      movementPut(movement),
      outbox(
        'deposit.forfeited',
        {
          merchantId,
          penaltyId: penalty.penaltyId,
          forfeitFen,
          heldFen: account.heldFen - releasedFen,
          cancelledWithdrawalIds: cancelled.map((c) => c.withdrawal.withdrawalId),
          // D3: transfers already in flight finish; reported here for operators.
          inFlightWithdrawals: inFlight,
        },
        penalty.at,
      ),
      ...cancels.flatMap((c) => c.items),
    ],
  };
}
