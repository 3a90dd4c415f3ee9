import * as z from 'zod/mini';
import { EXIT_REASONS, PLAN_IDS } from '#shared/rules/types.ts';

/**
 * The wire shapes of the API contract (`../shared/spec/api.md`, `examples.md`), as zod schemas
 * (`zod/mini`: its functional API tree-shakes to a third of classic zod in each Lambda bundle).
 * Request schemas are strict (unknown fields are a 400); the OpenAPI document is generated from
 * these same objects.
 */

// ---------- primitives ----------
/** Integer fen, never negative, never beyond what a double holds exactly. */
export const Fen = /* @__PURE__ */ z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));
export const PositiveFen = /* @__PURE__ */ Fen.check(z.minimum(1));
export const RateBps = /* @__PURE__ */ z.int().check(z.nonnegative(), z.maximum(10_000));
/** ISO-8601 with offset, between 2000 and 2100 (anything else is a typo or an attack). */
export const Instant = /* @__PURE__ */ z.iso.datetime({ offset: true }).check(
  z.refine(
    (value) => {
      const year = new Date(value).getUTCFullYear();
      return year >= 2000 && year <= 2100;
    },
    { message: 'Instant must fall between the years 2000 and 2100' },
  ),
);
/** Ids from other systems (orders, merchants, buyers, items): printable, bounded. */
export const ExternalId = /* @__PURE__ */ z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'Use letters, digits and . _ : @ -'));
export const PlanIdSchema = /* @__PURE__ */ z.enum(PLAN_IDS);
export const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
export const Limit = /* @__PURE__ */ z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50);
export const Cursor = /* @__PURE__ */ z.string().check(z.minLength(1), z.maxLength(1024));
export const Role = /* @__PURE__ */ z.enum(['merchant', 'buyer', 'adjuster', 'ops', 'service']);

export const PartySchema = /* @__PURE__ */ z.object({ role: z.enum(['buyer', 'merchant']), id: z.string() });
export const ActorSchema = /* @__PURE__ */ z.object({
  role: z.enum(['buyer', 'merchant', 'adjuster', 'ops', 'service', 'system']),
  id: z.optional(z.string()),
});

// ---------- problem ----------
export const ProblemSchema = /* @__PURE__ */ z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: z.string().check(z.regex(/^[A-Z][A-Z0-9_]*$/)),
    detail: z.string(),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
    basis: z.optional(z.record(z.string(), z.unknown())),
  })
  .register(z.globalRegistry, { description: 'RFC 9457 problem details (application/problem+json)' });

// ---------- merchants and enrollments ----------
export const MerchantProfileInput = /* @__PURE__ */ z.strictObject({
  name: Text(200),
  alipayAccount: Text(100),
  liveBaseId: z.optional(ExternalId),
  categories: z.array(ExternalId).check(z.maxLength(50)),
});
export const MerchantSchema = /* @__PURE__ */ z.extend(MerchantProfileInput, {
  merchantId: z.string(),
  penalized: z.boolean(),
  updatedAt: z.string(),
});

export const CampaignSchema = /* @__PURE__ */ z.strictObject({
  campaignId: ExternalId,
  endsAt: Instant,
  itemIds: z.array(ExternalId).check(z.minLength(1), z.maxLength(1000)),
});

export const JoinInput = /* @__PURE__ */ z.strictObject({
  planId: PlanIdSchema,
  acceptAgreement: z.boolean(),
  agreementVersion: Text(32),
  gift: z.optional(z.boolean()),
  campaign: z.optional(CampaignSchema),
});

export const ExitInput = /* @__PURE__ */ z.strictObject({ reason: z.enum(EXIT_REASONS) });

export const EnrollmentSchema = /* @__PURE__ */ z.object({
  enrollmentId: z.string(),
  merchantId: z.string(),
  planId: PlanIdSchema,
  status: z.enum(['ACTIVE', 'TERMINATED']),
  rateBps: RateBps,
  agreementVersion: z.string(),
  joinedAt: z.string(),
  gift: z.optional(z.boolean()),
  campaign: z.optional(CampaignSchema),
  exitedAt: z.optional(z.string()),
  exitReason: z.optional(z.string()),
});

export const QuoteSchema = /* @__PURE__ */ z.object({
  planId: PlanIdSchema,
  eligible: z.boolean(),
  reasons: z.array(z.looseObject({ code: z.string(), detail: z.string() })),
  rateBps: RateBps,
  agreementVersion: z.string(),
});

