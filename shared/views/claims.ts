/**
 * What the API shows of a claim and a payout (api.md's Claim and Payout): the stored records less
 * the store's own attributes, with what is computed at read time. Handlers answer with these;
 * use cases return the records.
 */
import { maskPayee } from '#shared/payments/payee.ts';
import { isOverdue, type Claim } from '#shared/rules/index.ts';
import type { StoredClaim } from '#shared/store/claims.ts';
import type { StoredPayout } from '#shared/store/payouts.ts';

/** The Claim of api.md: the stored claim less the store's own attributes. */
export function claimView(claim: Claim) {
  const { merchantId: _merchant, payoutId: _payout, needsInfoSince: _since, ...view } = claim as StoredClaim;
  return view;
}

/** The Payout of api.md, `overdue` computed at `now` (P2). */
export function payoutView(payout: StoredPayout, now: string) {
  const { createdAt: _created, overdue: _stored, payee, deferred, inFlightUntil: _inFlight, ...view } = payout;
  const dueByApproximate = payout.dueByApproximate === true || payout.dueByBasis === 'calendar-days-fallback';
  // P4: the payee only masked; `deferred` while the job found none to send to.
  return {
    ...view,
    ...(payee ? { payee: maskPayee(payee) } : {}),
    deferred: deferred === true,
    dueByApproximate,
    overdue: isOverdue(payout, now),
  };
}
