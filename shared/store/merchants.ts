import type { Payee } from '#shared/payments/port.ts';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { retry, RETRY } from '#shared/retry.ts';
import type { Enrollment, Merchant } from '#shared/rules/types.ts';
import { documentClient, tableName } from './client.ts';
import { queryAll } from './query.ts';
import { ConditionFailed, isTransactionConflict, named } from './errors.ts';
import { fromItem } from './items.ts';
import { keys, prefixes } from './keys.ts';
import { inboundMarkerPut } from './orders.ts';
import { outboxPut } from './outbox.ts';

/**
 * The merchant partition (`PK = MERCHANT#id`): the profile, every enrollment, the J7 guard slots
 * of the active ones and the penalties. Everything a join, an exit or a penalty decides on lives
 * here, so one Query reads it and one transaction changes it.
 *
 * The profile carries `revision`, bumped by every write that adds an enrollment or changes a
 * penalty. A penalty's transaction is conditioned on the revision it read, so a join that
 * commits between its read and its write makes it re-read instead of missing that enrollment;
 * the join in turn is conditioned on no active penalty. Either order ends with no ACTIVE
 * enrollment under an active penalty (J1, J9).
 */

export interface MerchantProfileFields {
  name: string;
  /** The old form of the payee: an Alipay logon id (paid with `name` as the real name). */
  alipayAccount?: string;
  /** P4: the merchant's Alipay payee. */
  alipay?: Payee;
  liveBaseId?: string;
  categories: string[];
}

/** The profile item as stored. `name` is absent while only a penalty has been heard of. */
export interface MerchantRecord extends Partial<MerchantProfileFields> {
  merchantId: string;
  /** Ids of penalties not lifted (J1); stored as a string set so adds and removes are atomic. */
  activePenaltyIds: string[];
  depositFrozen: boolean;
  fraudFinding: boolean;
  updatedAt?: string;
  revision: number;
}

/** A merchant whose profile was put (PUT /v1/merchants/{id}). */
export type MerchantProfile = MerchantRecord & MerchantProfileFields & { updatedAt: string };

export interface PenaltyRecord {
  penaltyId: string;
  reason?: string;
  fraud?: boolean;
  /** When the penalty took effect; absent when only its lift has arrived yet. */
  penalizedAt?: string;
  liftedAt?: string;
}

export interface MerchantPartition {
  /** The stored profile item, or undefined when nothing is known of the merchant. */
  merchant: MerchantRecord | undefined;
  /** Oldest first (enrollment ids are ULIDs). */
  enrollments: Enrollment[];
  penalties: PenaltyRecord[];
}

/** Another writer changed the merchant between our read and our write: read again and decide again. */
export class MerchantChanged extends Error {
  override name = 'MerchantChanged';
  constructor(readonly failed: readonly string[]) {
    super(`Merchant changed concurrently: ${failed.join(', ')}`);
  }
}

export function isProfiled(merchant: MerchantRecord | undefined): merchant is MerchantProfile {
  return merchant !== undefined && typeof merchant.name === 'string';
}

/** The view of a merchant the join rules read. */
export function toRulesMerchant(profile: MerchantProfile): Merchant {
  return {
    merchantId: profile.merchantId,
    ...(profile.liveBaseId ? { liveBaseId: profile.liveBaseId } : {}),
    categories: profile.categories,
    activePenaltyIds: profile.activePenaltyIds,
  };
}

function toMerchantRecord(item: Record<string, unknown>): MerchantRecord {
  const { activePenaltyIds, depositFrozen, fraudFinding, revision, ...rest } = fromItem<Record<string, unknown>>(item);
  return {
    ...(rest as Pick<MerchantRecord, 'merchantId'> & Partial<MerchantProfileFields>),
    // The document client reads a string set as a Set; sorted so answers are stable.
    activePenaltyIds: activePenaltyIds instanceof Set ? [...(activePenaltyIds as Set<string>)].sort() : [],
    depositFrozen: depositFrozen === true,
    fraudFinding: fraudFinding === true,
    revision: typeof revision === 'number' ? revision : 0,
  };
}

