import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { toOutboundEvent, type AttributeValue } from '#infra/outbox-enrichment.ts';
import { fixedClock, setClock } from '#shared/clock.ts';
import { logger } from '#shared/logger.ts';
import { useApi, parties } from './support/api.ts';
import { seedEnrollment } from './support/enrollments.ts';
import { event, nextId, orderData } from './support/orders.ts';
import { outboxOn } from './support/seed.ts';

const api = useApi();
const PAID_AT = '2026-11-21T12:00:00+08:00';
beforeAll(() => setClock(fixedClock(PAID_AT)));

/** The JSON log lines Powertools writes to stdout while `work` runs (the logger at INFO for once). */
async function logLines(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith('{')) {
      lines.push(JSON.parse(text) as Record<string, unknown>);
      return true;
    }
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
  logger.powertools.setLogLevel('INFO');
  // Each invocation resets the level to the one the logger started with (SILENT in tests).
  vi.spyOn(logger.powertools, 'refreshSampleRateCalculation').mockImplementation(() => undefined);
  try {
    await work();
  } finally {
    logger.powertools.setLogLevel('SILENT');
    vi.restoreAllMocks();
  }
  return lines;
}

/** The outbox items an order caused, and the events out the enrichment makes of them (as the stream delivers them). */
async function eventsOutOf(orderId: string) {
  const items = (await outboxOn(PAID_AT)).filter((item) => item.detail['orderId'] === orderId);
  const events = items.map((item) =>
    toOutboundEvent({ eventName: 'INSERT', dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue> } }),
  );
  return { items: items as unknown as Record<string, unknown>[], events };
}

afterEach(() => vi.restoreAllMocks());

describe('correlation id: one order event through the local runtime', () => {
  it('carries the inbound event id to the log lines, the outbox items and the events out it caused', async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId });
    const paid = event('order.paid', orderData({ merchantId, lines: [{ paidFen: 9000 }, { lineId: 'L2', paidFen: 3333 }] }));
    const lines = await logLines(async () => {
      const res = await api.call('POST', '/v1/events', { as: parties.service, body: paid });
      expect(res.status).toBe(202);
    });

    const processed = lines.filter((line) => line['message'] === 'Inbound event processed');
    expect(processed).toEqual([expect.objectContaining({ correlationId: paid.id, eventId: paid.id, outcome: 'issued', level: 'INFO' })]);
    // The Lambda context from injectLambdaContext, on the same line.
    expect(processed[0]).toMatchObject({
      function_name: expect.stringMatching(/events$/),
      cold_start: expect.any(Boolean),
      function_request_id: expect.any(String),
    });

    const { items, events } = await eventsOutOf((paid.data as { orderId: string }).orderId);
    expect(items.map((item) => item['type'])).toEqual(['policy.issued', 'policy.issued']);
    expect(items.map((item) => item['correlationId'])).toEqual([paid.id, paid.id]);
    expect(events.map((out) => [out.type, out.correlationId])).toEqual([
      ['policy.issued', paid.id],
      ['policy.issued', paid.id],
    ]);
  });

  it("uses the caller's x-correlation-id when it sends one, and the request id on other routes", async () => {
    const merchantId = nextId('shop');
    await seedEnrollment('authenticity', { merchantId });
    const paid = event('order.paid', orderData({ merchantId }));
    const lines = await logLines(async () => {
      await api.call('POST', '/v1/events', { as: parties.service, body: paid, headers: { 'x-correlation-id': 'checkout-42' } });
      // A caller id that is not a plain token is ignored (it would end up in every line and event).
      await api.call('POST', '/v1/events', { as: parties.service, body: { ...paid, id: nextId('evt') }, headers: { 'x-correlation-id': 'bad id {"x": 1}' } });
    });
    const { items, events } = await eventsOutOf((paid.data as { orderId: string }).orderId);
    expect(items.map((item) => item['correlationId'])).toEqual(['checkout-42']);
    expect(events[0]?.correlationId).toBe('checkout-42');
    const processed = lines.filter((line) => line['message'] === 'Inbound event processed');
    expect(processed.map((line) => line['correlationId'])).toEqual(['checkout-42', expect.stringMatching(/^evt-/)]);
  });
});
