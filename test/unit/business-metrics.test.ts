import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as enrich, type OutboxStreamRecord } from '#infra/outbox-enrichment.ts';
import { metricsOfEvent } from '#shared/business-metrics.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The EMF records printed while `work` runs (with a namespace set, as in AWS). */
async function emf(work: () => Promise<unknown>): Promise<Record<string, any>[]> {
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Baozhang/test');
  const records: Record<string, any>[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) return (void records.push(JSON.parse(text)), true);
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
  await work();
  return records;
}

const record = (eventId: string, type: string, detail: Record<string, unknown>): OutboxStreamRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    NewImage: {
      eventId: { S: eventId },
      type: { S: type },
      occurredAt: { S: '2026-12-06T01:00:00.000Z' },
      correlationId: { S: 'corr-9' },
      detail: { M: Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: String(v) }])) },
    },
  },
});

describe('business metrics from the events out', () => {
  it('maps each event type to its metrics (amounts in fen)', () => {
    expect(metricsOfEvent({ type: 'claim.submitted', data: { status: 'APPROVED' } })).toEqual({ ClaimsSubmitted: 1, ClaimsAutoApproved: 1 });
    expect(metricsOfEvent({ type: 'claim.submitted', data: { status: 'SUBMITTED' } })).toEqual({ ClaimsSubmitted: 1 });
    expect(metricsOfEvent({ type: 'claim.approved', data: { amountFen: 12900 } })).toEqual({ ClaimsApproved: 1, AmountApprovedFen: 12900 });
    expect(metricsOfEvent({ type: 'payout.sent', data: { amountFen: 500 } })).toEqual({ PayoutsSent: 1, AmountPaidFen: 500 });
    expect(metricsOfEvent({ type: 'deposit.credited', data: { amountFen: 100000 } })).toEqual({ TopUpsCredited: 1, AmountToppedUpFen: 100000 });
    expect(metricsOfEvent({ type: 'enrollment.joined', data: {} })).toEqual({});
  });

  it('the enrichment publishes one EMF record per plan (plan dimension) and one for events without a plan, and passes correlationId on', async () => {
    let events: unknown;
    const records = await emf(async () => {
      events = await enrich([
        record('evt_1', 'policy.issued', { planId: 'authenticity', policyId: 'p1' }),
        record('evt_2', 'policy.issued', { planId: 'authenticity', policyId: 'p2' }),
        record('evt_3', 'claim.submitted', { planId: 'live-quality', status: 'APPROVED' }),
        record('evt_4', 'payout.failed', { payoutId: 'pay_1', amountFen: 900 }),
      ]);
    });
    expect((events as Array<{ correlationId: string }>).map((e) => e.correlationId)).toEqual(['corr-9', 'corr-9', 'corr-9', 'corr-9']);
    const byPlan = Object.fromEntries(records.map((r) => [r['plan'] ?? '(none)', r]));
    expect(byPlan['authenticity']).toMatchObject({ PoliciesIssued: 2, service: 'baozhang' });
    expect(byPlan['authenticity']._aws.CloudWatchMetrics[0]).toMatchObject({ Dimensions: [['service', 'plan']] });
    expect(byPlan['live-quality']).toMatchObject({ ClaimsSubmitted: 1, ClaimsAutoApproved: 1 });
    expect(byPlan['(none)']).toMatchObject({ PayoutsFailed: 1 });
    expect(byPlan['(none)']._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });
});
