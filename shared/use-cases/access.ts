import { NotFound, type Principal } from '#shared/rules/index.ts';

/**
 * Role scoping in one place. Staff (adjuster, ops) see everything they are routed to; a buyer or
 * merchant sees only what names them. Another party's resource is answered exactly like a
 * missing one — NotFound (404) — so its existence is never revealed.
 */
export function assertParty(principal: Principal, resource: { buyerId?: string; merchantId?: string }, what: string): void {
  if (principal.role === 'adjuster' || principal.role === 'ops') return;
  if (principal.role === 'buyer' && resource.buyerId === principal.id) return;
  if (principal.role === 'merchant' && resource.merchantId === principal.id) return;
  throw new NotFound(what);
}

/** A merchant may act only on its own merchantId; ops on any. */
export function assertSelfOrOps(principal: Principal, merchantId: string, what = `Merchant ${merchantId}`): void {
  if (principal.role === 'ops') return;
  if (principal.role === 'merchant' && principal.id === merchantId) return;
  throw new NotFound(what);
}
