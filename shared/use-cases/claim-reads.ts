import { NotFound, type ClaimStatus, type Party, type Principal } from '#shared/rules/index.ts';
import { allClaims, claimsByBuyer, claimsByMerchant, getClaim, type ClaimPage, type StoredClaim } from '#shared/store/claims.ts';

/** Whether a principal may see a claim: staff; its claimant or beneficiary; the order's merchant. */
function mayView(principal: Principal, claim: StoredClaim): boolean {
  switch (principal.role) {
    case 'adjuster':
    case 'ops':
      return true;
    case 'buyer':
    case 'merchant': {
      const names = (party: Party) => party.role === principal.role && party.id === principal.id;
      return names(claim.claimant) || names(claim.beneficiary) || (principal.role === 'merchant' && claim.merchantId === principal.id);
    }
    default:
      return false;
  }
}

/** GET /v1/claims/{id}: the claim with its history (A4); 404 for anyone it does not concern. */
export async function viewClaim(claimId: string, principal: Principal): Promise<StoredClaim> {
  const claim = await getClaim(claimId);
  if (!claim || !mayView(principal, claim)) throw new NotFound(`Claim ${claimId}`);
  return claim;
}

/**
 * GET /v1/claims, scoped: a buyer its own (GSI1), a merchant those on its orders (GSI2), staff all
 * (GSI3); the order system (service) has no claims of its own and gets an empty list.
 */
export function listClaims(principal: Principal, query: { status?: ClaimStatus; cursor?: string; limit: number }): Promise<ClaimPage> {
  switch (principal.role) {
    case 'buyer':
      return claimsByBuyer(principal.id, query);
    case 'merchant':
      return claimsByMerchant(principal.id, query);
    case 'adjuster':
    case 'ops':
      return allClaims(query);
    default:
      return Promise.resolve({ items: [] });
  }
}
