/**
 * Joining and leaving plans (J1–J10): quotes, join and exit decisions, Live Select
 * qualification and the forced exit on a penalty.
 */
import type { RulesConfig } from './config.ts';
import { toReason, violation, type Reason, type RuleViolation } from './errors.ts';
import { coveredCategories, PLAN_DEFINITIONS, rateTable } from './plans.ts';
import { normalizeInstant, toMs, type Instant } from './time.ts';
import type { Campaign, Enrollment, ExitReason, Merchant, PlanId } from './types.ts';

export interface Quote {
  planId: PlanId;
  eligible: boolean;
  /** Every failing reason, in rule order. */
  reasons: Reason[];
  rateBps: number;
  agreementVersion: string;
  /** J6: `implied` — joining gifts the cover (no `gift` to send); `required` — send `gift: true`. */
  gift: 'none' | 'required' | 'implied';
}

export interface JoinRequest {
  planId: PlanId;
  acceptAgreement: boolean;
  agreementVersion: string;
  gift?: boolean;
  campaign?: Campaign;
}

export type JoinDecision =
  | { ok: true; enrollment: Enrollment }
  /** `violation` is the first failing rule (its status is the answer's); `violations` lists all. */
  | { ok: false; violation: RuleViolation; violations: RuleViolation[] };

/**
 * J4: the estimated rate of a plan for a merchant — the highest base rate among the merchant's
 * categories that the plan covers and prices, else the plan's default rate. The highest, because
 * one rate is fixed for the whole enrollment and must hold for the riskiest goods sold.
 * return-shipping is priced by weight, not by rate: 0.
 */
export function estimatedRateBps(planId: PlanId, categories: readonly string[], config: RulesConfig): number {
  const rates = rateTable(planId, config);
  if (!rates) return 0;
  const covered = coveredCategories(planId, config);
  const priced = categories
    .filter((category) => covered === 'all' || covered.includes(category))
    .map((category) => rates.byCategory[category])
    .filter((bps): bps is number => bps !== undefined);
  return priced.length > 0 ? Math.max(...priced) : rates.defaultBps;
}

/** J4: eligibility with every failing reason, and the estimated rate. */
export function quote(input: { merchant: Merchant; planId: PlanId; enrollments: readonly Enrollment[] }, config: RulesConfig): Quote {
  const { merchant, planId } = input;
  const reasons = [
    ...penaltyViolations(merchant),
    ...planFitViolations(merchant, planId, config),
    // A quote for a per-campaign plan names no campaign, so J7 is judged at join time only.
    ...(PLAN_DEFINITIONS[planId].joinedPer === 'campaign' ? [] : alreadyEnrolledViolations(merchant, planId, input.enrollments, undefined)),
  ];
  return {
    planId: input.planId,
    eligible: reasons.length === 0,
    reasons: reasons.map(toReason),
    rateBps: estimatedRateBps(input.planId, input.merchant.categories, config),
    agreementVersion: config.plans[input.planId].agreementVersion,
    gift: PLAN_DEFINITIONS[input.planId].gift,
  };
}

/**
 * J1–J3, J6, J7, J10: decides a join request. On success the enrollment is ACTIVE from `now`
 * with the quoted rate fixed (I5). Steps: merchant eligibility, agreement, plan-specific terms.
 */
export function decideJoin(
  input: { merchant: Merchant; request: JoinRequest; enrollments: readonly Enrollment[]; enrollmentId: string; now: Instant },
  config: RulesConfig,
): JoinDecision {
  const { merchant, request, now } = input;
  const plan = PLAN_DEFINITIONS[request.planId];
  const current = config.plans[request.planId].agreementVersion;
  const agreement =
    request.acceptAgreement && request.agreementVersion === current
      ? []
      : [
          violation('AGREEMENT_NOT_ACCEPTED', `Joining requires accepting agreement version ${current}.`, {
            rule: 'J2',
            acceptAgreement: request.acceptAgreement,
            agreementVersion: request.agreementVersion,
            currentVersion: current,
          }),
        ];
  // J6: price-protection is gifted by joining it (gift implied); return-shipping says so with gift: true.
  const giftRefused = plan.gift === 'implied' ? request.gift === false : plan.gift === 'required' && request.gift !== true;
  const gift = giftRefused
    ? [
        violation(
          'GIFT_REQUIRED',
          `A merchant joins ${request.planId} as a gift to buyers: ${plan.gift === 'implied' ? 'omit gift or send gift: true' : 'send gift: true'}.`,
          { rule: 'J6' },
        ),
      ]
    : [];
  // Rule order, so the first violation is the most fundamental (a penalty before a duplicate).
  const violations = [
    ...penaltyViolations(merchant),
    ...agreement,
    ...planFitViolations(merchant, request.planId, config),
    ...(plan.joinedPer === 'campaign' ? campaignViolations(request.campaign, now) : []),
    ...gift,
    ...alreadyEnrolledViolations(merchant, request.planId, input.enrollments, request.campaign),
  ];
  const [first] = violations;
  if (first) return { ok: false, violation: first, violations };
  const enrollment: Enrollment = {
    enrollmentId: input.enrollmentId,
    merchantId: merchant.merchantId,
    planId: request.planId,
    status: 'ACTIVE',
    rateBps: estimatedRateBps(request.planId, merchant.categories, config),
    agreementVersion: current,
    joinedAt: normalizeInstant(now),
  };
  if (plan.giftOnly) enrollment.gift = true;
  if (request.campaign) enrollment.campaign = request.campaign;
  return { ok: true, enrollment };
}