// ---------- orders and events ----------
export const SkuAttributesSchema = /* @__PURE__ */ z.object({
  name: z.optional(z.string().check(z.maxLength(200))),
  spec: z.optional(z.string().check(z.maxLength(200))),
  model: z.optional(z.string().check(z.maxLength(200))),
  brand: z.optional(z.string().check(z.maxLength(200))),
  size: z.optional(z.string().check(z.maxLength(100))),
  color: z.optional(z.string().check(z.maxLength(100))),
  saleMethod: z.optional(z.string().check(z.maxLength(100))),
});

export const OrderLineSchema = /* @__PURE__ */ z.object({
  lineId: ExternalId,
  itemId: ExternalId,
  skuId: ExternalId,
  skuAttributes: SkuAttributesSchema,
  category: ExternalId,
  quantity: z.int().check(z.minimum(1), z.maximum(100_000)),
  unitPriceFen: Fen,
  paidFen: Fen,
});

/** The whole order, as `order.placed` / `order.paid` carry it. Unknown fields are dropped, not stored. */
export const OrderDataSchema = /* @__PURE__ */ z.object({
  orderId: ExternalId,
  buyerId: ExternalId,
  merchantId: ExternalId,
  channel: z.enum(['taobao', 'tmall', 'tmall-global']),
  shippingAddressId: ExternalId,
  placedAt: Instant,
  paidAt: z.optional(Instant),
  campaignId: z.optional(ExternalId),
  liveBaseId: z.optional(ExternalId),
  weightGrams: z.int().check(z.nonnegative(), z.maximum(10_000_000)),
  shippingFen: Fen,
  lines: z
    .array(OrderLineSchema)
    .check(
      z.minLength(1),
      z.maxLength(500),
      z.refine((lines) => new Set(lines.map((l) => l.lineId)).size === lines.length, 'lineId must be unique within an order'),
    ),
});

const eventEnvelope = <T extends string, D extends z.ZodMiniType>(type: T, data: D) =>
  z.strictObject({ id: ExternalId, type: z.literal(type), occurredAt: Instant, data });

export const OrderEventSchema = /* @__PURE__ */ z.discriminatedUnion('type', [
  eventEnvelope('order.placed', OrderDataSchema),
  eventEnvelope('order.paid', z.extend(OrderDataSchema, { paidAt: Instant })),
  eventEnvelope('order.shipped', z.object({ orderId: ExternalId, shippedAt: Instant })),
  eventEnvelope('order.delivered', z.object({ orderId: ExternalId, deliveredAt: Instant })),
  eventEnvelope('order.receipt-confirmed', z.object({ orderId: ExternalId, receiptConfirmedAt: Instant })),
  eventEnvelope(
    'order.refund-completed',
    z.object({
      orderId: ExternalId,
      lineId: z.optional(ExternalId),
      refundFen: Fen,
      reason: Text(64),
      returned: z.boolean(),
      requestedAt: Instant,
      completedAt: Instant,
    }),
  ),
  eventEnvelope(
    'merchant.penalized',
    z.object({ merchantId: ExternalId, penaltyId: ExternalId, reason: Text(500), fraud: z.optional(z.boolean()) }),
  ),
  eventEnvelope('merchant.penalty-lifted', z.object({ merchantId: ExternalId, penaltyId: ExternalId })),
]);
export type InboundEvent = z.output<typeof OrderEventSchema>;

export const EventsInput = /* @__PURE__ */ z.union([
  z.strictObject({ events: z.array(OrderEventSchema).check(z.minLength(1), z.maxLength(100)) }),
  OrderEventSchema,
]);
export const EventsAccepted = /* @__PURE__ */ z.object({ accepted: z.int(), duplicates: z.int() });

// ---------- policies ----------
export const PolicySchema = /* @__PURE__ */ z.object({
  policyId: z.string(),
  planId: PlanIdSchema,
  orderId: z.string(),
  lineId: z.optional(z.string()),
  merchantId: z.string(),
  buyerId: z.string(),
  beneficiary: PartySchema,
  payer: PartySchema,
  status: z.enum(['ACTIVE', 'CLAIMED', 'EXPIRED', 'VOID']),
  insuredFen: Fen,
  premiumFen: Fen,
  rateBps: RateBps,
  coverageStart: z.string(),
  coverageEnd: z.optional(z.string()),
  issuedAt: z.string(),
});
export const BuyCoverInput = /* @__PURE__ */ z.strictObject({ planId: PlanIdSchema });

