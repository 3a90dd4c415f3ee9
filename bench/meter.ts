/**
 * Counts what the service asks of DynamoDB, from inside the SDK client every store shares
 * (shared/store/dynamo.ts): each call with its consumed capacity (`ReturnConsumedCapacity:
 * INDEXES` added to every data call), and the sequential round trips — a call that starts while
 * none is in flight begins a new round trip; calls started meanwhile (Promise.all) share it.
 * Used by `npm run bench` and by the round-trip guard in npm test; never in a deployed bundle.
 */
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface MeteredCall {
  command: string;
  roundTrip: number;
  readUnits: number;
  writeUnits: number;
  /** Capacity per table and index, as DynamoDB reports it. */
  capacity: ConsumedCapacity[];
  /** For reads: what was read (key, or index and key condition), to find an item read twice. */
  target?: string;
  /** A strongly consistent read (twice the units of an eventually consistent one). */
  consistent?: boolean;
}

export interface Measurement {
  roundTrips: number;
  calls: MeteredCall[];
  readUnits: number;
  writeUnits: number;
}

const DATA_COMMANDS = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactGetItemsCommand',
  'TransactWriteItemsCommand',
]);

/** Commands whose unsplit `CapacityUnits` are write units (DynamoDB Local reports no split for them). */
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

function readTarget(command: string, input: Record<string, unknown>): string | undefined {
  if (command === 'GetItemCommand') return `${String(input['TableName'])}:${JSON.stringify(input['Key'])}`;
  if (command === 'QueryCommand') {
    return `${String(input['TableName'])}/${String(input['IndexName'] ?? '')}:${String(input['KeyConditionExpression'])}:${JSON.stringify(input['ExpressionAttributeValues'])}:${JSON.stringify(input['ExclusiveStartKey'] ?? null)}`;
  }
  if (command === 'BatchGetItemCommand') return JSON.stringify(input['RequestItems']);
  return undefined;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export class Meter {
  private inFlight = 0;
  private roundTrips = 0;
  private calls: MeteredCall[] = [];
  enabled = true;

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        if (!this.enabled || !DATA_COMMANDS.has(command)) return next(args);
        const input = args.input as Record<string, unknown>;
        input['ReturnConsumedCapacity'] = 'INDEXES';
        const target = readTarget(command, input);
        const consistent = input['ConsistentRead'] === true || undefined;
        if (this.inFlight === 0) this.roundTrips += 1;
        const roundTrip = this.roundTrips;
        this.inFlight += 1;
        let output: unknown;
        try {
          const result = await next(args);
          output = result.output;
          return result;
        } finally {
          // A refused conditional write still consumed capacity; the error carries no figure.
          this.inFlight -= 1;
          this.record(command, roundTrip, output, target, consistent);
        }
      },
      { step: 'initialize', name: 'baozhangMeter', override: true },
    );
  }

  private record(command: string, roundTrip: number, output: unknown, target?: string, consistent?: boolean) {
    const reported = (output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] } | undefined)?.ConsumedCapacity;
    const capacity = reported === undefined ? [] : Array.isArray(reported) ? reported : [reported];
    const sum = (pick: (c: ConsumedCapacity) => number | undefined) => round(capacity.reduce((n, c) => n + (pick(c) ?? 0), 0));
    const writes = WRITE_COMMANDS.has(command);
    const unsplit = (c: ConsumedCapacity) => c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined;
    this.calls.push({
      command: command.replace(/Command$/, ''),
      roundTrip,
      readUnits: sum((c) => c.ReadCapacityUnits ?? (unsplit(c) && !writes ? c.CapacityUnits : 0)),
      writeUnits: sum((c) => c.WriteCapacityUnits ?? (unsplit(c) && writes ? c.CapacityUnits : 0)),
      capacity,
      ...(target ? { target } : {}),
      ...(consistent ? { consistent } : {}),
    });
  }

  /** Starts a new measurement. */
  reset(): void {
    this.roundTrips = 0;
    this.calls = [];
  }

  /** What was asked since the last reset. */
  read(): Measurement {
    const calls = [...this.calls];
    return {
      roundTrips: this.roundTrips,
      calls,
      readUnits: round(calls.reduce((n, c) => n + c.readUnits, 0)),
      writeUnits: round(calls.reduce((n, c) => n + c.writeUnits, 0)),
    };
  }

  /** Runs `action` as one measurement. */
  async measure<T>(action: () => Promise<T>): Promise<{ result: T; measurement: Measurement }> {
    this.reset();
    const result = await action();
    return { result, measurement: this.read() };
  }
}

let installed: Meter | undefined;

/** The meter on the service's one DynamoDB client (installed once per process). */
export async function serviceMeter(): Promise<Meter> {
  if (!installed) {
    const { dynamoClient } = await import('#shared/store/dynamo.ts');
    installed = new Meter(dynamoClient);
  }
  return installed;
}
