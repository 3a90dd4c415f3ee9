import { assertParty } from '#shared/http/access.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { problems } from '#shared/http/problem.ts';
import { findPolicy } from '#shared/use-cases/policies.ts';
import { getPolicyRoute } from './schema.ts';

/** GET /v1/policies/{policyId} — the policy's buyer or merchant, adjusters and ops (I7). */
export const handler = httpHandler(getPolicyRoute, async ({ params, principal }) => {
  const policy = await findPolicy(params.policyId);
  if (!policy) throw problems.notFound(`Policy ${params.policyId}`);
  assertParty(principal, policy, `Policy ${params.policyId}`);
  return { status: 200, body: policy };
});
