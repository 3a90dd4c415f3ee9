import { ulid } from 'ulid';
import { correlationId } from '#shared/correlation.ts';
import { keys } from './keys.ts';

/** Outbound event types (api.md "Events out"). */
export type OutboundEventType =
  | 'enrollment.joined'
  | 'enrollment.terminated'
  | 'policy.issued'
  | 'policy.expired'
  | 'policy.voided'
  | 'claim.submitted'
  | 'claim.approved'
  | 'claim.rejected'
  | 'claim.needs-info'
  | 'claim.refund-required'
  | 'payout.sent'
  | 'payout.failed'
  | 'payout.overdue'
  | 'deposit.credited'
  | 'deposit.top-up-required'
  | 'deposit.compensated'
  | 'withdrawal.cancelled'
  | 'deposit.withdrawal-requested'
  | 'deposit.withdrawal-approved'
  | 'deposit.withdrawal-rejected'
  | 'deposit.advance-compensated'
  | 'deposit.forfeited';

/** Outbox records are kept a week locally; in AWS the table stream has already carried them out. */
const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The Put of one outbound event, to be written in the SAME transaction as the state change it
 * announces (transactional outbox): either both happen or neither does. The item carries the
 * correlation id of the request, event or job run that wrote it (shared/correlation.ts), which the
 * event out carries as `correlationId`.
 */
export function outboxPut(tableName: string, type: OutboundEventType, detail: Record<string, unknown>, at: string) {
  const eventId = `evt_${ulid(Date.parse(at))}`;
  const correlation = correlationId();
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.outboxEvent(at, eventId),
        entity: 'OutboundEvent',
        eventId,
        type,
        occurredAt: at,
        detail,
        expiresAt: Math.floor(Date.parse(at) / 1000) + OUTBOX_TTL_SECONDS,
        ...(correlation ? { correlationId: correlation } : {}),
      },
    },
  };
}
