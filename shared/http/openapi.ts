import * as z from 'zod/mini';
import { apiComponents } from './components.ts';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency.ts';
import type { RouteSpec } from './route.ts';
import { ProblemSchema } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed: VALIDATION_FAILED with `errors: [{path, message}]` naming each field, or INVALID_CURSOR',
  401: 'No token, or a token that is not valid: UNAUTHENTICATED; `WWW-Authenticate` and `detail` say what was wrong',
  403: 'The caller’s role may not use this route: FORBIDDEN',
  404: 'Not found, or not the caller’s: NOT_FOUND',
  409: 'Conflict: IDEMPOTENCY_IN_PROGRESS while a request with the same Idempotency-Key still runs, or the action’s own conflict',
  413: 'Request body over 256 KB: PAYLOAD_TOO_LARGE',
  415: 'Body is not JSON: UNSUPPORTED_MEDIA_TYPE',
  422: 'Refused by a rule (its code and the figures in `basis`), or IDEMPOTENCY_KEY_REUSED',
  500: 'A bug: INTERNAL_ERROR, logged, leaking nothing',
  503: 'Not ready: SERVICE_UNAVAILABLE',
};

/**
 * Tags by resource, derived from the path so that a new route is filed without being told: the
 * last path segment that names a resource decides (`/v1/merchants/{id}/enrollments` → Enrollments).
 */
const TAGS: [segment: string, tag: string, description: string][] = [
  ['health', 'Service', 'Liveness and the OpenAPI document'],
  ['openapi.json', 'Service', 'Liveness and the OpenAPI document'],
  ['plans', 'Plans', 'The plan catalog'],
  ['merchants', 'Merchants', 'Merchant profiles'],
  ['quotes', 'Enrollments', 'Quotes, joining and exiting plans (J1–J10)'],
  ['enrollments', 'Enrollments', 'Quotes, joining and exiting plans (J1–J10)'],
  ['events', 'Events', 'Order and merchant events from the order system'],
  ['policies', 'Policies', 'Policies issued for orders (I1–I9)'],
  ['claims', 'Claims', 'Claims and their adjudication (C1–C11, A1–A4)'],
  ['payouts', 'Payouts', 'Transfers to beneficiaries (P1–P4)'],
  ['deposit', 'Deposit', 'The consumer-protection deposit (D1–D5)'],
  ['deposit-withdrawals', 'Deposit', 'The consumer-protection deposit (D1–D5)'],
  ['payments', 'Deposit', 'The consumer-protection deposit (D1–D5)'],
  ['compensations', 'Deposit', 'The consumer-protection deposit (D1–D5)'],
  ['advance-compensations', 'Deposit', 'The consumer-protection deposit (D1–D5)'],
  ['jobs', 'Jobs', 'Scheduled jobs, run now (P1–P3, X1–X4)'],
];

export function tagOf(route: RouteSpec): string {
  if (route.tag) return route.tag;
  const segments = route.path.split('/').filter((segment) => segment && !segment.startsWith('{'));
  for (const segment of segments.reverse()) {
    const found = TAGS.find(([name]) => name === segment);
    if (found) return found[1];
  }
  return 'Service';
}

/** Every POST accepts `Idempotency-Key` (docs/api.md); a replayed response says so in a header. */
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
const authenticateHeader = {
  'WWW-Authenticate': {
    description: 'RFC 6750: `Bearer realm="baozhang", error="invalid_token", error_description="…"` naming what was wrong',
    schema: { type: 'string' },
  },
};

/** Field names say what a string or integer holds: instants end in At/By, money in Fen. */
const INSTANT_NAME = /(At|By)$|^(at|coverageStart|coverageEnd)$/;

/**
 * Collects the named schemas a conversion met into `components`, and points its refs there. The
 * same name converted for input and output may differ (defaults, coercion): the input one then
 * becomes `<Name>Input`.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  convert(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
    const {
      $schema: _ignored,
      $defs,
      ...rest
    } = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      metadata: apiComponents,
      reused: 'inline',
      cycles: 'ref',
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const renames = new Map<string, string>();
    const rewrite = (value: JsonSchema): JsonSchema =>
      JSON.parse(
        JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_match, name: string) => `"#/components/schemas/${renames.get(name) ?? name}"`),
      ) as JsonSchema;
    const defs = Object.entries($defs ?? {});
    for (const [name, def] of defs) {
      const existing = this.schemas[name];
      if (existing && JSON.stringify(existing) !== JSON.stringify(refine(rewrite(def)))) renames.set(name, `${name}Input`);
    }
    for (const [name, def] of defs) this.schemas[renames.get(name) ?? name] ??= refine(rewrite(def));
    return refine(rewrite(rest));
  }
}

/** Adds what zod cannot know: `format: int64` for fen, `date-time` for instants named as such. */
function refine(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown, name?: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && typeof value === 'object' && value !== null) {
        out[key] = Object.fromEntries(Object.entries(value).map(([prop, sub]) => [prop, walk(sub, prop)]));
      } else {
        out[key] = walk(value);
      }
    }
    if (name && out['type'] === 'integer' && /Fen$/.test(name)) out['format'] ??= 'int64';
    if (name && out['type'] === 'string' && INSTANT_NAME.test(name)) out['format'] ??= 'date-time';
    return out;
  };
  return walk(schema) as JsonSchema;
}

