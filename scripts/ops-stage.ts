/**
 * The operator commands that act on a running stage (docs/operations.md, "Operator commands"):
 * `replay-outbox`, `redrive-dlq`, `payout-status` and `reconcile`. The table is the service's own
 * configuration (TABLE_NAME, and DYNAMODB_ENDPOINT for DynamoDB Local); SQS and Lambda clients come
 * from the environment's credentials and region, or from the caller (tests pass fakes).
 */
import { DeleteMessageCommand, ListQueuesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { jobs } from '#functions/jobs.ts';

export interface StageIo {
  out: (line: string) => void;
  err: (line: string) => void;
  now: () => Date;
  /** The stage whose queues and functions are meant (`BAOZHANG_STAGE`, default dev). */
  stage?: string;
  sqs?: Pick<SQSClient, 'send'>;
  lambda?: Pick<LambdaClient, 'send'>;
  /** Where the progress line goes; a TTY gets one line rewritten in place, anything else nothing. */
  progress?: NodeJS.WriteStream;
}

/** `done/total label` on one terminal line, rewritten in place; silent when not a TTY. */
export function progressLine(stream: NodeJS.WriteStream | undefined, label: string) {
  const tty = stream?.isTTY ? stream : undefined;
  return {
    update(done: number, total?: number) {
      tty?.write(`\r${label} ${done}${total === undefined ? '' : `/${total} ${'#'.repeat(Math.round((20 * done) / Math.max(total, 1))).padEnd(20, '.')}`}`);
    },
    end() {
      tty?.write('\n');
    },
  };
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

/** The UTC days (`YYYY-MM-DD`, the outbox partitions) from `from` to `to`. */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); day <= to.getTime(); day += 86_400_000) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * replay-outbox --from T1 --to T2 [--type T] [--dry-run]: re-publishes the events out written in
 * [T1, T2]. Each outbox item is written again as a new outbox item (today's partition, a `#replay`
 * sort key) with the same event id, type, time, data and correlation id: the table stream and the
 * outbox pipe publish it as they did the first time — the outbound bus admits only the pipe — and
 * consumers drop what they already processed by event id. Outbox items live 7 days (TTL).
 */
export async function replayOutbox(args: readonly string[], io: StageIo): Promise<number> {
  const [fromText, toText] = [option(args, 'from'), option(args, 'to')];
  const from = new Date(fromText ?? '');
  const to = new Date(toText ?? '');
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from > to) {
    io.err('replay-outbox needs --from and --to, ISO instants with from ≤ to (e.g. --from 2026-12-01T00:00:00Z --to 2026-12-01T06:00:00Z)');
    return 2;
  }
  const type = option(args, 'type');
  const dryRun = args.includes('--dry-run');
  const { documentClient, tableName } = await import('#shared/store/client.ts');
  const { keys, outboxPartitions, sortableInstant } = await import('#shared/store/keys.ts');
  const { queryAll } = await import('#shared/store/query.ts');
  const items: Record<string, unknown>[] = [];
  for (const day of daysBetween(from, to)) {
    // Every shard of the day's outbox (issue 20), read in parallel.
    const shards = await Promise.all(
      outboxPartitions(day).map((pk) =>
        queryAll({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': sortableInstant(from), ':to': `${sortableInstant(to)}~` },
        }),
      ),
    );
    // Replays of earlier replays are not replayed again: the originals are.
    items.push(...shards.flat().filter((item) => !String(item['SK']).endsWith('#replay') && (!type || item['type'] === type)));
  }
  items.sort((a, b) => (String(a['SK']) < String(b['SK']) ? -1 : String(a['SK']) > String(b['SK']) ? 1 : 0));
  io.out(`${items.length} event(s) out between ${from.toISOString()} and ${to.toISOString()}${type ? ` of type ${type}` : ''}.`);
  if (dryRun || items.length === 0) return 0;
  const at = sortableInstant(io.now());
  const bar = progressLine(io.progress, 'replaying');
  // Ten per transaction; a copy never overwrites an item (attribute_not_exists).
  for (let i = 0; i < items.length; i += 10) {
    const batch = items.slice(i, i + 10);
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: batch.map((item) => ({
          Put: {
            TableName: tableName,
            Item: { ...item, PK: keys.outboxEvent(at, String(item['eventId'])).PK, SK: `${at}#${String(item['eventId'])}#replay`, replayedAt: at },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        })),
      }),
    );
    bar.update(Math.min(i + 10, items.length), items.length);
  }
  bar.end();
  io.out(`Replayed ${items.length} event(s): the outbox pipe publishes them with their original ids.`);
  return 0;
}

