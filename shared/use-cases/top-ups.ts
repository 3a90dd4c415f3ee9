/**
 * Deposit top-ups (D4): a top-up is money the payment provider confirmed received, never a number
 * typed in. Starting one asks the provider's collection port for a payment instruction and stores
 * the top-up PENDING; the balance is credited exactly once — in the same transaction as its
 * journal movement (`creditTopUp`) — when a verified notification arrives or the job's query finds
 * it paid; an unpaid top-up expires after `deposit.topUpExpiryHours` (default 24 h).
 */
import { ulid } from 'ulid';
import { settings } from '#shared/config.ts';
import type { Principal } from '#shared/rules/types.ts';
import { logger } from '#shared/logger.ts';
import type { CollectionPort, CollectionStatus, PaymentProvider, RawNotification } from '#shared/payments/port.ts';
import { retry, RETRY } from '#shared/retry.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import { normalizeInstant, NotFound, RuleViolation, toIso, toMs, topUpAmountViolation, Unavailable, violation } from '#shared/rules/index.ts';
import { getDepositHolder } from '#shared/store/deposits.ts';
import { creditTopUp, expireTopUp, getTopUp, insertTopUp, rescheduleTopUp, topUpsDue, type TopUp } from '#shared/store/top-ups.ts';
import { ConditionFailed } from '#shared/store/errors.ts';
import { sortableInstant, topUpIdFor } from '#shared/store/keys.ts';

/** The job first asks the provider about a PENDING top-up this long after it started, then at this interval until it expires. */
const QUERY_EVERY_MS = 15 * 60_000;

/** Where the provider sends its notifications: `PAYMENT_NOTIFY_BASE_URL` (the API's public URL); the local provider knows its own. */
function notifyUrlFor(provider: string): string | undefined {
  const base = settings().paymentNotifyBaseUrl;
  return base ? `${base.replace(/\/$/, '')}/v1/payments/${provider}/notifications` : undefined;
}

function collectionsOf(provider: PaymentProvider): CollectionPort {
  if (!provider.collections) {
    throw new Unavailable('COLLECTIONS_UNAVAILABLE', 'Top-ups unavailable', `The ${provider.name} payment provider cannot collect payments yet.`);
  }
  return provider.collections;
}

export type TopUpView = Omit<TopUp, 'checks'>;

function view(topUp: TopUp): TopUpView {
  const { checks: _checks, ...rest } = topUp;
  return rest;
}

/**
 * POST /v1/merchants/{id}/deposit/top-ups. Steps: 1. the amount (D4: 1 … `topUpMaxFen`, else 422
 * INVALID_AMOUNT); 2. with an Idempotency-Key the top-up id is derived from it, and a top-up
 * already stored under it is answered again (another amount: 422 IDEMPOTENCY_KEY_REUSED) — read
 * with 3. the profile (404 for an unknown merchant, before the provider is asked anything) in one
 * parallel round trip; 4. the provider's
 * instruction (idempotent on the top-up id); 5. one conditional write: the top-up PENDING, due for
 * the job's first query. No money moves.
 */
export async function startTopUp(
  provider: PaymentProvider,
  input: { merchantId: string; amountFen: number; idempotencyKey?: string },
  by: Principal,
  now: string,
): Promise<TopUpView> {
  const at = normalizeInstant(now);
  const { merchantId, amountFen } = input;
  const invalid = topUpAmountViolation(amountFen, rulesConfig);
  if (invalid) throw invalid;
  const topUpId = input.idempotencyKey ? topUpIdFor(merchantId, input.idempotencyKey) : `top_${ulid(toMs(at))}`;
  // One round trip: the profile, and the top-up a retried request already created.
  const [again, holder] = await Promise.all([input.idempotencyKey ? getTopUp(topUpId) : Promise.resolve(undefined), getDepositHolder(merchantId)]);
  if (again) return sameRequest(again, amountFen);
  if (!holder.profiled) throw new NotFound(`Merchant ${merchantId}`);
  const expiresAt = toIso(toMs(at) + rulesConfig.deposit.topUpExpiryHours * 3_600_000);
  const notifyUrl = notifyUrlFor(provider.name);
  const payment = await collectionsOf(provider).create({
    outTradeNo: topUpId,
    amountFen,
    subject: `Baozhang consumer-protection deposit ${merchantId}`,
    expiresAt,
    ...(notifyUrl ? { notifyUrl } : {}),
  });
  const topUp: TopUp = { topUpId, merchantId, amountFen, status: 'PENDING', payment, createdAt: at, expiresAt, createdBy: { role: by.role, id: by.id } };
  const firstCheck = toIso(Math.min(toMs(at) + QUERY_EVERY_MS, toMs(expiresAt)));
  try {
    await insertTopUp(topUp, firstCheck);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    if (error.failed.includes('merchant-profiled')) throw new NotFound(`Merchant ${merchantId}`);
    const winner = error.failed.includes('top-up-new') ? await getTopUp(topUpId) : undefined;
    if (winner) return sameRequest(winner, amountFen);
    throw error;
  }
  return view(topUp);
}

