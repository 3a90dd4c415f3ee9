import { z } from 'zod';
import type { RouteSpec } from './route.ts';
import { ProblemSchema } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed (VALIDATION_FAILED)',
  401: 'Missing or invalid bearer token',
  403: 'The caller’s role may not use this route',
  404: 'Not found, or not the caller’s',
  413: 'Request body over 256 KB',
  415: 'Body is not JSON',
};

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with —
 * never written by hand, so it cannot drift from what the API accepts and returns.
 */
export function buildOpenApi(routes: readonly RouteSpec[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: toSchema(response.schema, 'output') } } } : {}),
      };
    }
    const problemStatuses = [
      ...(route.params || route.query || route.body ? [400] : []),
      ...(route.roles === 'public' ? [] : [401, 403, 404]),
      ...(route.body ? [413, 415] : []),
    ];
    for (const status of problemStatuses) {
      responses[String(status)] ??= { description: STATUS_TEXT[status], content: problemContent };
    }
    responses['default'] = { description: 'Any other error, as problem details', content: problemContent };

    const operation = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.roles === 'public'
        ? { security: [] }
        : { security: [{ bearer: [] }], 'x-baozhang-roles': route.roles }),
      parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } }
        : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baozhang API',
      version: info.version,
      description: 'Merchant-protection insurance: plans, policies, claims, payouts and the consumer-protection deposit.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: toSchema(ProblemSchema, 'output') },
    },
    paths,
  };
}
