/** Builders for rule tests: a live-stream order of examples.md and its surroundings. */
import {
  defaultRulesConfig,
  type Claim,
  type ClaimDraft,
  type Enrollment,
  type Merchant,
  type Order,
  type OrderLine,
  type PlanId,
  type Policy,
  type PolicyDraft,
} from '#shared/rules/index.ts';

export const config = defaultRulesConfig;

export const PAID_AT = '2026-11-21T10:15:00+08:00';
export const SHIPPED_AT = '2026-11-21T18:00:00+08:00';

export function line(overrides: Partial<OrderLine> = {}): OrderLine {
  return {
    lineId: 'L1',
    itemId: 'item-5521',
    skuId: 'sku-5521-red-L',
    skuAttributes: { name: 'Silk scarf', spec: '90x90', model: 'SC-1', brand: 'Acme', size: 'L', color: 'red', saleMethod: 'retail' },
    category: 'apparel',
    quantity: 1,
    unitPriceFen: 10000,
    paidFen: 9000,
    ...overrides,
  };
}

export function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: 'ord-88231',
    buyerId: 'buyer-417',
    merchantId: 'shop-9001',
    channel: 'tmall',
    shippingAddressId: 'addr-417-home',
    placedAt: '2026-11-21T10:12:40+08:00',
    paidAt: PAID_AT,
    shippedAt: SHIPPED_AT,
    liveBaseId: 'base-hz-01',
    weightGrams: 800,
    shippingFen: 800,
    lines: [line()],
    ...overrides,
  };
}

/** An unpaid proof order by the same buyer for the same SKU at a lower price. */
export function proofOrder(overrides: Partial<Order> = {}, lineOverrides: Partial<OrderLine> = {}): Order {
  const {
    paidAt: _paid,
    shippedAt: _shipped,
    ...unpaid
  } = order({
    orderId: 'ord-90112',
    placedAt: '2026-11-22T08:30:00+08:00',
    lines: [line({ unitPriceFen: 7000, paidFen: 7000, ...lineOverrides })],
  });
  return { ...unpaid, ...overrides };
}

export function merchant(overrides: Partial<Merchant> = {}): Merchant {
  return { merchantId: 'shop-9001', liveBaseId: 'base-hz-01', categories: ['apparel'], activePenaltyIds: [], ...overrides };
}

export function enrollment(planId: PlanId, overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    enrollmentId: `enr_${planId}`,
    merchantId: 'shop-9001',
    planId,
    status: 'ACTIVE',
    rateBps: 20,
    agreementVersion: '2026-09',
    joinedAt: '2026-09-01T00:00:00+08:00',
    ...overrides,
  };
}

/** What the store does with a draft: give it an id and make it ACTIVE. */
export function issue(draft: PolicyDraft, overrides: Partial<Policy> = {}): Policy {
  const { naturalKey: _key, premiumBasis: _basis, ...fields } = draft;
  return { ...fields, policyId: `pol_${draft.planId}_${draft.lineId ?? 'order'}`, status: 'ACTIVE', ...overrides };
}

export function policy(planId: PlanId, overrides: Partial<Policy> = {}): Policy {
  const buyer = { role: 'buyer' as const, id: 'buyer-417' };
  const shop = { role: 'merchant' as const, id: 'shop-9001' };
  return {
    policyId: `pol_${planId}`,
    planId,
    orderId: 'ord-88231',
    lineId: 'L1',
    merchantId: 'shop-9001',
    buyerId: 'buyer-417',
    beneficiary: planId === 'live-quality' ? shop : buyer,
    payer: shop,
    status: 'ACTIVE',
    insuredFen: 9000,
    premiumFen: 18,
    rateBps: 20,
    coverageStart: PAID_AT,
    coverageEnd: '2026-12-21T10:15:00+08:00',
    issuedAt: SHIPPED_AT,
    ...overrides,
  };
}

export const BUYER = { role: 'buyer', id: 'buyer-417' } as const;

export function claimFrom(draft: ClaimDraft, overrides: Partial<Claim> = {}): Claim {
  return {
    claimId: 'clm_1',
    policyId: draft.policyId,
    planId: draft.planId,
    orderId: draft.orderId,
    lineId: draft.lineId,
    claimant: draft.claimant,
    beneficiary: draft.beneficiary,
    status: 'UNDER_REVIEW',
    amountFen: draft.amountFen,
    basis: draft.basis,
    evidence: draft.evidence,
    history: [],
    submittedAt: draft.submittedAt,
    ...overrides,
  };
}
