import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PaymentInstruction } from '#shared/payments/port.ts';
import type { Actor } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { named } from './errors.ts';
import { dueItems, type ReadCapacity } from './due.ts';
import { fromItem } from './items.ts';
import { indexKeys, keys } from './keys.ts';
import { transact, type DepositMovement, movementPut, accountUpdate, outbox, newMovementId } from './deposit-items.ts';

/** D4 top-ups: money a merchant pays in, credited once when the provider confirms it (with its journal movement). */

export type TopUpStatus = 'PENDING' | 'CREDITED' | 'EXPIRED';

/** D4: money a merchant is paying in — a number only once the provider confirms it received it. */
export interface TopUp {
  topUpId: string;
  merchantId: string;
  amountFen: number;
  status: TopUpStatus;
  /** The provider's payment instruction (its `paymentId` is the top-up id). */
  payment: PaymentInstruction;
  createdAt: string;
  expiresAt: string;
  createdBy: Actor;
  creditedAt?: string;
  /** The provider's id of the payment, once confirmed. */
  providerRef?: string;
  /** How the confirmation arrived: the provider's signed notification, or the job's query. */
  creditedBy?: 'notification' | 'query';
  movementId?: string;
  expiredAt?: string;
  /** Queries the job made while it was PENDING. */
  checks?: number;
}

/** `expiresAt` is the table's TTL attribute: a top-up keeps its expiry as `payableUntil` (and is never deleted by TTL). */
function topUpItem(topUp: TopUp, dueAt: string | null) {
  const { expiresAt, ...rest } = topUp;
  return {
    ...keys.topUp(topUp.topUpId),
    ...(dueAt ? indexKeys.due('TOPUP', topUp.topUpId, dueAt) : {}),
    entity: 'DepositTopUp',
    ...rest,
    payableUntil: expiresAt,
  };
}

function topUpOf(item: Record<string, unknown>): TopUp {
  const { payableUntil, ...rest } = fromItem<Omit<TopUp, 'expiresAt'> & { payableUntil: string }>(item);
  return { ...rest, expiresAt: payableUntil } as TopUp;
}

/** A top-up by id: GetItem `PK = TOPUP#id, SK = TOPUP` (consistent). */
export async function getTopUp(topUpId: string): Promise<TopUp | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.topUp(topUpId), ConsistentRead: true }));
  return Item ? topUpOf(Item) : undefined;
}

/** PENDING top-ups whose next provider query (or expiry) is due: DueIndex `dueShard = TOPUP#n AND dueAt <= cutoff`. */
export async function topUpsDue(cutoffSortable: string, limitPerShard = 100, capacity?: ReadCapacity): Promise<TopUp[]> {
  // dueItems strips the key attributes; payableUntil is kept and mapped back.
  const items = await dueItems<Record<string, unknown>>('TOPUP', cutoffSortable, limitPerShard, capacity);
  return items.map(topUpOf);
}

/**
 * D4 start: the top-up PENDING with its payment instruction (`top-up-new`: its id is new — for a
 * request with an Idempotency-Key the id is derived from it, so a retried request cannot create a
 * second one), due for the job's first query at `dueAt`; the merchant must have a profile
 * (`merchant-profiled` → 404). Nothing touches the account: a top-up is no money yet.
 */
export async function insertTopUp(topUp: TopUp, dueAt: string): Promise<void> {
  await transact(
    ['top-up-new', 'merchant-profiled'],
    [
      { Put: { TableName: tableName, Item: topUpItem(topUp, dueAt), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.merchant(topUp.merchantId),
          ConditionExpression: 'attribute_exists(#name)',
          ExpressionAttributeNames: { '#name': 'name' },
        },
      },
    ],
  );
}

/**
 * D4 credit, exactly once: the top-up PENDING → CREDITED and out of the due index
 * (`top-up-pending`: still PENDING, same amount — a replayed notification or a query racing it
 * fails here and credits nothing), the `top-up` movement (`movement-new`), the account's `ADD`
 * (`balance-within-limit`) and `deposit.credited` — one transaction.
 */
export async function creditTopUp(topUp: TopUp, confirmation: { providerRef: string; at: string; by: 'notification' | 'query' }): Promise<DepositMovement> {
  const { at } = confirmation;
  const movement: DepositMovement = {
    movementId: newMovementId(at),
    merchantId: topUp.merchantId,
    type: 'top-up',
    deltaFen: topUp.amountFen,
    at,
    actor: { role: 'system', id: `payment:${topUp.payment.provider}` },
    topUpId: topUp.topUpId,
  };
  await transact(
    ['top-up-pending', 'movement-new', 'balance-within-limit', 'outbox'],
    [
      {
        Update: {
          TableName: tableName,
          Key: keys.topUp(topUp.topUpId),
          UpdateExpression: 'SET #status = :credited, creditedAt = :at, providerRef = :ref, creditedBy = :by, movementId = :movementId REMOVE dueShard, dueAt',
          ConditionExpression: '#status = :pending AND amountFen = :amount',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':credited': 'CREDITED',
            ':at': at,
            ':ref': confirmation.providerRef,
            ':by': confirmation.by,
            ':movementId': movement.movementId,
            ':pending': 'PENDING',
            ':amount': topUp.amountFen,
          },
        },
      },
      movementPut(movement),
      accountUpdate(topUp.merchantId, { kind: 'top-up', amountFen: topUp.amountFen }, at),
      outbox(
        'deposit.credited',
        {
          merchantId: topUp.merchantId,
          topUpId: topUp.topUpId,
          amountFen: topUp.amountFen,
          providerRef: confirmation.providerRef,
          movementId: movement.movementId,
        },
        at,
      ),
    ],
  );
  return movement;
}

/** D4: an unpaid top-up PENDING → EXPIRED and out of the due index (`top-up-pending`). */
export async function expireTopUp(topUpId: string, at: string): Promise<void> {
  await named(['top-up-pending'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.topUp(topUpId),
        UpdateExpression: 'SET #status = :expired, expiredAt = :at REMOVE dueShard, dueAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'EXPIRED', ':at': at, ':pending': 'PENDING' },
      }),
    ),
  );
}

/** D4: a PENDING top-up the provider has not confirmed yet is queried again at `dueAt` (`top-up-pending`). */
export async function rescheduleTopUp(topUpId: string, dueAt: string): Promise<void> {
  const due = indexKeys.due('TOPUP', topUpId, dueAt);
  await named(['top-up-pending'], () =>
    documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.topUp(topUpId),
        UpdateExpression: 'SET dueShard = :shard, dueAt = :dueAt ADD checks :one',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':shard': due.dueShard, ':dueAt': due.dueAt, ':one': 1, ':pending': 'PENDING' },
      }),
    ),
  );
}
