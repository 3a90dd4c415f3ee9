import { DeleteMessageCommand, ListQueuesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { runOps } from '../../scripts/ops.ts';
import { daysBetween, redriveTarget } from '../../scripts/ops-stage.ts';
import { withCorrelationId } from '#shared/correlation.ts';
import { useApi, parties } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { outboxOn, seedApprovedClaim } from './support/seed.ts';

/**
 * The operator commands against a local stage: this file's table in DynamoDB Local (TABLE_NAME,
 * DYNAMODB_ENDPOINT as `npm start` sets them). SQS and Lambda are fakes passed in `io` — the same
 * injection point `npm run ops` fills with the environment's clients — that record every command.
 */
const api = useApi();

function io(now = '2026-12-06T03:00:00.000Z', aws: { sqs?: any; lambda?: any } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { root: process.cwd(), out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), now: () => new Date(now), stage: 'test', ...aws },
  };
}

describe('npm run ops -- replay-outbox', () => {
  it('writes the events out of a time range again as new outbox items with their original ids and correlation ids', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId });
    const paid = event('order.paid', orderData({ merchantId, lines: [{ paidFen: 9000 }, { lineId: 'L2', paidFen: 500 }] }));
    expect((await api.call('POST', '/v1/events', { as: parties.service, body: paid })).status).toBe(202);
    const originals = (await outboxOn(new Date().toISOString())).filter((item) => item.detail['orderId'] === (paid.data as { orderId: string }).orderId);
    expect(originals).toHaveLength(2);
    const times = originals.map((item) => (item as unknown as { occurredAt: string }).occurredAt).sort();
    const from = new Date(Date.parse(times[0]!) - 1000).toISOString();
    const to = new Date(Date.parse(times[1]!) + 1000).toISOString();

    const dry = io();
    expect(await runOps(['replay-outbox', '--from', from, '--to', to, '--type', 'policy.issued', '--dry-run'], dry.io)).toBe(0);
    expect(dry.out[0]).toMatch(/^\d+ event\(s\) out between .* of type policy\.issued\.$/);

    const run = io('2026-12-06T03:00:00.000Z');
    expect(await runOps(['replay-outbox', '--from', from, '--to', to], run.io)).toBe(0);
    expect(run.out.at(-1)).toMatch(/^Replayed \d+ event\(s\)/);
    const replayed = (await outboxOn('2026-12-06T03:00:00.000Z')) as unknown as Record<string, unknown>[];
    for (const original of originals as unknown as Record<string, unknown>[]) {
      const copy = replayed.find((item) => item['eventId'] === original['eventId']);
      expect(copy, String(original['eventId'])).toMatchObject({
        PK: expect.stringMatching(/^OUTBOX#2026-12-06#\d+$/),
        SK: `2026-12-06T03:00:00.000Z#${String(original['eventId'])}#replay`,
        type: original['type'],
        occurredAt: original['occurredAt'],
        detail: original['detail'],
        correlationId: paid.id,
      });
    }
  });

  it('refuses a missing or reversed range', async () => {
    const bad = io();
    expect(await runOps(['replay-outbox', '--from', '2026-12-02T00:00:00Z', '--to', '2026-12-01T00:00:00Z'], bad.io)).toBe(2);
    expect(bad.err[0]).toMatch(/needs --from and --to/);
    expect(daysBetween(new Date('2026-11-30T23:00:00Z'), new Date('2026-12-02T01:00:00Z'))).toEqual(['2026-11-30', '2026-12-01', '2026-12-02']);
  });
});

describe('npm run ops -- payout-status', () => {
  it("prints the stored payout with its payee masked and the provider's answer for its transfer", async () => {
    const { payout } = await withCorrelationId('ops-test', () => seedApprovedClaim(nextId('shop'), '2026-11-24T10:00:00+08:00'));
    const run = io();
    expect(await runOps(['payout-status', payout.payoutId], run.io)).toBe(0);
    expect(JSON.parse(run.out[0]!)).toMatchObject({ payout: { payoutId: payout.payoutId, status: payout.status, amountFen: payout.amountFen } });
    expect(run.out[0]).not.toContain('@alipay.example');
    expect(JSON.parse(run.out[1]!)).toMatchObject({ provider: 'local', transfer: expect.any(Object) });

    const missing = io();
    expect(await runOps(['payout-status', 'pay_nope'], missing.io)).toBe(1);
    expect(missing.err).toEqual(['No payout pay_nope']);
  });
});

describe('npm run ops -- reconcile', () => {
  it('runs the deposit reconciliation over every deposit account and exits 0 when everything agrees', async () => {
    const run = io();
    expect(await runOps(['reconcile'], run.io)).toBe(0);
    expect(run.out.at(-1)).toMatch(/^Reconciled \d+ deposit\(s\): 0 difference\(s\)\.$/);
  });
});