function enrollmentItem(enrollment: Enrollment) {
  return { ...keys.enrollment(enrollment.merchantId, enrollment.enrollmentId), entity: 'Enrollment', ...enrollment };
}

function slotKey(enrollment: Enrollment) {
  return keys.activeEnrollmentSlot(enrollment.merchantId, enrollment.planId, enrollment.campaign?.campaignId);
}

/** `revision` as read: the condition a penalty write puts on the profile. */
function unchangedSince(revision: number) {
  return revision === 0
    ? { ConditionExpression: 'attribute_not_exists(revision)', values: {} }
    : { ConditionExpression: 'revision = :revision', values: { ':revision': revision } };
}

/** Runs a named transaction; any failed condition other than `event-not-seen`, or a lost race, is MerchantChanged. */
async function transact(names: string[], items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>) {
  try {
    await named(names, () => documentClient.send(new TransactWriteCommand({ TransactItems: items })));
  } catch (error) {
    if (error instanceof ConditionFailed && !error.failed.includes('event-not-seen')) throw new MerchantChanged(error.failed);
    if (isTransactionConflict(error)) throw new MerchantChanged(['transaction-conflict']);
    throw error;
  }
}

// ---------- reads ----------

/**
 * Profile, enrollments and penalties of a merchant: ONE strongly consistent Query of its
 * partition, `PK = MERCHANT#id` (the guard slots come along and are skipped).
 */
export async function readMerchantPartition(merchantId: string): Promise<MerchantPartition> {
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.merchant(merchantId).PK },
    ConsistentRead: true,
  });
  const sk = (item: Record<string, unknown>) => String(item['SK']);
  const profile = items.find((item) => sk(item) === keys.merchant(merchantId).SK);
  return {
    merchant: profile ? toMerchantRecord(profile) : undefined,
    enrollments: items.filter((item) => sk(item).startsWith(prefixes.enrollment)).map((item) => fromItem<Enrollment>(item)),
    penalties: items.filter((item) => sk(item).startsWith(prefixes.penalty)).map((item) => fromItem<PenaltyRecord>(item)),
  };
}

/** One enrollment: GetItem `PK = MERCHANT#id, SK = ENROLLMENT#enr_…` (strongly consistent). */
export async function getEnrollment(merchantId: string, enrollmentId: string): Promise<Enrollment | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.enrollment(merchantId, enrollmentId), ConsistentRead: true }));
  return Item ? fromItem<Enrollment>(Item) : undefined;
}

// ---------- writes ----------

/**
 * Upserts the profile fields only (UpdateItem SET): penalties, the deposit flags and the revision
 * are never touched, so a profile update cannot erase a penalty. An absent `liveBaseId` unbinds it.
 */
