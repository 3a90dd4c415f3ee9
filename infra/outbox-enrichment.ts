/**
 * Runtime code of the outbox pipe's enrichment step (bundled into its own small Lambda, see
 * outbox.ts). It lives beside the infrastructure because it is glue, not a business action: it
 * turns DynamoDB stream records of outbox items into the public event envelope.
 *
 * Why a function at all: a pipe's input template can pick single values out of a stream record,
 * but cannot turn a nested DynamoDB map (`{"M": {"orderId": {"S": …}}}`) back into plain JSON, and
 * events out must carry `data` as plain JSON, the same envelope events in use.
 *
 * It sees every event out, so it is also where the business metrics are counted (one place rather
 * than one per use case): shared/business-metrics.ts.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { countEventsOut } from '#shared/business-metrics.ts';

/** A DynamoDB attribute value as it appears in a stream record. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { B: string }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export interface OutboxStreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
}

/**
 * The public envelope: the EventBridge event's `detail`, the same shape as events in, plus the
 * `correlationId` of the request, inbound event or job run that caused it (when it had one).
 */
export interface OutboundEvent {
  id: string;
  type: string;
  occurredAt: string;
  correlationId?: string;
  data: unknown;
}

/** Sets as arrays: the envelope's `data` is plain JSON. */
function plainJson(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plainJson);
  if (Array.isArray(value)) return value.map(plainJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plainJson(v)]));
  }
  return value;
}

/**
 * An attribute value as plain JSON, by the SDK's own `unmarshall`; every number a JSON number
 * (`Number`, as the envelope always carried it), every set an array.
 */
export function fromAttributeValue(value: AttributeValue): unknown {
  const { value: native } = unmarshall({ value } as unknown as Record<string, SdkAttributeValue>, { wrapNumbers: (text) => Number(text) });
  return plainJson(native);
}

function requiredString(image: Record<string, AttributeValue>, name: string): string {
  const value = image[name];
  if (!value || !('S' in value) || value.S === '') throw new Error(`Outbox item lacks string attribute '${name}'`);
  return value.S;
}

/**
 * One envelope per outbox record: `eventId`, `type`, `occurredAt` and `detail` (the event's data)
 * of the item's new image. A malformed item throws, so the pipe retries, bisects the batch and
 * finally dead-letters just that record instead of publishing a broken event.
 */
export function toOutboundEvent(record: OutboxStreamRecord): OutboundEvent {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new Error('Stream record has no NewImage (the table stream must include new images)');
  const detail = image['detail'];
  const correlation = image['correlationId'];
  return {
    id: requiredString(image, 'eventId'),
    type: requiredString(image, 'type'),
    occurredAt: requiredString(image, 'occurredAt'),
    ...(correlation && 'S' in correlation && correlation.S ? { correlationId: correlation.S } : {}),
    data: detail === undefined ? {} : fromAttributeValue(detail),
  };
}

/**
 * Pipes invokes the enrichment with the batch and sends each returned element to the bus; the
 * business metrics of the batch are published once it is mapped. A retried batch counts again:
 * the metrics are for watching trends, the table is the record.
 */
export const handler = async (records: OutboxStreamRecord[]): Promise<OutboundEvent[]> => {
  const events = records.map(toOutboundEvent);
  countEventsOut(events);
  return events;
};
