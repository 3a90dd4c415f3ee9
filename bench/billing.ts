/**
 * Issue 20's ruler: the write units AWS would bill for the writes the service sends, computed from
 * the items' real sizes before and after each write — one ruler for the measured WCU per confirmed
 * payout and for the counted minimum it is set against (DynamoDB Local's own ConsumedCapacity
 * under-reports transactions).
 *
 * The pure parts (sizes, the table's and each index's units, the minimum) are unit tested in
 * test/unit/bench/billing.test.ts; `Biller` reads each written item before and after its write on
 * a client of its own, and is driven by bench/partitions.ts (`recorder.billing`).
 *
 * Simplifications, on purpose:
 * - A failed write (condition failed, transaction cancelled) bills nothing here. AWS bills a failed
 *   conditional write too (the units of the item it checked); we count the successful ones, which
 *   is what the minimum of a confirmation is about.
 * - The 100 bytes of overhead AWS adds to an index entry are storage only and not counted.
 */
import { NumberValueImpl } from '@aws-sdk/util-dynamodb';
import { tableDefinition } from '#shared/store/table-definition.ts';

export type Item = Record<string, unknown>;

/** A global secondary index as billing sees it. `projected` undefined: ALL; else the non-key attributes (KEYS_ONLY: none). */
export interface BillingIndex {
  name: string;
  pk: string;
  sk: string;
  projected?: readonly string[];
}

/** The table's key attributes. */
export const TABLE_KEY: readonly string[] = [tableDefinition.partitionKey.name, tableDefinition.sortKey.name];

/** The indexes of shared/store/table-definition.ts, with their projections (ALL, KEYS_ONLY or INCLUDE). */
export function billingIndexes(definition = tableDefinition): BillingIndex[] {
  return definition.globalSecondaryIndexes.map((index) => ({
    name: index.indexName,
    pk: index.partitionKey.name,
    sk: index.sortKey.name,
    ...(index.projection.type === 'ALL' ? {} : { projected: index.projection.type === 'INCLUDE' ? (index.projection.nonKeyAttributes ?? []) : [] }),
  }));
}

/** A number's size: 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1. */
export function numberBytes(text: string): number {
  const mantissa = text.replace(/^[-+]/, '').split(/e/i)[0]!.replace('.', '');
  const digits = mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
  return Math.ceil(Math.max(digits, 1) / 2) + 1;
}

/**
 * An attribute's (or a value's) size as DynamoDB counts it: attribute name UTF-8 bytes plus the
 * value's — string: UTF-8 bytes; number: see numberBytes; binary: its bytes; boolean and null: 1;
 * list and map: 3, plus 1 per element and the element; sets: the sum of their elements.
 */
export function attributeBytes(value: unknown, name = ''): number {
  const own = Buffer.byteLength(name);
  if (value === null || value === undefined || typeof value === 'boolean') return own + 1;
  if (typeof value === 'string') return own + Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return own + numberBytes(String(value));
  if (value instanceof NumberValueImpl) return own + numberBytes(value.value);
  if (ArrayBuffer.isView(value)) return own + value.byteLength;
  if (value instanceof Set) return own + [...value].reduce((n: number, v) => n + attributeBytes(v), 0);
  if (Array.isArray(value)) return own + 3 + value.reduce((n: number, v) => n + 1 + attributeBytes(v), 0);
  if (typeof value === 'object') return own + 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + attributeBytes(v, k), 0);
  return own;
}

/** An item's size as DynamoDB counts it: the sum of its attributes (an item is not a map value: no 3-byte header). 0 when absent. */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [k, v]) => n + attributeBytes(v, k), 0);
}

/** 1 KB write units, rounded up. */
export const kb = (bytes: number): number => Math.ceil(bytes / 1024);

/** The item's entry in `index` (undefined: not in it — an index key attribute missing). */
export function indexEntry(item: Item | undefined, index: BillingIndex, tableKey: readonly string[] = TABLE_KEY): Item | undefined {
  if (!item || item[index.pk] === undefined || item[index.sk] === undefined) return undefined;
  if (index.projected === undefined) return item;
  const entry: Item = {};
  for (const name of [...tableKey, index.pk, index.sk, ...index.projected]) if (item[name] !== undefined) entry[name] = item[name];
  return entry;
}