export async function putMerchantProfile(merchantId: string, fields: MerchantProfileFields, at: string): Promise<MerchantProfile> {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.merchant(merchantId),
      UpdateExpression:
        'SET entity = :entity, merchantId = :merchantId, #name = :name, categories = :categories, updatedAt = :at' +
        (fields.alipayAccount ? ', alipayAccount = :alipay' : '') +
        (fields.alipay ? ', alipay = :payee' : '') +
        (fields.liveBaseId ? ', liveBaseId = :liveBase' : '') +
        // Whatever this PUT leaves out is removed: the profile is the last one put.
        ((removed) => (removed.length ? ` REMOVE ${removed.join(', ')}` : ''))(
          [fields.alipayAccount ? '' : 'alipayAccount', fields.alipay ? '' : 'alipay', fields.liveBaseId ? '' : 'liveBaseId'].filter(Boolean),
        ),
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: {
        ':entity': 'Merchant',
        ':merchantId': merchantId,
        ':name': fields.name,
        ...(fields.alipayAccount ? { ':alipay': fields.alipayAccount } : {}),
        ...(fields.alipay ? { ':payee': fields.alipay } : {}),
        ':categories': fields.categories,
        ':at': at,
        ...(fields.liveBaseId ? { ':liveBase': fields.liveBaseId } : {}),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toMerchantRecord(Attributes!) as MerchantProfile;
}

/**
 * Join: the enrollment, its J7 slot (`plan-not-active`: no other ACTIVE enrollment of the plan and
 * campaign), the profile's revision bump conditioned on a put profile with no active penalty
 * (`no-penalty`), and `enrollment.joined` — one transaction. Throws MerchantChanged when a
 * condition failed or another transaction won the race; the caller re-reads and decides again.
 */
export async function insertEnrollment(enrollment: Enrollment): Promise<void> {
  await transact(
    ['enrollment-new', 'plan-not-active', 'no-penalty', 'outbox'],
    [
      { Put: { TableName: tableName, Item: enrollmentItem(enrollment), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Put: {
          TableName: tableName,
          Item: { ...slotKey(enrollment), entity: 'ActiveEnrollmentSlot', enrollmentId: enrollment.enrollmentId },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        // An Update, not a ConditionCheck: the revision bump is what lets a concurrent penalty notice this join.
        Update: {
          TableName: tableName,
          Key: keys.merchant(enrollment.merchantId),
          UpdateExpression: 'ADD revision :one',
          ConditionExpression: 'attribute_exists(#name) AND attribute_not_exists(activePenaltyIds)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      outboxPut(tableName, 'enrollment.joined', { ...enrollment }, enrollment.joinedAt),
    ],
  );
}

/**
 * The writes that end one ACTIVE enrollment (J8, J9): status TERMINATED only if still ACTIVE
 * (`enrollment-active`), its J7 slot freed only if it is this enrollment's (`slot-held`), and
 * `enrollment.terminated`.
 */
function terminationItems(terminated: Enrollment) {
  const names = ['enrollment-active', 'slot-held', 'outbox'];
  const items = [
    {
      Update: {
        TableName: tableName,
        Key: keys.enrollment(terminated.merchantId, terminated.enrollmentId),
        UpdateExpression: 'SET #status = :terminated, exitedAt = :exitedAt, exitReason = :reason',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':terminated': 'TERMINATED',
          ':active': 'ACTIVE',
          ':exitedAt': terminated.exitedAt,
          ':reason': terminated.exitReason,
        },
      },
    },
    {
      Delete: {
        TableName: tableName,
        Key: slotKey(terminated),
        ConditionExpression: 'enrollmentId = :enrollmentId',
        ExpressionAttributeValues: { ':enrollmentId': terminated.enrollmentId },
      },
    },
    outboxPut(tableName, 'enrollment.terminated', { ...terminated }, terminated.exitedAt!),
  ];
  return { names, items };
}

/** Exit (J8): one transaction of the termination writes. MerchantChanged when it was no longer ACTIVE. */
export async function terminateEnrollment(terminated: Enrollment): Promise<void> {
  const { names, items } = terminationItems(terminated);
  await transact(names, items);
}

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

export interface PenaltyChange {
  event: { id: string; type: string; occurredAt: string };
  merchantId: string;
  /** The profile revision the decision was made on. */
  revision: number;
  /** The penalty item after the change. */
  penalty: PenaltyRecord;
  /** Profile changes: a penalty id to add to or remove from the active ones, deposit flags. */
  addActivePenaltyId?: string;
  removeActivePenaltyId?: string;
  depositFrozen?: boolean;
  fraudFinding?: true;
  /** Enrollments to terminate, as the rules terminated them. */
  terminated: readonly Enrollment[];
  /** More writes of the same transaction, with their condition names (a fraud finding's forfeiture, D3). */
  extraWrites?: { names: readonly string[]; items: readonly TransactItem[] };
}

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Records a penalty or its lift (J9): the inbound event marker (`event-not-seen`), the profile
 * (conditioned on the revision read, and bumped), the penalty item and every forced exit — one
 * transaction, so a redelivered event changes nothing and a half-applied penalty never exists.
 * Forced exits beyond one transaction's 100 items go first in their own transactions (each
 * exit is complete by itself; a redelivery finds them done). Returns `duplicate` when the event
 * id was seen before; throws MerchantChanged when the merchant changed since it was read.
 */
export async function recordPenaltyChange(change: PenaltyChange): Promise<{ duplicate: boolean }> {
  const { event, merchantId } = change;
  const extra = change.extraWrites ?? { names: [], items: [] };
  const fixed = 3 + extra.items.length; // marker, profile, penalty item, extra writes
  const perExit = 3;
  const inline = Math.floor((MAX_TRANSACTION_ITEMS - fixed) / perExit);
  const overflow = change.terminated.slice(inline);
  for (let i = 0; i < overflow.length; i += Math.floor(MAX_TRANSACTION_ITEMS / perExit)) {
    const batch = overflow.slice(i, i + Math.floor(MAX_TRANSACTION_ITEMS / perExit)).map(terminationItems);
    await transact(
      batch.flatMap((t) => t.names),
      batch.flatMap((t) => t.items),
    );
  }

  const sets = ['entity = :entity', 'merchantId = :merchantId'];
  const values: Record<string, unknown> = { ':entity': 'Merchant', ':merchantId': merchantId, ':one': 1 };
  if (change.depositFrozen !== undefined) {
    sets.push('depositFrozen = :frozen');
    values[':frozen'] = change.depositFrozen;
  }
  if (change.fraudFinding) {
    sets.push('fraudFinding = :fraud');
    values[':fraud'] = true;
  }
  const adds = ['revision :one'];
  if (change.addActivePenaltyId) {
    adds.push('activePenaltyIds :added');
    values[':added'] = new Set([change.addActivePenaltyId]);
  }
  // Deleting the last element removes the attribute: `attribute_not_exists` then means "no penalty".
  const deletes = change.removeActivePenaltyId ? ' DELETE activePenaltyIds :removed' : '';
  if (change.removeActivePenaltyId) values[':removed'] = new Set([change.removeActivePenaltyId]);
  const unchanged = unchangedSince(change.revision);

  const exits = change.terminated.slice(0, inline).map(terminationItems);
  try {
    await transact(
      ['event-not-seen', 'merchant-unchanged', 'penalty', ...extra.names, ...exits.flatMap((t) => t.names)],
      [
        inboundMarkerPut(event),
        {
          Update: {
            TableName: tableName,
            Key: keys.merchant(merchantId),
            UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}${deletes}`,
            ConditionExpression: unchanged.ConditionExpression,
            ExpressionAttributeValues: { ...values, ...unchanged.values },
          },
        },
        {
          // Every penalty change bumps the profile revision, so the revision condition guards this Put too.
          Put: {
            TableName: tableName,
            Item: { ...keys.penalty(merchantId, change.penalty.penaltyId), entity: 'Penalty', merchantId, ...change.penalty },
          },
        },
        ...extra.items,
        ...exits.flatMap((t) => t.items),
      ],
    );
    return { duplicate: false };
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('event-not-seen')) return { duplicate: true };
    throw error;
  }
}

/** Records only that an event was handled (a penalty lifted twice under two event ids). */
export async function markEventSeen(event: { id: string; type: string; occurredAt: string }): Promise<{ duplicate: boolean }> {
  try {
    await named(['event-not-seen'], () => documentClient.send(new PutCommand(inboundMarkerPut(event).Put)));
    return { duplicate: false };
  } catch (error) {
    if (error instanceof ConditionFailed) return { duplicate: true };
    throw error;
  }
}

/**
 * Reads, decides and writes again when the merchant changed between read and write (a join or
 * penalty that committed first, a lost transaction race): the rules then decide on the new state,
 * e.g. the loser of two concurrent joins gets ALREADY_ENROLLED. Gives up with a 409 after a few tries.
 */
export function retryWhenMerchantChanged<T>(attempt: () => Promise<T>): Promise<T> {
  return retry(
    RETRY.merchantChanged,
    { retryable: (error) => error instanceof MerchantChanged, exhausted: (error) => new ConditionFailed((error as MerchantChanged).failed) },
    attempt,
  );
}
