import * as z from 'zod/mini';
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES } from '#shared/evidence/port.ts';
import { EXIT_REASONS, PLAN_IDS } from '#shared/rules/types.ts';

/**
 * The wire shapes of the API contract (`docs/api.md`, `docs/examples.md`), as zod schemas
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
/**
 * Every identifier, in paths, bodies, queries and events (api.md "Conventions"): 1–64 characters
 * of A–Z a–z 0–9 . _ : - — ours (`clm_…`) and other systems' (orders, merchants, buyers, items).
 * The one id schema; nothing else defines its own.
 */
export const idSchema = /* @__PURE__ */ z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._:-]+$/, 'Use 1–64 characters of A–Z a–z 0–9 . _ : -'));
/** Ids from other systems: the same rule as every id (kept as a name for readability). */
export const ExternalId = idSchema;
export const PlanIdSchema = /* @__PURE__ */ z.enum(PLAN_IDS);
/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_BUT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Valid Unicode (no lone surrogate: JSON's `\ud800` escape decodes to one) without the given controls. */
const freeText = (max: number, controls: RegExp) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.refine((value) => !LONE_SURROGATE.test(value) && !controls.test(value), {
      message: controls === CONTROL ? 'Use valid Unicode text without control characters' : 'Use valid Unicode text without control characters (newline and tab allowed)',
    }),
  );
/** Free text (names, reasons, descriptions, accounts): valid Unicode without control characters. */
export const Text = (max: number) => freeText(max, CONTROL);
/** Notes: free text that may also hold newlines and tabs. */
export const NoteText = (max: number) => freeText(max, CONTROL_BUT_NEWLINE_AND_TAB);
export const Limit = /* @__PURE__ */ z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50);
export const Cursor = /* @__PURE__ */ z.string().check(z.minLength(1), z.maxLength(1024));
export const Role = /* @__PURE__ */ z.enum(['merchant', 'buyer', 'adjuster', 'ops', 'service']);

/** A figure of a `basis`: any JSON value, typed (a generated client gets a union, not `unknown`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodMiniType<JsonValue> = /* @__PURE__ */ z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.lazy(() => JsonValueSchema)),
  z.record(z.string(), z.lazy(() => JsonValueSchema)),
]);
/** The figures an amount (or refusal) came from; `rule` names the rule id. */
export const BasisSchema = /* @__PURE__ */ z.catchall(z.looseObject({ rule: z.string() }), z.optional(JsonValueSchema));

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

// ---------- Alipay payees (P4) ----------
const PayeeFields = {
  identity: Text(100),
  identityType: z.enum(['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID']),
  /** The payee's real name; required with ALIPAY_LOGON_ID. */
  name: z.optional(Text(100)),
};
/** An Alipay payee: a 2088… user id, or a logon id with the holder's real name (P4). */
export const PayeeSchema = /* @__PURE__ */ z.strictObject(PayeeFields).check(
  z.refine((payee) => payee.identityType !== 'ALIPAY_USER_ID' || /^2088\d{12}$/.test(payee.identity), {
    message: 'an ALIPAY_USER_ID is 2088 followed by 12 digits',
    path: ['identity'],
  }),
  z.refine((payee) => payee.identityType !== 'ALIPAY_LOGON_ID' || Boolean(payee.name), {
    message: 'an ALIPAY_LOGON_ID needs the payee’s real name',
    path: ['name'],
  }),
);
/** A payee as shown (masked). */
export const PayeeViewSchema = /* @__PURE__ */ z.object({ identity: z.string(), identityType: z.enum(['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID']), name: z.optional(z.string()) });

// ---------- merchants and enrollments ----------
export const MerchantProfileInput = /* @__PURE__ */ z.strictObject({
  name: Text(200),
  /** Old form: an Alipay logon id (paid with `name` as the real name). Give `alipay` instead. */
  alipayAccount: z.optional(Text(100)),
  /** P4: the merchant's payee. */
  alipay: z.optional(PayeeSchema),
  liveBaseId: z.optional(ExternalId),
  categories: z.array(ExternalId).check(z.maxLength(50)),
});
/** The profile as PUT: a payee is named, as `alipay` or (the old form) `alipayAccount`. */
export const MerchantProfileBody = /* @__PURE__ */ MerchantProfileInput.check(
  z.refine((profile) => Boolean(profile.alipay || profile.alipayAccount), { message: 'give alipay (or alipayAccount)', path: ['alipayAccount'] }),
);
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
  /** J6: `implied` — joining gifts the cover, `gift` may be omitted; `required` — send `gift: true`. */
  gift: z.enum(['none', 'required', 'implied']),
});

