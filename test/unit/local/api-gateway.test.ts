import { describe, expect, it } from 'vitest';
import { lambdaContext, toApiGatewayEvent } from '#shared/local/api-gateway.ts';
import { matchRoute, parseDuration } from '#shared/local/runtime.ts';
import { defineRoute } from '#shared/http/route.ts';

const route = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/evidence',
  operationId: 'x',
  summary: 'x',
  handler: 'add-evidence',
  roles: ['buyer'],
  responses: {},
});

describe('payload 2.0 event built by the local runtime', () => {
  const event = toApiGatewayEvent(
    {
      method: 'POST',
      url: '/v1/claims/clm_1/evidence?a=1&a=2&b=x%20y',
      headers: { Host: '127.0.0.1:3000', 'Content-Type': 'application/json', 'X-Multi': ['p', 'q'], Cookie: 'k=v; m=n' },
      body: Buffer.from('{"evidence":[]}'),
      sourceIp: '127.0.0.1',
      receivedAt: new Date('2026-11-21T02:15:00.123Z'),
    },
    route,
    { claimId: 'clm_1' },
    { sub: 'buyer-417', role: 'buyer' },
  );

  it('has the fields API Gateway sets, with its conventions', () => {
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/claims/{claimId}/evidence',
      rawPath: '/v1/claims/clm_1/evidence',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['k=v', 'm=n'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      pathParameters: { claimId: 'clm_1' },
      body: '{"evidence":[]}',
      isBase64Encoded: false,
    });
    expect(event.headers).toEqual({ host: '127.0.0.1:3000', 'content-type': 'application/json', 'x-multi': 'p,q' });
    expect(event.requestContext.authorizer.jwt.claims).toEqual({ sub: 'buyer-417', role: 'buyer' });
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/v1/claims/clm_1/evidence', sourceIp: '127.0.0.1' });
    expect(event.requestContext.time).toBe('21/Nov/2026:02:15:00 +0000');
    expect(event.requestContext.timeEpoch).toBe(Date.parse('2026-11-21T02:15:00.123Z'));
  });

  it('omits absent maps and base64-encodes binary bodies', () => {
    const bare = toApiGatewayEvent(
      {
        method: 'POST',
        url: '/x',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 255]),
        sourceIp: '::1',
        receivedAt: new Date(),
      },
      route,
      {},
      undefined,
    );
    expect(bare).not.toHaveProperty('queryStringParameters');
    expect(bare).not.toHaveProperty('pathParameters');
    expect(bare.requestContext).not.toHaveProperty('authorizer');
    expect(bare.isBase64Encoded).toBe(true);
    expect(Buffer.from(bare.body!, 'base64')).toEqual(Buffer.from([0, 255]));
  });

  it('matches routes by method and path template, decoding parameters', () => {
    const compiled = [{ route, pattern: /^\/v1\/claims\/([^/]+)\/evidence$/, names: ['claimId'] }];
    expect(matchRoute(compiled, 'POST', '/v1/claims/clm%5F1/evidence')).toEqual({ route, params: { claimId: 'clm_1' } });
    expect(matchRoute(compiled, 'GET', '/v1/claims/clm_1/evidence')).toBeUndefined();
  });

  it('gives handlers a context with a shrinking time budget', () => {
    const context = lambdaContext('baozhang-health', 1000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1000);
    expect(context.functionName).toBe('baozhang-health');
  });

  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1500', 1500],
    ['off', 0],
  ])('parses job interval %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('refuses a malformed interval', () => expect(() => parseDuration('soon')).toThrow(/Not a duration/));
});
