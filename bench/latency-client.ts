/**
 * The HTTP side of the latency section (bench/latency.ts): a client that calls the local runtime
 * the way a client of the API does — fetch over one keep-alive connection (Node's fetch keeps
 * connections alive by default), a bearer token signed by shared/local/tokens.ts — and a measuring
 * loop that times each request from before `fetch` to the last byte of its body, counting the
 * DynamoDB round trips the service made meanwhile with the Meter.
 */
import { performance } from 'node:perf_hooks';
import type { Role } from '#shared/http/auth.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Meter } from './meter.ts';
import { median, percentile } from './section.ts';

/**
 * Wall time during which at least one DynamoDB call is in flight on the client (the union of the
 * calls' intervals, whole SDK call: marshalling, signing, the HTTP exchange, unmarshalling). A
 * request's time minus this is what the service spends outside DynamoDB: HTTP, the runtime, its
 * own code.
 */
export class DynamoBusyTimer {
  private inFlight = 0;
  private since = 0;
  private busy = 0;

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next) => async (args) => {
        if (this.inFlight++ === 0) this.since = performance.now();
        try {
          return await next(args);
        } finally {
          if (--this.inFlight === 0) this.busy += performance.now() - this.since;
        }
      },
      { step: 'initialize', name: 'benchDynamoBusyTimer', override: true },
    );
  }

  reset(): void {
    this.busy = 0;
    if (this.inFlight > 0) this.since = performance.now();
  }

  /** Milliseconds with a call in flight since the last reset. */
  read(): number {
    return this.busy + (this.inFlight > 0 ? performance.now() - this.since : 0);
  }
}

export interface Caller {
  role: Role;
  sub: string;
}

export interface Request {
  as?: Caller;
  method: string;
  path: string;
  body?: unknown;
}

export interface Response {
  status: number;
  body: any;
  ms: number;
  roundTrips: number;
  /** DynamoDB calls (calls started together share a round trip). */
  calls: number;
  /** Of `ms`, the time with a DynamoDB call in flight. */
  dynamoBusyMs: number;
}

export interface Client {
  /** One request, timed, with the DynamoDB round trips it caused. */
  send(request: Request): Promise<Response>;
  /** A set-up request (not measured): throws unless it answers `expected`. */
  call(request: Request, expected: number): Promise<any>;
}

