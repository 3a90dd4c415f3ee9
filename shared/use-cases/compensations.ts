/**
 * Dispute compensation (D5, 先行赔付): ops compensates a buyer from the merchant's deposit for an
 * order dispute no policy covers (a quality problem, fraud). It is paid like a claim — a payout to
 * the buyer, `source: 'deposit'`, settled by the payout job with a `compensation` movement — and
 * it never pays a line's loss twice (C11): the amount is at most what remains of the line's net
 * paid after its approved or paid claims and earlier compensations (`lineCompensationRemaining`).
 */
import { ulid } from 'ulid';
import type { Principal } from '#shared/rules/types.ts';
import { retry, RETRY } from '#shared/retry.ts';
import { compensatedFor } from '#shared/rules/compensation.ts';
import { Conflict, normalizeInstant, NotFound, toMs, violation } from '#shared/rules/index.ts';
import { claimedOnLine, insertCompensation } from '#shared/store/compensations.ts';
import { getDepositAccount, type Compensation } from '#shared/store/deposits.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { readOrderPartition } from '#shared/store/orders.ts';
import { pendingPayout } from './new-payout.ts';
import { topUpRequiredDetail, withdrawalDue } from './deposits.ts';

export interface LineRemaining {
  merchantId: string;
  buyerId: string;
  /** The line's paid amount less the goods refunded on it (I9). */
  netPaidFen: number;
  /** Approved or paid claims on the line. */
  claimedFen: number;
  /** Earlier dispute compensations of the line (its ledger's `dispute` total, C11). */
  compensatedFen: number;
  remainingFen: number;
}

/**
 * D5, C11: what may still be compensated on an order line — its net paid (paid less refunded
 * goods; a refund naming no line is spread over the lines by their paid amount) less what its
 * approved or paid claims and its earlier dispute compensations already cover. This one function
 * is where "the line's loss" is counted; undefined when the order or the line is unknown.
 */
export async function lineCompensationRemaining(orderId: string, lineId: string): Promise<LineRemaining | undefined> {
  return (await lineRemainingWith(orderId, lineId, async () => undefined))?.remaining;
}

/** `lineCompensationRemaining`, with `alongside(merchantId)` read in the same round trip as the line's claims. */
async function lineRemainingWith<T>(
  orderId: string,
  lineId: string,
  alongside: (merchantId: string) => Promise<T>,
): Promise<{ remaining: LineRemaining; extra: T } | undefined> {
  const { order, refunds, ledgers } = await readOrderPartition(orderId);
  const compensatedFen = compensatedFor(
    ledgers.find((ledger) => ledger.lineId === lineId),
    'dispute',
  );
  const line = order?.lines?.find((l) => l.lineId === lineId);
  if (!order || !line || !order.merchantId || !order.buyerId) return undefined;
  const totalPaid = order.lines!.reduce((sum, l) => sum + l.paidFen, 0);
  const refundedFen = refunds.reduce((sum, refund) => {
    if (refund.lineId !== undefined) return refund.lineId === lineId ? sum + refund.refundFen : sum;
    return totalPaid > 0 ? sum + Math.floor((refund.refundFen * line.paidFen) / totalPaid) : sum;
  }, 0);
  const netPaidFen = Math.max(0, line.paidFen - refundedFen);
  const [claimedFen, extra] = await Promise.all([claimedOnLine(order.merchantId, orderId, lineId), alongside(order.merchantId)]);
  const remaining: LineRemaining = {
    merchantId: order.merchantId,
    buyerId: order.buyerId,
    netPaidFen,
    claimedFen,
    compensatedFen,
    remainingFen: Math.max(0, netPaidFen - claimedFen - compensatedFen),
  };
  return { remaining, extra };
}

/**
 * POST /v1/orders/{orderId}/compensations (ops). Steps: 1. what remains of the line
 * (`lineCompensationRemaining`; unknown order or line: 404); 2. the amount within it (422
 * COMPENSATION_EXCEEDS_NET_PAID with the figures) and within the deposit's available balance (422
 * INSUFFICIENT_DEPOSIT); 3. one transaction: the compensation, the line's counter (two racing
 * compensations cannot both pass), the buyer's payout from the deposit, the hold, the events.
 */
export async function compensateOrderLine(
  orderId: string,
  input: { lineId: string; amountFen: number; reason: string; note?: string },
  staff: Principal,
  now: string,
): Promise<Compensation> {
  const at = normalizeInstant(now);
  const changed = (error: unknown) =>
    error instanceof ConditionFailed && error.failed.some((name) => name === 'ledger-unchanged' || name === 'deposit-available');
  // Another compensation or a change of the deposit landed between read and write: read again, decide again.
  const exhausted = () => new Conflict('The line or the deposit kept changing while the request ran; retry it.');
  return retry(RETRY.decideAgain, { retryable: changed, exhausted }, async () => {
    // Round trips: the order partition (with the lines' ledgers); the line's claims and the deposit account; the write.
    const read = await lineRemainingWith(orderId, input.lineId, getDepositAccount);
    if (!read) throw new NotFound(`Order ${orderId} line ${input.lineId}`);
    const { remaining, extra: account } = read;
    const basis = { rule: 'D5', ...remaining, amountFen: input.amountFen };
    if (input.amountFen > remaining.remainingFen) {
      throw violation(
        'COMPENSATION_EXCEEDS_NET_PAID',
        `${input.amountFen} fen asked; ${remaining.remainingFen} fen of the line's net paid is not compensated yet.`,
        basis,
      );
    }
    if (input.amountFen > account.availableFen) {
      throw violation('INSUFFICIENT_DEPOSIT', `The compensation needs ${input.amountFen} fen; ${account.availableFen} fen of the deposit is available.`, {
        ...basis,
        availableFen: account.availableFen,
      });
    }
    const compensationId = `cmp_${ulid(toMs(at))}`;
    // Paid from the deposit like a withdrawal: `deposit.withdrawalPayoutDue` from now.
    const payout = pendingPayout(at, withdrawalDue(at), {
      source: 'deposit',
      depositMerchantId: remaining.merchantId,
      compensationId,
      compensationOrderId: orderId,
      compensationLineId: input.lineId,
      // P4: the buyer's payee comes with the order (`buyerAlipay`); the payout job finds it at send time.
      beneficiary: { role: 'buyer', id: remaining.buyerId, alipayAccount: '' },
      amountFen: input.amountFen,
    });
    const compensation: Compensation = {
      compensationId,
      orderId,
      lineId: input.lineId,
      merchantId: remaining.merchantId,
      buyerId: remaining.buyerId,
      amountFen: input.amountFen,
      reason: input.reason,
      ...(input.note ? { note: input.note } : {}),
      status: 'PENDING',
      payoutId: payout.payoutId,
      basis,
      createdAt: at,
      createdBy: { role: staff.role, id: staff.id },
    };
    const topUpRequired = topUpRequiredDetail(remaining.merchantId, account.availableFen, input.amountFen, { compensationId, orderId });
    await insertCompensation({
      compensation,
      payout,
      disputeFenBefore: remaining.compensatedFen,
      ...(topUpRequired ? { topUpRequired } : {}),
    });
    return compensation;
  });
}
