import { monotonicFactory } from 'ulid';
import { rulesConfig } from '#shared/rules-config.ts';
import {
  decideExit,
  decideJoin,
  InvalidInput,
  NotFound,
  joinDepositViolation,
  liveSelectQualified,
  PLAN_DEFINITIONS,
  planCatalog,
  quote,
  toMs,
  type PlanCatalog,
  type Enrollment,
  type ExitReason,
  type JoinRequest,
  type PlanId,
  type Quote,
} from '#shared/rules/index.ts';
import { getDepositAccount } from '#shared/store/deposit-account.ts';
import {
  getEnrollment,
  insertEnrollment,
  isProfiled,
  putMerchantProfile,
  readMerchantPartition,
  retryWhenMerchantChanged,
  terminateEnrollment,
  toRulesMerchant,
  type MerchantProfile,
  type MerchantProfileFields,
} from '#shared/store/merchants.ts';

/** The profile as the API shows it (MerchantSchema): penalties only as a flag. */
export interface MerchantView extends MerchantProfileFields {
  merchantId: string;
  penalized: boolean;
  updatedAt: string;
}

/** Monotonic within a millisecond, so a merchant's enrollments list in join order even under a standing clock. */
const ulid = monotonicFactory();

const merchantNotFound = (merchantId: string) => new NotFound(`Merchant ${merchantId}`);

function toView(profile: MerchantProfile): MerchantView {
  return {
    merchantId: profile.merchantId,
    name: profile.name,
    ...(profile.alipayAccount ? { alipayAccount: profile.alipayAccount } : {}),
    ...(profile.alipay ? { alipay: profile.alipay } : {}),
    ...(profile.liveBaseId ? { liveBaseId: profile.liveBaseId } : {}),
    categories: profile.categories,
    penalized: profile.activePenaltyIds.length > 0,
    updatedAt: profile.updatedAt,
  };
}

/** The plan catalog with the configured terms and agreement versions. No I/O. */
export function listPlans(): PlanCatalog {
  return planCatalog(rulesConfig);
}

/** Upserts the profile fields (one UpdateItem); penalties and deposit flags are kept. */
export async function putMerchant(merchantId: string, fields: MerchantProfileFields, now: string): Promise<MerchantView> {
  return toView(await putMerchantProfile(merchantId, fields, now));
}

/**
 * J4: eligibility with every failing reason, and the rate.
 * Steps: read the merchant partition (one Query) → 404 without a profile → `quote`.
 */
export async function getQuote(merchantId: string, planId: PlanId): Promise<Quote> {
  const { merchant, enrollments } = await readMerchantPartition(merchantId);
  if (!isProfiled(merchant)) throw merchantNotFound(merchantId);
  return quote({ merchant: toRulesMerchant(merchant), planId, enrollments }, rulesConfig);
}

/**
 * J1–J10: join a plan.
 * Steps: read the merchant partition (one Query) → 404 without a profile → `decideJoin` (a
 * refusal is thrown as the rule's violation) → one transaction: enrollment, J7 slot, no-penalty
 * condition, `enrollment.joined`. When a concurrent join or penalty wins the race, read and
 * decide again: the rules then answer ALREADY_ENROLLED or MERCHANT_PENALIZED. D1: the deposit
 * account is read in the same round trip; a merchant whose deposit is below the minimum cannot
 * join until it tops up (DEPOSIT_BELOW_MINIMUM).
 */
export async function join(merchantId: string, request: JoinRequest, now: string): Promise<Enrollment> {
  // The rules key J7 by campaign whenever one is sent; only a per-campaign plan may carry one,
  // or a second live-price "per campaign" would slip past J7.
  if (request.campaign && PLAN_DEFINITIONS[request.planId].joinedPer !== 'campaign') {
    throw new InvalidInput([{ path: 'body.campaign', message: `${request.planId} is not joined per campaign; omit campaign` }]);
  }
  return retryWhenMerchantChanged(async () => {
    const [{ merchant, enrollments }, deposit] = await Promise.all([readMerchantPartition(merchantId), getDepositAccount(merchantId)]);
    if (!isProfiled(merchant)) throw merchantNotFound(merchantId);
    const belowMinimum = joinDepositViolation({ balanceFen: deposit.balanceFen, opened: deposit.version > 0 }, rulesConfig);
    if (belowMinimum) throw belowMinimum;
    const decision = decideJoin({ merchant: toRulesMerchant(merchant), request, enrollments, enrollmentId: `enr_${ulid(toMs(now))}`, now }, rulesConfig);
    if (!decision.ok) throw decision.violation;
    await insertEnrollment(decision.enrollment);
    return decision.enrollment;
  });
}

/** J5: every enrollment of the merchant, oldest first, and whether it is Live Select qualified. One Query. */
export async function listEnrollments(merchantId: string): Promise<{ items: Enrollment[]; liveSelectQualified: boolean }> {
  const { merchant, enrollments } = await readMerchantPartition(merchantId);
  if (!isProfiled(merchant)) throw merchantNotFound(merchantId);
  return { items: enrollments, liveSelectQualified: liveSelectQualified(enrollments) };
}

/**
 * J8: exit (退保) with a reason.
 * Steps: read the enrollment (GetItem) → 404 when absent → `decideExit` (409 when not ACTIVE) →
 * one transaction: TERMINATED if still ACTIVE, free the J7 slot, `enrollment.terminated`.
 * A concurrent exit or forced exit makes it read again and answer 409.
 */
export async function exitEnrollment(merchantId: string, enrollmentId: string, reason: ExitReason, now: string): Promise<Enrollment> {
  return retryWhenMerchantChanged(async () => {
    const enrollment = await getEnrollment(merchantId, enrollmentId);
    if (!enrollment) throw new NotFound(`Enrollment ${enrollmentId}`);
    const decision = decideExit(enrollment, reason, now);
    if (!decision.ok) throw decision.violation;
    await terminateEnrollment(decision.enrollment);
    return decision.enrollment;
  });
}
