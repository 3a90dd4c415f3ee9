import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import type { Actor } from '#shared/rules/types.ts';
import { tableName } from './client.ts';
import { effectOf, type AccountChange, type MovementType } from './deposit-ledger.ts';
import { transactRetryingConflicts } from './errors.ts';
import { keys } from './keys.ts';

import { outboxPut, type OutboundEventType } from './outbox.ts';

/**
 * What the deposit's stores share (D1–D5, J9): the journal movement and the profile fields the
 * deposit rules read, and the items every deposit transaction is built of — the account's
 * `ADD` of a ledger effect guarded by its conditions (deposit-ledger.ts), the append-only journal
 * movement, the merchant's good standing, the outbox event. The aggregates write with them:
 * the account and its settlements (deposits.ts), withdrawals, advances, top-ups (one module each).
 */

export const transact = (names: readonly string[], items: Parameters<typeof transactRetryingConflicts>[1]) => transactRetryingConflicts(names, items);

export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface DepositMovement {
  movementId: string;
  merchantId: string;
  type: MovementType;
  /** Signed: + into the deposit, − out of it. The balance is the sum of every `deltaFen`. */
  deltaFen: number;
  at: string;
  actor: Actor;
  withdrawalId?: string;
  claimId?: string;
  advanceId?: string;
  payoutId?: string;
  penaltyId?: string;
  topUpId?: string;
  compensationId?: string;
}

/** What the deposit rules read from the merchant profile (`MERCHANT#id / PROFILE`). */
export interface DepositHolder {
  merchantId: string;
  /** A profile was PUT (it has a name): only such a merchant may pay in. */
  profiled: boolean;
  alipayAccount: string;
  activePenaltyIds: string[];
  depositFrozen: boolean;
  fraudFinding: boolean;
}

export function holderOf(merchantId: string, item: Record<string, unknown> | undefined): DepositHolder {
  const penalties = item?.['activePenaltyIds'];
  return {
    merchantId,
    profiled: typeof item?.['name'] === 'string',
    alipayAccount: typeof item?.['alipayAccount'] === 'string' ? item['alipayAccount'] : '',
    // The document client reads a string set as a Set.
    activePenaltyIds: penalties instanceof Set ? [...(penalties as Set<string>)].sort() : [],
    depositFrozen: item?.['depositFrozen'] === true,
    fraudFinding: item?.['fraudFinding'] === true,
  };
}

/** The Put of a journal movement: a movement is written once and never changed (append-only). */
export function movementPut(movement: DepositMovement): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.depositMovement(movement.merchantId, movement.at, movement.movementId), entity: 'DepositMovement', ...movement },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/**
 * The account's UpdateItem for one ledger change: `ADD` of the effect's deltas, its guards as the
 * condition. A lower bound of 0 or less always holds (figures are never negative) and is left out,
 * since `figure >= 0` would fail on an account not created yet.
 */
export function accountUpdate(merchantId: string, change: AccountChange, at: string): TransactWriteItem {
  const effect = effectOf(change);
  const conditions: string[] = [];
  const values: Record<string, unknown> = {
    ':entity': 'DepositAccount',
    ':merchantId': merchantId,
    ':at': at,
    ':dBalance': effect.delta.balanceFen,
    ':dHeld': effect.delta.heldFen,
    ':dAvailable': effect.delta.availableFen,
    ':one': 1,
  };
  for (const [figure, bound] of Object.entries(effect.atLeast)) {
    if (bound <= 0) continue;
    conditions.push(`${figure} >= :min_${figure}`);
    values[`:min_${figure}`] = bound;
  }
  for (const [figure, bound] of Object.entries(effect.atMost)) {
    conditions.push(`(attribute_not_exists(${figure}) OR ${figure} <= :max_${figure})`);
    values[`:max_${figure}`] = bound;
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.depositAccount(merchantId),
      UpdateExpression:
        'SET entity = :entity, merchantId = :merchantId, updatedAt = :at ' + 'ADD balanceFen :dBalance, heldFen :dHeld, availableFen :dAvailable, version :one',
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/** No active penalty, deposit not frozen, no fraud finding (D3, J9) — as the profile says at write time. */
export function inGoodStanding(merchantId: string): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.merchant(merchantId),
      ConditionExpression:
        'attribute_not_exists(activePenaltyIds) AND (attribute_not_exists(depositFrozen) OR depositFrozen = :false) ' +
        'AND (attribute_not_exists(fraudFinding) OR fraudFinding = :false)',
      ExpressionAttributeValues: { ':false': false },
    },
  };
}

export const outbox = (type: OutboundEventType, detail: Record<string, unknown>, at: string): TransactWriteItem => outboxPut(tableName, type, detail, at);

/** Monotonic within a process: movements recorded at the same instant keep the order they were written in. */
const movementUlid = monotonicFactory();

export const newMovementId = (at: string) => `mov_${movementUlid(Date.parse(at))}`;
