import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { problems } from './problem.ts';

export const ROLES = ['merchant', 'buyer', 'adjuster', 'ops', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, taken only from the verified token (never from the body or query). */
export interface Principal {
  role: Role;
  id: string;
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Reads the principal from where the API Gateway JWT authorizer puts a verified token's claims
 * (`requestContext.authorizer.jwt.claims`); the local runtime puts them in the same place.
 */
export function principalOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.['sub'];
  // A Cognito user pool (the stack's fallback issuer) carries custom attributes as `custom:role`.
  const role = claims?.['role'] ?? claims?.['custom:role'];
  if (!claims) throw problems.unauthenticated('No bearer token: send Authorization: Bearer <JWT>.', false);
  if (typeof sub !== 'string' || sub === '') throw problems.unauthenticated('The token carries no subject (sub): the caller\'s merchant, buyer or staff id.');
  if (!isRole(role)) {
    throw problems.unauthenticated(`The token carries no known role: 'role' must be one of ${ROLES.join(', ')}${role === undefined ? '' : ` (it is '${String(role)}')`}.`);
  }
  return { role, id: sub };
}