/** J5: Live Select qualified (已达标) exactly when both live plans are active. */
export function liveSelectQualified(enrollments: readonly Enrollment[]): boolean {
  const active = (planId: PlanId) => enrollments.some((e) => e.planId === planId && e.status === 'ACTIVE');
  return active('live-quality') && active('live-price');
}

export type ExitDecision = { ok: true; enrollment: Enrollment } | { ok: false; violation: RuleViolation };

/** J8: a merchant exits (退保) with a reason; already-issued policies stay in force. */
export function decideExit(enrollment: Enrollment, reason: ExitReason, now: Instant): ExitDecision {
  if (enrollment.status !== 'ACTIVE') {
    return {
      ok: false,
      violation: violation('ENROLLMENT_NOT_ACTIVE', `Enrollment ${enrollment.enrollmentId} is already ${enrollment.status}.`, {
        rule: 'J8',
        status: enrollment.status,
      }),
    };
  }
  return { ok: true, enrollment: terminate(enrollment, reason, now) };
}

export interface PenaltyOutcome {
  /** Enrollments to terminate with reason `violation`. */
  terminated: Enrollment[];
  /** J9: the deposit is frozen while a penalty is active. */
  freezeDeposit: true;
  /** D3: a fraud finding forfeits the whole deposit. */
  forfeitDeposit: boolean;
}

/**
 * J9: a violation penalty force-exits every active enrollment of the merchant and freezes its
 * deposit; issued policies stay in force. Lifting the penalty lets it join again (J1 reads the
 * merchant's active penalties), nothing is restored automatically.
 */
export function penaltyOutcome(enrollments: readonly Enrollment[], penalty: { fraud?: boolean }, now: Instant): PenaltyOutcome {
  return {
    terminated: enrollments.filter((e) => e.status === 'ACTIVE').map((e) => terminate(e, 'violation', now)),
    freezeDeposit: true,
    forfeitDeposit: penalty.fraud === true,
  };
}

function terminate(enrollment: Enrollment, reason: ExitReason | 'violation', now: Instant): Enrollment {
  return { ...enrollment, status: 'TERMINATED', exitedAt: normalizeInstant(now), exitReason: reason };
}

/** J1: no joining while a violation penalty is active. */
function penaltyViolations(merchant: Merchant): RuleViolation[] {
  if (merchant.activePenaltyIds.length === 0) return [];
  return [
    violation('MERCHANT_PENALIZED', 'A merchant with an active violation penalty cannot join a plan.', {
      rule: 'J1',
      penaltyIds: merchant.activePenaltyIds,
    }),
  ];
}

/** J3 and J10: the plan must fit the merchant's live base and categories. */
function planFitViolations(merchant: Merchant, planId: PlanId, config: RulesConfig): RuleViolation[] {
  const violations: RuleViolation[] = [];
  if (PLAN_DEFINITIONS[planId].requiresLiveBase && !merchant.liveBaseId) {
    violations.push(violation('LIVE_BASE_REQUIRED', `${planId} requires a bound live-stream base.`, { rule: 'J3' }));
  }
  const covered = coveredCategories(planId, config);
  if (covered !== 'all' && !merchant.categories.some((c) => covered.includes(c))) {
    const sells = merchant.categories.length > 0 ? merchant.categories.join(', ') : 'no listed category';
    violations.push(
      violation('CATEGORY_NOT_COVERED', `${planId} covers only ${covered.join(', ')}; the merchant sells ${sells}.`, {
        rule: 'J10',
        coveredCategories: covered,
        merchantCategories: merchant.categories,
      }),
    );
  }
  return violations;
}

/** J7: one active enrollment per merchant and plan (and campaign, for price-protection). */
function alreadyEnrolledViolations(merchant: Merchant, planId: PlanId, enrollments: readonly Enrollment[], campaign: Campaign | undefined): RuleViolation[] {
  const existing = enrollments.find(
    (e) => e.status === 'ACTIVE' && e.merchantId === merchant.merchantId && e.planId === planId && e.campaign?.campaignId === campaign?.campaignId,
  );
  if (!existing) return [];
  const scope = campaign ? ` and campaign ${campaign.campaignId}` : '';
  return [
    violation('ALREADY_ENROLLED', `${planId} is already active for this merchant${scope}.`, {
      rule: 'J7',
      enrollmentId: existing.enrollmentId,
    }),
  ];
}

/** J6: price-protection is joined per campaign, which must name items and not have ended. */
function campaignViolations(campaign: Campaign | undefined, now: Instant): RuleViolation[] {
  if (!campaign || campaign.itemIds.length === 0) {
    return [violation('CAMPAIGN_REQUIRED', 'price-protection is joined per campaign: give campaignId, endsAt and itemIds.', { rule: 'J6' })];
  }
  if (toMs(now) > toMs(campaign.endsAt)) {
    return [
      violation('CAMPAIGN_ENDED', `Campaign ${campaign.campaignId} ended at ${normalizeInstant(campaign.endsAt)}.`, {
        rule: 'J6',
        endsAt: campaign.endsAt,
        now,
      }),
    ];
  }
  return [];
}