// ---------- claims ----------
export const EvidenceSchema = /* @__PURE__ */ z.strictObject({
  type: Text(64),
  uri: z.url({ protocol: /^https?$/ }).check(z.maxLength(2048)),
  sha256: z.string().check(z.regex(/^[a-f0-9]{64}$/, 'sha256 must be 64 lowercase hex characters')),
});

export const SubmitClaimInput = /* @__PURE__ */ z.strictObject({
  policyId: z.string().check(z.minLength(1), z.maxLength(64)),
  lineId: z.optional(ExternalId),
  proofOrderId: z.optional(ExternalId),
  evidence: z.optional(z.array(EvidenceSchema).check(z.maxLength(20))),
  description: z.optional(Text(2000)),
});

export const AddEvidenceInput = /* @__PURE__ */ z.strictObject({
  evidence: z.array(EvidenceSchema).check(z.minLength(1), z.maxLength(20)),
  note: z.optional(Text(2000)),
});

export const DecisionInput = /* @__PURE__ */ z.strictObject({
  decision: z.enum(['approve', 'reject', 'request-info']),
  reasonCode: z.optional(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Z][A-Z0-9_]*$/, 'reasonCode is UPPER_SNAKE'))),
  note: z.optional(Text(2000)),
});

export const ClaimSchema = /* @__PURE__ */ z.object({
  claimId: z.string(),
  policyId: z.string(),
  planId: PlanIdSchema,
  orderId: z.string(),
  lineId: z.optional(z.string()),
  claimant: PartySchema,
  beneficiary: PartySchema,
  status: z.enum(['UNDER_REVIEW', 'NEEDS_INFO', 'APPROVED', 'REJECTED', 'LAPSED', 'PAID']),
  amountFen: Fen,
  basis: z.looseObject({ rule: z.string() }),
  reasonCode: z.optional(z.string()),
  evidence: z.array(EvidenceSchema),
  history: z.array(z.object({ at: z.string(), status: z.string(), actor: ActorSchema, note: z.optional(z.string()) })),
  submittedAt: z.string(),
  decidedAt: z.optional(z.string()),
  paidAt: z.optional(z.string()),
  payoutDueBy: z.optional(z.string()),
  description: z.optional(z.string()),
});

// ---------- payouts ----------
export const PayoutSchema = /* @__PURE__ */ z.object({
  payoutId: z.string(),
  claimId: z.optional(z.string()),
  withdrawalId: z.optional(z.string()),
  beneficiary: z.object({ role: z.enum(['buyer', 'merchant']), id: z.string(), alipayAccount: z.string() }),
  amountFen: Fen,
  status: z.enum(['PENDING', 'SENDING', 'UNKNOWN', 'SENT', 'CONFIRMED', 'FAILED', 'CANCELLED']),
  attempts: z.int(),
  providerRef: z.optional(z.string()),
  dueBy: z.string(),
  /** How dueBy was counted (P2); `calendar-days-fallback` while the holiday calendar lacks the year. */
  dueByBasis: z.optional(z.enum(['working-days', 'calendar-days', 'calendar-days-fallback'])),
  sentAt: z.optional(z.string()),
  /** When the payout job recorded the provider's confirmation (CONFIRMED; the claim's paidAt). */
  paidAt: z.optional(z.string()),
  /** When the payout job next retries or queries an unsettled payout. */
  nextAttemptAt: z.optional(z.string()),
  /** Why a FAILED payout was given up (the provider's code, e.g. PAYEE_NOT_EXIST). */
  failureCode: z.optional(z.string()),
  overdue: z.boolean(),
  /** D2: the claim's payout is funded from the merchant's deposit by this advance compensation. */
  advanceId: z.optional(z.string()),
  /** D5: the dispute compensation this payout pays from the merchant's deposit. */
  compensationId: z.optional(z.string()),
  /** `deposit` when the merchant's consumer-protection deposit pays it (D2, D3). */
  source: z.optional(z.enum(['claim', 'deposit'])),
});

// ---------- consumer-protection deposit (D1–D3, J9) ----------
export const TopUpInput = /* @__PURE__ */ z.strictObject({ amountFen: PositiveFen });
export const WithdrawalInput = /* @__PURE__ */ z.strictObject({ amountFen: PositiveFen, reason: Text(500) });
export const WithdrawalDecisionInput = /* @__PURE__ */ z.strictObject({ decision: z.enum(['approve', 'reject']), note: z.optional(Text(2000)) });
/** D2 pays the claim's whole approved amount: there is no amount to choose. */
export const AdvanceInput = /* @__PURE__ */ z.strictObject({ note: z.optional(Text(2000)) });

