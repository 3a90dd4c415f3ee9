import { describe, expect, it } from 'vitest';
import { handler, toOutboundEvent, type OutboxStreamRecord } from '#infra/outbox-enrichment.ts';

const record = (image: Record<string, unknown>): OutboxStreamRecord => ({ eventName: 'INSERT', dynamodb: { NewImage: image } }) as OutboxStreamRecord;

describe('outbox enrichment', () => {
  it('turns an outbox item into the public envelope with plain JSON data', async () => {
    const events = await handler([
      record({
        PK: { S: 'OUTBOX#2026-11-21' },
        SK: { S: '2026-11-21T02:00:00.000Z#evt_1' },
        eventId: { S: 'evt_1' },
        type: { S: 'claim.approved' },
        occurredAt: { S: '2026-11-21T02:00:00.000Z' },
        detail: {
          M: {
            claimId: { S: 'clm_1' },
            amountFen: { N: '12900' },
            paid: { BOOL: false },
            note: { NULL: true },
            beneficiary: { M: { role: { S: 'buyer' }, id: { S: 'b1' } } },
            lines: { L: [{ S: 'l1' }, { N: '2' }] },
            tags: { SS: ['a', 'b'] },
          },
        },
        expiresAt: { N: '1764295200' },
      }),
    ]);
    expect(events).toEqual([
      {
        id: 'evt_1',
        type: 'claim.approved',
        occurredAt: '2026-11-21T02:00:00.000Z',
        data: {
          claimId: 'clm_1',
          amountFen: 12900,
          paid: false,
          note: null,
          beneficiary: { role: 'buyer', id: 'b1' },
          lines: ['l1', 2],
          tags: ['a', 'b'],
        },
      },
    ]);
  });

  it('refuses an item without its envelope attributes, so the pipe retries and dead-letters it', () => {
    expect(() => toOutboundEvent(record({ eventId: { S: 'evt_1' }, type: { S: 'claim.approved' } }))).toThrow(/occurredAt/);
    expect(() => toOutboundEvent({ eventName: 'INSERT', dynamodb: {} })).toThrow(/NewImage/);
  });
});
