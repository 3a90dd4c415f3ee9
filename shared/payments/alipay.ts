/**
 * The `alipay` payment provider, through the official SDK (`alipay-sdk` 4.14.0, OpenAPI v3 `curl`),
 * in the public-key **certificate** mode fund transfers require (app private key, app public-key
 * certificate, Alipay public-key certificate, Alipay root certificate: every request carries
 * `app_cert_sn` and `alipay-root-cert-sn`, every answer is verified with the key of the Alipay
 * certificate its `alipay-sn` names) — or, for the sandbox, in plain public-key mode.
 *
 * - transfer: `POST /v3/alipay/fund/trans/uni/transfer` (alipay.fund.trans.uni.transfer), product
 *   TRANS_ACCOUNT_NO_PWD, scene DIRECT_TRANSFER, `out_biz_no` = the payout id — Alipay's own
 *   idempotency key, so a resend after an unknown outcome can never pay twice; the payee is the
 *   payout's Alipay identity (P4), `name` with a logon id;
 * - transfer query: `GET /v3/alipay/fund/trans/common/query` (alipay.fund.trans.common.query);
 * - collections (D4, deposit top-ups): `POST /v3/alipay/trade/precreate` (当面付, a QR code),
 *   `POST /v3/alipay/trade/query`, and the signed asynchronous notification verified by the SDK
 *   (`checkNotifySignV2`), acknowledged with `success`.
 *
 * Answers map to the port's outcomes: order status SUCCESS → confirmed; DEALING / INIT / WAIT_PAY →
 * processing; FAIL / CLOSED / REFUND → failed for good; a business refusal (HTTP 4xx) → failed,
 * for good when the payee or the request itself is wrong (PAYEE_NOT_EXIST …), otherwise retryable
 * (balance, limits); SYSTEM_ERROR, any 5xx, a timeout, an answer whose signature (or certificate
 * serial) does not verify → unknown. A failed *query* never means a failed transfer: it is unknown.
 *
 * The SDK is imported on first use (dynamic import): a bundle that never pays never loads it.
 * Credentials rotate without a deploy: the configuration (in AWS, the secret) is read again when
 * the copy in memory is older than `refreshMs`, and at once after an answer whose signature did
 * not verify or a request Alipay refused as badly signed.
 */
import type { AlipaySdk, AlipaySdkConfig } from 'alipay-sdk';
import {
  fenToYuan,
  type CollectionPort,
  type CollectionStatus,
  type Payee,
  type PaymentProvider,
  type QueryOutcome,
  type TransferOutcome,
  type TransferRequest,
} from './port.ts';

export const TRANSFER_PATH = '/v3/alipay/fund/trans/uni/transfer';
export const QUERY_PATH = '/v3/alipay/fund/trans/common/query';
export const PRECREATE_PATH = '/v3/alipay/trade/precreate';
export const TRADE_QUERY_PATH = '/v3/alipay/trade/query';
const PRODUCT_CODE = 'TRANS_ACCOUNT_NO_PWD';
const BIZ_SCENE = 'DIRECT_TRANSFER';
const DEFAULT_ENDPOINT = 'https://openapi.alipay.com';

// The configuration: its schema, bounds and checks (./alipay-config.ts), for importers of the adapter.
export * from './alipay-config.ts';
import { ALIPAY_MAX_CALL_MS, alipayConfigProblems, capped, DEFAULT_REFRESH_MS, isCertificateMode, MIN_RELOAD_MS, type AlipayConfig } from './alipay-config.ts';

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

/** Alipay's `payee_info` for a payee (P4). */
export function payeeInfo(payee: Payee) {
  return { identity: payee.identity, identity_type: payee.identityType, ...(payee.name ? { name: payee.name } : {}) };
}

/** The biz content of alipay.fund.trans.uni.transfer for a transfer request. */
export function transferBody(request: TransferRequest) {
  return {
    out_biz_no: request.outBizNo,
    trans_amount: fenToYuan(request.amountFen),
    product_code: PRODUCT_CODE,
    biz_scene: BIZ_SCENE,
    order_title: request.title,
    payee_info: payeeInfo(request.payee),
  };
}

/** "123.45" (Alipay's yuan) → 12345 fen, no floating point; undefined when it is not an amount. */
export function yuanToFen(yuan: unknown): number | undefined {
  const match = typeof yuan === 'string' ? /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuan) : null;
  if (!match) return undefined;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(fen) ? fen : undefined;
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

