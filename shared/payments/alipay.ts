/**
 * The `alipay` payment provider: Alipay OpenAPI v3, spoken directly on `fetch` + `node:crypto`
 * (each request signed with the app's RSA2 key, the signature of each answer verified with Alipay's
 * public key) — the part of the protocol the official SDK (`alipay-sdk` 4.14.0, `AlipaySdk.curl`)
 * did for this adapter, reproduced from that SDK's source, without its HTTP client and its
 * dependencies (~1 MB in a Lambda bundle).
 *
 * - transfer: `POST /v3/alipay/fund/trans/uni/transfer` (alipay.fund.trans.uni.transfer), product
 *   TRANS_ACCOUNT_NO_PWD, scene DIRECT_TRANSFER, `out_biz_no` = the payout id — Alipay's own
 *   idempotency key, so a resend after an unknown outcome can never pay twice;
 * - query: `GET /v3/alipay/fund/trans/common/query` (alipay.fund.trans.common.query) by
 *   `out_biz_no`, for every outcome that is not known.
 *
 * Answers map to the port's outcomes: order status SUCCESS → confirmed; DEALING / INIT / WAIT_PAY →
 * processing; FAIL / CLOSED / REFUND → failed for good; a business refusal (HTTP 4xx) → failed,
 * for good when the payee or the request itself is wrong (PAYEE_NOT_EXIST …), otherwise retryable
 * (balance, limits); SYSTEM_ERROR, any 5xx, a timeout, an answer whose signature does not verify →
 * unknown. A failed *query* never means a failed transfer: it is unknown.
 */
