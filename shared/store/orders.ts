import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CompensationLedger } from '#shared/rules/compensation.ts';
import type { Order, Policy, Refund } from '#shared/rules/types.ts';
import { batchGetItems } from './batch-get.ts';
import { documentClient, tableName } from './client.ts';
import { queryAll } from './query.ts';
import { ConditionFailed, named } from './errors.ts';
import { fromItem } from './items.ts';
import { ledgerFromItem } from './compensation.ts';
import { keys, prefixes } from './keys.ts';

/** What Baozhang knows of an order before its paid/placed event arrived: maybe only a timestamp. */
export type PartialOrder = Partial<Order> & { orderId: string };

/** An order is complete once a placed or paid event has delivered its lines. */
export function isCompleteOrder(order: PartialOrder | undefined): order is Order {
  return order !== undefined && Array.isArray(order.lines) && typeof order.buyerId === 'string';
}

/** Processed inbound event markers are kept half a year: redeliveries come within hours. */
const INBOUND_MARKER_TTL_SECONDS = 180 * 24 * 3600;

/**
 * Records one order event: marks its id processed and merges its fields into the order, in one
 * transaction. Fields only ever get set (never removed) and each event sets its own fields, so
 * any delivery order yields the same item. `ifAbsent` sets only fields not yet known
 * (`if_not_exists`): an `order.placed` delivered after its `order.paid` never overwrites the paid
 * facts (I8). Returns `duplicate` when the id was seen before.
 */
export async function mergeOrderEvent(
  event: { id: string; type: string; occurredAt: string },
  orderId: string,
  fields: Record<string, unknown>,
  options: { ifAbsent?: boolean } = {},
): Promise<{ duplicate: boolean }> {
  const names: Record<string, string> = { '#entity': 'entity', '#orderId': 'orderId' };
  const values: Record<string, unknown> = { ':entity': 'Order', ':orderId': orderId };
  const sets = ['#entity = :entity', '#orderId = :orderId'];
  Object.entries(fields).forEach(([field, value], i) => {
    if (value === undefined || field === 'orderId') return;
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
    sets.push(options.ifAbsent ? `#f${i} = if_not_exists(#f${i}, :f${i})` : `#f${i} = :f${i}`);
  });
  const input: TransactWriteCommandInput = {
    TransactItems: [
      inboundMarkerPut(event),
      {
        Update: {
          TableName: tableName,
          Key: keys.order(orderId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ],
  };
  try {
    await named(['event-not-seen', 'order'], () => documentClient.send(new TransactWriteCommand(input)));
    return { duplicate: false };
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('event-not-seen')) return { duplicate: true };
    throw error;
  }
}

/** The Put that marks an inbound event id processed; fails (named `event-not-seen`) on a repeat. */
export function inboundMarkerPut(event: { id: string; type: string; occurredAt: string }) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.inboundEvent(event.id),
        entity: 'InboundEvent',
        type: event.type,
        occurredAt: event.occurredAt,
        expiresAt: Math.floor(Date.now() / 1000) + INBOUND_MARKER_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

export interface OrderPartition {
  order: PartialOrder | undefined;
  policies: (Policy & { claimId?: string; claimIds?: Set<string> | string[]; previousClaimIds?: string[] })[];
  refunds: Refund[];
  /** C11: the compensation ledgers of the order's lines. */
  ledgers: CompensationLedger[];
}

/**
 * Records a completed refund with its event marker, in one transaction. The refund is keyed by its
 * `refundId` (stored on it; default: the event id), so the same refund carried by another event
 * overwrites itself with the same facts instead of counting twice (I9).
 */
export async function recordRefund(event: { id: string; type: string; occurredAt: string }, refund: Refund): Promise<{ duplicate: boolean }> {
  const stored: Refund = { ...refund, refundId: refund.refundId ?? event.id };
  try {
    await named(['event-not-seen', 'refund'], () =>
      documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            inboundMarkerPut(event),
            { Put: { TableName: tableName, Item: { ...keys.refund(refund.orderId, stored.refundId!), entity: 'Refund', ...stored } } },
          ],
        }),
      ),
    );
    return { duplicate: false };
  } catch (error) {
    if (error instanceof ConditionFailed && error.failed.includes('event-not-seen')) return { duplicate: true };
    throw error;
  }
}

/**
 * The order, its policies, its refunds and its lines' compensation ledgers: one Query of the
 * order's partition (`PK = ORDER#id`).
 */
export async function readOrderPartition(orderId: string): Promise<OrderPartition> {
  const { PK } = keys.order(orderId);
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': PK },
    ConsistentRead: true,
  });
  const orderItem = items.find((item) => item['SK'] === keys.order(orderId).SK);
  return {
    order: orderItem ? fromItem<PartialOrder>(orderItem) : undefined,
    policies: items.filter((item) => String(item['SK']).startsWith(prefixes.policy)).map((item) => fromItem<Policy>(item)),
    refunds: items.filter((item) => String(item['SK']).startsWith(prefixes.refund)).map((item) => fromItem<Refund>(item)),
    ledgers: items.filter((item) => String(item['SK']).startsWith(prefixes.compensationLedger)).map(ledgerFromItem),
  };
}

/** Several orders by id in one round trip (a claim's order and its proof order). */
export async function readOrders(orderIds: readonly string[]): Promise<Map<string, PartialOrder>> {
  const unique = [...new Set(orderIds)];
  if (unique.length === 0) return new Map();
  const items = await batchGetItems(unique.map((id) => keys.order(id)));
  return new Map(items.map((item) => fromItem<PartialOrder>(item)).map((order) => [order.orderId, order]));
}
