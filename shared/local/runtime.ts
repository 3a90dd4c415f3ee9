import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { corsHeaders, preflightHeaders } from '#shared/http/cors.ts';
import { domainProblem, HttpProblem, PROBLEM_CONTENT_TYPE, problems } from '#shared/http/problem.ts';
import { readDuration } from '#shared/duration.ts';
import { NotFound } from '#shared/rules/errors.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { localScheduledEvent, type JobSpec, type ScheduledJobEvent } from '#shared/jobs/scheduled-event.ts';
import { lambdaContext, toApiGatewayEvent, type ApiHandler } from './api-gateway.ts';
import { readLimited } from './read-body.ts';
import { checkToken } from './tokens.ts';

/**
 * The local runtime behind `npm start`: an HTTP server that does what API Gateway does in AWS —
 * match the route, verify the bearer token, build the payload-2.0 event — and then calls the same
 * handler module the Lambda runs. It also fires the scheduled jobs on timers with the Scheduler's
 * event shape. It implements no route itself, and knows no handler: the caller passes the route
 * list, the job list and how to load a handler folder (functions/load-handler.ts).
 */
export type HandlerModule = { handler: (event: never, context: Context) => Promise<unknown> };
export type LoadHandler = (folder: string) => Promise<HandlerModule>;

/** API Gateway HTTP APIs refuse payloads over 10 MB before any Lambda runs. */
const GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;
/** API Gateway's integration timeout. */
const GATEWAY_TIMEOUT_MS = 29_000;

interface CompiledRoute {
  route: RouteSpec;
  pattern: RegExp;
  names: string[];
}

function compile(routes: readonly RouteSpec[]): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]!);
        return '([^/]+)';
      })
      .join('/');
    return { route, pattern: new RegExp(`^${source}$`), names };
  });
}

/** The methods a path is served with (for 405's `Allow` and CORS preflights); empty for an unknown path. */
export function methodsOf(compiled: CompiledRoute[], path: string): string[] {
  return [...new Set(compiled.filter((candidate) => candidate.pattern.test(path)).map((candidate) => candidate.route.method))];
}

/** A path parameter, percent-decoded; encoding that is not UTF-8 (`%ff%fe`) is the caller's error: 400. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw problems.validation([{ path: `path.${name}`, message: 'Not a valid percent-encoded UTF-8 path segment' }]);
  }
}

export function matchRoute(compiled: CompiledRoute[], method: string, path: string) {
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    candidate.names.forEach((name, i) => (params[name] = decodePathSegment(name, match[i + 1]!)));
    return { route: candidate.route, params };
  }
  return undefined;
}

function sendProblem(res: ServerResponse, problem: HttpProblem, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(problem.status, { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.extra.headers, ...extraHeaders });
  res.end(JSON.stringify(problem.toProblem()));
}

export interface LocalRuntimeOptions {
  routes: readonly RouteSpec[];
  jwtSecret: string;
  /** The handler module of a route's or job's folder (functions/load-handler.ts for the real ones). */
  loadHandler: LoadHandler;
  jobs?: readonly JobSpec[];
  /** Milliseconds between runs per job; jobs without an entry do not run on a timer. */
  jobIntervals?: Partial<Record<string, number>>;
  onJobResult?: (job: string, outcome: { result?: unknown; error?: unknown }) => void;
  /** Origins allowed by CORS (`*` for any); none by default, like the deployed API. */
  corsOrigins?: readonly string[];
  /**
   * Pages outside the API (the local payment provider's page, shared/local/pay-page.ts): asked
   * first, they answer true when they served the request.
   */
  pages?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface LocalRuntime {
  server: Server;
  /** Invokes a scheduled job's handler now, exactly as a timer tick would. */
  runJob(job: JobSpec, at?: Date): Promise<unknown>;
  close(): Promise<void>;
}

export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const compiled = compile(options.routes);
  const load = options.loadHandler;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.pages && (await options.pages(req, res, url))) return;
    const method = req.method ?? 'GET';
    const origin = req.headers.origin;
    const cors = corsHeaders(options.corsOrigins ?? [], origin);
    const matched = matchRoute(compiled, method, url.pathname);
    if (!matched) {
      // What API Gateway does with its corsPreflight set: answer the preflight of a known path.
      const allow = methodsOf(compiled, url.pathname);
      if (allow.length === 0) return sendProblem(res, domainProblem(new NotFound(`Route ${method} ${url.pathname}`)), cors);
      if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.writeHead(204, preflightHeaders(options.corsOrigins ?? [], origin, allow));
        return void res.end();
      }
      return sendProblem(res, problems.methodNotAllowed(method, url.pathname, allow), cors);
    }

    const body = await readLimited(req, GATEWAY_PAYLOAD_LIMIT);
    if (!body) return sendProblem(res, problems.payloadTooLarge(GATEWAY_PAYLOAD_LIMIT), cors);

    let claims: Record<string, string> | undefined;
    if (matched.route.roles !== 'public') {
      const header = req.headers.authorization ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) {
        const detail = header ? 'The Authorization header must be: Bearer <JWT>.' : 'No bearer token: send Authorization: Bearer <JWT>.';
        return sendProblem(res, problems.unauthenticated(detail, header !== ''), cors);
      }
      const check = await checkToken(options.jwtSecret, token);
      if (!check.ok) return sendProblem(res, problems.unauthenticated(check.fault), cors);
      claims = check.claims;
    }

    const event = toApiGatewayEvent(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', receivedAt },
      matched.route,
      matched.params,
      claims,
    );
    const module = await load(matched.route.handler);
    const result = await (module.handler as ApiHandler)(event, lambdaContext(`baozhang-${matched.route.handler}`, GATEWAY_TIMEOUT_MS));
    const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>), ...cors };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpProblem && error.status < 500 && !res.headersSent) return sendProblem(res, error);
      // A handler that throws past its own error middleware is a bug; answer like API Gateway would.
      console.error('Local runtime: handler failed', error);
      if (!res.headersSent) sendProblem(res, problems.internal());
      else res.end();
    });
  });

  const running = new Set<string>();
  async function runJob(job: JobSpec, at = new Date()): Promise<unknown> {
    const module = await load(job.handler);
    const event: ScheduledJobEvent = localScheduledEvent(job.job, at, randomUUID());
    return module.handler(event as never, lambdaContext(`baozhang-${job.handler}`, 15 * 60_000));
  }

  const timers = (options.jobs ?? []).flatMap((job) => {
    const every = options.jobIntervals?.[job.job];
    if (!every) return [];
    return [
      setInterval(() => {
        if (running.has(job.job)) return; // never overlap a slow run with the next tick
        running.add(job.job);
        runJob(job)
          .then((result) => options.onJobResult?.(job.job, { result }))
          .catch((error: unknown) => options.onJobResult?.(job.job, { error }))
          .finally(() => running.delete(job.job));
      }, every),
    ];
  });

  return {
    server,
    runJob,
    close: () =>
      new Promise<void>((done) => {
        timers.forEach(clearInterval);
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** `30s`, `5m`, `1h`, `250ms` or a bare number of milliseconds; `0`/`off` disables. */
export function parseDuration(text: string): number {
  if (text.trim().toLowerCase() === 'off') return 0;
  const duration = readDuration(text);
  if (!duration) throw new Error(`Not a duration: '${text}' (use e.g. 30s, 5m, 1h)`);
  return duration.ms;
}
