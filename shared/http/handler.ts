import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { CORRELATION_HEADER, withCorrelationId } from '#shared/correlation.ts';
import { logger } from '#shared/logger.ts';
import { CalendarNotCovered, Forbidden, NotFound } from '#shared/rules/errors.ts';
import { ConditionFailed, InvalidCursor } from '#shared/store/errors.ts';
import { principalOf, type Principal } from './auth.ts';
import { cursorBinding, invalidCursor, openCursor, sealCursor } from './cursor.ts';
import { idempotencyNaturalKey, idempotencyProblem, idempotentHandler } from './idempotency.ts';

export { idempotencyNaturalKey };
import { domainProblem, HttpProblem, isDomainError, PROBLEM_CONTENT_TYPE, problems, type FieldError } from './problem.ts';
import type { ParsedInput, RouteSpec } from './route.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

// zod/mini loads no locale: without this, every field error would read just "Invalid input".
// The English one alone (not `z.locales`, which would bundle every language).
z.config(en());

/** Request bodies above this size are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type HttpRequest<R extends RouteSpec> = ParsedInput<R> & {
  /** Present on every route that is not public. */
  principal: R['roles'] extends 'public' ? undefined : Principal;
  event: ApiEvent;
};

interface RouteContext<R extends RouteSpec> extends Context {
  input?: ParsedInput<R>;
  principal?: Principal;
}

/**
 * Every error class the service throws, mapped to its problem response in this one place —
 * by class, never by matching names or messages: the HTTP layer's own problems, the domain
 * errors of rules and use cases (`domainProblem`), the store's storage errors. Anything else is
 * a bug: a 500 that leaks nothing.
 */
export function toHttpProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const idempotency = idempotencyProblem(error);
  if (idempotency) return idempotency;
  if (isDomainError(error)) {
    if (error instanceof CalendarNotCovered) logger.error('Holiday calendar missing', { basis: error.basis });
    return domainProblem(error);
  }
  if (error instanceof InvalidCursor) return invalidCursor();
  if (error instanceof ConditionFailed) {
    return new HttpProblem(409, 'CONFLICT', 'Conflict', 'The resource changed while the request ran; retry it.', {
      basis: { failed: error.failed },
    });
  }
  logger.error('Unhandled error', error as Error);
  return problems.internal();
}

export function problemResult(problem: HttpProblem): ApiResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.extra.headers },
    body: JSON.stringify(problem.toProblem()),
  };
}

/** Any error → `application/problem+json`; an unknown error is a 500 that leaks nothing. */
function problemResponses(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      request.response = problemResult(toHttpProblem(request.error));
    },
  };
}

function authorize<R extends RouteSpec>(route: R): MiddlewareObj<ApiEvent, ApiResult, Error, RouteContext<R>> {
  return {
    before: (request) => {
      if (route.roles === 'public') return;
      const principal = principalOf(request.event);
      if (!route.roles.includes(principal.role)) {
        throw new Forbidden(`Role '${principal.role}' may not call ${route.method} ${route.path}.`);
      }
      request.context.principal = principal;
    },
  };
}

type Issue = z.core.$ZodIssue;

/** The shallowest depth an option's issues reach: the deeper, the further the input fit that option. */
function fit(issues: readonly Issue[]): number {
  return Math.min(...issues.map((issue) => issue.path.length));
}

/**
 * A union that matches no option reports one `invalid_union` issue at its root ("Invalid input"),
 * which tells an integrator nothing. Replace it by the issues of the option the input came closest
 * to (whose issues lie deepest): a batch with a bad event reports `events[3].data.paidAt`, not `body`.
 */
function explain(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.filter((option) => option.length > 0).sort((a, b) => fit(b) - fit(a))[0];
      if (closest) return explain(closest, path);
    }
    return [{ ...issue, path } as Issue];
  });
}

/** `body.events[3].data.paidAt`: dots between names, brackets around indexes. */
function pathText(where: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), where);
}

function fieldErrors(where: string, error: z.core.$ZodError): FieldError[] {
  return explain(error.issues).map((issue) => ({
    path: pathText(where, issue.path),
    // Issues carry no input (zod's default): a missing field is the type check that received undefined.
    message: issue.code === 'invalid_type' && / received undefined$/.test(issue.message) ? 'required' : issue.message,
  }));
}

/** Strict: bytes that are not UTF-8 are refused, never replaced with U+FFFD; a BOM is kept (and is not JSON). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `application/json` (or `+json`) with no charset or charset utf-8: bodies are UTF-8 JSON only (api.md). */
export function isUtf8Json(contentType: string): boolean {
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  if (!/^application\/([\w.+-]+\+)?json$/i.test(mediaType)) return false;
  return parameters.every((parameter) => {
    const [name = '', value = ''] = parameter.split('=').map((part) => part.trim());
    return name.toLowerCase() !== 'charset' || /^"?utf-8"?$/i.test(value);
  });
}

function readBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) throw problems.payloadTooLarge(MAX_BODY_BYTES);
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
  if (!isUtf8Json(contentType)) throw problems.unsupportedMediaType();
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw problems.validation([{ path: 'body', message: 'Body is not valid UTF-8' }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw problems.validation([{ path: 'body', message: 'Body is not valid JSON' }]);
  }
}