function sameRequest(existing: TopUp, amountFen: number): TopUpView {
  if (existing.amountFen !== amountFen) {
    throw violation('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key started a top-up of another amount.', {
      topUpId: existing.topUpId,
      amountFen: existing.amountFen,
    });
  }
  return view(existing);
}

/** GET /v1/merchants/{id}/deposit/top-ups/{topUpId}: another merchant's (or an unknown) top-up is 404. */
export async function viewTopUp(merchantId: string, topUpId: string): Promise<TopUpView> {
  const topUp = await getTopUp(topUpId);
  if (!topUp || topUp.merchantId !== merchantId) throw new NotFound(`Top-up ${topUpId}`);
  return view(topUp);
}

/**
 * What to answer the provider: its acknowledgement (the text it expects back), or the domain error
 * that refused the notification (the HTTP edge answers it as a problem, like any other).
 */
export type NotificationAnswer = { acknowledgement: string } | { refused: RuleViolation };

const refusal = (refused: RuleViolation): NotificationAnswer => ({ refused });

/**
 * POST /v1/payments/{provider}/notifications (public; the provider signs it). Steps: 1. the
 * provider must be the configured one (else 404); 2. verify the signature (forged, altered:
 * logged, 400, nothing changes); 3. a payment that is not (yet) successful is acknowledged and
 * changes nothing; 4. the top-up (unknown: 404), the amount (another amount: 422), its status
 * (already CREDITED: acknowledged, nothing more — a replay; EXPIRED, or paid after it expired:
 * logged for ops, 409, never credited); 5. credit once. Every refusal is logged.
 */
export async function receivePaymentNotification(
  provider: PaymentProvider,
  providerName: string,
  raw: RawNotification,
  now: string,
): Promise<NotificationAnswer> {
  if (providerName !== provider.name || !provider.collections) {
    logger.warn('Payment notification for a provider not in use', { providerName });
    return refusal(new NotFound(`Payment provider ${providerName}`));
  }
  const collections = provider.collections;
  const ack: NotificationAnswer = { acknowledgement: collections.acknowledgement };
  const status = await collections.verifyNotification(raw);
  if (!status) {
    logger.warn('Payment notification refused: signature does not verify', { providerName, bytes: raw.body.length });
    return refusal(violation('INVALID_SIGNATURE', 'The notification is not signed by the payment provider.'));
  }
  if (status.status !== 'paid') return ack;
  const outcome = await confirmPaid(status, 'notification', now);
  if (outcome === 'credited' || outcome === 'already-credited') return ack;
  if (outcome === 'unknown-top-up') return refusal(new NotFound(`Top-up ${status.outTradeNo}`));
  if (outcome === 'amount-mismatch') {
    return refusal(
      violation('INVALID_AMOUNT', 'The notification names another amount than the top-up.', {
        rule: 'D4',
        topUpId: status.outTradeNo,
        notifiedFen: status.amountFen,
      }),
    );
  }
  return refusal(violation('TOP_UP_NOT_PENDING', `Top-up ${status.outTradeNo} is no longer payable.`, { rule: 'D4', topUpId: status.outTradeNo }));
}

type Confirmation = 'credited' | 'already-credited' | 'unknown-top-up' | 'amount-mismatch' | 'not-pending';

