/**
 * The payout store port: what the payout job (shared/use-cases/payouts) needs of storage, as one
 * small interface passed in — the DynamoDB adapter (`dynamoPayoutStore`, ./dynamo-payout-store.ts)
 * in production and integration tests, an in-memory fake (test/support/memory-payout-store.ts) in
 * unit tests. Both keep one contract (test/support/payout-store-contract.ts): the same named
 * conditions, the same outcomes.
 *
 * Settlement writes are made by the store and handed back to `writePayouts` as they are: the job
 * reads only their `group` and condition `name`, never their item (a DynamoDB TransactItem in the
 * adapter, whatever the fake keeps in its own).
 */
import type { Payee } from '#shared/payments/port.ts';
import type { StoredClaim } from './claims.ts';
import type { ReadCapacity } from './due.ts';
import type { StoredPayout } from './payout-item.ts';
import type { ClaimPayment, PayoutWrite as StorePayoutWrite, PayoutWriteOutcome, SettlementWrite as StoreSettlementWrite } from './payout-writes.ts';

export type { ClaimPayment, PayoutEvent, PayoutGuard, PayoutWriteOutcome } from './payout-writes.ts';
export type { StoredPayout } from './payout-item.ts';
export type { StoredClaim } from './claims.ts';
export type { ReadCapacity } from './due.ts';

/** A write besides the payout, named by what it settles (`group`) and its condition (`name`). */
export type SettlementWrite = Omit<StoreSettlementWrite, 'item'> & { readonly item: unknown };

/** One all-or-nothing write of the job on one payout (see ./payout-writes.ts `PayoutWrite`). */
export type PayoutWrite = Omit<StorePayoutWrite, 'writes'> & { writes?: readonly SettlementWrite[] };

/** A payout's claim as read: undefined when there is none, null when the read failed. */
export type ClaimRead = StoredClaim | undefined | null;

export interface PayoutStore {
  /** A payout by id, strongly consistent. */
  getPayout(payoutId: string): Promise<StoredPayout | undefined>;
  /**
   * The payouts the job must act on by `now` (ISO instant): their due entry at or before it, at
   * most `limitPerShard` a shard; settled payouts have no entry. `capacity` receives read units.
   */
  payoutsDue(now: string, limitPerShard?: number, capacity?: ReadCapacity): Promise<StoredPayout[]>;
  /** A claim by id, strongly consistent. */
  getClaim(claimId: string): Promise<StoredClaim | undefined>;
  /** The claims of a page of payouts, read together; each promise never rejects (null: read failed). */
  claimsByIds(claimIds: readonly string[]): Map<string, Promise<ClaimRead>>;
  /** P4: each merchant profile's payee, read together; each promise never rejects (undefined: none on record; null: read failed). */
  merchantPayees(merchantIds: readonly string[]): Map<string, Promise<Payee | undefined | null>>;
  /** P4: the buyer's payee each order brought (`buyerAlipay`), read together; as `merchantPayees`. */
  orderBuyerPayees(orderIds: readonly string[]): Map<string, Promise<Payee | undefined | null>>;
  /** P1: the claim APPROVED → PAID (`claim-approved`) and its policy → CLAIMED (`policy-claimable`). */
  claimPaidWrites(payment: ClaimPayment, at: string): SettlementWrite[];
  /** D3: the merchant has no fraud finding (`merchant-not-fraudulent`), checked in the same write. */
  noFraudFindingCheck(merchantId: string): SettlementWrite;
  /** D2, D3, D5: a deposit-funded payout's withdrawal, advance or compensation settled (`deposit-settled`). */
  depositSettledWrites(payout: StoredPayout, at: string): SettlementWrite[];
  /**
   * Each write all or nothing, guarded by `payout-unchanged` (status, version, lease as read);
   * the written payout carries version + 1. Outcomes in order, never thrown: written, skipped (the
   * payout changed first), refused (naming the other conditions that failed), or error.
   */
  writePayouts(writes: readonly PayoutWrite[]): Promise<PayoutWriteOutcome[]>;
}
