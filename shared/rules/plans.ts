/**
 * The plan catalog: the fixed facts of each plan (from the source articles) as data, combined
 * with the configurable terms (rates, windows, brackets, due periods) into the public catalog
 * served by `GET /v1/plans`.
 */
import type { DueRule, RateTable, RulesConfig, WeightBracket } from './config-types.ts';
import { PLAN_IDS, type PlanId } from './types.ts';

/** J4: live plans' rate never exceeds 0.2% (003). A source fact, not a default. */
export const LIVE_RATE_CAP_BPS = 20;
export const LIVE_PLAN_IDS: readonly PlanId[] = ['live-quality', 'live-price'];
/** A3: authenticity pays 4 × the price paid (退一赔四, 000). */
export const AUTHENTICITY_MULTIPLIER = 4;
/** C3: channels a price-protection proof order may come from (002). */
export const PROOF_CHANNELS: readonly string[] = ['taobao', 'tmall', 'tmall-global'];

export interface PlanDefinition {
  planId: PlanId;
  name: string;
  nameZh: string;
  /** The seed article the plan comes from. */
  source: string;
  sponsor: 'merchant';
  premiumPayer: 'merchant' | 'buyer-or-merchant';
  beneficiary: 'buyer' | 'merchant';
  issuedPer: 'line' | 'order';
  issuedAt: 'payment' | 'shipment' | 'payment-or-purchase';
  /** The instant the window counts from. */
  window: 'from-payment' | 'after-campaign-end' | 'until-receipt-or-after-delivery';
  /** price-protection is joined once per campaign (J6), the others once per merchant. */
  joinedPer: 'merchant' | 'campaign';
  /** Only return-shipping can be bought by a buyer (I4, J6). */
  buyerPurchasable: boolean;
  /** Merchant-paid cover that the merchant gives away (J6, I4): joined only as a gift. */
  giftOnly: boolean;
  /**
   * How a join says it is a gift: `required` — send `gift: true` (return-shipping: a merchant could
   * mean to let buyers buy it instead); `implied` — joining is gifting, `gift` may be omitted
   * (price-protection, J6); `none` — not a gift plan.
   */
  gift: 'none' | 'required' | 'implied';
  /** Buyers submit claims, or claims are created automatically from refunds (C7, C8). */
  claimedBy: 'buyer' | 'automatic';
  requiresLiveBase: boolean;
}

export const PLAN_DEFINITIONS: Readonly<Record<PlanId, PlanDefinition>> = {
  authenticity: {
    planId: 'authenticity',
    name: 'Genuine-goods guarantee',
    nameZh: '正品保证险',
    source: '000',
    sponsor: 'merchant',
    premiumPayer: 'merchant',
    beneficiary: 'buyer',
    issuedPer: 'line',
    issuedAt: 'payment',
    window: 'from-payment',
    joinedPer: 'merchant',
    buyerPurchasable: false,
    giftOnly: false,
    gift: 'none',
    claimedBy: 'buyer',
    requiresLiveBase: false,
  },
  'return-shipping': {
    planId: 'return-shipping',
    name: 'Return-shipping cover',
    nameZh: '退运保险',
    source: '001',
    sponsor: 'merchant',
    premiumPayer: 'buyer-or-merchant',
    beneficiary: 'buyer',
    issuedPer: 'order',
    issuedAt: 'payment-or-purchase',
    window: 'until-receipt-or-after-delivery',
    joinedPer: 'merchant',
    buyerPurchasable: true,
    giftOnly: true,
    gift: 'required',
    claimedBy: 'automatic',
    requiresLiveBase: false,
  },
  'price-protection': {
    planId: 'price-protection',
    name: 'Flash-sale price protection',
    nameZh: '保价险',
    source: '002',
    sponsor: 'merchant',
    premiumPayer: 'merchant',
    beneficiary: 'buyer',
    issuedPer: 'line',
    issuedAt: 'payment',
    window: 'after-campaign-end',
    joinedPer: 'campaign',
    buyerPurchasable: false,
    giftOnly: true,
    gift: 'implied',
    claimedBy: 'buyer',
    requiresLiveBase: false,
  },
  'live-quality': {
    planId: 'live-quality',
    name: 'Live-stream quality cover',
    nameZh: '质保无忧',
    source: '003',
    sponsor: 'merchant',
    premiumPayer: 'merchant',
    beneficiary: 'merchant',
    issuedPer: 'line',
    issuedAt: 'shipment',
    window: 'from-payment',
    joinedPer: 'merchant',
    buyerPurchasable: false,
    giftOnly: false,
    gift: 'none',
    claimedBy: 'automatic',
    requiresLiveBase: true,
  },
  'live-price': {
    planId: 'live-price',
    name: 'Live-stream price protection',
    nameZh: '价保无忧',
    source: '003',
    sponsor: 'merchant',
    premiumPayer: 'merchant',
    beneficiary: 'buyer',
    issuedPer: 'line',
    issuedAt: 'shipment',
    window: 'from-payment',
    joinedPer: 'merchant',
    buyerPurchasable: false,
    giftOnly: false,
    gift: 'none',
    claimedBy: 'buyer',
    requiresLiveBase: true,
  },
};

