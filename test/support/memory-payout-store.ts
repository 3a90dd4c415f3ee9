/**
 * An in-memory payout store (the `PayoutStore` port, shared/store/payout-store.ts) for unit tests of
 * the payout job. It honours the DynamoDB adapter's conditions by name — `payout-unchanged` (status,
 * version, lease as read), `claim-approved`, `policy-claimable`, `merchant-not-fraudulent`,
 * `deposit-settled` — and answers with the same outcomes (written / skipped / refused naming the
 * failed conditions); test/support/payout-store-contract.ts runs the same cases on both, so it
 * cannot drift. Each write is all or nothing: checked whole, then applied whole.
 */
import type { Payee } from '#shared/payments/port.ts';
import { asPayee, profilePayee } from '#shared/payments/payee.ts';
import type { HistoryEntry, PolicyStatus } from '#shared/rules/types.ts';
import { DUE_SHARDS } from '#shared/store/keys.ts';
import type {
  ClaimPayment,
  ClaimRead,
  PayoutEvent,
  PayoutStore,
  PayoutWrite,
  PayoutWriteOutcome,
  SettlementWrite,
  StoredClaim,
  StoredPayout,
} from '#shared/store/payout-store.ts';

/** What the fake keeps of a policy: the fields the settlement's condition and update touch. */
export interface MemoryPolicy {
  orderId: string;
  planId: string;
  lineId?: string;
  status: PolicyStatus;
  claimId?: string;
  claimIds?: readonly string[];
  claimedAt?: string;
}

/** What the fake keeps of a merchant profile (P4 payee, D3 fraud finding). */
export interface MemoryMerchant {
  alipay?: unknown;
  alipayAccount?: string;
  name?: string;
  fraudFinding?: boolean;
}

/** A deposit-funded payout's part (withdrawal, advance, compensation) as its settlement finds it. */
export interface MemoryDepositPart {
  status: string;
  paidAt?: string;
}

/** The fake's own settlement items, handed out by the port's write makers and back to `writePayouts`. */
type MemoryItem =
  | { kind: 'claim-paid'; claimId: string; historyLength: number; entry: HistoryEntry; paidAt: string }
  | { kind: 'policy-claimed'; key: string; claimId: string; claimable: readonly PolicyStatus[]; at: string }
  | { kind: 'merchant-not-fraudulent'; merchantId: string }
  | { kind: 'deposit-settled'; key: string; expected: string; at: string };

export const policyKey = (ref: { orderId: string; planId: string; lineId?: string | undefined }) => `${ref.orderId}/${ref.planId}/${ref.lineId ?? ''}`;

