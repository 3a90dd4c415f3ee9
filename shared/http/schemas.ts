import * as z from 'zod/mini';
import { EXIT_REASONS } from '#shared/rules/types.ts';
import {
  Fen,
  RateBps,
  Instant,
  idSchema,
  ExternalId,
  PlanIdSchema,
  Text,
  NoteText,
  Limit,
  Cursor,
  BasisSchema,
  PartySchema,
  ActorSchema,
} from './schemas/primitives.ts';
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES } from '#shared/evidence/port.ts';

/**
 * The wire shapes of the API contract (`docs/api.md`, `docs/examples.md`), as zod schemas
 * (`zod/mini`: its functional API tree-shakes to a third of classic zod in each Lambda bundle).
 * Request schemas are strict (unknown fields are a 400); the OpenAPI document is generated from
 * these same objects. The building blocks, the plan catalog and the deposit's shapes live in
 * schemas/ and are re-exported here.
 */

export * from './schemas/primitives.ts';
export * from './schemas/catalog.ts';
export * from './schemas/deposit.ts';

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
export const PayeeViewSchema = /* @__PURE__ */ z.object({
  identity: z.string(),
  identityType: z.enum(['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID']),
  name: z.optional(z.string()),
});

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
  lines: z.array(OrderLineSchema).check(
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
  eventEnvelope('merchant.penalized', z.object({ merchantId: ExternalId, penaltyId: ExternalId, reason: Text(500), fraud: z.optional(z.boolean()) })),
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

// ---------- lists ----------
export const listOf = <T extends z.ZodMiniType>(item: T) => z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });
export const ListQuery = /* @__PURE__ */ z.strictObject({ cursor: z.optional(Cursor), limit: Limit });
