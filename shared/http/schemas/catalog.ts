import * as z from 'zod/mini';
import { Fen, RateBps, PlanIdSchema } from './primitives.ts';

/** The plan catalog as `GET /v1/plans` serves it (shared/http/schemas.ts re-exports it). */

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
