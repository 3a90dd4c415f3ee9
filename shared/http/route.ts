import type * as z from 'zod/mini';
import type { Role } from './auth.ts';

/**
 * A route of the HTTP contract (`docs/api.md`), declared once: the handler validates
 * with these schemas, the OpenAPI document is generated from them, the local runtime routes by
 * them and the CDK stack creates one API Gateway route per entry.
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway style, e.g. `/v1/claims/{claimId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** More than the summary, for the OpenAPI operation (its roles are added). */
  readonly description?: string;
  /** The OpenAPI tag; by default derived from the path's resource (shared/http/openapi.ts `tagOf`). */
  readonly tag?: string;
  /** The folder under `functions/` whose `handler.ts` serves this route. */
  readonly handler: string;
  /** `public` routes need no token (health, openapi). */
  readonly roles: readonly Role[] | 'public';
  readonly params?: z.ZodMiniObject;
  readonly query?: z.ZodMiniObject;
  readonly body?: z.ZodMiniType;
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodMiniType }>>;
}

type InferOr<T, Fallback> = T extends z.ZodMiniType ? z.output<T> : Fallback;

/** What a handler receives once the route's schemas have accepted the request. */
export interface ParsedInput<R extends RouteSpec> {
  params: InferOr<R['params'], Record<string, never>>;
  query: InferOr<R['query'], Record<string, never>>;
  body: InferOr<R['body'], undefined>;
}

export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}