export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}

/** The base-rate table of a plan; return-shipping has none (its premium is a weight table). */
export function rateTable(planId: PlanId, config: RulesConfig): RateTable | undefined {
  const settings = config.plans[planId];
  return 'rates' in settings ? settings.rates : undefined;
}

/** The categories a plan covers; `'all'` unless configured (J10). */
export function coveredCategories(planId: PlanId, config: RulesConfig): readonly string[] | 'all' {
  return planId === 'live-quality' ? config.plans['live-quality'].coveredCategories : 'all';
}

export interface PlanTerms extends PlanDefinition {
  kind: 'insurance';
  agreementVersion: string;
  windowDays: number;
  /** null when the plan has no cap (only live plans are capped). */
  rateCapBps: number | null;
  /** null for return-shipping (priced by weight). */
  rates: RateTable | null;
  coveredCategories: readonly string[] | 'all';
  /** Refund reasons that create a claim automatically (live-quality only). */
  refundReasons: readonly string[] | null;
  premiumBrackets: readonly WeightBracket[] | null;
  payoutBrackets: readonly WeightBracket[] | null;
  payoutDue: DueRule;
  /** X3 */
  needsInfoLapseDays: number;
}

/**
 * The consumer-protection deposit (D1–D5) is not a plan: nobody quotes or joins it. The catalog
 * describes its terms beside the plans; it is managed under `/v1/merchants/{merchantId}/deposit`.
 */
export interface DepositTerms {
  kind: 'deposit';
  name: string;
  nameZh: string;
  source: string;
  sponsor: 'merchant';
  minimumFen: number;
  withdrawalPayoutDue: DueRule;
}

export interface PlanCatalog {
  /** The five plans a merchant can quote and join. */
  items: PlanTerms[];
  /** The deposit's terms: not a plan, never quoted or joined. */
  deposit: DepositTerms;
}

/** The public catalog: five plans, and beside them the deposit, with the configured terms. */
export function planCatalog(config: RulesConfig): PlanCatalog {
  const returnShipping = config.plans['return-shipping'];
  const plans = PLAN_IDS.map((planId): PlanTerms => {
    const settings = config.plans[planId];
    const isReturnShipping = planId === 'return-shipping';
    return {
      kind: 'insurance',
      ...PLAN_DEFINITIONS[planId],
      agreementVersion: settings.agreementVersion,
      windowDays: settings.windowDays,
      rateCapBps: LIVE_PLAN_IDS.includes(planId) ? LIVE_RATE_CAP_BPS : null,
      rates: rateTable(planId, config) ?? null,
      coveredCategories: coveredCategories(planId, config),
      refundReasons: planId === 'live-quality' ? config.plans['live-quality'].refundReasons : null,
      premiumBrackets: isReturnShipping ? returnShipping.premiumBrackets : null,
      payoutBrackets: isReturnShipping ? returnShipping.payoutBrackets : null,
      payoutDue: settings.payoutDue,
      needsInfoLapseDays: config.claims.needsInfoLapseDays,
    };
  });
  const deposit: DepositTerms = {
    kind: 'deposit',
    name: 'Consumer-protection deposit',
    nameZh: '消保保证金',
    source: '004',
    sponsor: 'merchant',
    minimumFen: config.deposit.minimumFen,
    withdrawalPayoutDue: config.deposit.withdrawalPayoutDue,
  };
  return { items: plans, deposit };
}
