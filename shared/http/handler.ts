import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '#shared/logger.ts';
import { principalOf, type Principal } from './auth.ts';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problems, type FieldError } from './problem.ts';
import type { ParsedInput, RouteSpec } from './route.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

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

type Mapper = (error: unknown) => HttpProblem | undefined;
const errorMappers: Mapper[] = [];

/**
 * Lets a package map its own typed errors to problems (the rules package registers its
 * RuleViolation). Mapping is by class, never by matching names or messages.
 */
export function registerErrorMapper(mapper: Mapper): void {
  errorMappers.push(mapper);
}

export function toHttpProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  for (const map of errorMappers) {
    const mapped = map(error);
    if (mapped) return mapped;
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
        throw problems.forbidden(`Role '${principal.role}' may not call ${route.method} ${route.path}.`);
      }
      request.context.principal = principal;
    },
  };
}

function fieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function readBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) throw problems.payloadTooLarge(MAX_BODY_BYTES);
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) throw problems.unsupportedMediaType();
  try {
    return JSON.parse(raw.toString('utf8'));
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
      const parse = (where: string, schema: z.ZodType | undefined, value: unknown) => {
        if (!schema) {
          if (where === 'body' && value !== undefined) errors.push({ path: 'body', message: 'This route takes no body' });
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

function toApiResult(result: HttpResult): ApiResult {
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...result.headers },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

/**
 * The middy stack every HTTP handler shares: problem responses, authorisation from the verified
 * token, schema validation — then the route's own code, which only sees typed input.
 */
export function httpHandler<R extends RouteSpec>(route: R, impl: (request: HttpRequest<R>) => Promise<HttpResult>) {
  return middy<ApiEvent, ApiResult, Error, RouteContext<R>>()
    .use(problemResponses())
    .use(authorize(route))
    .use(validate(route))
    .handler(async (event, context) => {
      const input = context.input as ParsedInput<R>;
      const result = await impl({ ...input, principal: context.principal, event } as HttpRequest<R>);
      return toApiResult(result);
    });
}
