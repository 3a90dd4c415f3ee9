import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#shared/http/handler.ts';
import { problemResult, toHttpProblem } from '#shared/http/handler.ts';
import { MAX_BODY_BYTES } from '#shared/http/handler.ts';
import { domainProblem, problems } from '#shared/http/problem.ts';
import { selectPaymentProvider } from '#shared/payments/provider.ts';
import { nowInstant } from '#shared/clock.ts';
import { receivePaymentNotification } from '#shared/use-cases/top-ups.ts';

const provider = selectPaymentProvider();

/**
 * POST /v1/payments/{provider}/notifications (public: the provider signs it, D4). Not the JSON
 * middy stack: the body is the provider's own format (Alipay: a signed form), read raw and handed
 * to the provider's verifier; the answer is what the provider expects (`success`) or a problem.
 */
export async function handler(event: ApiEvent, _context?: Context): Promise<ApiResult> {
  try {
    const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
    if (raw.byteLength > MAX_BODY_BYTES) return problemResult(problems.payloadTooLarge(MAX_BODY_BYTES));
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    const answer = await receivePaymentNotification(provider, event.pathParameters?.['provider'] ?? '', { headers, body: raw.toString('utf8') }, nowInstant());
    if ('refused' in answer) return problemResult(domainProblem(answer.refused));
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: answer.acknowledgement };
  } catch (error) {
    return problemResult(toHttpProblem(error));
  }
}