export function createClient(base: string, meter: Meter, busy: DynamoBusyTimer): Client {
  const tokens = new Map<string, string>();
  const token = async (caller: Caller) => {
    const key = `${caller.role}:${caller.sub}`;
    let value = tokens.get(key);
    if (!value) {
      value = await signToken(DEFAULT_JWT_SECRET, caller);
      tokens.set(key, value);
    }
    return value;
  };

  const send = async ({ as, method, path, body }: Request): Promise<Response> => {
    // Everything but the exchange itself is ready before the clock starts: token, headers, body.
    const headers: Record<string, string> = {};
    if (as) headers['authorization'] = `Bearer ${await token(as)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    const url = `${base}${path}`;
    meter.reset();
    busy.reset();
    const started = performance.now();
    const res = await fetch(url, init);
    const text = await res.text();
    const ms = performance.now() - started;
    const dynamoBusyMs = busy.read();
    const { roundTrips, calls } = meter.read();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, ms, roundTrips, calls: calls.length, dynamoBusyMs };
  };

  return {
    send,
    async call(request, expected) {
      const res = await send(request);
      if (res.status !== expected) {
        throw new Error(`Set-up ${request.method} ${request.path} → ${res.status} (expected ${expected}): ${JSON.stringify(res.body).slice(0, 500)}`);
      }
      return res.body;
    },
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export interface Figures {
  n: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

export function figures(sample: readonly number[]): Figures {
  return {
    n: sample.length,
    p50Ms: round(percentile(sample, 50)),
    p99Ms: round(percentile(sample, 99)),
    meanMs: round(sample.reduce((sum, x) => sum + x, 0) / Math.max(1, sample.length)),
    maxMs: round(sample.length ? Math.max(...sample) : Number.NaN),
  };
}

export interface RouteMeasurement extends Figures {
  route: string;
  method: string;
  path: string;
  /** What each measured request did. */
  request: string;
  expectedStatus: number;
  /** Measured requests that did not answer the expected status (left out of the figures). */
  errors: number;
  /** Warm-up requests that did not answer the expected status. */
  warmupErrors: number;
  errorSample?: { status: number; body: string };
  /** The sequential DynamoDB round trips of one request (median over the measured requests). */
  roundTrips: number;
  roundTripsMax: number;
  /** DynamoDB calls of one request (median): more than roundTrips when calls run in parallel. */
  calls: number;
  /** Per request, the time with a DynamoDB call in flight (median), and the rest (median of ms − that). */
  inDynamoP50Ms: number;
  outsideDynamoP50Ms: number;
  outsideDynamoP99Ms: number;
  /** DynamoDB Local's GetItem round trip, probed once before each measured request of this route. */
  dynamoP50Ms: number;
  dynamoP99Ms: number;
  dynamoSample: readonly number[];
  /** For lists: the items in the last measured response. */
  itemsReturned?: number;
}

export interface MeasureOptions {
  route: RouteSpec;
  expectedStatus: number;
  /** What each request does, for the report. */
  request: string;
  warmup: number;
  n: number;
  /**
   * How many requests there are targets for (state-changing routes take a fresh target each);
   * fewer than warmup + n shortens the measured part and is reported through `n`.
   */
  available?: number;
  make: (i: number) => Request | Promise<Request>;
  /** Untimed work before request i (e.g. making the one due item a job run will process). */
  before?: (i: number) => Promise<void>;
  /**
   * Times one DynamoDB round trip of its own (a GetItem); run right before each measured request,
   * so the route's figures and DynamoDB's come from the same moments of a shared machine.
   */
  probe: () => Promise<number>;
  /** Sees every successful response (warm-up included), e.g. to collect the ids it created. */
  after?: (body: any, i: number) => void;
}

/**
 * Sends warmup + n requests one after another (fewer when `available` says so). Only the n after
 * the warm-up are measured; responses other than `expectedStatus` are counted as errors.
 */
export async function measureRoute(client: Client, options: MeasureOptions): Promise<RouteMeasurement> {
  const { route, warmup } = options;
  const total = Math.min(warmup + options.n, options.available ?? Number.POSITIVE_INFINITY);
  const times: number[] = [];
  const trips: number[] = [];
  const callCounts: number[] = [];
  const inDynamo: number[] = [];
  const outside: number[] = [];
  const probes: number[] = [];
  let errors = 0;
  let warmupErrors = 0;
  let errorSample: RouteMeasurement['errorSample'];
  let lastBody: any;
  for (let i = 0; i < total; i++) {
    await options.before?.(i);
    const measured = i >= warmup;
    const request = await options.make(i);
    if (measured) probes.push(await options.probe());
    const res = await client.send(request);
    if (res.status !== options.expectedStatus) {
      if (measured) errors += 1;
      else warmupErrors += 1;
      errorSample ??= { status: res.status, body: JSON.stringify(res.body).slice(0, 400) };
      continue;
    }
    options.after?.(res.body, i);
    if (!measured) continue;
    times.push(res.ms);
    trips.push(res.roundTrips);
    callCounts.push(res.calls);
    inDynamo.push(res.dynamoBusyMs);
    outside.push(res.ms - res.dynamoBusyMs);
    lastBody = res.body;
  }
  const items = Array.isArray(lastBody?.items) ? { itemsReturned: lastBody.items.length as number } : {};
  return {
    route: route.operationId,
    method: route.method,
    path: route.path,
    request: options.request,
    expectedStatus: options.expectedStatus,
    ...figures(times),
    errors,
    warmupErrors,
    ...(errorSample ? { errorSample } : {}),
    roundTrips: trips.length ? median(trips) : Number.NaN,
    roundTripsMax: trips.length ? Math.max(...trips) : Number.NaN,
    calls: callCounts.length ? median(callCounts) : Number.NaN,
    inDynamoP50Ms: round(percentile(inDynamo, 50)),
    outsideDynamoP50Ms: round(percentile(outside, 50)),
    outsideDynamoP99Ms: round(percentile(outside, 99)),
    dynamoP50Ms: round(percentile(probes, 50)),
    dynamoP99Ms: round(percentile(probes, 99)),
    dynamoSample: probes,
    ...items,
  };
}
