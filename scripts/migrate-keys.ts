/**
 * `npm run migrate-keys`: the one-off migration of issue 20 — moves every item from the old keys
 * to the new (shared/store/keys.ts), in place, with UpdateItem:
 * - claims and payouts: `GSI3PK` from `CLAIMS` / `PAYOUTS` to their shard (`CLAIMS#n`, `PAYOUTS#n`);
 * - open claims (UNDER_REVIEW, NEEDS_INFO) into the review queue, payouts needing attention
 *   (FAILED for good, overdue and unsettled) into theirs (QueueIndex `queuePK`/`queueSK`);
 * - every due entry (`dueShard`) from 8 shards to `DUE_SHARDS`;
 * - a merchant's policies and the claims on its orders (`GSI2PK`) to their shard of
 *   `MERCHANT_LIST_SHARDS` (`MERCHANT#id#POLICIES#n`, `MERCHANT#id#CLAIMS#n`).
 * Outbox records are NOT moved: re-writing one would publish its event again through the table
 * stream; the old `OUTBOX#<day>` partitions empty themselves through their 7-day TTL.
 *
 * Idempotent: an item already on its new keys is left alone, so a second run changes nothing.
 * Resumable: the Scan's position is saved after every page to the state file (default
 * `.migrate-keys.<table>.json`); a run that stops is started again and continues from there
 * (`--restart` starts over). Each update is conditioned on what it was computed from (status and
 * due entry as read): an item the service changed meanwhile is read again and computed again.
 * Configure it like the service: TABLE_NAME, DYNAMODB_ENDPOINT (npm start's DynamoDB Local).
 *
 *   npm run migrate-keys [-- --state <file>] [-- --restart] [-- --page-size 500]
 */
import './local-env.ts';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SingleBar, Presets } from 'cli-progress';
import { indexKeys, REVIEW_STATUSES, shardOf, DUE_SHARDS } from '#shared/store/keys.ts';

type Item = Record<string, unknown>;

/** What an item's keys must become: attributes to set and to remove (nothing when already there). */
export interface KeyChange {
  set: Record<string, string>;
  remove: string[];
}

/** The new keys of one item, from the item alone; undefined when it is already on them. */
export function plannedKeys(item: Item): KeyChange | undefined {
  const wanted: Record<string, string | undefined> = {};
  const str = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : undefined);
  if (item['entity'] === 'Claim' && str('claimId') && str('submittedAt')) {
    Object.assign(wanted, indexKeys.claimsAll(str('submittedAt')!, str('claimId')!));
    if (str('merchantId')) Object.assign(wanted, indexKeys.claimsByMerchant(str('merchantId')!, str('submittedAt')!, str('claimId')!));
    const status = str('status');
    const open = status !== undefined && (REVIEW_STATUSES as readonly string[]).includes(status);
    Object.assign(wanted, open ? indexKeys.reviewQueue(status, str('submittedAt')!, str('claimId')!) : { queuePK: undefined, queueSK: undefined });
  }
  if (item['entity'] === 'Policy' && str('policyId') && str('merchantId') && str('issuedAt')) {
    Object.assign(wanted, indexKeys.policiesByMerchant(str('merchantId')!, str('issuedAt')!, str('policyId')!));
  }
  if (item['entity'] === 'Payout' && str('payoutId') && str('createdAt')) {
    Object.assign(wanted, indexKeys.payoutsAll(str('createdAt')!, str('payoutId')!));
    const status = str('status');
    // As `payoutItem` decides it: FAILED for good (out of the due index), or overdue and unsettled.
    const attention =
      (status === 'FAILED' && str('dueShard') === undefined) || (str('overdueAt') !== undefined && status !== 'CONFIRMED' && status !== 'CANCELLED');
    Object.assign(wanted, attention ? indexKeys.payoutsNeedingAttention(str('createdAt')!, str('payoutId')!) : { queuePK: undefined, queueSK: undefined });
  }
  const dueShard = str('dueShard');
  const dueAt = str('dueAt');
  if (dueShard && dueAt) {
    const kind = dueShard.split('#')[0]!;
    wanted['dueShard'] = `${kind}#${shardOf(dueAt.slice(dueAt.indexOf('#') + 1), DUE_SHARDS)}`;
  }
  const change: KeyChange = { set: {}, remove: [] };
  for (const [name, value] of Object.entries(wanted)) {
    if (value === undefined) {
      if (item[name] !== undefined) change.remove.push(name);
    } else if (item[name] !== value) change.set[name] = value;
  }
  return Object.keys(change.set).length === 0 && change.remove.length === 0 ? undefined : change;
}