describe('npm run ops -- redrive-dlq (SQS and Lambda injected)', () => {
  const QUEUE = 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/Baozhang-test-Stateless-DlqasyncfailuresABC-xyz';
  function fakes(messages: Array<{ MessageId: string; Body: string; ReceiptHandle: string }>, invokeStatus = 202) {
    const sent: any[] = [];
    let delivered = false;
    const sqs = {
      send: async (command: any) => {
        sent.push(command);
        if (command instanceof ListQueuesCommand) return { QueueUrls: [QUEUE] };
        if (command instanceof ReceiveMessageCommand) {
          if (delivered) return { Messages: [] };
          delivered = true;
          return { Messages: messages };
        }
        return {};
      },
    };
    const lambda = { send: async (command: any) => (sent.push(command), { StatusCode: invokeStatus }) };
    return { sent, sqs, lambda };
  }

  it('invokes the function each message failed on with its original event, then deletes the message', async () => {
    const failed = {
      requestContext: { functionArn: 'arn:aws:lambda:cn-north-1:123456789012:function:baozhang-test-payout:$LATEST', condition: 'RetriesExhausted' },
      requestPayload: { job: 'payout', scheduleArn: 'arn:…', executionId: 'exec-1' },
    };
    const { sent, sqs, lambda } = fakes([{ MessageId: 'm1', Body: JSON.stringify(failed), ReceiptHandle: 'r1' }]);
    const run = io(undefined, { sqs, lambda });
    expect(await runOps(['redrive-dlq', 'async-failures'], run.io)).toBe(0);
    expect(sent.find((c) => c instanceof ListQueuesCommand)!.input).toEqual({ QueueNamePrefix: 'Baozhang-test-Stateless-Dlqasyncfailures' });
    const invoke = sent.find((c) => c instanceof InvokeCommand)!.input;
    expect(invoke).toMatchObject({ FunctionName: 'arn:aws:lambda:cn-north-1:123456789012:function:baozhang-test-payout', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual(failed.requestPayload);
    expect(sent.find((c) => c instanceof DeleteMessageCommand)!.input).toEqual({ QueueUrl: QUEUE, ReceiptHandle: 'r1' });
    expect(run.out.at(-1)).toBe('1 message(s) sent back to their function, 0 left in async-failures.');
  });

  it('keeps a message whose invocation is refused, and --dry-run only lists', async () => {
    const inbound = { id: 'evt-1', 'detail-type': 'order.paid', detail: { id: 'evt-1' } };
    const refused = fakes([{ MessageId: 'm2', Body: JSON.stringify(inbound), ReceiptHandle: 'r2' }], 500);
    const run = io(undefined, refused);
    expect(await runOps(['redrive-dlq', 'events-rule'], run.io)).toBe(0);
    expect(refused.sent.find((c) => c instanceof InvokeCommand)!.input.FunctionName).toBe('baozhang-test-events');
    expect(refused.sent.some((c) => c instanceof DeleteMessageCommand)).toBe(false);
    expect(run.err[0]).toMatch(/refused the invocation \(500\); left in the queue/);

    const dry = fakes([{ MessageId: 'm3', Body: JSON.stringify(inbound), ReceiptHandle: 'r3' }]);
    const listed = io(undefined, dry);
    expect(await runOps(['redrive-dlq', 'events-rule', '--dry-run'], listed.io)).toBe(0);
    expect(listed.out[0]).toBe('message m3 → baozhang-test-events');
    expect(dry.sent.some((c) => c instanceof InvokeCommand || c instanceof DeleteMessageCommand)).toBe(false);
  });

  it("points an outbox dead letter at replay-outbox, and knows each queue's function", async () => {
    const batch = {
      dynamoDbStreamBatchInfo: { approximateArrivalOfFirstRecord: '2026-12-06T01:00:00Z', approximateArrivalOfLastRecord: '2026-12-06T01:05:00Z' },
    };
    const { sqs, lambda } = fakes([{ MessageId: 'm4', Body: JSON.stringify(batch), ReceiptHandle: 'r4' }]);
    const run = io(undefined, { sqs, lambda });
    expect(await runOps(['redrive-dlq', 'outbox'], run.io)).toBe(0);
    expect(run.out[0]).toContain('npm run ops -- replay-outbox --from 2026-12-06T01:00:00Z --to 2026-12-06T01:05:00Z');
    expect(redriveTarget('schedule-expiry', { job: 'expiry' }, 'prod')).toEqual({ functionName: 'baozhang-prod-expire-windows', payload: { job: 'expiry' } });
    expect(redriveTarget('mystery', { x: 1 }, 'prod')).toBeUndefined();
  });
});
