/**
 * The `alipay` payment provider: Alipay OpenAPI v3 through the official SDK (`alipay-sdk` 4.x,
 * `AlipaySdk.curl`, which signs each request with the app's RSA2 key and verifies the signature of
 * each answer with Alipay's public key).
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
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import * as z from 'zod';
import { fenToYuan, type PaymentProvider, type QueryOutcome, type TransferOutcome, type TransferRequest } from './port.ts';

export const TRANSFER_PATH = '/v3/alipay/fund/trans/uni/transfer';
export const QUERY_PATH = '/v3/alipay/fund/trans/common/query';
const PRODUCT_CODE = 'TRANS_ACCOUNT_NO_PWD';
const BIZ_SCENE = 'DIRECT_TRANSFER';

/** What the adapter needs; in AWS the JSON of the payment secret, locally `ALIPAY_CONFIG`. */
export const AlipayConfigSchema = z.object({
  appId: z.string().min(1),
  /** The app's private key (PEM, or the bare base64 body the Alipay key tool prints). */
  privateKey: z.string().min(1),
  /** Alipay's public key, to verify every answer. */
  alipayPublicKey: z.string().min(1),
  /** The OpenAPI v3 endpoint; Alipay's production endpoint unless given (a stand-in in tests). */
  endpoint: z.url().optional(),
  keyType: z.enum(['PKCS1', 'PKCS8']).optional(),
  /** How long one call may take before its outcome counts as unknown. */
  timeoutMs: z.number().int().positive().optional(),
});
export type AlipayConfig = z.infer<typeof AlipayConfigSchema>;

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

type SdkSource = () => Promise<AlipayConfig>;

/**
 * The Alipay adapter. `loadConfig` is called once, on first use (in AWS it reads the secret), and
 * again only after it failed.
 */
export function alipayProvider(loadConfig: SdkSource): PaymentProvider {
  let sdk: Promise<AlipaySdk> | undefined;
  const client = () => {
    sdk ??= loadConfig().then(
      (config) =>
        new AlipaySdk({
          appId: config.appId,
          privateKey: config.privateKey,
          alipayPublicKey: config.alipayPublicKey,
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          ...(config.keyType ? { keyType: config.keyType } : {}),
          timeout: config.timeoutMs ?? 5_000,
        }),
    );
    sdk.catch(() => (sdk = undefined));
    return sdk;
  };

  return {
    name: 'alipay',
    async transfer(request) {
      let alipay: AlipaySdk;
      try {
        alipay = await client();
      } catch (error) {
        // Nothing was sent: the configuration (or its secret) could not be read.
        return { outcome: 'failed', code: 'PROVIDER_NOT_CONFIGURED', message: (error as Error).message, retryable: true };
      }
      try {
        const { data } = await alipay.curl<OrderAnswer>('POST', TRANSFER_PATH, { body: transferBody(request) });
        return fromOrder(data);
      } catch (error) {
        return fromTransferError(error);
      }
    },
    async query(outBizNo): Promise<QueryOutcome> {
      try {
        const alipay = await client();
        const { data } = await alipay.curl<OrderAnswer>('GET', QUERY_PATH, {
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