export interface MigrationState {
  tableName: string;
  lastKey?: Item;
  scanned: number;
  updated: number;
  retried: number;
  done: boolean;
}

export interface MigrationOptions {
  tableName: string;
  stateFile: string;
  pageSize?: number;
  /** Stop after this many Scan pages (tests: a run that is interrupted). */
  maxPages?: number;
  restart?: boolean;
  /** Show a progress bar (a terminal); false: quiet. */
  progress?: boolean;
  concurrency?: number;
}

/** Applies one item's change, conditioned on what it was computed from; re-reads on a race. */
async function migrateItem(tableName: string, item: Item, state: MigrationState): Promise<void> {
  const { documentClient } = await import('#shared/store/client.ts');
  let current: Item | undefined = item;
  for (let attempt = 0; current && attempt < 5; attempt += 1) {
    const change = plannedKeys(current);
    if (!change) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(change.set).map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    const removes = change.remove.map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    // What the change was computed from: the item is still there, with the same status and due entry.
    const conditions = ['attribute_exists(PK)'];
    for (const name of ['status', 'dueAt', 'dueShard', 'overdueAt']) {
      names[`#c_${name}`] = name;
      if (current[name] === undefined) conditions.push(`attribute_not_exists(#c_${name})`);
      else {
        conditions.push(`#c_${name} = :c_${name}`);
        values[`:c_${name}`] = current[name];
      }
    }
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { PK: current['PK'], SK: current['SK'] },
          UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim(),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      state.updated += 1;
      return;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      state.retried += 1;
      current = (await documentClient.send(new GetCommand({ TableName: tableName, Key: { PK: current['PK'], SK: current['SK'] }, ConsistentRead: true }))).Item;
    }
  }
}

/** Runs (or continues) the migration; returns the state it leaves in the state file. */
export async function migrateKeys(options: MigrationOptions): Promise<MigrationState> {
  const { documentClient, dynamoClientForScripts } = await clients();
  const { tableName, stateFile, pageSize = 500, concurrency = 16 } = options;
  if (options.restart && existsSync(stateFile)) rmSync(stateFile);
  let state: MigrationState = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as MigrationState)
    : { tableName, scanned: 0, updated: 0, retried: 0, done: false };
  if (state.tableName !== tableName) throw new Error(`${stateFile} belongs to table ${state.tableName}, not ${tableName}: pass --restart or another --state`);
  if (state.done) return state;
  const total = (await dynamoClientForScripts.send(new DescribeTableCommand({ TableName: tableName }))).Table?.ItemCount ?? 0;
  const bar = options.progress
    ? new SingleBar({ format: 'migrate-keys {bar} {value}/{total} items | {updated} updated | ETA {eta}s' }, Presets.shades_classic)
    : undefined;
  bar?.start(Math.max(total, state.scanned), state.scanned, { updated: state.updated });
  try {
    for (let pages = 0; options.maxPages === undefined || pages < options.maxPages; pages += 1) {
      const page = await documentClient.send(
        new ScanCommand({ TableName: tableName, Limit: pageSize, ConsistentRead: true, ...(state.lastKey ? { ExclusiveStartKey: state.lastKey } : {}) }),
      );
      const items = page.Items ?? [];
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < items.length) await migrateItem(tableName, items[next++]!, state);
        }),
      );
      state = {
        ...state,
        scanned: state.scanned + items.length,
        ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}),
        done: !page.LastEvaluatedKey,
      };
      if (state.done) delete state.lastKey;
      // The page is written before its position is saved: a crash in between redoes one page, harmlessly.
      writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      if (bar) {
        if (state.scanned > bar.getTotal()) bar.setTotal(state.scanned);
        bar.update(state.scanned, { updated: state.updated });
      }
      if (state.done) break;
    }
  } finally {
    bar?.stop();
  }
  return state;
}

async function clients() {
  const { documentClient } = await import('#shared/store/client.ts');
  const { dynamoClient } = await import('#shared/store/dynamo.ts');
  return { documentClient, dynamoClientForScripts: dynamoClient };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tableName } = await import('#shared/store/client.ts');
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const state = await migrateKeys({
    tableName,
    stateFile: option('--state') ?? `.migrate-keys.${tableName}.json`,
    pageSize: Number(option('--page-size') ?? 500),
    restart: args.includes('--restart'),
    progress: true,
  });
  console.log(
    `migrate-keys: ${state.scanned} items scanned, ${state.updated} moved to the new keys, ${state.retried} read again after a race${state.done ? '; done' : ''}.`,
  );
}