/** The queue of a DLQ NAME: CDK names it `<stack>-Dlq<name without dashes>…`; a URL is taken as it is. */
async function queueUrl(name: string, io: StageIo): Promise<string | undefined> {
  if (/^https?:\/\//.test(name)) return name;
  const prefix = `Baozhang-${io.stage ?? 'dev'}-Stateless-Dlq${name.replace(/[^A-Za-z0-9]/g, '')}`;
  const { QueueUrls = [] } = await io.sqs!.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  if (QueueUrls.length !== 1) {
    io.err(`redrive-dlq: ${QueueUrls.length === 0 ? 'no queue' : `${QueueUrls.length} queues`} named ${prefix}…; give the queue URL instead`);
    return undefined;
  }
  return QueueUrls[0];
}

/** The function a dead-lettered message belongs to, and the event to invoke it with again. */
export function redriveTarget(queue: string, body: unknown, stage: string): { functionName: string; payload: unknown } | undefined {
  const record = body as { requestContext?: { functionArn?: string }; requestPayload?: unknown } | null;
  // A Lambda on-failure destination record (async-failures): the function and its original event.
  if (record?.requestContext?.functionArn && 'requestPayload' in record) {
    return { functionName: record.requestContext.functionArn.replace(/:(\$LATEST|\d+)$/, ''), payload: record.requestPayload };
  }
  // EventBridge's rule DLQ keeps the event itself; the Scheduler's DLQ the schedule's input.
  if (queue === 'events-rule') return { functionName: `baozhang-${stage}-events`, payload: body };
  const job = jobs.find((spec) => queue === `schedule-${spec.job}`);
  if (job) return { functionName: `baozhang-${stage}-${job.handler}`, payload: body };
  return undefined;
}

/**
 * redrive-dlq NAME [--dry-run]: each message of the dead-letter queue NAME is invoked again
 * (asynchronously) on the function it failed on, then deleted. Inbound events are idempotent by
 * id and job runs by design, so a message that was in fact processed does nothing twice. The
 * outbox DLQ holds stream positions, not events: its range is printed for `replay-outbox`.
 */
export async function redriveDlq(args: readonly string[], io: StageIo): Promise<number> {
  const [name] = args;
  if (!name) {
    io.err('redrive-dlq NAME: async-failures, events-rule, schedule-payout, schedule-expiry or outbox (or a queue URL)');
    return 2;
  }
  const dryRun = args.includes('--dry-run');
  const url = await queueUrl(name, io);
  if (!url) return 1;
  const stage = io.stage ?? 'dev';
  const bar = progressLine(io.progress, `redriving ${name}`);
  let moved = 0;
  let kept = 0;
  for (;;) {
    const { Messages = [] } = await io.sqs!.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: dryRun ? 1 : 120 }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      let body: unknown;
      try {
        body = JSON.parse(message.Body ?? '');
      } catch {
        body = message.Body;
      }
      if (name === 'outbox') {
        const info = (body as { dynamoDbStreamBatchInfo?: { approximateArrivalOfFirstRecord?: string; approximateArrivalOfLastRecord?: string } })
          ?.dynamoDbStreamBatchInfo;
        io.out(
          `outbox batch from ${info?.approximateArrivalOfFirstRecord ?? '?'} to ${info?.approximateArrivalOfLastRecord ?? '?'}: ` +
            `npm run ops -- replay-outbox --from ${info?.approximateArrivalOfFirstRecord ?? 'T1'} --to ${info?.approximateArrivalOfLastRecord ?? 'T2'}`,
        );
        kept += 1;
        continue;
      }
      const target = redriveTarget(name, body, stage);
      if (!target) {
        io.err(`message ${message.MessageId}: cannot tell which function it belongs to; left in the queue`);
        kept += 1;
        continue;
      }
      if (dryRun) {
        io.out(`message ${message.MessageId} → ${target.functionName}`);
        kept += 1;
        continue;
      }
      const { StatusCode } = await io.lambda!.send(
        new InvokeCommand({ FunctionName: target.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(target.payload)) }),
      );
      if (StatusCode !== 202) {
        io.err(`message ${message.MessageId}: ${target.functionName} refused the invocation (${StatusCode}); left in the queue`);
        kept += 1;
        continue;
      }
      await io.sqs!.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      moved += 1;
      bar.update(moved);
    }
    if (dryRun || name === 'outbox') break; // one look: those messages come back after their visibility timeout
  }
  bar.end();
  io.out(`${moved} message(s) sent back to their function, ${kept} left in ${name}.`);
  return 0;
}

/** payout-status PAYOUT_ID: the payout as stored (payee masked) and the provider's answer for its transfer. */
export async function payoutStatus(args: readonly string[], io: StageIo): Promise<number> {
  const [payoutId] = args;
  if (!payoutId) {
    io.err('payout-status PAYOUT_ID');
    return 2;
  }
  const { getPayout } = await import('#shared/store/payouts.ts');
  const { payoutView } = await import('#shared/views/claims.ts');
  const { selectPaymentProvider } = await import('#shared/payments/provider.ts');
  const payout = await getPayout(payoutId);
  if (!payout) {
    io.err(`No payout ${payoutId}`);
    return 1;
  }
  const { maskedValue } = await import('#shared/logger.ts');
  // Accounts and names masked as in the logs (the view masks `payee`; older payouts carry `alipayAccount`).
  const masked = (value: unknown) => JSON.stringify(value, (key, v: unknown) => maskedValue(key, v), 2);
  io.out(masked({ payout: payoutView(payout, io.now().toISOString()) }));
  const provider = selectPaymentProvider();
  const answer = await provider.query(payoutId);
  io.out(masked({ provider: provider.name, transfer: answer }));
  return 0;
}

/** reconcile [MERCHANT_ID…]: the deposit/payout reconciliation (shared/use-cases/reconcile.ts). */
export async function reconcile(args: readonly string[], io: StageIo): Promise<number> {
  const { reconcileReport } = await import('./reconcile.ts');
  return reconcileReport(args, io.out);
}
