/**
 * Business metrics (Powertools Metrics, EMF) counted from the events out: the outbox enrichment
 * (infra/outbox-enrichment.ts) sees every event the service publishes, so the counts live in one
 * place instead of in each use case. Dimensions stay low-cardinality: `service` always, plus
 * `plan` (the plan id — a handful) on the events that carry one (`policy.issued`,
 * `claim.submitted`). Payout and deposit events carry no plan and are counted per service, which
 * is what the alarms in infra/monitoring.ts read.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, metrics, publishMetrics } from './metrics.ts';

/** Metric names, shared with the dashboard and alarms (infra/monitoring.ts). */
export const BUSINESS_METRIC = {
  policiesIssued: 'PoliciesIssued',
  claimsSubmitted: 'ClaimsSubmitted',
  claimsAutoApproved: 'ClaimsAutoApproved',
  claimsApproved: 'ClaimsApproved',
  claimsRejected: 'ClaimsRejected',
  /** A lapse (X3) publishes no event: the expiry job counts it (functions/expire-windows). */
  claimsLapsed: 'ClaimsLapsed',
  amountApprovedFen: 'AmountApprovedFen',
  payoutsSent: 'PayoutsSent',
  amountPaidFen: 'AmountPaidFen',
  payoutsFailed: 'PayoutsFailed',
  payoutsOverdue: 'PayoutsOverdue',
  topUpsCredited: 'TopUpsCredited',
  amountToppedUpFen: 'AmountToppedUpFen',
  duplicateEvents: METRIC.duplicateEvents,
  idempotentReplays: METRIC.idempotentReplays,
} as const;

export type BusinessMetric = (typeof BUSINESS_METRIC)[keyof typeof BUSINESS_METRIC];

interface EventOut {
  type: string;
  data: unknown;
}

/** What one event out counts: metric → value (fen for the amounts, 1 for the counts). */
export function metricsOfEvent(event: EventOut): Partial<Record<BusinessMetric, number>> {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const amount = typeof data['amountFen'] === 'number' ? data['amountFen'] : 0;
  const M = BUSINESS_METRIC;
  switch (event.type) {
    case 'policy.issued':
      return { [M.policiesIssued]: 1 };
    case 'claim.submitted':
      // An automatic approval is written with its submission: the claim is already APPROVED.
      return data['status'] === 'APPROVED' ? { [M.claimsSubmitted]: 1, [M.claimsAutoApproved]: 1 } : { [M.claimsSubmitted]: 1 };
    case 'claim.approved':
      return { [M.claimsApproved]: 1, [M.amountApprovedFen]: amount };
    case 'claim.rejected':
      return { [M.claimsRejected]: 1 };
    case 'payout.sent':
      return { [M.payoutsSent]: 1, [M.amountPaidFen]: amount };
    case 'payout.failed':
      return { [M.payoutsFailed]: 1 };
    case 'payout.overdue':
      return { [M.payoutsOverdue]: 1 };
    case 'deposit.credited':
      return { [M.topUpsCredited]: 1, [M.amountToppedUpFen]: amount };
    default:
      return {};
  }
}

/** The plan dimension of an event, when it names one. */
export function planOf(event: EventOut): string | undefined {
  const plan = (event.data as Record<string, unknown> | null)?.['planId'];
  return typeof plan === 'string' && plan ? plan : undefined;
}

/** Counts a batch of events out: one EMF record per plan (and one for the events without). */
export function countEventsOut(events: readonly EventOut[]): void {
  const byPlan = new Map<string, Map<string, number>>();
  for (const event of events) {
    const plan = planOf(event) ?? '';
    const totals = byPlan.get(plan) ?? new Map<string, number>();
    byPlan.set(plan, totals);
    for (const [name, value] of Object.entries(metricsOfEvent(event))) totals.set(name, (totals.get(name) ?? 0) + value);
  }
  for (const [plan, totals] of byPlan) {
    if (totals.size === 0) continue;
    metrics.clearDimensions();
    if (plan) metrics.addDimension('plan', plan);
    for (const [name, value] of totals) metrics.addMetric(name, name.endsWith('Fen') ? MetricUnit.NoUnit : MetricUnit.Count, value);
    publishMetrics();
  }
}
