/**
 * The records rules read and produce. Field names follow api.md / examples.md (binding).
 * Every instant is an ISO-8601 string with offset; every amount is integer fen.
 */
import type { Instant } from './time.ts';

export type { Instant };

export const PLAN_IDS = ['authenticity', 'return-shipping', 'price-protection', 'live-quality', 'live-price'] as const;
/** The five insurance plans; the deposit is not a plan one joins (it has its own rules, D1–D3). */
export type PlanId = (typeof PLAN_IDS)[number];

/** Known channels; typed open because a proof order may come from anywhere (C3 checks it). */
export type Channel = 'taobao' | 'tmall' | 'tmall-global' | (string & {});

export interface SkuAttributes {
  name?: string;
  spec?: string;
  model?: string;
  brand?: string;
  size?: string;
  color?: string;
  saleMethod?: string;
}

export interface OrderLine {
  lineId: string;
  itemId: string;
  skuId: string;
  skuAttributes: SkuAttributes;
  category: string;
  quantity: number;
  /** Price per unit the order was placed at. */
  unitPriceFen: number;
  /** What the buyer paid for the line, excluding shipping, red packets and points. */
  paidFen: number;
  /** The line's parcel weight, when the order system reports it (C8). */
  weightGrams?: number;
}

export interface Order {
  orderId: string;
  buyerId: string;
  merchantId: string;
  channel: Channel;
  shippingAddressId: string;
  placedAt: Instant;
  paidAt?: Instant;
  shippedAt?: Instant;
  deliveredAt?: Instant;
  receiptConfirmedAt?: Instant;
  campaignId?: string;
  liveBaseId?: string;
  weightGrams: number;
  shippingFen: number;
  lines: readonly OrderLine[];
}

/** `order.refund-completed` data. */
export interface Refund {
  orderId: string;
  /** Identifies one refund (default: the event id); a refund counts once (I9). */
  refundId?: string;
  lineId?: string;
  /** The whole refund, shipping included. */
  refundFen: number;
  /** The shipping part of `refundFen`, when reported (C7: never compensated). */
  shippingRefundFen?: number;
  reason: string;
  returned: boolean;
  requestedAt: Instant;
  completedAt: Instant;
}

export interface Merchant {
  merchantId: string;
  liveBaseId?: string;
  categories: readonly string[];
  /** Ids of violation penalties not yet lifted (J1, J9). */
  activePenaltyIds: readonly string[];
}

export interface Campaign {
  campaignId: string;
  endsAt: Instant;
  itemIds: readonly string[];
}

export type EnrollmentStatus = 'ACTIVE' | 'TERMINATED';
/** J8: the reasons a merchant may give for exiting (退保). */
export const EXIT_REASONS = ['policy-change', 'business-difficulty', 'misoperation', 'other'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export interface Enrollment {
  enrollmentId: string;
  merchantId: string;
  planId: PlanId;
  status: EnrollmentStatus;
  /** Fixed at join time (I5). 0 for return-shipping, whose premium is a weight table. */
  rateBps: number;
  agreementVersion: string;
  joinedAt: Instant;
  gift?: boolean;
  campaign?: Campaign;
  exitedAt?: Instant;
  /** `violation` only when forced by a penalty (J9). */
  exitReason?: ExitReason | 'violation';
}

/** The roles a caller can have (one per verified token); declared here once, read by the API and the schemas. */
export const ROLES = ['merchant', 'buyer', 'adjuster', 'ops', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, taken only from the verified token (never from the body or query). */
export interface Principal {
  role: Role;
  id: string;
}

/** The roles that can be a party to a policy or claim. */
export const PARTY_ROLES = ['buyer', 'merchant'] as const;

/** A party that can benefit from, pay for or submit a claim on a policy. */
export interface Party {
  role: (typeof PARTY_ROLES)[number];
  id: string;
}

/** Who can perform a state change: a caller's role, or `system` — Baozhang itself (jobs, automatic decisions). */
export const ACTOR_ROLES = [...ROLES, 'system'] as const;

/** Who performed a state change. */
export interface Actor {
  role: (typeof ACTOR_ROLES)[number];
  id?: string;
}

export const POLICY_STATUSES = ['ACTIVE', 'CLAIMED', 'EXPIRED', 'VOID'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

/**
 * I8: the insured facts frozen at issuance. Per-line plans carry the line's facts; per-order
 * return-shipping cover the order's (its `paidFen` is the order's goods total). Claims are
 * computed from this snapshot, never from the order as it is later.
 */
export interface InsuredFacts {
  paidFen: number;
  channel: Channel;
  shippingAddressId: string;
  unitPriceFen?: number;
  quantity?: number;
  itemId?: string;
  skuId?: string;
  skuAttributes?: SkuAttributes;
  weightGrams?: number;
  /** C3: price protection's period starts when the campaign ends. */
  campaignEndsAt?: Instant;
}

export interface Policy {
  policyId: string;
  planId: PlanId;
  orderId: string;
  lineId?: string;
  merchantId: string;
  buyerId: string;
  beneficiary: Party;
  /** Who pays the premium (merchant, or the buyer who bought return-shipping cover). */
  payer: Party;
  status: PolicyStatus;
  /** The most a claim on this policy can pay. */
  insuredFen: number;
  premiumFen: number;
  rateBps: number;
  coverageStart: Instant;
  /** Absent for return-shipping until delivery or receipt confirmation is known (X2). */
  coverageEnd?: Instant;
  issuedAt: Instant;
  enrollmentId?: string;
  /** I8: absent on policies issued before snapshots existed; their claims read the order. */
  insured?: InsuredFacts;
  /** Why a VOID policy is void (I9: `refunded`). */
  voidReason?: 'refunded';
}

export interface Evidence {
  type: string;
  uri: string;
  sha256: string;
  /** Issue 21: an item uploaded to Baozhang's evidence storage; `sha256` is the hash it verified. */
  uploadId?: string;
  contentType?: string;
  sizeBytes?: number;
}

export const CLAIM_STATUSES = ['UNDER_REVIEW', 'NEEDS_INFO', 'APPROVED', 'REJECTED', 'LAPSED', 'PAID'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export interface HistoryEntry {
  at: Instant;
  status: ClaimStatus;
  actor: Actor;
  note?: string;
}

/** The figures an amount (or a refusal) came from; `rule` names the rule id. */
export interface Basis {
  rule: string;
  [figure: string]: unknown;
}

export interface Claim {
  claimId: string;
  policyId: string;
  planId: PlanId;
  orderId: string;
  lineId?: string;
  claimant: Party;
  beneficiary: Party;
  status: ClaimStatus;
  amountFen: number;
  basis: Basis;
  reasonCode?: string;
  evidence: readonly Evidence[];
  history: readonly HistoryEntry[];
  submittedAt: Instant;
  decidedAt?: Instant;
  paidAt?: Instant;
  payoutDueBy?: Instant;
  /** When the claim last entered NEEDS_INFO; the lapse clock (X3) runs from here. */
  needsInfoSince?: Instant;
  description?: string;
  /** C1: earlier claims on the same policy line (REJECTED or LAPSED), oldest first. */
  previousClaimIds?: readonly string[];
  /** C7: the refund an automatic claim pays for. */
  refundId?: string;
}

export const PAYOUT_STATUSES = ['PENDING', 'SENDING', 'UNKNOWN', 'SENT', 'CONFIRMED', 'FAILED', 'CANCELLED'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
export type WithdrawalStatus = 'REQUESTED' | 'APPROVED' | 'PAID' | 'REJECTED' | 'CANCELLED';
