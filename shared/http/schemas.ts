import * as z from 'zod';
import { EXIT_REASONS, PLAN_IDS } from '#shared/rules/types.ts';

/**
 * The wire shapes of the API contract (`../shared/spec/api.md`, `examples.md`), as zod schemas.
 * Request schemas are strict (unknown fields are a 400); the OpenAPI document is generated from
 * these same objects.
 */

// ---------- primitives ----------
/** Integer fen, never negative, never beyond what a double holds exactly. */
export const Fen = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const PositiveFen = Fen.min(1);
export const RateBps = z.number().int().nonnegative().max(10_000);
/** ISO-8601 with offset, between 2000 and 2100 (anything else is a typo or an attack). */
export const Instant = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  },
  { message: 'Instant must fall between the years 2000 and 2100' },
);
/** Ids from other systems (orders, merchants, buyers, items): printable, bounded. */
export const ExternalId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'Use letters, digits and . _ : @ -');
export const PlanIdSchema = z.enum(PLAN_IDS);
export const Text = (max: number) => z.string().min(1).max(max);
export const Limit = z.coerce.number().int().min(1).max(100).default(50);
export const Cursor = z.string().min(1).max(1024);
export const Role = z.enum(['merchant', 'buyer', 'adjuster', 'ops', 'service']);

export const PartySchema = z.object({ role: z.enum(['buyer', 'merchant']), id: z.string() });
export const ActorSchema = z.object({
  role: z.enum(['buyer', 'merchant', 'adjuster', 'ops', 'service', 'system']),
  id: z.string().optional(),
});

// ---------- problem ----------
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    basis: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ description: 'RFC 9457 problem details (application/problem+json)' });

// ---------- merchants and enrollments ----------
export const MerchantProfileInput = z.strictObject({
  name: Text(200),
  alipayAccount: Text(100),
  liveBaseId: ExternalId.optional(),
  categories: z.array(ExternalId).max(50),
});
export const MerchantSchema = MerchantProfileInput.extend({
  merchantId: z.string(),
  penalized: z.boolean(),
  updatedAt: z.string(),
});

export const CampaignSchema = z.strictObject({
  campaignId: ExternalId,
  endsAt: Instant,
  itemIds: z.array(ExternalId).min(1).max(1000),
});

export const JoinInput = z.strictObject({
  planId: PlanIdSchema,
  acceptAgreement: z.boolean(),
  agreementVersion: Text(32),
  gift: z.boolean().optional(),
  campaign: CampaignSchema.optional(),
});

export const ExitInput = z.strictObject({ reason: z.enum(EXIT_REASONS) });

export const EnrollmentSchema = z.object({
  enrollmentId: z.string(),
  merchantId: z.string(),
  planId: PlanIdSchema,
  status: z.enum(['ACTIVE', 'TERMINATED']),
  rateBps: RateBps,
  agreementVersion: z.string(),
  joinedAt: z.string(),
  gift: z.boolean().optional(),
  campaign: CampaignSchema.optional(),
  exitedAt: z.string().optional(),
  exitReason: z.string().optional(),
});

export const QuoteSchema = z.object({
  planId: PlanIdSchema,
  eligible: z.boolean(),
  reasons: z.array(z.object({ code: z.string(), detail: z.string() }).loose()),
  rateBps: RateBps,
  agreementVersion: z.string(),
});

// ---------- orders and events ----------
export const SkuAttributesSchema = z.object({
  name: z.string().max(200).optional(),
  spec: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  brand: z.string().max(200).optional(),
  size: z.string().max(100).optional(),
  color: z.string().max(100).optional(),
  saleMethod: z.string().max(100).optional(),
});

export const OrderLineSchema = z.object({
  lineId: ExternalId,
  itemId: ExternalId,
  skuId: ExternalId,
  skuAttributes: SkuAttributesSchema,
  category: ExternalId,
  quantity: z.number().int().min(1).max(100_000),
  unitPriceFen: Fen,
  paidFen: Fen,
});

/** The whole order, as `order.placed` / `order.paid` carry it. Unknown fields are dropped, not stored. */
export const OrderDataSchema = z.object({
  orderId: ExternalId,
  buyerId: ExternalId,
  merchantId: ExternalId,
  channel: z.enum(['taobao', 'tmall', 'tmall-global']),
  shippingAddressId: ExternalId,
  placedAt: Instant,
  paidAt: Instant.optional(),
  campaignId: ExternalId.optional(),
  liveBaseId: ExternalId.optional(),
  weightGrams: z.number().int().nonnegative().max(10_000_000),
  shippingFen: Fen,
  lines: z
    .array(OrderLineSchema)
    .min(1)
    .max(500)
    .refine((lines) => new Set(lines.map((l) => l.lineId)).size === lines.length, 'lineId must be unique within an order'),
});

const eventEnvelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ id: ExternalId, type: z.literal(type), occurredAt: Instant, data });

export const OrderEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('order.placed', OrderDataSchema),
  eventEnvelope('order.paid', OrderDataSchema.extend({ paidAt: Instant })),
  eventEnvelope('order.shipped', z.object({ orderId: ExternalId, shippedAt: Instant })),
  eventEnvelope('order.delivered', z.object({ orderId: ExternalId, deliveredAt: Instant })),
  eventEnvelope('order.receipt-confirmed', z.object({ orderId: ExternalId, receiptConfirmedAt: Instant })),
  eventEnvelope(
    'order.refund-completed',
    z.object({
      orderId: ExternalId,
      lineId: ExternalId.optional(),
      refundFen: Fen,
      reason: Text(64),
      returned: z.boolean(),
      requestedAt: Instant,
      completedAt: Instant,
    }),
  ),
  eventEnvelope(
    'merchant.penalized',
    z.object({ merchantId: ExternalId, penaltyId: ExternalId, reason: Text(500), fraud: z.boolean().optional() }),
  ),
  eventEnvelope('merchant.penalty-lifted', z.object({ merchantId: ExternalId, penaltyId: ExternalId })),
]);
export type InboundEvent = z.output<typeof OrderEventSchema>;

export const EventsInput = z.union([
  z.strictObject({ events: z.array(OrderEventSchema).min(1).max(100) }),
  OrderEventSchema,
]);
export const EventsAccepted = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

// ---------- policies ----------
export const PolicySchema = z.object({
  policyId: z.string(),
  planId: PlanIdSchema,
  orderId: z.string(),
  lineId: z.string().optional(),
  merchantId: z.string(),
  buyerId: z.string(),
  beneficiary: PartySchema,
  payer: PartySchema,
  status: z.enum(['ACTIVE', 'CLAIMED', 'EXPIRED', 'VOID']),
  insuredFen: Fen,
  premiumFen: Fen,
  rateBps: RateBps,
  coverageStart: z.string(),
  coverageEnd: z.string().optional(),
  issuedAt: z.string(),
});
export const BuyCoverInput = z.strictObject({ planId: PlanIdSchema });

// ---------- claims ----------
export const EvidenceSchema = z.strictObject({
  type: Text(64),
  uri: z.url({ protocol: /^https?$/ }).max(2048),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, 'sha256 must be 64 lowercase hex characters'),
});

export const SubmitClaimInput = z.strictObject({
  policyId: z.string().min(1).max(64),
  lineId: ExternalId.optional(),
  proofOrderId: ExternalId.optional(),
  evidence: z.array(EvidenceSchema).max(20).optional(),
  description: Text(2000).optional(),
});

export const AddEvidenceInput = z.strictObject({
  evidence: z.array(EvidenceSchema).min(1).max(20),
  note: Text(2000).optional(),
});

export const DecisionInput = z.strictObject({
  decision: z.enum(['approve', 'reject', 'request-info']),
  reasonCode: z.string().min(1).max(64).regex(/^[A-Z][A-Z0-9_]*$/, 'reasonCode is UPPER_SNAKE').optional(),
  note: Text(2000).optional(),
});

export const ClaimSchema = z.object({
  claimId: z.string(),
  policyId: z.string(),
  planId: PlanIdSchema,
  orderId: z.string(),
  lineId: z.string().optional(),
  claimant: PartySchema,
  beneficiary: PartySchema,
  status: z.enum(['UNDER_REVIEW', 'NEEDS_INFO', 'APPROVED', 'REJECTED', 'LAPSED', 'PAID']),
  amountFen: Fen,
  basis: z.object({ rule: z.string() }).loose(),
  reasonCode: z.string().optional(),
  evidence: z.array(EvidenceSchema),
  history: z.array(z.object({ at: z.string(), status: z.string(), actor: ActorSchema, note: z.string().optional() })),
  submittedAt: z.string(),
  decidedAt: z.string().optional(),
  paidAt: z.string().optional(),
  payoutDueBy: z.string().optional(),
  description: z.string().optional(),
});