/** What the SDK's `AlipayRequestError` carries (read by shape: the class lives in the lazily loaded SDK). */
interface SdkError {
  code?: string;
  responseHttpStatus?: number;
  message: string;
}
const sdkError = (error: unknown): SdkError => (error instanceof Error ? (error as Error & SdkError) : { message: String(error) });

/** An answer that is not provably Alipay's (signature, certificate serial) or a refused signature of ours. */
const isSignatureProblem = ({ code }: SdkError) =>
  code === 'response-signature-verify-error' || code === 'response-alipay-sn-verify-error' || code === 'invalid-signature' || code === 'isv.invalid-signature';

/** An error of a transfer call → what it says about the money. */
function fromTransferError(error: unknown): TransferOutcome {
  const { code = '', responseHttpStatus: status, message } = sdkError(error);
  // No HTTP answer (timeout, connection), an answer that is not provably Alipay's, or a system error.
  if (status === undefined || code.startsWith('response-') || status >= 500 || status === 429 || code === 'SYSTEM_ERROR') {
    return { outcome: 'unknown', reason: `${code || 'no answer'}: ${message}` };
  }
  return { outcome: 'failed', code: code || `HTTP_${status}`, message, retryable: !PERMANENT_REFUSALS.has(code) };
}

type ConfigSource = () => Promise<AlipayConfig>;

interface Connected {
  sdk: AlipaySdk;
  config: AlipayConfig & { timeoutMs: number };
  loadedAt: number;
}

/** The SDK's constructor options for a configuration (the certificates as contents, not paths). */
export function sdkConfig(config: AlipayConfig & { timeoutMs: number }): AlipaySdkConfig {
  return {
    appId: config.appId,
    privateKey: config.privateKey,
    ...(config.keyType ? { keyType: config.keyType } : {}),
    endpoint: config.endpoint ?? DEFAULT_ENDPOINT,
    timeout: config.timeoutMs,
    ...(isCertificateMode(config)
      ? { appCertContent: config.appCert!, alipayPublicCertContent: config.alipayPublicCert!, alipayRootCertContent: config.alipayRootCert! }
      : { alipayPublicKey: config.alipayPublicKey! }),
  };
}

export interface AlipayProviderOptions {
  /** Read the configuration again when the copy in memory is older than this (ms). */
  refreshMs?: number;
  /** Milliseconds now (the real clock: this is about the process's memory, not business time). */
  now?: () => number;
}

/**
 * The Alipay adapter. `loadConfig` is called on first use (in AWS it reads the secret), again when
 * its copy is older than `refreshMs`, after it failed, and after a signature failure (rotation).
 */