// ---------- the plan catalog (GET /v1/plans) ----------
const WeightBracketSchema = /* @__PURE__ */ z.object({ upToGrams: z.nullable(z.int()), fen: Fen });
const DueRuleSchema = /* @__PURE__ */ z.object({
  from: z.enum(['submission', 'approval']),
  days: z.int(),
  calendar: z.enum(['working', 'calendar']),
});
export const PlanTermsSchema = /* @__PURE__ */ z.object({
  kind: z.literal('insurance'),
  planId: PlanIdSchema,
  name: z.string(),
  nameZh: z.string(),
  /** The source article the plan comes from (000–004). */
  source: z.string(),
  sponsor: z.literal('merchant'),
  premiumPayer: z.enum(['merchant', 'buyer-or-merchant']),
  beneficiary: z.enum(['buyer', 'merchant']),
  issuedPer: z.enum(['line', 'order']),
  issuedAt: z.enum(['payment', 'shipment', 'payment-or-purchase']),
  window: z.enum(['from-payment', 'after-campaign-end', 'until-receipt-or-after-delivery']),
  joinedPer: z.enum(['merchant', 'campaign']),
  buyerPurchasable: z.boolean(),
  giftOnly: z.boolean(),
  gift: z.enum(['none', 'required', 'implied']),
  claimedBy: z.enum(['buyer', 'automatic']),
  requiresLiveBase: z.boolean(),
  agreementVersion: z.string(),
  windowDays: z.int(),
  rateCapBps: z.nullable(RateBps),
  rates: z.nullable(z.object({ defaultBps: RateBps, byCategory: z.record(z.string(), RateBps) })),
  coveredCategories: z.union([z.literal('all'), z.array(z.string())]),
  refundReasons: z.nullable(z.array(z.string())),
  premiumBrackets: z.nullable(z.array(WeightBracketSchema)),
  payoutBrackets: z.nullable(z.array(WeightBracketSchema)),
  payoutDue: DueRuleSchema,
  needsInfoLapseDays: z.int(),
});
export const DepositTermsSchema = /* @__PURE__ */ z.object({
  kind: z.literal('deposit'),
  name: z.string(),
  nameZh: z.string(),
  source: z.string(),
  sponsor: z.literal('merchant'),
  minimumFen: Fen,
  withdrawalPayoutDue: DueRuleSchema,
});
export const PlanCatalogSchema = /* @__PURE__ */ z.object({ items: z.array(PlanTermsSchema), deposit: DepositTermsSchema });

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
  /** C8: the line's parcel weight, when the order system reports it. */
  weightGrams: z.optional(z.int().check(z.nonnegative(), z.maximum(10_000_000))),
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
  /** P4: the buyer's Alipay payee (order.paid), where the buyer's payouts go. */
  buyerAlipay: z.optional(PayeeSchema),
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
    z
      .object({
        orderId: ExternalId,
        refundId: z.optional(ExternalId),
        lineId: z.optional(ExternalId),
        refundFen: Fen,
        shippingRefundFen: z.optional(Fen),
        reason: Text(64),
        returned: z.boolean(),
        requestedAt: Instant,
        completedAt: Instant,
      })
      .check(
        z.refine((refund) => (refund.shippingRefundFen ?? 0) <= refund.refundFen, {
          error: 'shippingRefundFen must not exceed refundFen',
          path: ['shippingRefundFen'],
        }),
      ),
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
export const EventResultSchema = /* @__PURE__ */ z.object({
  id: z.string(),
  type: z.string(),
  /** `issued` new policies; `nothingToIssue` (see reason); `recorded` facts only; `duplicate` id seen before. */
  outcome: z.enum(['issued', 'nothingToIssue', 'recorded', 'duplicate']),
  reason: z.optional(z.string()),
  policyIds: z.optional(z.array(z.string())),
});
export const EventsAccepted = /* @__PURE__ */ z.object({ accepted: z.int(), duplicates: z.int(), results: z.array(EventResultSchema) });

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
  /** I8: the insured facts frozen at issuance (absent on policies issued before snapshots). */
  insured: z.optional(
    z.object({
      paidFen: Fen,
      channel: z.string(),
      shippingAddressId: z.string(),
      unitPriceFen: z.optional(Fen),
      quantity: z.optional(z.int()),
      itemId: z.optional(z.string()),
      skuId: z.optional(z.string()),
      skuAttributes: z.optional(SkuAttributesSchema),
      weightGrams: z.optional(z.int()),
      campaignEndsAt: z.optional(z.string()),
    }),
  ),
  /** I9: why a VOID policy is void. */
  voidReason: z.optional(z.enum(['refunded'])),
});
export const BuyCoverInput = /* @__PURE__ */ z.strictObject({ planId: PlanIdSchema });