/** Comparable text of a value (sets sorted, map keys sorted, numbers by their text). */
function canonical(value: unknown): string {
  if (value instanceof NumberValueImpl) return `N${value.value}`;
  if (value instanceof Set) return `<${[...value].map(canonical).sort().join(',')}>`;
  if (ArrayBuffer.isView(value)) return `B${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Item)[k])}`)
      .join(',')}}`;
  }
  return typeof value === 'bigint' ? `N${value}` : JSON.stringify(value);
}

/**
 * Write units `index` bills for one item going from `before` to `after` (undefined: absent). The
 * entry enters: its new size; leaves: its old size; its index key changes: a delete and a put (old
 * + new); same key and a projected attribute changed (any attribute for ALL): its new size; else 0.
 * Never doubled for transactions.
 */
export function indexUnits(before: Item | undefined, after: Item | undefined, index: BillingIndex, tableKey: readonly string[] = TABLE_KEY): number {
  const old = indexEntry(before, index, tableKey);
  const next = indexEntry(after, index, tableKey);
  if (!old && !next) return 0;
  if (!old) return kb(itemBytes(next));
  if (!next) return kb(itemBytes(old));
  const moved = canonical(old[index.pk]) !== canonical(next[index.pk]) || canonical(old[index.sk]) !== canonical(next[index.sk]);
  if (moved) return kb(itemBytes(old)) + kb(itemBytes(next));
  return canonical(old) === canonical(next) ? 0 : kb(itemBytes(next));
}

/**
 * Write units the table bills for one item going from `before` to `after`: the larger of the two
 * sizes in 1 KB units (a delete: the deleted item; a put over nothing: the new one), at least 1,
 * and twice that inside TransactWriteItems (AWS: transactional writes cost two units per KB).
 */
export function tableUnits(before: Item | undefined, after: Item | undefined, transactional: boolean): number {
  return Math.max(1, kb(Math.max(itemBytes(before), itemBytes(after)))) * (transactional ? 2 : 1);
}

export type ItemKind = 'payout' | 'claim' | 'policy' | 'outbox' | 'provider' | 'other';

/** What an item is, by its key. `provider`: the local payment provider's own record (it stands for Alipay, not Baozhang's data). */
export function kindOf(pk: string, sk: string): ItemKind {
  if (pk.startsWith('PAYOUT#')) return 'payout';
  if (pk.startsWith('CLAIM#') && sk === 'CLAIM') return 'claim';
  if (pk.startsWith('ORDER#') && sk.startsWith('POLICY#')) return 'policy';
  if (pk.startsWith('OUTBOX#')) return 'outbox';
  if (pk.startsWith('LOCALPAY#')) return 'provider';
  return 'other';
}

/** The items a confirmation must change, at their sizes (bytes), and the DueIndex entries it removes. */
export interface ConfirmationSizes {
  payout: number;
  claim: number;
  policy: number;
  outbox: number;
  payoutDueEntry: number;
  policyDueEntry: number;
}

/**
 * The fewest write units AWS can bill for one confirmed payout, every size rounded up to 1 KB units:
 *
 * - lease (the payout taken to SENDING, so no second run pays it twice): one conditional PutItem of
 *   the payout, not transactional = ceil(payout / 1 KB); its DueIndex entry moves to the lease's
 *   expiry (an index key change: a delete and a put) = 2 × ceil(payoutDueEntry / 1 KB).
 * - confirmation, one transaction (all or nothing: the payout CONFIRMED, its claim PAID, the
 *   claim's policy CLAIMED, the outbox event telling the merchant): 2 × (ceil(payout) + ceil(claim)
 *   + ceil(policy) + ceil(outbox)) — transactional writes bill two units per KB; and the payout and
 *   the policy leave the DueIndex (no job has work left on them) = ceil(payoutDueEntry) +
 *   ceil(policyDueEntry).
 */
export function minimumPerConfirmedPayout(sizes: ConfirmationSizes) {
  const leasePut = kb(sizes.payout);
  const leaseDueMove = 2 * kb(sizes.payoutDueEntry);
  const confirmationTable = 2 * (kb(sizes.payout) + kb(sizes.claim) + kb(sizes.policy) + kb(sizes.outbox));
  const confirmationDueLeave = kb(sizes.payoutDueEntry) + kb(sizes.policyDueEntry);
  return {
    terms: { leasePut, leaseDueMove, confirmationTable, confirmationDueLeave },
    table: leasePut + confirmationTable,
    DueIndex: leaseDueMove + confirmationDueLeave,
    total: leasePut + leaseDueMove + confirmationTable + confirmationDueLeave,
  };
}

/** Reads one item by key, consistently, on a client the recorder and the meter do not watch. */
export type ItemReader = (table: string, key: Item) => Promise<Item | undefined>;

/** A raw DynamoDB client of its own (same endpoint and region as #shared/store/dynamo.ts), so its reads are never recorded or metered. */
export async function rawItemReader(): Promise<ItemReader> {
  const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { marshall, unmarshall } = await import('@aws-sdk/util-dynamodb');
  const { settings } = await import('#shared/config.ts');
  const { dynamodbEndpoint: endpoint, awsRegion } = settings();
  const client = new DynamoDBClient(endpoint ? { endpoint, region: awsRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
  return async (table, key) => {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: marshall(key), ConsistentRead: true }));
    return out.Item ? unmarshall(out.Item, { wrapNumbers: true }) : undefined;
  };
}

/** A marshalled (`{ S: 'x' }`) or plain key value, plain. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const v = value as { S?: string; N?: string };
    if (typeof v.S === 'string') return v.S;
    if (typeof v.N === 'string') return Number(v.N);
  }
  return value;
}

interface Written {
  table: string;
  key: Item;
  check: boolean;
  transactional: boolean;
  before?: Item;
}

/** The items a write command touches (Put, Update, Delete, ConditionCheck), by table and key. */
export function writtenItems(command: string, input: Item): Omit<Written, 'before'>[] {
  const keyOf = (item: unknown): Item => Object.fromEntries(TABLE_KEY.map((name) => [name, plain((item as Item)[name])]));
  const one = (part: Item | undefined, from: 'Item' | 'Key', check: boolean, transactional: boolean) =>
    part ? [{ table: String(part['TableName']), key: keyOf(part[from]), check, transactional }] : [];
  switch (command) {
    case 'PutItemCommand':
      return one(input, 'Item', false, false);
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return one(input, 'Key', false, false);
    case 'TransactWriteItemsCommand':
      return ((input['TransactItems'] as Record<string, Item>[]) ?? []).flatMap((t) => [
        ...one(t['Put'], 'Item', false, true),
        ...one(t['Update'], 'Key', false, true),
        ...one(t['Delete'], 'Key', false, true),
        ...one(t['ConditionCheck'], 'Key', true, true),
      ]);
    case 'BatchWriteItemCommand':
      return Object.entries((input['RequestItems'] as Record<string, Record<string, Item>[]>) ?? {}).flatMap(([table, requests]) =>
        requests.flatMap((r) => [
          ...one(r['PutRequest'] && { TableName: table, ...r['PutRequest'] }, 'Item', false, false),
          ...one(r['DeleteRequest'] && { TableName: table, ...r['DeleteRequest'] }, 'Key', false, false),
        ]),
      );
    default:
      return [];
  }
}

export interface ActionBill {
  count: number;
  /** Billed write units per table and index; `provider`: all units of the local payment provider's records. */
  units: Record<string, number>;
  /** ConditionChecks of transactions (also billed in `units.table`, as AWS does). */
  conditionChecks: number;
  /** Items written, by kind, and their average billed size (the larger of before and after). */
  writes: Partial<Record<ItemKind, { count: number; avgBytes: number }>>;
  /** Average DueIndex entry of a payout and of a policy written (the larger of before and after). */
  dueEntryBytes: { payout: number; policy: number };
}

interface Sums {
  units: Record<string, number>;
  conditionChecks: number;
  writes: Map<ItemKind, { count: number; bytes: number }>;
  due: Record<'payout' | 'policy', { count: number; bytes: number }>;
}

const DUE_INDEX = 'DueIndex';

/** Billed write units per business action, from each written item read before and after its write. */
export class Biller {
  private readonly indexes = billingIndexes();
  private readonly sums = new Map<string, Sums>();
  private reader: Promise<ItemReader> | undefined;

  constructor(reader?: ItemReader) {
    if (reader) this.reader = Promise.resolve(reader);
  }

  private read(table: string, key: Item): Promise<Item | undefined> {
    this.reader ??= rawItemReader();
    return this.reader.then((r) => r(table, key));
  }

  /** Before a write command is sent: the items it touches, as they are now. */
  async before(command: string, input: Item): Promise<Written[]> {
    const items = writtenItems(command, input);
    return Promise.all(items.map(async (w) => ({ ...w, before: await this.read(w.table, w.key) })));
  }

  /** After the command succeeded: read each written item again and bill it to `label`. */
  async after(label: string, written: Written[], output: Item | undefined): Promise<void> {
    const unprocessed = new Set(
      Object.entries((output?.['UnprocessedItems'] as Record<string, Record<string, Item>[]>) ?? {}).flatMap(([table, requests]) =>
        requests.map((r) => `${table}\u0000${canonical(writtenItems('BatchWriteItemCommand', { RequestItems: { [table]: [r] } })[0]?.key)}`),
      ),
    );
    const done = written.filter((w) => !unprocessed.has(`${w.table}\u0000${canonical(w.key)}`));
    const afters = await Promise.all(done.map((w) => (w.check ? Promise.resolve(w.before) : this.read(w.table, w.key))));
    const sums = this.sumsOf(label);
    done.forEach((w, i) => this.bill(sums, w, afters[i]));
  }

  private sumsOf(label: string): Sums {
    let sums = this.sums.get(label);
    if (!sums) {
      sums = { units: {}, conditionChecks: 0, writes: new Map(), due: { payout: { count: 0, bytes: 0 }, policy: { count: 0, bytes: 0 } } };
      this.sums.set(label, sums);
    }
    return sums;
  }

  private bill(sums: Sums, w: Written, after: Item | undefined) {
    const kind = kindOf(String(w.key[TABLE_KEY[0]!]), String(w.key[TABLE_KEY[1]!]));
    const add = (resource: string, units: number) => {
      if (units > 0) sums.units[kind === 'provider' ? 'provider' : resource] = (sums.units[kind === 'provider' ? 'provider' : resource] ?? 0) + units;
    };
    if (w.check) {
      // AWS bills a ConditionCheck as a transactional write of the checked item: 2 × its size in KB.
      sums.conditionChecks += 1;
      add('table', tableUnits(w.before, undefined, true));
      return;
    }
    add('table', tableUnits(w.before, after, w.transactional));
    for (const index of this.indexes) add(index.name, indexUnits(w.before, after, index));
    const cell = sums.writes.get(kind) ?? sums.writes.set(kind, { count: 0, bytes: 0 }).get(kind)!;
    cell.count += 1;
    cell.bytes += Math.max(itemBytes(w.before), itemBytes(after));
    const due = this.indexes.find((i) => i.name === DUE_INDEX);
    if (due && (kind === 'payout' || kind === 'policy')) {
      const bytes = Math.max(itemBytes(indexEntry(w.before, due)), itemBytes(indexEntry(after, due)));
      if (bytes > 0) {
        sums.due[kind].count += 1;
        sums.due[kind].bytes += bytes;
      }
    }
  }

  /** Each billed action's units and sizes; `counts`: how many times each action ran. */
  billed(counts: ReadonlyMap<string, number>): Record<string, ActionBill> {
    const avg = (c: { count: number; bytes: number }) => (c.count ? Math.round(c.bytes / c.count) : 0);
    return Object.fromEntries(
      [...this.sums].map(([label, s]) => [
        label,
        {
          count: counts.get(label) ?? 0,
          units: { ...s.units },
          conditionChecks: s.conditionChecks,
          writes: Object.fromEntries([...s.writes].map(([kind, c]) => [kind, { count: c.count, avgBytes: avg(c) }])),
          dueEntryBytes: { payout: avg(s.due.payout), policy: avg(s.due.policy) },
        },
      ]),
    );
  }

  reset(): void {
    this.sums.clear();
  }
}

/**
 * The payout job's bill set against the minimum, per confirmed payout: the billed units per table
 * and index and in total (the provider's records excluded: they stand for Alipay), the minimum
 * (minimumPerConfirmedPayout) from the sizes the job actually wrote, and billed total / minimum.
 */
export function confirmationReport(bill: ActionBill, confirmed: number) {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const per: Record<string, number> = Object.fromEntries(
    Object.entries(bill.units)
      .filter(([resource]) => resource !== 'provider')
      .map(([r, u]) => [r, round(u / confirmed)]),
  );
  const billedTotal = round(Object.values(per).reduce((n, u) => n + u, 0));
  const sizes: ConfirmationSizes = {
    payout: bill.writes.payout?.avgBytes ?? 0,
    claim: bill.writes.claim?.avgBytes ?? 0,
    policy: bill.writes.policy?.avgBytes ?? 0,
    outbox: bill.writes.outbox?.avgBytes ?? 0,
    payoutDueEntry: bill.dueEntryBytes.payout,
    policyDueEntry: bill.dueEntryBytes.policy,
  };
  const minimum = minimumPerConfirmedPayout(sizes);
  return {
    billedPerConfirmedPayout: { ...per, total: billedTotal } as Record<string, number>,
    providerUnitsPerConfirmedPayout: round((bill.units['provider'] ?? 0) / confirmed),
    minimumPerConfirmedPayout: { sizes, ...minimum },
    ratioToMinimum: minimum.total > 0 ? round(billedTotal / minimum.total) : null,
  };
}