// ---------- payouts ----------
export const PayoutSchema = z.object({
  payoutId: z.string(),
  claimId: z.string().optional(),
  withdrawalId: z.string().optional(),
  beneficiary: z.object({ role: z.enum(['buyer', 'merchant']), id: z.string(), alipayAccount: z.string() }),
  amountFen: Fen,
  status: z.enum(['PENDING', 'SENDING', 'UNKNOWN', 'SENT', 'CONFIRMED', 'FAILED']),
  attempts: z.number().int(),
  providerRef: z.string().optional(),
  dueBy: z.string(),
  /** How dueBy was counted (P2); `calendar-days-fallback` while the holiday calendar lacks the year. */
  dueByBasis: z.enum(['working-days', 'calendar-days', 'calendar-days-fallback']).optional(),
  sentAt: z.string().optional(),
  /** When the payout job recorded the provider's confirmation (CONFIRMED; the claim's paidAt). */
  paidAt: z.string().optional(),
  /** When the payout job next retries or queries an unsettled payout. */
  nextAttemptAt: z.string().optional(),
  /** Why a FAILED payout was given up (the provider's code, e.g. PAYEE_NOT_EXIST). */
  failureCode: z.string().optional(),
  overdue: z.boolean(),
  /** D2: the claim's payout is funded from the merchant's deposit by this advance compensation. */
  advanceId: z.string().optional(),
  /** `deposit` when the merchant's consumer-protection deposit pays it (D2, D3). */
  source: z.enum(['claim', 'deposit']).optional(),
});

// ---------- consumer-protection deposit (D1–D3, J9) ----------
export const TopUpInput = z.strictObject({ amountFen: PositiveFen });
export const WithdrawalInput = z.strictObject({ amountFen: PositiveFen, reason: Text(500) });
export const WithdrawalDecisionInput = z.strictObject({ decision: z.enum(['approve', 'reject']), note: Text(2000).optional() });
/** D2 pays the claim's whole approved amount: there is no amount to choose. */
export const AdvanceInput = z.strictObject({ note: Text(2000).optional() });

export const WithdrawalSchema = z.object({
  withdrawalId: z.string(),
  merchantId: z.string(),
  amountFen: Fen,
  reason: z.string(),
  status: z.enum(['REQUESTED', 'APPROVED', 'PAID', 'REJECTED']),
  requestedAt: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: ActorSchema.optional(),
  note: z.string().optional(),
  payoutId: z.string().optional(),
  payoutDueBy: z.string().optional(),
  paidAt: z.string().optional(),
});

export const DepositMovementSchema = z.object({
  movementId: z.string(),
  type: z.enum(['top-up', 'withdrawal', 'advance-compensation', 'forfeiture']),
  /** Signed: + into the deposit, − out of it; the balance is the sum of every movement's deltaFen. */
  deltaFen: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  at: z.string(),
  actor: ActorSchema,
  withdrawalId: z.string().optional(),
  claimId: z.string().optional(),
  advanceId: z.string().optional(),
  payoutId: z.string().optional(),
  penaltyId: z.string().optional(),
});

export const DepositSummarySchema = z.object({
  merchantId: z.string(),
  balanceFen: Fen,
  /** Promised to payouts not yet settled (approved withdrawals, advance compensations). */
  heldFen: Fen,
  availableFen: Fen,
  minimumFen: Fen,
  meetsMinimum: z.boolean(),
  /** J9: frozen while a penalty is active — no withdrawal. */
  frozen: z.boolean(),
  /** D3: a fraud finding forfeited the deposit. */
  forfeited: z.boolean(),
});

export const DepositSchema = DepositSummarySchema.extend({
  /** The latest withdrawals, newest first. */
  withdrawals: z.array(WithdrawalSchema),
  /** The latest journal movements, newest first. */
  movements: z.array(DepositMovementSchema),
});

export const TopUpResultSchema = z.object({ movement: DepositMovementSchema, deposit: DepositSummarySchema });

export const AdvanceSchema = z.object({
  advanceId: z.string(),
  claimId: z.string(),
  merchantId: z.string(),
  payoutId: z.string(),
  beneficiary: PartySchema,
  amountFen: Fen,
  status: z.enum(['PENDING', 'PAID']),
  basis: z.object({ rule: z.string() }).loose(),
  note: z.string().optional(),
  createdAt: z.string(),
  createdBy: ActorSchema,
  paidAt: z.string().optional(),
});

// ---------- lists ----------
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });
export const ListQuery = z.strictObject({ cursor: Cursor.optional(), limit: Limit });
