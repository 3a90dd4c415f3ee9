import { Duration } from 'aws-cdk-lib';

/** What a handler may do to the single table. `none` for handlers that never touch it. */
export type TableAccess = 'none' | 'read' | 'read-write';

export interface HandlerNeeds {
  table: TableAccess;
  /**
   * For `read-write`: the partition-key prefixes (shared/store/keys.ts) its writes may touch. The
   * role's write actions carry a `dynamodb:LeadingKeys` condition on exactly these; a read-write
   * handler without them gets no write grant at all (synth fails). test/infra/security.test.ts
   * checks each list against the keys the handler's code can build (its import graph).
   */
  writes?: readonly KeyPrefix[];
  /** Puts events on the bus itself. Handlers normally write to the outbox instead (the pipe publishes). */
  publishes?: boolean;
  /** Calls the payment provider: gets PAYMENT_PROVIDER and, for alipay, read access to its one secret. */
  pays?: boolean;
  /**
   * Issue 21, the evidence bucket: `read` checks uploads (HeadObject) and presigns downloads
   * (GetObject on `evidence/*`); `write` presigns uploads (PutObject). Gets EVIDENCE_BUCKET.
   */
  evidence?: 'read' | 'write';
  memorySize?: number;
  timeout?: Duration;
}

/** Partition-key prefixes of the table (shared/store/keys.ts builds each). */
export type KeyPrefix =
  | 'MERCHANT#'
  | 'ORDER#'
  | 'CLAIM#'
  | 'PAYOUT#'
  | 'DEPOSIT#'
  | 'WITHDRAWAL#'
  | 'IDEMPOTENCY#'
  | 'EVENT#'
  | 'OUTBOX#'
  | 'LOCALPAY#'
  | 'TOPUP#';

// The partitions every HTTP action's code may build: its idempotency record, the inbound-event
// marks and the outbox (shared through the use-case modules).
const HTTP: readonly KeyPrefix[] = ['IDEMPOTENCY#', 'EVENT#', 'OUTBOX#'];
const MERCHANTS: readonly KeyPrefix[] = [...HTTP, 'MERCHANT#', 'ORDER#'];
const CLAIMS: readonly KeyPrefix[] = [...MERCHANTS, 'CLAIM#', 'PAYOUT#'];
const DEPOSITS: readonly KeyPrefix[] = [...CLAIMS, 'DEPOSIT#', 'WITHDRAWAL#'];
// Deposit actions that record no inbound event (withdrawals, advances, top-ups): no EVENT# marks.
const DEPOSIT_ACTIONS: readonly KeyPrefix[] = DEPOSITS.filter((prefix) => prefix !== 'EVENT#');
const TOP_UPS: readonly KeyPrefix[] = [...DEPOSIT_ACTIONS, 'TOPUP#', 'LOCALPAY#'];
// Actions on a merchant that read its deposit account (join checks the minimum, D1).
const MERCHANT_ACTIONS: readonly KeyPrefix[] = [...MERCHANTS, 'DEPOSIT#'];

/** The event handler module: serves POST /v1/events and is the target of the bus rule. */
export const EVENTS_HANDLER = 'events';

/** The outbox pipe's enrichment function (not a handler folder: infra/outbox-enrichment.ts). */
export const OUTBOX_ENRICHMENT = 'outbox-enrichment';

// API Gateway HTTP APIs give up on an integration after 30 s; an API handler must finish first.
const API_TIMEOUT = Duration.seconds(29);
// A scheduled run must end before the next one starts (payout runs every 5 minutes).
const JOB_TIMEOUT = Duration.minutes(4);

/**
 * Least privilege, written down once: every handler folder and what it needs. Read-only where a
 * handler only reads; no handler publishes directly (events go out through the table's outbox).
 * A handler missing here falls back to `needsOf`'s naming rule, so a new list-/get- action is
 * read-only by default and anything else read-write.
 */
