import type { HistoryEntry, PayoutStatus, PolicyStatus } from '#shared/rules/types.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { ConditionFailed, named, transactEach, type TransactItem, type TransactPart } from './errors.ts';
import { keys } from './keys.ts';
import { outboxPut, type OutboundEventType } from './outbox.ts';
import { payoutItem, type StoredPayout } from './payout-item.ts';

/*
 * The payout job's conditional writes (P1–P3): every step guarded by `payout-unchanged`, and what a
 * confirmation settles besides (claim, policy, a deposit's parts), shared in transactions.
 */

/** What a job write expects to find: the status and version it read, and its lease while SENDING. */
export interface PayoutGuard {
  status: PayoutStatus;
  version?: number;
  leaseToken?: string;
}

export interface PayoutEvent {
  type: OutboundEventType;
  detail: Record<string, unknown>;
}

/**
 * The whole payout item, written only if it is still as read (`payout-unchanged`): same status,
 * same version (absent until the job first writes it) and, while SENDING, the same lease. The
 * written record carries version + 1, so of two runs acting on one read exactly one write wins.
 */
function guardedPut(previous: PayoutGuard, payout: StoredPayout, dueAt: string | null) {
  const conditions = ['#status = :expectedStatus'];
  const values: Record<string, unknown> = { ':expectedStatus': previous.status };
  if (previous.version === undefined) conditions.push('attribute_not_exists(#version)');
  else {
    conditions.push('#version = :expectedVersion');
    values[':expectedVersion'] = previous.version;
  }
  if (previous.leaseToken !== undefined) {
    conditions.push('leaseToken = :expectedLease');
    values[':expectedLease'] = previous.leaseToken;
  }
  return {
    Put: {
      TableName: tableName,
      Item: payoutItem(payout, dueAt),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: values,
    },
  };
}

const nextVersion = (previous: PayoutGuard, payout: StoredPayout): StoredPayout => ({ ...payout, version: (previous.version ?? 0) + 1 });

/**
 * One step of the job on one payout (mark SENDING, record an outcome, reschedule, flag overdue):
 * the payout as the step leaves it, its due entry moved to `dueAt` (`null`: out of the index), and
 * the step's outbox events, in one conditional write. Returns the record as written, or undefined
 * when the payout changed since it was read (another run acted first: this one steps aside).
 */
export async function savePayoutStep(input: PayoutWrite): Promise<StoredPayout | undefined> {
  const [outcome] = await writePayouts([input]);
  switch (outcome!.status) {
    case 'error':
      throw outcome!.error;
    case 'refused':
      throw new ConditionFailed(outcome!.failed);
    case 'skipped':
      return undefined;
    case 'written':
      return outcome!.payout;
  }
}

/** The claim a confirmed payout pays (P1): it becomes PAID, its policy CLAIMED. */
export interface ClaimPayment {
  claimId: string;
  /** The history length the claim was read with; the rules' `pay` transition appends `entry`. */
  historyLength: number;
  entry: HistoryEntry;
  paidAt: string;
  policy: { orderId: string; planId: string; lineId?: string };
  /** The policy statuses the lifecycle lets become CLAIMED. */
  claimableStatuses: readonly PolicyStatus[];
}

/**
 * A write the confirmation transaction carries besides the payout. `group` names what it settles
 * (`claim`, `policy`, `deposit` …); `name` names its condition.
 */
export interface SettlementWrite {
  group: string;
  name: string;
  item: TransactItem;
}

/**
 * D3: a deposit withdrawal is handed to the provider only while its merchant has no fraud finding —
 * a ConditionCheck on the profile in the same write that takes the payout to SENDING
 * (`merchant-not-fraudulent`), so a finding recorded at any moment before is never outrun, whatever
 * the penalty's (eventually consistent) look-up of approved withdrawals saw.
 */
export function noFraudFindingCheck(merchantId: string): SettlementWrite {
  return {
    group: 'merchant',
    name: 'merchant-not-fraudulent',
    item: {
      ConditionCheck: {
        TableName: tableName,
        Key: keys.merchant(merchantId),
        ConditionExpression: 'attribute_not_exists(fraudFinding) OR fraudFinding = :false',
        ExpressionAttributeValues: { ':false': false },
      },
    },
  };
}

/**
 * The claim and policy items of a confirmation: the claim APPROVED → PAID with `paidAt` and its
 * history entry (`claim-approved`: still APPROVED with the history it was read with), and its policy
 * → CLAIMED, leaving the expiry job's due index (`policy-claimable`: still this claim's policy, in
 * a status the lifecycle lets become CLAIMED).
 */