/** The key of a deposit payout's part, and the status its settlement expects (as the DynamoDB adapter's). */
export function depositPartOf(payout: StoredPayout): { key: string; expected: string } {
  if (payout.withdrawalId) return { key: `withdrawal/${payout.withdrawalId}`, expected: 'APPROVED' };
  if (payout.advanceId && payout.claimId) return { key: `advance/${payout.claimId}`, expected: 'PENDING' };
  if (payout.compensationId && payout.compensationOrderId && payout.compensationLineId) {
    return { key: `compensation/${payout.compensationOrderId}/${payout.compensationLineId}/${payout.compensationId}`, expected: 'PENDING' };
  }
  throw new Error(`Deposit payout ${payout.payoutId} names neither a withdrawal, an advance nor a compensation`);
}

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryPayoutStore implements PayoutStore {
  readonly payouts = new Map<string, { payout: StoredPayout; dueAt: string | null }>();
  readonly claims = new Map<string, StoredClaim>();
  readonly policies = new Map<string, MemoryPolicy>();
  readonly merchants = new Map<string, MemoryMerchant>();
  readonly orders = new Map<string, { buyerAlipay?: unknown }>();
  readonly depositParts = new Map<string, MemoryDepositPart>();
  /** The outbox: every event a write carried, in the order written. */
  readonly events: (PayoutEvent & { at: string })[] = [];
  /** Every status change written, as [from, to] (the record's, not each lifecycle hop). */
  readonly statusChanges: [string, string][] = [];
  /** Calls to `writePayouts`, and the writes each carried (group commit). */
  readonly writeCalls: number[] = [];
  /** While true, `claimsByIds` answers null (a failed BatchGet) for every claim. */
  failClaimBatch = false;
  /** While true, `merchantPayees` and `orderBuyerPayees` answer null (a failed BatchGet). */
  failPayeeBatch = false;

  // --- seeding (tests) ---

  /** A payout as stored, its due entry at `dueAt` (default: its creation; null: not due). */
  putPayout(payout: StoredPayout, dueAt: string | null = payout.createdAt): void {
    this.payouts.set(payout.payoutId, { payout: copy(payout), dueAt });
  }

  putClaim(claim: StoredClaim): void {
    this.claims.set(claim.claimId, copy(claim));
  }

  putPolicy(policy: MemoryPolicy): void {
    this.policies.set(policyKey(policy), copy(policy));
  }

  putMerchant(merchantId: string, profile: MemoryMerchant): void {
    this.merchants.set(merchantId, copy(profile));
  }

  putOrder(orderId: string, order: { buyerAlipay?: unknown }): void {
    this.orders.set(orderId, copy(order));
  }

  /** The due entry of a payout (null: out of the index), for assertions. */
  dueAtOf(payoutId: string): string | null | undefined {
    return this.payouts.get(payoutId)?.dueAt;
  }

  // --- the port ---

  async getPayout(payoutId: string): Promise<StoredPayout | undefined> {
    const entry = this.payouts.get(payoutId);
    return entry ? copy(entry.payout) : undefined;
  }

  async payoutsDue(now: string, limitPerShard = 100): Promise<StoredPayout[]> {
    const cutoff = Date.parse(now);
    return [...this.payouts.values()]
      .filter((entry): entry is { payout: StoredPayout; dueAt: string } => entry.dueAt !== null && Date.parse(entry.dueAt) <= cutoff)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.payout.payoutId.localeCompare(b.payout.payoutId))
      .slice(0, limitPerShard * DUE_SHARDS)
      .map((entry) => copy(entry.payout));
  }

  async getClaim(claimId: string): Promise<StoredClaim | undefined> {
    const claim = this.claims.get(claimId);
    return claim ? copy(claim) : undefined;
  }

  claimsByIds(claimIds: readonly string[]): Map<string, Promise<ClaimRead>> {
    return new Map(claimIds.map((id) => [id, Promise.resolve(this.failClaimBatch ? null : this.claims.has(id) ? copy(this.claims.get(id)!) : undefined)]));
  }

  merchantPayees(merchantIds: readonly string[]): Map<string, Promise<Payee | undefined | null>> {
    return new Map(
      merchantIds.map((id) => {
        const profile = this.merchants.get(id);
        return [id, Promise.resolve(this.failPayeeBatch ? null : profilePayee(profile?.alipay, profile?.alipayAccount, profile?.name))];
      }),
    );
  }

  orderBuyerPayees(orderIds: readonly string[]): Map<string, Promise<Payee | undefined | null>> {
    return new Map(orderIds.map((id) => [id, Promise.resolve(this.failPayeeBatch ? null : asPayee(this.orders.get(id)?.buyerAlipay))]));
  }

  claimPaidWrites(payment: ClaimPayment, at: string): SettlementWrite[] {
    const claimPaid: MemoryItem = {
      kind: 'claim-paid',
      claimId: payment.claimId,
      historyLength: payment.historyLength,
      entry: payment.entry,
      paidAt: payment.paidAt,
    };
    const policyClaimed: MemoryItem = {
      kind: 'policy-claimed',
      key: policyKey(payment.policy),
      claimId: payment.claimId,
      claimable: payment.claimableStatuses,
      at,
    };
    return [
      { group: 'claim', name: 'claim-approved', item: claimPaid },
      { group: 'policy', name: 'policy-claimable', item: policyClaimed },
    ];
  }

  noFraudFindingCheck(merchantId: string): SettlementWrite {
    const item: MemoryItem = { kind: 'merchant-not-fraudulent', merchantId };
    return { group: 'merchant', name: 'merchant-not-fraudulent', item };
  }

  depositSettledWrites(payout: StoredPayout, at: string): SettlementWrite[] {
    if (payout.source !== 'deposit') return [];
    const item: MemoryItem = { kind: 'deposit-settled', ...depositPartOf(payout), at };
    return [{ group: 'deposit', name: 'deposit-settled', item }];
  }

  async writePayouts(writes: readonly PayoutWrite[]): Promise<PayoutWriteOutcome[]> {
    this.writeCalls.push(writes.length);
    return writes.map((write) => this.writeOne(write));
  }

  private writeOne(write: PayoutWrite): PayoutWriteOutcome {
    const current = this.payouts.get(write.payout.payoutId)?.payout;
    const { previous } = write;
    const unchanged =
      current !== undefined &&
      current.status === previous.status &&
      current.version === previous.version &&
      (previous.leaseToken === undefined || current.leaseToken === previous.leaseToken);
    // DynamoDB cancels the whole write when the payout changed: the job steps aside (skipped).
    if (!unchanged) return { status: 'skipped' };
    const items = (write.writes ?? []).map((part) => ({ name: part.name, item: part.item as MemoryItem }));
    const failed = items.filter(({ item }) => !this.holds(item)).map(({ name }) => name);
    if (failed.length > 0) return { status: 'refused', failed };
    const payout: StoredPayout = { ...copy(write.payout), version: (previous.version ?? 0) + 1 };
    this.payouts.set(payout.payoutId, { payout, dueAt: write.dueAt });
    if (current.status !== payout.status) this.statusChanges.push([current.status, payout.status]);
    for (const { item } of items) this.apply(item);
    for (const event of write.events ?? []) this.events.push({ ...copy(event), at: write.at });
    return { status: 'written', payout: copy(payout) };
  }

  private holds(item: MemoryItem): boolean {
    switch (item.kind) {
      case 'claim-paid': {
        const claim = this.claims.get(item.claimId);
        return claim?.status === 'APPROVED' && claim.history.length === item.historyLength;
      }
      case 'policy-claimed': {
        const policy = this.policies.get(item.key);
        if (!policy) return false;
        return (policy.claimId === item.claimId && item.claimable.includes(policy.status)) || (policy.claimIds ?? []).includes(item.claimId);
      }
      case 'merchant-not-fraudulent':
        return this.merchants.get(item.merchantId)?.fraudFinding !== true;
      case 'deposit-settled':
        return this.depositParts.get(item.key)?.status === item.expected;
    }
  }

  private apply(item: MemoryItem): void {
    switch (item.kind) {
      case 'claim-paid': {
        const claim = this.claims.get(item.claimId)!;
        this.claims.set(item.claimId, {
          ...claim,
          status: item.entry.status as StoredClaim['status'],
          paidAt: item.paidAt,
          history: [...claim.history, item.entry],
        });
        return;
      }
      case 'policy-claimed':
        this.policies.set(item.key, { ...this.policies.get(item.key)!, status: 'CLAIMED', claimedAt: item.at });
        return;
      case 'merchant-not-fraudulent':
        return;
      case 'deposit-settled':
        this.depositParts.set(item.key, { status: 'PAID', paidAt: item.at });
    }
  }
}