import { createSign, createVerify, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { fenToYuan, type PaymentProvider, type QueryOutcome, type TransferOutcome, type TransferRequest } from './port.ts';

export const TRANSFER_PATH = '/v3/alipay/fund/trans/uni/transfer';
export const QUERY_PATH = '/v3/alipay/fund/trans/common/query';
const PRODUCT_CODE = 'TRANS_ACCOUNT_NO_PWD';
const BIZ_SCENE = 'DIRECT_TRANSFER';

/** What the adapter needs; in AWS the JSON of the payment secret, locally `ALIPAY_CONFIG`. */
export const AlipayConfigSchema = z.object({
  appId: z.string().check(z.minLength(1)),
  /** The app's private key (PEM, or the bare base64 body the Alipay key tool prints). */
  privateKey: z.string().check(z.minLength(1)),
  /** Alipay's public key, to verify every answer. */
  alipayPublicKey: z.string().check(z.minLength(1)),
  /** The OpenAPI v3 endpoint; Alipay's production endpoint unless given (a stand-in in tests). */
  endpoint: z.optional(z.url()),
  keyType: z.optional(z.enum(['PKCS1', 'PKCS8'])),
  /** How long one call may take before its outcome counts as unknown. */
  timeoutMs: z.optional(z.int().check(z.positive())),
});
export type AlipayConfig = z.infer<typeof AlipayConfigSchema>;

// ---------------------------------------------------------------------------------------------
// The OpenAPI v3 client: what `AlipaySdk` (alipay-sdk 4.14.0, src/alipay.ts and src/util.ts) did
// for `curl('GET' | 'POST', path, { query } | { body })` in public-key mode (no certificates, no
// app_auth_token, no content encryption), step for step. The opendocs links below are the ones
// alipay-sdk's source cites for each step.
// ---------------------------------------------------------------------------------------------

/** alipay-sdk's defaults: production endpoint, 5 s, and the user-agent it sends. */
const DEFAULT_ENDPOINT = 'https://openapi.alipay.com';
const DEFAULT_TIMEOUT_MS = 5_000;
const USER_AGENT = 'alipay-sdk-nodejs-4.0.0';

/**
 * A call that did not bring back a usable answer, as alipay-sdk's `AlipayRequestError`:
 * - an error answer (HTTP ≥ 400, body `{code, message, links}`, per "错误码" —
 *   https://opendocs.alipay.com/open-v3/054fcv): `code` and `responseHttpStatus` set;
 * - an answer whose signature does not verify: `code` = `response-signature-verify-error`;
 * - no answer at all (timeout, connection): neither set.
 */
class AlipayRequestError extends Error {
  readonly code: string | undefined;
  readonly responseHttpStatus: number | undefined;
  readonly traceId: string | undefined;
  constructor(message: string, options: { code?: string; responseHttpStatus?: number; traceId?: string; cause?: unknown } = {}) {
    super(options.traceId ? `${message} (traceId: ${options.traceId})` : message, { cause: options.cause });
    this.name = 'AlipayRequestError';
    this.code = options.code;
    this.responseHttpStatus = options.responseHttpStatus;
    this.traceId = options.traceId;
  }
}

/**
 * A key as PEM, exactly as alipay-sdk's `formatKey`: split into lines, trimmed, the first and last
 * lines dropped when they carry the label, the rest joined and wrapped in `-----BEGIN type-----`.
 * So the bare base64 body the Alipay key tool (支付宝开放平台密钥工具) prints becomes PEM; `type`
 * is `RSA PRIVATE KEY` (PKCS#1, the tool's default) or `PRIVATE KEY` (PKCS#8, `keyType: 'PKCS8'`)
 * for the app's key, `PUBLIC KEY` (SPKI) for Alipay's.
 */
function formatKey(key: string, type: string): string {
  const lines = key.split('\n').map((line) => line.trim());
  if (lines[0]!.includes(type)) lines.shift();
  if (lines[lines.length - 1]!.includes(type)) lines.pop();
  return `-----BEGIN ${type}-----\n${lines.join('')}\n-----END ${type}-----`;
}

interface Client {
  endpoint: string;
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  timeoutMs: number;
}

/** What `new AlipaySdk(config)` kept: keys formatted once; throws where the SDK's constructor threw. */
function client(config: AlipayConfig): Client {
  if (!config.appId) throw new Error('config.appId is required');
  if (!config.privateKey) throw new Error('config.privateKey is required');
  return {
    endpoint: config.endpoint ?? DEFAULT_ENDPOINT,
    appId: config.appId,
    privateKey: formatKey(config.privateKey, config.keyType === 'PKCS8' ? 'PRIVATE KEY' : 'RSA PRIVATE KEY'),
    alipayPublicKey: config.alipayPublicKey ? formatKey(config.alipayPublicKey, 'PUBLIC KEY') : '',
    timeoutMs: config.timeoutMs || DEFAULT_TIMEOUT_MS,
  };
}

/** urllib (the SDK's HTTP client) resent a request once when its socket failed under it. */
const SOCKET_ERRORS = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

/**
 * One HTTP exchange with the SDK's (urllib's) timeouts: at most `timeoutMs` until the answer's
 * headers, then at most `timeoutMs` more for its body; either one ends the call with no answer.
 * Redirects are not followed (the OpenAPI has none): a 3xx answer goes on to signature
 * verification, which it fails.
 */
async function exchange(url: string, init: RequestInit, timeoutMs: number, requestId: string) {
  for (let attempt = 0; ; attempt += 1) {
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), timeoutMs);
      // Decoded as urllib did (Buffer#toString: UTF-8, a BOM kept), not Response#text.
      const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (controller.signal.aborted) {
        throw new AlipayRequestError(`HttpClient Request error, Request timeout for ${timeoutMs} ms`, { cause: error, traceId: requestId });
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (attempt === 0 && SOCKET_ERRORS.has(cause?.code ?? '')) continue;
      throw new AlipayRequestError(`HttpClient Request error, ${cause?.message ?? (error as Error).message}`, { cause: error, traceId: requestId });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `AlipaySdk#curl(method, path, { query } | { body })`, JSON answers only
 * (调用方式 — https://opendocs.alipay.com/open-v3/054kaq):
 *
 * 1. the request, with an `alipay-request-id` (请求的唯一标识 — https://opendocs.alipay.com/open-v3/054oog);
 *    GET parameters in the query string, a POST's in a JSON body;
 * 2. its signature (签名 / 普通请求 — https://opendocs.alipay.com/open-v3/054q58):
 *    authString = `app_id=…,nonce=<uuid>,timestamp=<ms>`, signed content =
 *    `${authString}\n${METHOD}\n${path + query string}\n${body}\n`, SHA256withRSA with the app's
 *    private key, base64, sent as `authorization: ALIPAY-SHA256withRSA ${authString},sign=${sign}`;
 * 3. an answer with HTTP ≥ 400 is an error `{code, message}` (错误码 — https://opendocs.alipay.com/open-v3/054fcv),
 *    not verified, as the SDK did not;
 * 4. any other answer is believed only if `alipay-signature` verifies, with Alipay's public key,
 *    over `${alipay-timestamp}\n${alipay-nonce}\n${body}\n` (响应验签 — https://opendocs.alipay.com/open-v3/054d0z).
 */
async function curl<T>(
  alipay: Client,
  method: 'GET' | 'POST',
  path: string,
  options: { query?: Record<string, string>; body?: Record<string, unknown> },
): Promise<{ data: T; responseHttpStatus: number; traceId: string }> {
  if (!alipay.alipayPublicKey) throw new TypeError('config.alipayPublicKey is needed to verify the answers');
  let url = `${alipay.endpoint}${path}`;
  let httpRequestUrl = path;
  let httpRequestBody = '';
  const requestId = randomUUID().replaceAll('-', '');
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'alipay-request-id': requestId, accept: 'application/json' };
  if (options.query) {
    const urlObject = new URL(url);
    for (const key in options.query) urlObject.searchParams.set(key, String(options.query[key]));
    url = urlObject.toString();
    httpRequestUrl = `${urlObject.pathname}${urlObject.search}`;
  }
  if (method === 'POST') {
    httpRequestBody = options.body ? JSON.stringify(options.body) : '';
    headers['content-type'] = 'application/json';
  }
  const authString = `app_id=${alipay.appId},nonce=${randomUUID()},timestamp=${Date.now()}`;
  const signString = `${authString}\n${method}\n${httpRequestUrl}\n${httpRequestBody}\n`;
  const signature = createSign('RSA-SHA256').update(signString, 'utf-8').sign(alipay.privateKey, 'base64');
  headers['authorization'] = `ALIPAY-SHA256withRSA ${authString},sign=${signature}`;

  const response = await exchange(url, { method, headers, ...(method === 'POST' ? { body: httpRequestBody } : {}) }, alipay.timeoutMs, requestId);
  const traceId = response.headers.get('alipay-trace-id') ?? requestId;
  if (response.status >= 400) {
    // Not JSON → a SyntaxError, as with the SDK: not an Alipay answer, so unknown.
    const errorData = JSON.parse(response.text) as { code?: string; message?: string };
    throw new AlipayRequestError(String(errorData.message), { code: errorData.code, responseHttpStatus: response.status, traceId });
  }
  const timestamp = response.headers.get('alipay-timestamp');
  const nonce = response.headers.get('alipay-nonce');
  const expected = response.headers.get('alipay-signature');
  const verified =
    expected !== null &&
    createVerify('RSA-SHA256').update(`${timestamp}\n${nonce}\n${response.text}\n`, 'utf-8').verify(alipay.alipayPublicKey, expected, 'base64');
  if (!verified) {
    throw new AlipayRequestError('支付宝响应验签失败 (the answer’s signature does not verify with config.alipayPublicKey)', {
      code: 'response-signature-verify-error',
      responseHttpStatus: response.status,
      traceId,
    });
  }
  return { data: JSON.parse(response.text) as T, responseHttpStatus: response.status, traceId };
}

// ---------------------------------------------------------------------------------------------
// The adapter.
// ---------------------------------------------------------------------------------------------

/**
 * Refusals that a resend cannot cure: the payee is wrong or unknown, or the request itself is
 * (default list, from the error codes of alipay.fund.trans.uni.transfer). Any other business
 * refusal (PAYER_BALANCE_NOT_ENOUGH, EXCEED_LIMIT_…) is retried with backoff.
 */
export const PERMANENT_REFUSALS: ReadonlySet<string> = new Set([
  'PAYEE_NOT_EXIST',
  'PAYEE_USERINFO_ERROR',
  'PAYEE_USER_INFO_ERROR',
  'PAYEE_ACCOUNT_STATUS_ERROR',
  'PAYEE_ACC_OCUPIED',
  'PAYEE_CERT_INFO_ERROR',
  'PAYEE_NOT_RELNAME_CERTIFY',
  'PAYEE_TRUSTEESHIP_ACC_OVER_LIMIT',
  'PERMIT_CHECK_PERM_IDENTITY_THEFT',
  'PERMIT_NON_BANK_LIMIT_PAYEE',
  'PAYMENT_INFO_INCONSISTENCY',
  'INVALID_PARAMETER',
  'MISSING_REQUIRED_ARGUMENTS',
  'ILLEGAL_ARGUMENT',
]);

/** A 2088… number is an Alipay user id; anything else (account, e-mail, phone) a logon id. */
export function payeeIdentity(account: string): { identity: string; identity_type: 'ALIPAY_USER_ID' | 'ALIPAY_LOGON_ID' } {
  return { identity: account, identity_type: /^2088\d{12}$/.test(account) ? 'ALIPAY_USER_ID' : 'ALIPAY_LOGON_ID' };
}

/** The biz content of alipay.fund.trans.uni.transfer for a transfer request. */
export function transferBody(request: TransferRequest) {
  return {
    out_biz_no: request.outBizNo,
    trans_amount: fenToYuan(request.amountFen),
    product_code: PRODUCT_CODE,
    biz_scene: BIZ_SCENE,
    order_title: request.title,
    payee_info: { ...payeeIdentity(request.payeeAccount), ...(request.payeeName ? { name: request.payeeName } : {}) },
  };
}

interface OrderAnswer {
  out_biz_no?: string;
  order_id?: string;
  status?: string;
  trans_date?: string;
  pay_date?: string;
  error_code?: string;
  fail_reason?: string;
}

/** Alipay's `yyyy-MM-dd HH:mm:ss` (Beijing time) → ISO with +08:00. */
function beijingTime(text: string | undefined): string | undefined {
  return text && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text) ? `${text.replace(' ', 'T')}+08:00` : undefined;
}

function fromOrder(answer: OrderAnswer): TransferOutcome {
  const providerRef = answer.order_id ?? '';
  switch (answer.status) {
    case 'SUCCESS': {
      const providerPaidAt = beijingTime(answer.pay_date ?? answer.trans_date);
      return { outcome: 'confirmed', providerRef, ...(providerPaidAt ? { providerPaidAt } : {}) };
    }
    case 'DEALING':
    case 'INIT':
    case 'WAIT_PAY':
      return { outcome: 'processing', ...(providerRef ? { providerRef } : {}) };
    case 'FAIL':
    case 'CLOSED':
    case 'REFUND':
      // The order under this key has ended unpaid; the same key cannot be paid again.
      return { outcome: 'failed', code: answer.error_code ?? answer.status, message: answer.fail_reason ?? `order ${answer.status}`, retryable: false };
    default:
      return { outcome: 'unknown', reason: `unexpected order status ${JSON.stringify(answer.status)}` };
  }
}

/** An error of a transfer call → what it says about the money. */
function fromTransferError(error: unknown): TransferOutcome {
  if (!(error instanceof AlipayRequestError)) return { outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  const status = error.responseHttpStatus;
  const code = error.code ?? '';
  // No HTTP answer (timeout, connection), an answer that is not provably Alipay's, or a system error.
  if (status === undefined || code.startsWith('response-') || status >= 500 || status === 429 || code === 'SYSTEM_ERROR') {
    return { outcome: 'unknown', reason: `${code || 'no answer'}: ${error.message}` };
  }
  return { outcome: 'failed', code: code || `HTTP_${status}`, message: error.message, retryable: !PERMANENT_REFUSALS.has(code) };
}

type ConfigSource = () => Promise<AlipayConfig>;

/**
 * The Alipay adapter. `loadConfig` is called once, on first use (in AWS it reads the secret), and
 * again only after it failed.
 */
export function alipayProvider(loadConfig: ConfigSource): PaymentProvider {
  let configured: Promise<Client> | undefined;
  const connect = () => {
    configured ??= loadConfig().then(client);
    configured.catch(() => (configured = undefined));
    return configured;
  };

  return {
    name: 'alipay',
    async transfer(request) {
      let alipay: Client;
      try {
        alipay = await connect();
      } catch (error) {
        // Nothing was sent: the configuration (or its secret) could not be read.
        return { outcome: 'failed', code: 'PROVIDER_NOT_CONFIGURED', message: (error as Error).message, retryable: true };
      }
      try {
        const { data } = await curl<OrderAnswer>(alipay, 'POST', TRANSFER_PATH, { body: transferBody(request) });
        return fromOrder(data);
      } catch (error) {
        return fromTransferError(error);
      }
    },
    async query(outBizNo): Promise<QueryOutcome> {
      try {
        const alipay = await connect();
        const { data } = await curl<OrderAnswer>(alipay, 'GET', QUERY_PATH, {
          query: { out_biz_no: outBizNo, product_code: PRODUCT_CODE, biz_scene: BIZ_SCENE },
        });
        return fromOrder(data);
      } catch (error) {
        if (error instanceof AlipayRequestError && error.code === 'ORDER_NOT_EXIST') return { outcome: 'not-found' };
        return { outcome: 'unknown', reason: `query failed: ${(error as Error).message}` };
      }
    },
  };
}
