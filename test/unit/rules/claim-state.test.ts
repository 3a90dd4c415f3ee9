import { describe, expect, it } from 'vitest';
import {
  CLAIM_TRANSITIONS,
  ENROLLMENT_LIFECYCLE,
  IllegalTransition,
  nextStatus,
  openClaim,
  PAYOUT_LIFECYCLE,
  POLICY_LIFECYCLE,
  refundRequired,
  RuleViolation,
  transition,
  WITHDRAWAL_LIFECYCLE,
  type Actor,
  type Claim,
  type ClaimAction,
  type ClaimDraft,
  type ClaimStatus,
} from '#shared/rules/index.ts';

const BUYER: Actor = { role: 'buyer', id: 'buyer-417' };
const ADJUSTER: Actor = { role: 'adjuster', id: 'adj-7' };
const OPS: Actor = { role: 'ops', id: 'ops-1' };
const SYSTEM: Actor = { role: 'system' };
const EVIDENCE = [{ type: 'photo', uri: 'https://evidence.example/p2.jpg', sha256: 'b'.repeat(64) }];

const draft = (overrides: Partial<ClaimDraft> = {}): ClaimDraft => ({
  naturalKey: 'pol_1#L1',
  policyId: 'pol_1',
  planId: 'authenticity',
  orderId: 'ord-88231',
  lineId: 'L1',
  claimant: { role: 'buyer', id: 'buyer-417' },
  beneficiary: { role: 'buyer', id: 'buyer-417' },
  amountFen: 36000,
  basis: { rule: 'A3', paidFen: 9000, multiplier: 4 },
  route: 'manual-review',
  evidence: [],
  submittedAt: '2026-11-22T09:00:00+08:00',
  note: 'manual review',
  ...overrides,
});

const underReview = () => openClaim(draft(), 'clm_1');
const inStatus = (status: ClaimStatus): Claim => ({ ...underReview(), status });