/** Validates path, query and body against the route's schemas; later code sees typed input only. */
function validate<R extends RouteSpec>(route: R): MiddlewareObj<ApiEvent, ApiResult, Error, RouteContext<R>> {
  return {
    before: (request) => {
      const { event } = request;
      const errors: FieldError[] = [];
      const parse = (where: string, schema: z.ZodMiniType | undefined, value: unknown) => {
        if (!schema) {
          // A POST that takes no body accepts none or `{}` (clients that always send JSON send that).
          const empty = value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
          if (where === 'body' && !empty) errors.push({ path: 'body', message: 'This route takes no body; send none or {}' });
          return where === 'body' ? undefined : {};
        }
        const result = schema.safeParse(value);
        if (!result.success) errors.push(...fieldErrors(where, result.error));
        return result.data;
      };
      const params = parse('path', route.params, event.pathParameters ?? {});
      const query = parse('query', route.query, event.queryStringParameters ?? {});
      const body = parse('body', route.body, readBody(event));
      if (errors.length > 0) throw problems.validation(errors);
      request.context.input = { params, query, body } as ParsedInput<R>;
    },
  };
}

/**
 * Every response body passes through its route's response schema: what the contract does not
 * name (internal attributes) is dropped, and a body that breaks the contract is a bug caught
 * here (a 500 and an error log) rather than a surprise for a client.
 */
function conformToContract(route: RouteSpec, result: HttpResult): HttpResult {
  const schema = route.responses[result.status]?.schema;
  if (!schema || result.body === undefined) return result;
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) {
    logger.error('Response breaks the contract', { route: route.operationId, issues: parsed.error.issues });
    throw problems.internal();
  }
  return { ...result, body: parsed.data };
}

function toApiResult(result: HttpResult): ApiResult {
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...result.headers },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

type QueryInput = { params?: unknown; query?: Record<string, unknown> };
const bindingOf = (route: RouteSpec, principal: Principal | undefined, input: QueryInput) =>
  cursorBinding(principal, `${route.method} ${route.path}`, input.params, input.query);

/**
 * Lists: the `cursor` a client sends is a sealed one (shared/http/cursor.ts); the route's code
 * gets the store's cursor inside it, or the request ends here with 400 INVALID_CURSOR.
 */
async function withStoreCursor<I extends QueryInput>(route: RouteSpec, principal: Principal | undefined, input: I): Promise<I> {
  const cursor = input.query?.['cursor'];
  if (typeof cursor !== 'string') return input;
  return { ...input, query: { ...input.query, cursor: await openCursor(cursor, bindingOf(route, principal, input)) } };
}

/** …and the `nextCursor` it answers is sealed for this caller and query before it leaves. */
async function withSealedCursor(route: RouteSpec, principal: Principal | undefined, input: QueryInput, result: HttpResult): Promise<HttpResult> {
  const body = result.body as { nextCursor?: unknown } | undefined;
  if (!body || typeof body !== 'object' || typeof body.nextCursor !== 'string') return result;
  return { ...result, body: { ...body, nextCursor: await sealCursor(body.nextCursor, bindingOf(route, principal, input)) } };
}

/** A caller's own correlation id (`x-correlation-id`): kept only when it is a short plain token. */
export function callerCorrelationId(event: ApiEvent): string | undefined {
  const given = event.headers?.[CORRELATION_HEADER];
  return given && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(given) ? given : undefined;
}

/**
 * The middy stack every HTTP handler shares: the Lambda context on every log line (Powertools
 * `injectLambdaContext`), problem responses, authorisation from the verified token, schema
 * validation, the Idempotency-Key of a POST — then the route's own code, which only sees typed
 * input. All of it runs under the request's correlation id: the caller's `x-correlation-id`, or
 * else API Gateway's request id (shared/correlation.ts).
 */
export function httpHandler<R extends RouteSpec>(route: R, impl: (request: HttpRequest<R>) => Promise<HttpResult>) {
  const stack = middy<ApiEvent, ApiResult, Error, RouteContext<R>>()
    .use(injectLambdaContext(logger.powertools, { resetKeys: true }))
    .use(problemResponses())
    .use(authorize(route))
    .use(validate(route))
    .handler(
      idempotentHandler(
        route,
        async (event, context: RouteContext<R>) => {
          const input = await withStoreCursor(route, context.principal, context.input as ParsedInput<R>);
          const result = await impl({ ...input, principal: context.principal, event } as HttpRequest<R>);
          return toApiResult(conformToContract(route, await withSealedCursor(route, context.principal, input, result)));
        },
        (error) => problemResult(toHttpProblem(error)),
      ),
    );
  return (event: ApiEvent, context: Context): Promise<ApiResult> =>
    withCorrelationId(callerCorrelationId(event) ?? event.requestContext?.requestId, () => stack(event, context as RouteContext<R>));
}

/**
 * One Lambda serving several routes of the same action (e.g. list-policies by order and by
 * merchant): dispatches on the API Gateway route key, e.g. `GET /v1/orders/{orderId}/policies`.
 */
export function routeHandlers(byRoute: Record<string, (event: ApiEvent, context: Context) => Promise<ApiResult>>) {
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const handle = byRoute[event.routeKey];
    return handle ? handle(event, context) : problemResult(domainProblem(new NotFound(`Route ${event.routeKey}`)));
  };
}