export function claimPaidWrites(payment: ClaimPayment, at: string): SettlementWrite[] {
  const statusValues = Object.fromEntries(payment.claimableStatuses.map((status, i) => [`:s${i}`, status]));
  return [
    {
      group: 'claim',
      name: 'claim-approved',
      item: {
        Update: {
          TableName: tableName,
          Key: keys.claim(payment.claimId),
          UpdateExpression: 'SET #status = :paid, paidAt = :paidAt, #history = list_append(#history, :entry)',
          ConditionExpression: '#status = :approved AND size(#history) = :historyLength',
          ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
          ExpressionAttributeValues: {
            ':paid': payment.entry.status,
            ':paidAt': payment.paidAt,
            ':entry': [payment.entry],
            ':approved': 'APPROVED',
            ':historyLength': payment.historyLength,
          },
        },
      },
    },
    {
      group: 'policy',
      name: 'policy-claimable',
      item: {
        Update: {
          TableName: tableName,
          Key: keys.policy(payment.policy.orderId, payment.policy.planId, payment.policy.lineId),
          UpdateExpression: 'SET #status = :claimed, claimedAt = :at REMOVE dueShard, dueAt',
          // C7: a live-quality policy pays one claim per refund (its `claimIds`), in any status it has.
          ConditionExpression: `(claimId = :claimId AND #status IN (${Object.keys(statusValues).join(', ')})) OR contains(claimIds, :claimId)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'CLAIMED', ':at': at, ':claimId': payment.claimId, ...statusValues },
        },
      },
    },
  ];
}

/**
 * One write of the payout job on one payout: the payout as the step leaves it (guarded by
 * `payout-unchanged`), its due entry moved to `dueAt` (`null`: out of the index), what a
 * confirmation settles besides (`writes`: claim and policy, a deposit's withdrawal or advance) and
 * the step's outbox events — all or nothing.
 */
export interface PayoutWrite {
  previous: PayoutGuard;
  payout: StoredPayout;
  dueAt: string | null;
  writes?: readonly SettlementWrite[];
  events?: readonly PayoutEvent[];
  at: string;
}

/**
 * What became of one payout write: written (the payout as written); skipped (another run changed
 * the payout first: nothing of it written); or refused (nothing of it written) because the parts
 * named in `failed` did not hold.
 */
export type PayoutWriteOutcome =
  | { status: 'written'; payout: StoredPayout }
  | { status: 'skipped' }
  | { status: 'refused'; failed: string[] }
  | { status: 'error'; error: unknown };

/** The name a payout write gets when it keeps conflicting with other writers: left as they left it. */
const KEPT_CONFLICTING = 'payout-conflict';

function partOf(write: PayoutWrite, payout: StoredPayout): TransactPart {
  return {
    names: ['payout-unchanged', ...(write.writes ?? []).map((part) => part.name), ...(write.events ?? []).map(() => 'outbox')],
    items: [
      guardedPut(write.previous, payout, write.dueAt),
      ...(write.writes ?? []).map((part) => part.item),
      ...(write.events ?? []).map((event) => outboxPut(tableName, event.type, event.detail, write.at)),
    ],
  };
}

/**
 * The payout job's writes (P1–P3), each all or nothing. Alone, a plain step is one conditional
 * PutItem; together, several payouts share transactions (`transactEach`), so a busy run sends a
 * few transactions instead of one write per step. Skipped: another run changed the payout first,
 * or its write kept conflicting with other writers (its next run finds out what became of it).
 * The outcome of each is returned in order, never thrown.
 */
export async function writePayouts(writes: readonly PayoutWrite[]): Promise<PayoutWriteOutcome[]> {
  const payouts = writes.map((write) => nextVersion(write.previous, write.payout));
  const only = writes.length === 1 ? writes[0]! : undefined;
  if (only && !only.writes?.length && !only.events?.length) {
    try {
      await named(['payout-unchanged'], () => documentClient.send(new PutCommand(guardedPut(only.previous, payouts[0]!, only.dueAt).Put)));
      return [{ status: 'written', payout: payouts[0]! }];
    } catch (error) {
      return [error instanceof ConditionFailed ? { status: 'skipped' } : { status: 'error', error }];
    }
  }
  const outcomes = await transactEach(
    writes.map((write, i) => partOf(write, payouts[i]!)),
    KEPT_CONFLICTING,
  );
  return outcomes.map((outcome, i): PayoutWriteOutcome => {
    if (outcome.status === 'written') return { status: 'written', payout: payouts[i]! };
    if (outcome.status === 'error') return outcome;
    const changed = outcome.failed.includes('payout-unchanged') || outcome.failed.includes(KEPT_CONFLICTING);
    return changed ? { status: 'skipped' } : outcome;
  });
}
