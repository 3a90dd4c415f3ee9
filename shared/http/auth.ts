import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ROLES, type Principal, type Role } from '#shared/rules/types.ts';
import { problems } from './problem.ts';

/** The role enum and the principal are domain types (shared/rules/types.ts); the edge re-exports them for its callers. */
export { ROLES, type Principal, type Role };

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * The one Cognito token type the API accepts (docs/security.md): the ID token, whose `aud` is the
 * app client the authorizer names. An access token (no `aud`, `client_id` instead) is refused.
 */
export const COGNITO_TOKEN_USE = 'id';

/**
 * `cognito:groups` as the authorizer hands it over: API Gateway flattens an array claim to
 * `[ops]` / `[a b]`, the local runtime to JSON `["ops"]`; an array is taken as it is.
 */
export function groupsOf(claim: unknown): string[] | undefined {
  if (Array.isArray(claim)) return claim.every((g) => typeof g === 'string') ? (claim as string[]) : undefined;
  if (typeof claim !== 'string') return undefined;
  const inner = claim.trim().replace(/^\[(.*)\]$/s, '$1');
  return inner
    .split(/[\s,]+/)
    .map((group) => group.replace(/^"(.*)"$/, '$1'))
    .filter((group) => group !== '');
}

/**
 * The role, only from a claim the user cannot change: a Cognito token's `cognito:groups` (exactly
 * one of the five; an administrator assigns groups), or an external identity provider's `role`.
 * A user-writable attribute (`custom:role`) is never read.
 */
function roleOf(claims: Record<string, unknown>): Role | undefined {
  if (claims['token_use'] !== undefined) {
    if (claims['token_use'] !== COGNITO_TOKEN_USE) return undefined;
    const roles = (groupsOf(claims['cognito:groups']) ?? []).filter(isRole);
    return roles.length === 1 ? roles[0] : undefined;
  }
  return isRole(claims['role']) ? claims['role'] : undefined;
}

/**
 * Reads the principal from where the API Gateway JWT authorizer puts a verified token's claims
 * (`requestContext.authorizer.jwt.claims`); the local runtime puts them in the same place.
 */
export function principalOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal {
  const claims: Record<string, unknown> | undefined = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw problems.unauthenticated('No bearer token: send Authorization: Bearer <JWT>.', false);
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') throw problems.unauthenticated("The token carries no subject (sub): the caller's merchant, buyer or staff id.");
  const role = roleOf(claims);
  if (!role) {
    throw problems.unauthenticated(
      claims['token_use'] !== undefined
        ? `The token carries no known role: a Cognito ID token must be in exactly one of the groups ${ROLES.join(', ')}.`
        : `The token carries no known role: 'role' must be one of ${ROLES.join(', ')}${claims['role'] === undefined ? '' : ` (it is '${String(claims['role'])}')`}.`,
    );
  }
  return { role, id: sub };
}