/** D4: a payment the provider confirmed, credited once if it matches a PENDING top-up still open. */
async function confirmPaid(paid: Extract<CollectionStatus, { status: 'paid' }>, by: 'notification' | 'query', now: string): Promise<Confirmation> {
  // Credited or expired by a concurrent notification or job run: read again and answer by what it is now.
  const changed = (error: unknown) => error instanceof ConditionFailed && error.failed.includes('top-up-pending');
  const exhausted = () => new Error(`Top-up ${paid.outTradeNo} kept changing while it was confirmed`);
  return retry(RETRY.decideAgain, { retryable: changed, exhausted }, async (): Promise<Confirmation> => {
    const topUp = await getTopUp(paid.outTradeNo);
    const context = { topUpId: paid.outTradeNo, by, notifiedFen: paid.amountFen, providerRef: paid.providerRef };
    if (!topUp) {
      logger.warn('Payment confirmation for an unknown top-up; nothing credited', context);
      return 'unknown-top-up';
    }
    if (topUp.amountFen !== paid.amountFen) {
      logger.error('Payment confirmation with another amount; nothing credited', { ...context, amountFen: topUp.amountFen });
      return 'amount-mismatch';
    }
    if (topUp.status === 'CREDITED') {
      logger.info('Payment confirmation repeated; already credited', context);
      return 'already-credited';
    }
    const paidLate = paid.paidAt !== undefined && safeMs(paid.paidAt) > toMs(topUp.expiresAt);
    if (topUp.status === 'EXPIRED' || paidLate) {
      // Money arrived for a top-up no longer open: ops must return it; the deposit is not credited.
      logger.error('Payment confirmed for an expired top-up; nothing credited, refund it', { ...context, status: topUp.status, expiresAt: topUp.expiresAt });
      return 'not-pending';
    }
    await creditTopUp(topUp, { providerRef: paid.providerRef, at: normalizeInstant(now), by });
    return 'credited';
  });
}

function safeMs(instant: string): number {
  try {
    return toMs(instant);
  } catch {
    const parsed = Date.parse(instant);
    return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
  }
}

export interface TopUpCheckResult {
  /** Due top-ups looked at. */
  checked: number;
  credited: number;
  expired: number;
  /** Still pending at the provider: asked again later. */
  pending: number;
  errors: number;
}

/**
 * The job's step for top-ups (run by the payout job, which holds the provider): every PENDING
 * top-up whose query is due is asked about — paid: credited (once, as a notification would);
 * past its expiry and not paid: EXPIRED; otherwise asked again later (at most at its expiry).
 */
export async function checkTopUps(
  provider: PaymentProvider,
  now: string,
  remainingMs: () => number = () => Number.POSITIVE_INFINITY,
): Promise<TopUpCheckResult> {
  const result: TopUpCheckResult = { checked: 0, credited: 0, expired: 0, pending: 0, errors: 0 };
  if (!provider.collections) return result;
  const collections = provider.collections;
  const due = await topUpsDue(sortableInstant(now));
  for (const topUp of due) {
    if (remainingMs() < 10_000) break;
    result.checked += 1;
    try {
      const status = await collections.query(topUp.topUpId).catch(
        (error: unknown): CollectionStatus => ({
          status: 'unknown',
          outTradeNo: topUp.topUpId,
          reason: error instanceof Error ? error.message : String(error),
        }),
      );
      if (status.status === 'paid') {
        const outcome = await confirmPaid(status, 'query', now);
        if (outcome === 'credited') result.credited += 1;
        else if (outcome !== 'already-credited') await expireTopUp(topUp.topUpId, now).then(() => (result.expired += 1));
        continue;
      }
      if (status.status !== 'unknown' && toMs(now) >= toMs(topUp.expiresAt)) {
        await expireTopUp(topUp.topUpId, normalizeInstant(now));
        result.expired += 1;
        continue;
      }
      const next = Math.min(toMs(now) + QUERY_EVERY_MS, Math.max(toMs(topUp.expiresAt), toMs(now) + 60_000));
      await rescheduleTopUp(topUp.topUpId, toIso(next));
      result.pending += 1;
    } catch (error) {
      if (error instanceof ConditionFailed) continue; // credited or expired meanwhile
      result.errors += 1;
      logger.error('Top-up check failed; it stays due', error as Error);
    }
  }
  return result;
}
