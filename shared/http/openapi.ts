import * as z from 'zod/mini';
import type { RouteSpec } from './route.ts';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency.ts';
import { ProblemSchema } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed (VALIDATION_FAILED)',
  401: 'Missing or invalid bearer token',
  403: 'The caller’s role may not use this route',
  404: 'Not found, or not the caller’s',
  413: 'Request body over 256 KB',
  415: 'Body is not JSON',
  409: 'Conflict: IDEMPOTENCY_IN_PROGRESS while a request with the same Idempotency-Key still runs, or the action’s own conflict',
  422: 'Refused: IDEMPOTENCY_KEY_REUSED for an Idempotency-Key already used with another request, or a rule’s code',
};

/** Every POST accepts `Idempotency-Key` (api.md); a replayed response says so in a header. */
const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry for 24 hours: the same key with the same request replays the first 2xx response; with another request it is 422 IDEMPOTENCY_KEY_REUSED; while the first still runs, 409 IDEMPOTENCY_IN_PROGRESS. Scoped to the caller and the route.',
  schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
};
const replayedHeader = {
  'Idempotent-Replayed': {
    description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

function toSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodMiniObject | undefined) {
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
    const idempotent = route.method === 'POST' && route.roles !== 'public';
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(idempotent && /^2/.test(status) ? { headers: replayedHeader } : {}),
        ...(response.schema ? { content: { 'application/json': { schema: toSchema(response.schema, 'output') } } } : {}),
      };
    }
    const problemStatuses = [
      ...(route.params || route.query || route.body || idempotent ? [400] : []),
      ...(route.roles === 'public' ? [] : [401, 403, 404]),
      ...(route.body ? [413, 415] : []),
      ...(idempotent ? [409, 422] : []),
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
      parameters: [
        ...parameters('path', route.params),
        ...parameters('query', route.query),
        ...(idempotent ? [idempotencyKeyParameter] : []),
      ],
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
