/**
 * Issue 20's partition recorder: for every write the service sends to DynamoDB, the partition key
 * it lands on in the table and in each index, and the capacity each business action consumed.
 *
 * It sits in the service's one DynamoDB client (like bench/meter.ts) and follows the items it
 * sees written: a Put carries its index attributes; an Update or Delete is charged to the index
 * entries the item had (a shadow of every item's index keys and projected attributes, kept from
 * the writes seen) and to the ones the update gives it. An index is written when the item enters
 * or leaves it, when its index key changes, or when an attribute the index projects changes — as
 * DynamoDB counts it (`Projection` of each index in shared/store/table-definition.ts).
 *
 * Business actions are labelled with `recorder.action(label, fn)` (AsyncLocalStorage), so writes
 * of concurrent actions are attributed correctly. With `recorder.billing` on (off by default), the
 * writes of labelled actions (`billingLabels`: only those) are also billed as AWS would bill them
 * (bench/billing.ts: each written item read before and after, on a client of its own):
 * `recorder.billed()`. Used by bench/capacity.ts and by the guard in
 * test/integration/capacity.test.ts; never in a deployed bundle.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ActionBill, Biller, type BillingIndex, billingIndexes, TABLE_KEY } from './billing.ts';

type Attrs = Record<string, string>;

/** The table (its key, every attribute projected) and its indexes, as the billing model reads them. */
type IndexShape = BillingIndex;

function indexShapes(): IndexShape[] {
  return [{ name: 'table', pk: TABLE_KEY[0]!, sk: TABLE_KEY[1]! }, ...billingIndexes()];
}