function parameters(components: Components, where: 'path' | 'query', schema: z.ZodMiniObject | undefined) {
  if (!schema) return [];
  const json = components.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    description: typeof property['description'] === 'string' ? property['description'] : describeParameter(name),
    schema: property,
  }));
}

function describeParameter(name: string): string {
  if (name === 'cursor') return 'The `nextCursor` of the previous page';
  if (name === 'limit') return 'Items per page (1–100); a page holds this many unless it is the last';
  if (name === 'status') return 'Only items in this status';
  return `The ${name.replace(/Id$/, '')} id`.replace('The planI', 'The plan i');
}

/** API Gateway's stage throttle (apiRateLimit/apiBurstLimit) answers any route before a handler runs. */
const throttled = {
  description: 'Throttled by API Gateway (the stage’s rate and burst limits): retry later. Its body is API Gateway’s own',
  content: {
    'application/json': {
      schema: { type: 'object', properties: { message: { type: 'string', examples: ['Too Many Requests'] } }, required: ['message'] },
    },
  },
};

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function rolesText(route: RouteSpec): string {
  return route.roles === 'public' ? 'Public: no token.' : `Roles: ${route.roles.join(', ')}.`;
}

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with —
 * never written by hand, so it cannot drift from what the API accepts and returns. Named shapes
 * come from `components.ts`, tags from the path (or a route's `tag`), each operation's description
 * from its summary, its `description` and its roles.
 */
export function buildOpenApi(routes: readonly RouteSpec[], info: { version: string }) {
  const components = new Components();
  // The problem schema is referenced by every error response: always a component.
  components.convert(z.object({ problem: ProblemSchema }), 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  const usedTags = new Set<string>();
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    const idempotent = route.method === 'POST' && route.roles !== 'public';
    for (const [status, response] of Object.entries(route.responses)) {
      const error = Number(status) >= 400;
      responses[status] = {
        description: response.description,
        ...(idempotent && /^2/.test(status) ? { headers: replayedHeader } : {}),
        ...(response.schema
          ? { content: { 'application/json': { schema: components.convert(response.schema, 'output') } } }
          : error
            ? { content: problemContent }
            : {}),
      };
    }
    const problemStatuses = [
      ...(route.params || route.query || route.body || idempotent ? [400] : []),
      ...(route.roles === 'public' ? [] : [401, 403, 404]),
      ...(route.body ? [413, 415] : []),
      ...(idempotent ? [409, 422] : []),
      500,
    ];
    for (const status of problemStatuses) {
      responses[String(status)] ??= {
        description: STATUS_TEXT[status],
        ...(status === 401 ? { headers: authenticateHeader } : {}),
        content: problemContent,
      };
    }
    responses['429'] = throttled;

    const tag = tagOf(route);
    usedTags.add(tag);
    const operation = {
      operationId: route.operationId,
      summary: route.summary,
      description: [route.description ?? `${route.summary}.`, rolesText(route)].join(' '),
      tags: [tag],
      ...(route.roles === 'public' ? { security: [] } : { 'x-baozhang-roles': route.roles }),
      parameters: [
        ...parameters(components, 'path', route.params),
        ...parameters(components, 'query', route.query),
        ...(idempotent ? [idempotencyKeyParameter] : []),
      ],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.convert(route.body, 'input') } } } } : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  const tags = [...new Map(TAGS.filter(([, tag]) => usedTags.has(tag)).map(([, name, description]) => [name, { name, description }])).values()];
  for (const tag of usedTags) if (!tags.some((t) => t.name === tag)) tags.push({ name: tag, description: `${tag} routes` });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baozhang API',
      version: info.version,
      description:
        'Merchant-protection insurance: plans, policies, claims, payouts and the consumer-protection deposit. The contract in words is docs/api.md of the repository.',
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
      contact: { name: 'Baozhang maintainers', url: 'https://github.com/baozhang-dev/baozhang' },
    },
    servers: [{ url: '/', description: 'This deployment' }],
    security: [{ bearer: [] }],
    tags,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT with `sub` and the role; locally HS256 with iss baozhang-local and aud baozhang-api (README: npm run token).',
        },
      },
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
    paths,
  };
}
