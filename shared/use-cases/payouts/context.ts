/** What a payout run reports, and what its parts (sender, settlement) share. */
import type { PaymentProvider } from '#shared/payments/port.ts';
import type { PayoutStore } from '#shared/store/payout-store.ts';
import type { PayoutRetryPolicy } from './settings.ts';

export interface PayoutResult {
  job: 'payout';
  /** Due payouts taken up by this run. */
  processed: number;
  /** Transfers sent to the provider (first sends and resends). */
  sent: number;
  /** Provider queries about transfers whose outcome was not known. */
  queried: number;
  /** Payouts CONFIRMED by this run (their claims PAID). */
  confirmed: number;
  /** Transfers the provider accepted and is still processing (SENT). */
  processing: number;
  /** Outcomes not known yet (UNKNOWN): queried by a later run, never resent blindly. */
  unknown: number;
  /** Refused transfers that will be retried after their backoff. */
  retrying: number;
  /** Payouts given up (FAILED for good) and reported with `payout.failed`. */
  failed: number;
  /** Payouts that cannot be sent yet (no Alipay account): reported, retried later. */
  deferred: number;
  /** Payouts another run changed first: this run left them alone. */
  skipped: number;
  /** Unsettled payouts past `dueBy` seen by this run (the OverduePayouts metric). */
  overdue: number;
  /** Of those, the ones flagged now (`payout.overdue`, once per payout). */
  newlyOverdue: number;
  /** Due payouts left for the next run because the invocation ran short of time. */
  leftForNextRun: number;
  /** Payouts whose handling threw unexpectedly: logged, and due again for the next run. */
  errors: number;
  /** Read capacity of the due-payout queries (their cost follows the due payouts, not the table). */
  readCapacityUnits: number;
}

export function emptyPayoutResult(): PayoutResult {
  return {
    job: 'payout',
    processed: 0,
    sent: 0,
    queried: 0,
    confirmed: 0,
    processing: 0,
    unknown: 0,
    retrying: 0,
    failed: 0,
    deferred: 0,
    skipped: 0,
    overdue: 0,
    newlyOverdue: 0,
    leftForNextRun: 0,
    errors: 0,
    readCapacityUnits: 0,
  };
}

/** One run's surroundings: its store and provider (ports), its clock, its policy and its counts. */
export interface PayoutContext {
  readonly store: PayoutStore;
  readonly provider: PaymentProvider;
  /** "Now" for each step (a run lasts, and leases count from the moment they are taken). */
  readonly now: () => string;
  readonly retry: PayoutRetryPolicy;
  readonly result: PayoutResult;
  /** Counts and logs a payout's unexpected failure; it stays due for the next run. */
  readonly onError: (error: unknown) => void;
}