describe('claim state machine (A2, A4, X3)', () => {
  it('A1 A4 an auto-approved claim starts APPROVED, decided by the system', () => {
    const claim = openClaim(
      draft({ planId: 'live-price', route: 'auto-approve', note: 'auto-approved: same listing and SKU', description: 'cheaper now' }),
      'clm_2',
    );
    expect(claim).toMatchObject({
      claimId: 'clm_2',
      status: 'APPROVED',
      decidedAt: '2026-11-22T09:00:00+08:00',
      lineId: 'L1',
      description: 'cheaper now',
      history: [{ at: '2026-11-22T09:00:00+08:00', status: 'APPROVED', actor: { role: 'system' }, note: 'auto-approved: same listing and SKU' }],
    });
  });

  it('A4 a manual claim starts UNDER_REVIEW, submitted by the claimant', () => {
    const { lineId: _none, ...perOrder } = draft();
    const claim = openClaim(perOrder, 'clm_3');
    expect(claim.status).toBe('UNDER_REVIEW');
    expect(claim.history).toEqual([{ at: '2026-11-22T09:00:00+08:00', status: 'UNDER_REVIEW', actor: BUYER, note: 'manual review' }]);
    expect(claim).not.toHaveProperty('decidedAt');
    expect(claim).not.toHaveProperty('lineId');
  });

  it('A2 A4 request-info, new evidence, request-info again, then approval: each recorded with time, actor and note', () => {
    let claim = underReview();
    claim = transition(claim, 'request-info', ADJUSTER, '2026-11-23T10:00:00+08:00', 'Please add page 2 of the report');
    expect(claim).toMatchObject({ status: 'NEEDS_INFO', needsInfoSince: '2026-11-23T10:00:00+08:00' });
    claim = transition(claim, 'add-evidence', BUYER, '2026-11-24T10:00:00+08:00', 'page 2', { evidence: EVIDENCE });
    expect(claim).toMatchObject({ status: 'UNDER_REVIEW', evidence: EVIDENCE });
    expect(claim).not.toHaveProperty('needsInfoSince');
    claim = transition(claim, 'request-info', OPS, '2026-11-25T10:00:00+08:00');
    claim = transition(claim, 'add-evidence', BUYER, '2026-11-26T10:00:00+08:00', undefined, { evidence: EVIDENCE });
    claim = transition(claim, 'approve', ADJUSTER, '2026-11-27T10:00:00+08:00', 'genuine report');
    expect(claim).toMatchObject({ status: 'APPROVED', decidedAt: '2026-11-27T10:00:00+08:00', evidence: [...EVIDENCE, ...EVIDENCE] });
    expect(claim.history.map((h) => [h.status, h.actor.role, h.note])).toEqual([
      ['UNDER_REVIEW', 'buyer', 'manual review'],
      ['NEEDS_INFO', 'adjuster', 'Please add page 2 of the report'],
      ['UNDER_REVIEW', 'buyer', 'page 2'],
      ['NEEDS_INFO', 'ops', undefined],
      ['UNDER_REVIEW', 'buyer', undefined],
      ['APPROVED', 'adjuster', 'genuine report'],
    ]);
    expect(claim.history[3]).not.toHaveProperty('note');
  });

  it('A2 a rejection needs a reason code', () => {
    const rejected = transition(underReview(), 'reject', OPS, '2026-11-23T10:00:00+08:00', 'report is forged', { reasonCode: 'EVIDENCE_INVALID' });
    expect(rejected).toMatchObject({ status: 'REJECTED', reasonCode: 'EVIDENCE_INVALID', decidedAt: '2026-11-23T10:00:00+08:00' });
    expect(() => transition(underReview(), 'reject', OPS, '2026-11-23T10:00:00+08:00')).toThrow(expect.objectContaining({ code: 'REASON_CODE_REQUIRED' }));
  });

  it('A2 new evidence must contain evidence', () => {
    const waiting = transition(underReview(), 'request-info', ADJUSTER, '2026-11-23T10:00:00+08:00');
    expect(() => transition(waiting, 'add-evidence', BUYER, '2026-11-24T10:00:00+08:00', 'nothing', { evidence: [] })).toThrow(RuleViolation);
    expect(() => transition(waiting, 'add-evidence', BUYER, '2026-11-24T10:00:00+08:00')).toThrow(expect.objectContaining({ code: 'EVIDENCE_REQUIRED' }));
  });

  it('A2 only the claimant adds evidence; only staff decide', () => {
    const waiting = transition(underReview(), 'request-info', ADJUSTER, '2026-11-23T10:00:00+08:00');
    expect(() => transition(waiting, 'add-evidence', { role: 'buyer', id: 'buyer-9' }, '2026-11-24T10:00:00+08:00', undefined, { evidence: EVIDENCE })).toThrow(
      IllegalTransition,
    );
    expect(() => transition(underReview(), 'approve', BUYER, '2026-11-24T10:00:00+08:00')).toThrow(IllegalTransition);
    expect(() => transition(underReview(), 'approve', { role: 'merchant', id: 'shop-9001' }, '2026-11-24T10:00:00+08:00')).toThrow(IllegalTransition);
  });

  it('X3 the system lapses a claim left in NEEDS_INFO', () => {
    const waiting = transition(underReview(), 'request-info', ADJUSTER, '2026-11-23T10:00:00+08:00');
    const lapsed = transition(waiting, 'lapse', SYSTEM, '2026-12-08T10:00:00.001+08:00', 'no new evidence in 15 days');
    expect(lapsed).toMatchObject({ status: 'LAPSED' });
    expect(() => transition(waiting, 'lapse', ADJUSTER, '2026-12-09T00:00:00+08:00')).toThrow(IllegalTransition);
  });

  it('P1 an approved claim is paid once: paying it again is an illegal transition', () => {
    const paid = transition(inStatus('APPROVED'), 'pay', SYSTEM, '2026-11-25T09:00:00+08:00');
    expect(paid).toMatchObject({ status: 'PAID', paidAt: '2026-11-25T09:00:00+08:00' });
    expect(() => transition(paid, 'pay', SYSTEM, '2026-11-25T09:05:00+08:00')).toThrow(IllegalTransition);
  });

  const actions: ClaimAction[] = ['approve', 'reject', 'request-info', 'add-evidence', 'lapse', 'pay'];
  const statuses = Object.keys(CLAIM_TRANSITIONS) as ClaimStatus[];
  const illegal = statuses.flatMap((status) => actions.filter((a) => !CLAIM_TRANSITIONS[status][a]).map((a) => [status, a] as const));

  it.each(illegal)('A2 a %s claim cannot take %s: 409 ILLEGAL_TRANSITION, not a silent no-op', (status, action) => {
    const attempt = () =>
      transition(
        inStatus(status),
        action,
        action === 'add-evidence' ? BUYER : action === 'pay' || action === 'lapse' ? SYSTEM : ADJUSTER,
        '2026-11-25T09:00:00+08:00',
        undefined,
        { reasonCode: 'X', evidence: EVIDENCE },
      );
    expect(attempt).toThrow(IllegalTransition);
    expect(attempt).toThrow(expect.objectContaining({ status: 409, basis: expect.objectContaining({ from: status, action }) }));
  });

  it('A3 approving an authenticity claim requires the goods to be refunded', () => {
    expect(refundRequired(inStatus('APPROVED'))).toBe(true);
    expect(refundRequired(inStatus('UNDER_REVIEW'))).toBe(false);
    expect(refundRequired({ ...inStatus('APPROVED'), planId: 'live-price' })).toBe(false);
  });
});