// ---------- claims ----------
const Sha256Hex = /* @__PURE__ */ z.string().check(z.regex(/^[a-f0-9]{64}$/, 'sha256 must be 64 lowercase hex characters'));
/**
 * An evidence item as a client sends it: a reference `{type, uri, sha256}`, or (issue 21) an upload
 * `{type, uploadId}` from POST …/evidence-uploads, attached only once the storage verified its hash.
 */
export const EvidenceSchema = /* @__PURE__ */ z
  .strictObject({
    type: Text(64),
    uri: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
    sha256: z.optional(Sha256Hex),
    uploadId: z.optional(idSchema),
  })
  .check(
    z.refine((item) => (item.uploadId ? item.uri === undefined : item.uri !== undefined && item.sha256 !== undefined), {
      message: 'give uri and sha256, or uploadId (without uri)',
    }),
  );

/** An evidence item on a claim: `uploadId`, `contentType`, `sizeBytes` when uploaded; `downloadUrl` (presigned, 10 min) on GET. */
export const ClaimEvidenceSchema = /* @__PURE__ */ z.object({
  type: z.string(),
  uri: z.string(),
  sha256: z.string(),
  uploadId: z.optional(z.string()),
  contentType: z.optional(z.string()),
  sizeBytes: z.optional(z.int()),
  downloadUrl: z.optional(z.string()),
});

export const EvidenceUploadInput = /* @__PURE__ */ z.strictObject({
  type: Text(64),
  contentType: z.enum(EVIDENCE_CONTENT_TYPES),
  sizeBytes: z.int().check(z.minimum(1), z.maximum(EVIDENCE_MAX_BYTES)),
  sha256: Sha256Hex,
});
export const EvidenceUploadSchema = /* @__PURE__ */ z.object({
  uploadId: z.string(),
  type: z.string(),
  contentType: z.string(),
  sizeBytes: z.int(),
  sha256: z.string(),
  upload: z.object({ method: z.literal('PUT'), url: z.string(), headers: z.record(z.string(), z.string()), expiresAt: z.string() }),
  evidence: z.object({ type: z.string(), uploadId: z.string() }),
});

export const SubmitClaimInput = /* @__PURE__ */ z.strictObject({
  policyId: idSchema,
  lineId: z.optional(ExternalId),
  proofOrderId: z.optional(ExternalId),
  evidence: z.optional(z.array(EvidenceSchema).check(z.maxLength(20))),
  description: z.optional(Text(2000)),
});

export const AddEvidenceInput = /* @__PURE__ */ z.strictObject({
  evidence: z.array(EvidenceSchema).check(z.minLength(1), z.maxLength(20)),
  note: z.optional(NoteText(2000)),
});

export const DecisionInput = /* @__PURE__ */ z.strictObject({
  decision: z.enum(['approve', 'reject', 'request-info']),
  reasonCode: z.optional(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Z][A-Z0-9_]*$/, 'reasonCode is UPPER_SNAKE'))),
  note: z.optional(NoteText(2000)),
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
  basis: BasisSchema,
  reasonCode: z.optional(z.string()),
  evidence: z.array(ClaimEvidenceSchema),
  history: z.array(z.object({ at: z.string(), status: z.string(), actor: ActorSchema, note: z.optional(z.string()) })),
  submittedAt: z.string(),
  decidedAt: z.optional(z.string()),
  paidAt: z.optional(z.string()),
  payoutDueBy: z.optional(z.string()),
  description: z.optional(z.string()),
  /** C1: earlier claims on the same policy line (REJECTED or LAPSED), oldest first. */
  previousClaimIds: z.optional(z.array(z.string())),
  /** C7: the refund an automatic live-quality claim pays for. */
  refundId: z.optional(z.string()),
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
  /**
   * True when `dueBy` is an approximation: the working-day calendar did not cover the dates, so the
   * days were counted as calendar days (the earlier, conservative due date).
   */
  dueByApproximate: z.boolean(),
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
  /** P4: where the money goes, masked (set once known). */
  payee: z.optional(PayeeViewSchema),
  /** P4: no payee known when the job last tried: the payout waits (and counts toward overdue). */
  deferred: z.boolean(),
});

// ---------- consumer-protection deposit (D1–D3, J9) ----------
export const TopUpInput = /* @__PURE__ */ z.strictObject({ amountFen: PositiveFen });
export const WithdrawalInput = /* @__PURE__ */ z.strictObject({ amountFen: PositiveFen, reason: Text(500) });
export const WithdrawalDecisionInput = /* @__PURE__ */ z.strictObject({ decision: z.enum(['approve', 'reject']), note: z.optional(NoteText(2000)) });
/** D2 pays the claim's whole approved amount: there is no amount to choose. */
export const AdvanceInput = /* @__PURE__ */ z.strictObject({ note: z.optional(NoteText(2000)) });

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
