import type { RouteSpec } from '#shared/http/route.ts';
import { healthRoute } from './health/schema.ts';
import { openApiRoute } from './openapi/schema.ts';

/**
 * Every route of the HTTP contract. The local runtime routes by this list, the CDK stack creates
 * one API Gateway route (and one function per distinct `handler`) from it, and the OpenAPI
 * document is generated from it.
 */
export const routes: readonly RouteSpec[] = [healthRoute, openApiRoute];