describe('other lifecycles', () => {
  it('J8 J9 enrollment: ACTIVE → TERMINATED, never back', () => {
    expect(nextStatus('enrollment', ENROLLMENT_LIFECYCLE, 'ACTIVE', 'TERMINATED')).toBe('TERMINATED');
    expect(() => nextStatus('enrollment', ENROLLMENT_LIFECYCLE, 'TERMINATED', 'ACTIVE')).toThrow(IllegalTransition);
  });

  it('X1 policy: ACTIVE → CLAIMED | EXPIRED | VOID; an expired policy takes no new state but CLAIMED', () => {
    for (const to of ['CLAIMED', 'EXPIRED', 'VOID'] as const) expect(nextStatus('policy', POLICY_LIFECYCLE, 'ACTIVE', to)).toBe(to);
    expect(nextStatus('policy', POLICY_LIFECYCLE, 'EXPIRED', 'CLAIMED')).toBe('CLAIMED');
    expect(() => nextStatus('policy', POLICY_LIFECYCLE, 'EXPIRED', 'ACTIVE')).toThrow(IllegalTransition);
    expect(() => nextStatus('policy', POLICY_LIFECYCLE, 'VOID', 'CLAIMED', OPS)).toThrow(
      expect.objectContaining({ basis: expect.objectContaining({ actor: OPS }) }),
    );
  });

  it('P3 payout: an unknown outcome is queried, never resent blindly', () => {
    expect(nextStatus('payout', PAYOUT_LIFECYCLE, 'PENDING', 'SENDING')).toBe('SENDING');
    expect(nextStatus('payout', PAYOUT_LIFECYCLE, 'SENDING', 'UNKNOWN')).toBe('UNKNOWN');
    expect(nextStatus('payout', PAYOUT_LIFECYCLE, 'UNKNOWN', 'SENT')).toBe('SENT');
    expect(nextStatus('payout', PAYOUT_LIFECYCLE, 'SENT', 'CONFIRMED')).toBe('CONFIRMED');
    expect(nextStatus('payout', PAYOUT_LIFECYCLE, 'FAILED', 'SENDING')).toBe('SENDING');
    expect(() => nextStatus('payout', PAYOUT_LIFECYCLE, 'UNKNOWN', 'SENDING')).toThrow(IllegalTransition);
  });

  it('P1 payout: a confirmed or sent payout is never sent again', () => {
    expect(() => nextStatus('payout', PAYOUT_LIFECYCLE, 'CONFIRMED', 'SENDING')).toThrow(IllegalTransition);
    expect(() => nextStatus('payout', PAYOUT_LIFECYCLE, 'SENT', 'SENDING')).toThrow(IllegalTransition);
  });

  it('D3 withdrawal: REQUESTED → APPROVED → PAID, or → REJECTED', () => {
    expect(nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, 'REQUESTED', 'APPROVED')).toBe('APPROVED');
    expect(nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, 'APPROVED', 'PAID')).toBe('PAID');
    expect(nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, 'REQUESTED', 'REJECTED')).toBe('REJECTED');
    expect(() => nextStatus('withdrawal', WITHDRAWAL_LIFECYCLE, 'REJECTED', 'PAID')).toThrow(IllegalTransition);
  });
});
