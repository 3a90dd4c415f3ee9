import type { Party, PayoutStatus, Principal } from '#shared/rules/index.ts';
import { getClaim } from '#shared/store/claims.ts';
import { allPayouts, getPayout, payoutsByBeneficiary, type PayoutPage } from '#shared/store/payouts.ts';

/**
 * GET /v1/payouts: ops all (GSI3), a buyer or merchant the payouts it receives (GSI1).
 * `claimId` is answered by the claim's own payout (one per claim, P1) instead of filtering a list.
 */
export async function listPayouts(
  principal: Principal,
  query: { claimId?: string; status?: PayoutStatus; cursor?: string; limit: number },
): Promise<PayoutPage> {
  const beneficiary: Party | undefined = principal.role === 'buyer' || principal.role === 'merchant' ? { role: principal.role, id: principal.id } : undefined;
  if (query.claimId !== undefined) {
    const claim = await getClaim(query.claimId);
    const payout = claim?.payoutId ? await getPayout(claim.payoutId) : undefined;
    const visible =
      payout !== undefined &&
      (beneficiary === undefined || (payout.beneficiary.role === beneficiary.role && payout.beneficiary.id === beneficiary.id)) &&
      (query.status === undefined || payout.status === query.status);
    return { items: visible ? [payout] : [] };
  }
  return beneficiary ? payoutsByBeneficiary(beneficiary, query) : allPayouts(query);
}