/** A marshalled (`{ S: 'x' }`) or plain attribute value, as comparable text. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'S' in value && typeof (value as { S: unknown }).S === 'string') return (value as { S: string }).S;
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v));
}

/** Top-level split on commas outside parentheses and brackets. */
function splitTopLevel(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of expression) {
    if (ch === '(' || ch === '[') depth += 1;
    if (ch === ')' || ch === ']') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

const UNKNOWN = '\u0000changed';

/** The attributes an UpdateExpression changes: name → new value (text), `undefined` when removed, UNKNOWN when computed. */
export function updatedAttributes(
  expression: string,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): Map<string, string | undefined> {
  const changes = new Map<string, string | undefined>();
  const head = (path: string) => {
    const first = path.trim().split(/[.[]/)[0]!.trim();
    return names[first] ?? first;
  };
  const clauses = expression.split(/\b(SET|REMOVE|ADD|DELETE)\b/i).map((s) => s.trim());
  for (let i = 1; i < clauses.length; i += 2) {
    const kind = clauses[i]!.toUpperCase();
    for (const part of splitTopLevel(clauses[i + 1] ?? '')) {
      if (kind === 'SET') {
        const at = part.indexOf('=');
        const path = part.slice(0, at);
        const value = part.slice(at + 1).trim();
        const name = head(path);
        const isWhole = !/[.[]/.test(path.trim());
        changes.set(name, isWhole && /^:[A-Za-z0-9_]+$/.test(value) ? (text(values[value]) ?? UNKNOWN) : UNKNOWN);
      } else if (kind === 'REMOVE') {
        const name = head(part);
        changes.set(name, /[.[]/.test(part) ? UNKNOWN : undefined);
      } else {
        changes.set(head(part.split(/\s+/)[0]!), UNKNOWN);
      }
    }
  }
  return changes;
}

export interface ActionCapacity {
  count: number;
  /** Read and write units per table and index, summed over the action's calls. */
  units: Record<string, { read: number; write: number }>;
  readUnits: number;
  writeUnits: number;
}

export interface IndexShare {
  index: string;
  writes: number;
  keys: number;
  /** The busiest key of all. */
  busiestKey: string;
  busiestShare: number;
  /** The busiest key that is not per-entity (shared by every writer of its kind). */
  busiestSharedKey?: string;
  busiestSharedShare: number;
  /** The busiest per-entity key (an order, a merchant, a claim…): bounded by its entity's own activity. */
  busiestEntityKey?: string;
  busiestEntityShare: number;
}

/**
 * A partition key shared by every writer of its kind — the keys issue 20 bounds — rather than one
 * entity's own (one order, claim, payout, merchant, buyer…). Shared keys have no id in them: a fixed
 * name, a day, a shard number or a status.
 */
export function isSharedKey(key: string): boolean {
  return /^(CLAIMS|PAYOUTS)(#\d+)?$/.test(key) || /^OUTBOX#/.test(key) || /^(EXPIRE|LAPSE|PAYOUT|TOPUP)#\d+$/.test(key) || /^(REVIEW|ATTENTION)#/.test(key);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export class PartitionRecorder {
  private readonly shapes = indexShapes();
  private readonly shadow = new Map<string, Attrs>();
  private readonly writes = new Map<string, Map<string, number>>();
  private readonly actions = new Map<string, ActionCapacity>();
  private readonly label = new AsyncLocalStorage<string>();
  private readonly biller = new Biller();
  enabled = true;
  /**
   * Opt-in: bill every write of a labelled action as AWS would (bench/billing.ts) — each written
   * item is read before and after its write, so it is off by default and the big mix stays fast.
   */
  billing = false;
  /** While billing: only these actions' writes are billed (undefined: every labelled action's). */
  billingLabels: ReadonlySet<string> | undefined;

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!this.enabled) return next(args);
        const input = args.input as Record<string, unknown>;
        const label = this.label.getStore();
        if (label) input['ReturnConsumedCapacity'] = 'INDEXES';
        const billed = label && this.billing && (!this.billingLabels || this.billingLabels.has(label));
        const before = billed ? await this.biller.before(command, input).catch(() => undefined) : undefined;
        // A write that fails (condition failed, transaction cancelled) throws here and bills nothing.
        const result = await next(args);
        if (label && before?.length) await this.biller.after(label, before, result.output as unknown as Record<string, unknown>).catch(() => undefined);
        try {
          this.observe(command, input);
        } catch {
          /* the recorder never fails a call */
        }
        if (label) this.charge(label, (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity, command);
        return result;
      },
      { step: 'initialize', name: 'baozhangPartitions', override: true },
    );
  }

  /** Runs `fn` as one business action called `label` (its capacity is summed under that label). */
  async action<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const entry = (this.actions.get(label) ?? this.actions.set(label, { count: 0, units: {}, readUnits: 0, writeUnits: 0 }).get(label))!;
    entry.count += 1;
    return this.label.run(label, fn);
  }

  private charge(label: string, reported: ConsumedCapacity | ConsumedCapacity[] | undefined, command: string) {
    const entry = this.actions.get(label)!;
    const writes = /Put|Update|Delete|Write/.test(command);
    for (const c of reported === undefined ? [] : Array.isArray(reported) ? reported : [reported]) {
      const add = (resource: string, u: { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number } | undefined) => {
        if (!u) return;
        const unsplit = u.ReadCapacityUnits === undefined && u.WriteCapacityUnits === undefined;
        const read = u.ReadCapacityUnits ?? (unsplit && !writes ? (u.CapacityUnits ?? 0) : 0);
        const write = u.WriteCapacityUnits ?? (unsplit && writes ? (u.CapacityUnits ?? 0) : 0);
        const cell = (entry.units[resource] ??= { read: 0, write: 0 });
        cell.read = round(cell.read + read);
        cell.write = round(cell.write + write);
      };
      add('table', c.Table);
      for (const [index, u] of Object.entries(c.GlobalSecondaryIndexes ?? {})) add(index, u);
      const unsplit = c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined;
      entry.readUnits = round(entry.readUnits + (c.ReadCapacityUnits ?? (unsplit && !writes ? (c.CapacityUnits ?? 0) : 0)));
      entry.writeUnits = round(entry.writeUnits + (c.WriteCapacityUnits ?? (unsplit && writes ? (c.CapacityUnits ?? 0) : 0)));
    }
  }

  private observe(command: string, input: Record<string, unknown>) {
    switch (command) {
      case 'PutItemCommand':
        return this.put(input['Item'] as Record<string, unknown>);
      case 'UpdateItemCommand':
        return this.update(input);
      case 'DeleteItemCommand':
        return this.remove(input['Key'] as Record<string, unknown>);
      case 'TransactWriteItemsCommand':
        for (const item of (input['TransactItems'] as Record<string, Record<string, unknown>>[]) ?? []) {
          if (item['Put']) this.put(item['Put']['Item'] as Record<string, unknown>);
          else if (item['Update']) this.update(item['Update']);
          else if (item['Delete']) this.remove(item['Delete']['Key'] as Record<string, unknown>);
        }
        return;
      case 'BatchWriteItemCommand':
        for (const requests of Object.values((input['RequestItems'] as Record<string, Record<string, Record<string, unknown>>[]>) ?? {})) {
          for (const request of requests) {
            if (request['PutRequest']) this.put(request['PutRequest']['Item'] as Record<string, unknown>);
            else if (request['DeleteRequest']) this.remove(request['DeleteRequest']['Key'] as Record<string, unknown>);
          }
        }
        return;
      default:
    }
  }

  private tracked(): Set<string> {
    const names = new Set<string>();
    for (const shape of this.shapes) {
      names.add(shape.pk);
      names.add(shape.sk);
      for (const a of shape.projected ?? []) names.add(a);
    }
    return names;
  }

  private idOf(key: Record<string, unknown>): string {
    return `${text(key[this.shapes[0]!.pk])}\u0000${text(key[this.shapes[0]!.sk])}`;
  }

  private put(item: Record<string, unknown>) {
    const after: Attrs = {};
    const tracked = this.tracked();
    for (const [name, value] of Object.entries(item)) if (tracked.has(name)) after[name] = text(value)!;
    this.apply(this.idOf(item), after, (shape, before) => shape.projected === undefined || !sameProjection(shape, before, after));
  }

  private update(update: Record<string, unknown>) {
    const key = update['Key'] as Record<string, unknown>;
    const id = this.idOf(key);
    const before = this.shadow.get(id) ?? { [this.shapes[0]!.pk]: text(key[this.shapes[0]!.pk])!, [this.shapes[0]!.sk]: text(key[this.shapes[0]!.sk])! };
    const changes = updatedAttributes(
      String(update['UpdateExpression'] ?? ''),
      update['ExpressionAttributeNames'] as Record<string, string>,
      update['ExpressionAttributeValues'] as Record<string, unknown>,
    );
    const after: Attrs = { ...before };
    const tracked = this.tracked();
    for (const [name, value] of changes) {
      if (!tracked.has(name)) continue;
      if (value === undefined) delete after[name];
      else after[name] = value;
    }
    const anyChange = changes.size > 0;
    this.apply(
      id,
      after,
      (shape) => (shape.projected === undefined ? anyChange : [shape.pk, shape.sk, ...shape.projected].some((a) => changes.has(a))),
      before,
    );
  }

  private remove(key: Record<string, unknown>) {
    const id = this.idOf(key);
    const before = this.shadow.get(id) ?? { [this.shapes[0]!.pk]: text(key[this.shapes[0]!.pk])!, [this.shapes[0]!.sk]: text(key[this.shapes[0]!.sk])! };
    for (const shape of this.shapes) if (before[shape.pk] !== undefined && before[shape.sk] !== undefined) this.count(shape.name, before[shape.pk]!);
    this.shadow.delete(id);
  }

  private apply(id: string, after: Attrs, changed: (shape: IndexShape, before: Attrs) => boolean, known?: Attrs) {
    const before = known ?? this.shadow.get(id) ?? {};
    for (const shape of this.shapes) {
      const wasIn = before[shape.pk] !== undefined && before[shape.sk] !== undefined;
      const isIn = after[shape.pk] !== undefined && after[shape.sk] !== undefined;
      if (!wasIn && !isIn) continue;
      const moved = wasIn !== isIn || before[shape.pk] !== after[shape.pk] || before[shape.sk] !== after[shape.sk];
      if (shape.name === 'table' || moved || changed(shape, before)) {
        if (wasIn && (!isIn || before[shape.pk] !== after[shape.pk])) this.count(shape.name, before[shape.pk]!);
        if (isIn) this.count(shape.name, after[shape.pk]!);
      }
    }
    this.shadow.set(id, after);
  }

  private count(index: string, key: string) {
    const keys = this.writes.get(index) ?? this.writes.set(index, new Map()).get(index)!;
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }

  /** Each table's and index's writes, and its busiest keys' shares. */
  shares(): IndexShare[] {
    return [...this.writes].map(([index, keys]) => {
      const total = [...keys.values()].reduce((n, c) => n + c, 0);
      const sorted = [...keys].sort((a, b) => b[1] - a[1]);
      const shared = sorted.find(([k]) => isSharedKey(k));
      const entity = sorted.find(([k]) => !isSharedKey(k));
      return {
        index,
        writes: total,
        keys: keys.size,
        busiestKey: sorted[0]![0],
        busiestShare: round(sorted[0]![1] / total),
        ...(shared ? { busiestSharedKey: shared[0] } : {}),
        busiestSharedShare: shared ? round(shared[1] / total) : 0,
        ...(entity ? { busiestEntityKey: entity[0] } : {}),
        busiestEntityShare: entity ? round(entity[1] / total) : 0,
      };
    });
  }

  /** Each business action's capacity, per action. */
  perAction(): Record<string, ActionCapacity & { readUnitsPerAction: number; writeUnitsPerAction: number }> {
    return Object.fromEntries(
      [...this.actions].map(([label, a]) => [
        label,
        { ...a, readUnitsPerAction: round(a.readUnits / a.count), writeUnitsPerAction: round(a.writeUnits / a.count) },
      ]),
    );
  }

  /** Writes per table or index, per key (for the model). */
  writesOf(index: string): Map<string, number> {
    return this.writes.get(index) ?? new Map();
  }

  /** Each billed action's write units as AWS would bill them, per table and index, and its items' sizes. */
  billed(): Record<string, ActionBill> {
    return this.biller.billed(new Map([...this.actions].map(([label, a]) => [label, a.count])));
  }

  reset(): void {
    this.writes.clear();
    this.actions.clear();
    this.biller.reset();
  }
}

function sameProjection(shape: IndexShape, before: Attrs, after: Attrs): boolean {
  return [shape.pk, shape.sk, ...(shape.projected ?? [])].every((a) => before[a] === after[a]);
}

let installed: PartitionRecorder | undefined;

/** The recorder on the service's one DynamoDB client (installed once per process). */
export async function partitionRecorder(): Promise<PartitionRecorder> {
  if (!installed) {
    const { dynamoClient } = await import('#shared/store/dynamo.ts');
    installed = new PartitionRecorder(dynamoClient);
  }
  return installed;
}