export const WithdrawalSchema = /* @__PURE__ */ z.object({
  withdrawalId: z.string(),
  merchantId: z.string(),
  amountFen: Fen,
  reason: z.string(),
  status: z.enum(['REQUESTED', 'APPROVED', 'PAID', 'REJECTED', 'CANCELLED']),
  requestedAt: z.string(),
  decidedAt: z.optional(z.string()),
  decidedBy: z.optional(ActorSchema),
  note: z.optional(z.string()),
  payoutId: z.optional(z.string()),
  payoutDueBy: z.optional(z.string()),
  paidAt: z.optional(z.string()),
  /** D3: a fraud finding cancelled it before its payout was sent. */
  cancelledAt: z.optional(z.string()),
  cancelReason: z.optional(z.string()),
});

export const DepositMovementSchema = /* @__PURE__ */ z.object({
  movementId: z.string(),
  type: z.enum(['top-up', 'withdrawal', 'advance-compensation', 'compensation', 'forfeiture']),
  /** Signed: + into the deposit, − out of it; the balance is the sum of every movement's deltaFen. */
  deltaFen: z.int().check(z.minimum(-Number.MAX_SAFE_INTEGER), z.maximum(Number.MAX_SAFE_INTEGER)),
  at: z.string(),
  actor: ActorSchema,
  withdrawalId: z.optional(z.string()),
  claimId: z.optional(z.string()),
  advanceId: z.optional(z.string()),
  payoutId: z.optional(z.string()),
  penaltyId: z.optional(z.string()),
  topUpId: z.optional(z.string()),
  compensationId: z.optional(z.string()),
});

export const DepositSummarySchema = /* @__PURE__ */ z.object({
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

export const DepositSchema = /* @__PURE__ */ z.extend(DepositSummarySchema, {
  /** The latest withdrawals, newest first. */
  withdrawals: z.array(WithdrawalSchema),
  /** The latest journal movements, newest first. */
  movements: z.array(DepositMovementSchema),
});

/** D4: the payment provider's instruction for a top-up. */
export const PaymentInstructionSchema = /* @__PURE__ */ z.object({
  provider: z.enum(['local', 'alipay']),
  paymentId: z.string(),
  payUrl: z.optional(z.string()),
  qrCode: z.optional(z.string()),
});

/** D4: a top-up — PENDING with its payment instruction, CREDITED once the provider confirmed it, or EXPIRED. */
export const TopUpSchema = /* @__PURE__ */ z.object({
  topUpId: z.string(),
  merchantId: z.string(),
  status: z.enum(['PENDING', 'CREDITED', 'EXPIRED']),
  amountFen: PositiveFen,
  payment: PaymentInstructionSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  creditedAt: z.optional(z.string()),
  providerRef: z.optional(z.string()),
  creditedBy: z.optional(z.enum(['notification', 'query'])),
  movementId: z.optional(z.string()),
  expiredAt: z.optional(z.string()),
});

/** D5: `{lineId, amountFen, reason, note?}`. */
export const CompensationInput = /* @__PURE__ */ z.strictObject({
  lineId: ExternalId,
  amountFen: PositiveFen,
  reason: z.enum(['quality-issue', 'fraud', 'other']),
  note: z.optional(Text(2000)),
});

export const CompensationSchema = /* @__PURE__ */ z.object({
  compensationId: z.string(),
  orderId: z.string(),
  lineId: z.string(),
  merchantId: z.string(),
  buyerId: z.string(),
  amountFen: PositiveFen,
  reason: z.string(),
  note: z.optional(z.string()),
  status: z.enum(['PENDING', 'PAID']),
  payoutId: z.string(),
  basis: z.looseObject({ rule: z.string() }),
  createdAt: z.string(),
  createdBy: ActorSchema,
  paidAt: z.optional(z.string()),
});

export const AdvanceSchema = /* @__PURE__ */ z.object({
  advanceId: z.string(),
  claimId: z.string(),
  merchantId: z.string(),
  payoutId: z.string(),
  beneficiary: PartySchema,
  amountFen: Fen,
  status: z.enum(['PENDING', 'PAID']),
  basis: z.looseObject({ rule: z.string() }),
  note: z.optional(z.string()),
  createdAt: z.string(),
  createdBy: ActorSchema,
  paidAt: z.optional(z.string()),
});

// ---------- lists ----------
export const listOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });
export const ListQuery = /* @__PURE__ */ z.strictObject({ cursor: z.optional(Cursor), limit: Limit });