export const handlerNeeds: Readonly<Record<string, HandlerNeeds>> = {
  health: { table: 'read', memorySize: 256, timeout: Duration.seconds(5) },
  // Built from the route schemas in memory; never reads the table.
  openapi: { table: 'none', memorySize: 256, timeout: Duration.seconds(5) },
  'list-plans': { table: 'read' },
  'put-merchant': { table: 'read-write', writes: MERCHANT_ACTIONS },
  'get-quote': { table: 'read' },
  join: { table: 'read-write', writes: MERCHANT_ACTIONS },
  'list-enrollments': { table: 'read' },
  'exit-enrollment': { table: 'read-write', writes: MERCHANT_ACTIONS },
  [EVENTS_HANDLER]: { table: 'read-write', writes: DEPOSITS, timeout: API_TIMEOUT },
  'issue-policy': { table: 'read-write', writes: CLAIMS },
  'list-policies': { table: 'read' },
  'get-policy': { table: 'read' },
  'submit-claim': { table: 'read-write', writes: CLAIMS, evidence: 'read' },
  'add-evidence': { table: 'read-write', writes: CLAIMS, evidence: 'read' },
  'decide-claim': { table: 'read-write', writes: CLAIMS },
  'get-claim': { table: 'read', evidence: 'read' },
  // Issue 21: reads the claim or policy, presigns an upload; writes nothing to the table.
  'evidence-uploads': { table: 'read', evidence: 'write' },
  'list-claims': { table: 'read' },
  'list-payouts': { table: 'read' },
  'get-deposit': { table: 'read' },
  // D4: asks the provider's collection port for a payment instruction (Alipay: precreate).
  'top-up-deposit': { table: 'read-write', writes: TOP_UPS, pays: true },
  'get-top-up': { table: 'read' },
  // D4: verifies the provider's signature (its public key is in the payment secret), credits once.
  'payment-notification': { table: 'read-write', writes: TOP_UPS, pays: true },
  'compensate-order': { table: 'read-write', writes: DEPOSITS },
  'request-withdrawal': { table: 'read-write', writes: DEPOSIT_ACTIONS },
  'decide-withdrawal': { table: 'read-write', writes: DEPOSIT_ACTIONS },
  'advance-compensation': { table: 'read-write', writes: DEPOSIT_ACTIONS },
  // Runs payout or expiry on demand, so it needs what both jobs need.
  'run-job': { table: 'read-write', writes: [...DEPOSITS, 'TOPUP#', 'LOCALPAY#'], pays: true, memorySize: 1024, timeout: API_TIMEOUT },
  payout: {
    table: 'read-write',
    writes: ['OUTBOX#', 'MERCHANT#', 'ORDER#', 'CLAIM#', 'PAYOUT#', 'DEPOSIT#', 'WITHDRAWAL#', 'TOPUP#', 'LOCALPAY#'],
    pays: true,
    memorySize: 1024,
    timeout: JOB_TIMEOUT,
  },
  'expire-windows': { table: 'read-write', writes: ['EVENT#', 'OUTBOX#', 'MERCHANT#', 'ORDER#', 'CLAIM#', 'PAYOUT#'], memorySize: 1024, timeout: JOB_TIMEOUT },
  // Not an action: the outbox pipe's enrichment (infra/outbox-enrichment.ts). Pure data mapping.
  [OUTBOX_ENRICHMENT]: { table: 'none', memorySize: 256, timeout: Duration.seconds(10) },
};

export const DEFAULT_MEMORY_SIZE = 512;
export const DEFAULT_TIMEOUT = Duration.seconds(10);

/** A handler's needs with the defaults filled in. */
export type ResolvedNeeds = HandlerNeeds & { memorySize: number; timeout: Duration };

export function needsOf(handler: string): ResolvedNeeds {
  const declared = handlerNeeds[handler] ?? { table: /^(get|list)-/.test(handler) ? 'read' : 'read-write' };
  return {
    memorySize: DEFAULT_MEMORY_SIZE,
    timeout: DEFAULT_TIMEOUT,
    ...declared,
  };
}