export function alipayProvider(loadConfig: ConfigSource, options: AlipayProviderOptions = {}): PaymentProvider & { collections: CollectionPort } {
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  const now = options.now ?? Date.now;
  let connected: Promise<Connected> | undefined;

  const connect = async (): Promise<Connected> => {
    const current = connected;
    if (current) {
      const ready = await current.catch(() => undefined);
      if (ready && now() - ready.loadedAt < refreshMs) return ready;
      if (connected !== current) return connect();
    }
    const next = (async () => {
      const [{ AlipaySdk }, raw] = await Promise.all([import('alipay-sdk'), loadConfig()]);
      const config = capped(raw);
      const problems = alipayConfigProblems(config);
      if (problems.length > 0) throw new Error(`Alipay configuration lacks ${problems.join(', ')}`);
      return { sdk: new AlipaySdk(sdkConfig(config)), config, loadedAt: now() };
    })();
    connected = next;
    next.catch(() => {
      if (connected === next) connected = undefined;
    });
    return next;
  };

  /**
   * After a signature failure the credentials may have rotated: read them again next time — unless
   * this copy is fresher than a minute (forged notifications must not turn into secret reads).
   */
  const reloadSoon = async () => {
    const current = connected;
    const ready = await current?.catch(() => undefined);
    if (connected === current && (!ready || now() - ready.loadedAt >= MIN_RELOAD_MS)) connected = undefined;
  };
  const noteError = async (error: unknown) => {
    if (isSignatureProblem(sdkError(error))) await reloadSoon();
  };

  async function curl<T>(alipay: Connected, method: 'GET' | 'POST', path: string, args: { query?: Record<string, string>; body?: Record<string, unknown> }) {
    try {
      return (await alipay.sdk.curl<T>(method, path, { ...args, requestTimeout: alipay.config.timeoutMs })).data;
    } catch (error) {
      await noteError(error);
      throw error;
    }
  }

  const collections: CollectionPort = {
    acknowledgement: 'success',
    async create(request) {
      const alipay = await connect();
      const notifyUrl = alipay.config.notifyUrl ?? request.notifyUrl;
      const data = await curl<{ out_trade_no?: string; qr_code?: string }>(alipay, 'POST', PRECREATE_PATH, {
        body: {
          out_trade_no: request.outTradeNo,
          total_amount: fenToYuan(request.amountFen),
          subject: request.subject,
          // Alipay's `yyyy-MM-dd HH:mm:ss`, Beijing time.
          time_expire: new Date(Date.parse(request.expiresAt) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '),
          ...(notifyUrl ? { notify_url: notifyUrl } : {}),
        },
      });
      return { provider: 'alipay', paymentId: request.outTradeNo, ...(data.qr_code ? { qrCode: data.qr_code } : {}) };
    },
    async query(outTradeNo) {
      try {
        const alipay = await connect();
        const data = await curl<{ trade_status?: string; trade_no?: string; total_amount?: string; send_pay_date?: string }>(alipay, 'POST', TRADE_QUERY_PATH, {
          body: { out_trade_no: outTradeNo },
        });
        return tradeStatus(outTradeNo, data.trade_status, data.total_amount, data.trade_no, data.send_pay_date);
      } catch (error) {
        const { code, message } = sdkError(error);
        if (code === 'ACQ.TRADE_NOT_EXIST' || code === 'TRADE_NOT_EXIST') return { status: 'not-found', outTradeNo };
        return { status: 'unknown', outTradeNo, reason: `query failed: ${code ?? ''} ${message}` };
      }
    },
    async verifyNotification({ body }) {
      const alipay = await connect();
      const fields = Object.fromEntries(new URLSearchParams(body));
      // Values as received, already form-decoded: verified without a second decoding (V2).
      let verified = alipay.sdk.checkNotifySignV2(fields);
      if (!verified) {
        // Perhaps the credentials rotated since they were read: read them once more (at most once a minute).
        await reloadSoon();
        const again = await connect();
        if (again !== alipay) verified = again.sdk.checkNotifySignV2(fields);
      }
      if (!verified || fields['app_id'] !== alipay.config.appId || !fields['out_trade_no']) return null;
      return tradeStatus(fields['out_trade_no'], fields['trade_status'], fields['total_amount'], fields['trade_no'], fields['gmt_payment']);
    },
  };

  return {
    name: 'alipay',
    maxCallMs: ALIPAY_MAX_CALL_MS,
    async transfer(request, guard) {
      let alipay: Connected;
      try {
        alipay = await connect();
      } catch (error) {
        // Nothing was sent: the configuration (or its secret) could not be read.
        return { outcome: 'failed', code: 'PROVIDER_NOT_CONFIGURED', message: (error as Error).message, retryable: true };
      }
      // P3: the lease may have lapsed while the SDK or the secret loaded; then nothing leaves.
      if (guard && !guard.mayCall()) return { outcome: 'not-sent' };
      try {
        return fromOrder(await curl<OrderAnswer>(alipay, 'POST', TRANSFER_PATH, { body: transferBody(request) }));
      } catch (error) {
        return fromTransferError(error);
      }
    },
    async query(outBizNo): Promise<QueryOutcome> {
      try {
        const alipay = await connect();
        return fromOrder(
          await curl<OrderAnswer>(alipay, 'GET', QUERY_PATH, { query: { out_biz_no: outBizNo, product_code: PRODUCT_CODE, biz_scene: BIZ_SCENE } }),
        );
      } catch (error) {
        const { code, message } = sdkError(error);
        if (code === 'ORDER_NOT_EXIST') return { outcome: 'not-found' };
        return { outcome: 'unknown', reason: `query failed: ${code ?? ''} ${message}` };
      }
    },
    collections,
  };
}

/** A trade's status (query answer or notification) → the port's collection status. */
function tradeStatus(
  outTradeNo: string,
  status: string | undefined,
  totalAmount: string | undefined,
  tradeNo: string | undefined,
  paidAt: string | undefined,
): CollectionStatus {
  switch (status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED': {
      const amountFen = yuanToFen(totalAmount);
      if (amountFen === undefined || !tradeNo) return { status: 'unknown', outTradeNo, reason: 'paid trade without amount or trade number' };
      const at = beijingTime(paidAt);
      return { status: 'paid', outTradeNo, amountFen, providerRef: tradeNo, ...(at ? { paidAt: at } : {}) };
    }
    case 'WAIT_BUYER_PAY':
      return { status: 'pending', outTradeNo };
    case 'TRADE_CLOSED':
      return { status: 'closed', outTradeNo };
    default:
      return { status: 'unknown', outTradeNo, reason: `unexpected trade status ${JSON.stringify(status)}` };
  }
}
