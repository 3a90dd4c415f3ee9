import * as z from 'zod/mini';
import { Fen, PositiveFen, ExternalId, Text, NoteText, PartySchema, ActorSchema } from './primitives.ts';

/** The consumer-protection deposit's wire shapes: top-ups, withdrawals, movements, compensations, advances (shared/http/schemas.ts re-exports them). */

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
