import { assertParty } from '#shared/use-cases/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { NotFound } from '#shared/rules/errors.ts';
import { findPolicy } from '#shared/use-cases/policies.ts';
import { getPolicyRoute } from './schema.ts';

/** GET /v1/policies/{policyId} — the policy's buyer or merchant, adjusters and ops (I7). */
export const handler = httpHandler(getPolicyRoute, async ({ params, principal }) => {
  const policy = await findPolicy(params.policyId);
  if (!policy) throw new NotFound(`Policy ${params.policyId}`);
  assertParty(principal, policy, `Policy ${params.policyId}`);
  return { status: 200, body: policy };
});
