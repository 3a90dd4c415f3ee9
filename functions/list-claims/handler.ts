import { httpHandler } from '#shared/http/handler.ts';
import { listClaims } from '#shared/use-cases/claim-reads.ts';
import { claimView } from '#shared/views/claims.ts';
import { listClaimsRoute } from './schema.ts';

/** GET /v1/claims — the claims the caller may see, newest first, scoped by role. */
export const handler = httpHandler(listClaimsRoute, async ({ query, principal }) => {
  const page = await listClaims(principal, query);
  return { status: 200, body: { ...page, items: page.items.map(claimView) } };
});
