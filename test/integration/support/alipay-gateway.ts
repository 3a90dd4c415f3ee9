/**
 * A local stand-in of the Alipay OpenAPI v3 gateway (node:http on 127.0.0.1, a random port), for
 * the calls Baozhang makes: alipay.fund.trans.uni.transfer, alipay.fund.trans.common.query, and —
 * for deposit top-ups — alipay.trade.precreate, alipay.trade.query and the signed asynchronous
 * notification (`notificationFor`). Never the internet.
 *
 * Certificate mode, as Alipay: test certificates are made at start (./alipay-certs.ts); a request
 * whose authorization carries `app_cert_sn` must name the app certificate's SN and send
 * `alipay-root-cert-sn` with the root's, and its answer carries `alipay-sn` (the Alipay
 * certificate's SN) and is signed with that certificate's key. A transfer in plain public-key mode
 * is refused (fund transfers require certificates) unless `publicKeyTransfers` is set.
 *
 * Like the real gateway it verifies every request's `Authorization: ALIPAY-SHA256withRSA …`
 * signature with the app's public key (401 otherwise), signs every answer with "Alipay's" private
 * key (`alipay-timestamp`, `alipay-nonce`, `alipay-signature` headers), answers errors as
 * `{code, message}` with a 4xx/5xx status, and keeps one transfer per `out_biz_no`: a repeated
 * transfer returns the same order. Tests can queue misbehaviour for the next transfers and queries.
 */
import { createPublicKey, createSign, createVerify, randomUUID } from 'node:crypto';
import { makeAlipayCertificates, type AlipayCertificates } from './alipay-certs.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayOrder {
  outBizNo: string;
  orderId: string;
  payFundOrderId: string;
  transAmount: string;
  payee: { identity: string; identity_type: string; name?: string };
  status: 'SUCCESS' | 'DEALING' | 'FAIL';
  transDate: string;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string, exactly as signed. */
  url: string;
  authorization: string;
  rawBody: string;
  body: Record<string, unknown> | undefined;
  signatureValid: boolean;
  /** How the request was signed: with the app certificate's SN, or in plain public-key mode. */
  mode: 'certificate' | 'public-key';
}

export interface GatewayTrade {
  outTradeNo: string;
  tradeNo: string;
  totalAmount: string;
  subject: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  paidAt?: string;
}

/**
 * How the gateway answers the next transfer:
 * - `system-error`: 500 SYSTEM_ERROR, nothing transferred;
 * - `commit-then-system-error`: the transfer is made, then 500 SYSTEM_ERROR (the caller cannot know);
 * - `timeout`: the transfer is made, the answer comes only after `hangMs` (past the client's timeout);
 * - `processing`: the order is created DEALING (`complete()` finishes it);
 * - `balance`: 400 PAYER_BALANCE_NOT_ENOUGH, nothing transferred;
 * - `forged`: the transfer is made, the answer's signature does not verify.
 */
export type TransferMode = 'system-error' | 'commit-then-system-error' | 'timeout' | 'processing' | 'balance' | 'forged' | 'wrong-cert-sn';
export type QueryMode = 'system-error' | 'forged';

export interface AlipayGateway {
  endpoint: string;
  appId: string;
  /** The app's key pair: the adapter signs with the private key, the gateway verifies with the public. */
  appPrivateKey: string;
  /** Alipay's public key, for the adapter to verify answers (public-key mode). */
  alipayPublicKey: string;
  /** The test certificates (certificate mode) and their SNs. */
  certificates: AlipayCertificates;
  trades: Map<string, GatewayTrade>;
  /** The buyer pays a precreated trade (TRADE_SUCCESS). */
  pay(outTradeNo: string): void;
  /** The notification Alipay would post for the trade (form-encoded, signed); `forged` alters it after signing. */
  notificationFor(outTradeNo: string, options?: { forged?: boolean; appId?: string }): string;
  requests: RecordedRequest[];
  orders: Map<string, GatewayOrder>;
  /** Transfers actually made (orders created), whatever was answered. */
  transfersMade(): number;
  answerNextTransfers(...modes: TransferMode[]): void;
  answerNextQueries(...modes: QueryMode[]): void;
  unknownPayees: Set<string>;
  /** A DEALING order completes. */
  complete(outBizNo: string): void;
  close(): Promise<void>;
}

const TRANSFER_PATH = '/v3/alipay/fund/trans/uni/transfer';
const QUERY_PATH = '/v3/alipay/fund/trans/common/query';
const PRECREATE_PATH = '/v3/alipay/trade/precreate';
const TRADE_QUERY_PATH = '/v3/alipay/trade/query';

/** `2026-11-23 10:00:00`, Beijing time, the way Alipay writes instants. */
function beijingNow(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export async function startAlipayGateway(options: { hangMs?: number; publicKeyTransfers?: boolean } = {}): Promise<AlipayGateway> {
  const appId = '2021000000000001';
  const certificates = makeAlipayCertificates(appId);
  const app = {
    privateKey: certificates.appPrivateKey,
    publicKey: createPublicKey(certificates.appPrivateKey).export({ type: 'spki', format: 'pem' }) as string,
  };
  const alipay = {
    privateKey: certificates.alipayPrivateKey,
    publicKey: createPublicKey(certificates.alipayPrivateKey).export({ type: 'spki', format: 'pem' }) as string,
  };
  const trades = new Map<string, GatewayTrade>();
  const hangMs = options.hangMs ?? 2_000;
  const requests: RecordedRequest[] = [];
  const orders = new Map<string, GatewayOrder>();
  const transferModes: TransferMode[] = [];
  const queryModes: QueryMode[] = [];
  const unknownPayees = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let made = 0;
  let sequence = 0;

  /**
   * The v3 request signature: `${authString}\n${method}\n${url}\n${body}\n`, RSA-SHA256, app key;
   * in certificate mode the authString's `app_cert_sn` and the `alipay-root-cert-sn` header must
   * name the app and root certificates.
   */
  function verifyRequest(method: string, url: string, authorization: string, rawBody: string, rootSn: string | undefined): boolean {
    const match = /^ALIPAY-SHA256withRSA (.+),sign=(\S+)$/.exec(authorization);
    if (!match) return false;
    const [, authString, signature] = match as unknown as [string, string, string];
    const fields = Object.fromEntries(authString.split(',').map((pair) => pair.split('=') as [string, string]));
    if (fields['app_id'] !== appId || !fields['nonce']) return false;
    if (fields['app_cert_sn'] !== undefined && (fields['app_cert_sn'] !== certificates.appCertSn || rootSn !== certificates.alipayRootCertSn)) return false;
    if (Math.abs(Date.now() - Number(fields['timestamp'])) > 5 * 60_000) return false;
    return createVerify('RSA-SHA256').update(`${authString}\n${method}\n${url}\n${rawBody}\n`, 'utf8').verify(app.publicKey, signature, 'base64');
  }

  /** The mode of the request being answered (answers in certificate mode name the Alipay cert). */
  const modeOf = new WeakMap<ServerResponse, RecordedRequest['mode']>();

  function answer(res: ServerResponse, status: number, body: unknown, forged: false | 'signature' | 'cert-sn' = false) {
    const text = JSON.stringify(body);
    const timestamp = String(Date.now());
    const nonce = randomUUID();
    const signed = forged === 'signature' ? `${text} ` : text;
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${signed}\n`, 'utf8').sign(alipay.privateKey, 'base64');
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'alipay-trace-id': randomUUID().replaceAll('-', ''),
      'alipay-timestamp': timestamp,
      'alipay-nonce': nonce,
      'alipay-signature': signature,
      ...(modeOf.get(res) === 'certificate' ? { 'alipay-sn': forged === 'cert-sn' ? '0'.repeat(32) : certificates.alipayCertSn } : {}),
    });
    res.end(text);
  }

  const fail = (res: ServerResponse, status: number, code: string, message: string) => answer(res, status, { code, message });

  function orderView(order: GatewayOrder) {
    return {
      out_biz_no: order.outBizNo,
      order_id: order.orderId,
      pay_fund_order_id: order.payFundOrderId,
      status: order.status,
      trans_date: order.transDate,
    };
  }

  function transfer(body: Record<string, unknown>, res: ServerResponse) {
    const payee = body['payee_info'] as GatewayOrder['payee'] | undefined;
    const amount = body['trans_amount'];
    const outBizNo = body['out_biz_no'];
    if (
      typeof outBizNo !== 'string' ||
      !outBizNo ||
      typeof amount !== 'string' ||
      !/^\d+\.\d{2}$/.test(amount) ||
      body['product_code'] !== 'TRANS_ACCOUNT_NO_PWD' ||
      body['biz_scene'] !== 'DIRECT_TRANSFER' ||
      typeof body['order_title'] !== 'string' ||
      !payee?.identity ||
      !['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID'].includes(payee.identity_type)
    ) {
      return fail(res, 400, 'INVALID_PARAMETER', '参数有误');
    }
    const existing = orders.get(outBizNo);
    if (existing) {
      // Idempotent on out_biz_no: the same request gets the same order, never a second transfer.
      if (existing.transAmount !== amount || existing.payee.identity !== payee.identity) {
        return fail(res, 400, 'PAYMENT_INFO_INCONSISTENCY', '两次请求商户单号一样，但是参数不一致');
      }
      return answer(res, 200, orderView(existing));
    }
    if (unknownPayees.has(payee.identity)) return fail(res, 400, 'PAYEE_NOT_EXIST', '收款账号不存在');
    const mode = transferModes.shift();
    if (mode === 'system-error') return fail(res, 500, 'SYSTEM_ERROR', '系统繁忙');
    if (mode === 'balance') return fail(res, 400, 'PAYER_BALANCE_NOT_ENOUGH', '付款方余额不足');
    sequence += 1;
    const order: GatewayOrder = {
      outBizNo,
      orderId: `20261123110070000006${String(sequence).padStart(12, '0')}`,
      payFundOrderId: `20261123110070001506${String(sequence).padStart(12, '0')}`,
      transAmount: amount,
      payee,
      status: mode === 'processing' ? 'DEALING' : 'SUCCESS',
      transDate: beijingNow(),
    };
    orders.set(outBizNo, order);
    made += 1;
    if (mode === 'commit-then-system-error') return fail(res, 500, 'SYSTEM_ERROR', '系统繁忙');
    if (mode === 'timeout') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer(res, 200, orderView(order));
      }, hangMs);
      timers.add(timer);
      return;
    }
    return answer(res, 200, orderView(order), mode === 'forged' ? 'signature' : mode === 'wrong-cert-sn' ? 'cert-sn' : false);
  }

  function query(params: URLSearchParams, res: ServerResponse) {
    const mode = queryModes.shift();
    if (mode === 'system-error') return fail(res, 500, 'SYSTEM_ERROR', '系统繁忙');
    const order = orders.get(params.get('out_biz_no') ?? '');
    if (mode === 'forged') return answer(res, 200, { out_biz_no: params.get('out_biz_no'), order_id: 'forged', status: 'SUCCESS' }, 'signature');
    if (!order) return fail(res, 400, 'ORDER_NOT_EXIST', '转账订单不存在');
    return answer(res, 200, {
      ...orderView(order),
      trans_amount: order.transAmount,
      pay_date: order.status === 'SUCCESS' ? order.transDate : undefined,
      order_fee: '0.00',
    });
  }

  function precreate(body: Record<string, unknown>, res: ServerResponse) {
    const { out_trade_no: outTradeNo, total_amount: totalAmount, subject } = body as Record<string, string | undefined>;
    if (!outTradeNo || !totalAmount || !/^\d+\.\d{2}$/.test(totalAmount) || !subject) return fail(res, 400, 'INVALID_PARAMETER', '参数有误');
    const existing = trades.get(outTradeNo);
    if (existing && existing.totalAmount !== totalAmount) return fail(res, 400, 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
    if (!existing) {
      sequence += 1;
      trades.set(outTradeNo, {
        outTradeNo,
        tradeNo: `2026112322001400000${String(sequence).padStart(12, '0')}`,
        totalAmount,
        subject,
        status: 'WAIT_BUYER_PAY',
      });
    }
    return answer(res, 200, { out_trade_no: outTradeNo, qr_code: `https://qr.alipay.com/bax0${outTradeNo}` });
  }

  function tradeQuery(body: Record<string, unknown>, res: ServerResponse) {
    const trade = trades.get(String(body['out_trade_no'] ?? ''));
    if (!trade) return fail(res, 400, 'ACQ.TRADE_NOT_EXIST', '交易不存在');
    return answer(res, 200, {
      out_trade_no: trade.outTradeNo,
      trade_no: trade.tradeNo,
      trade_status: trade.status,
      total_amount: trade.totalAmount,
      ...(trade.paidAt ? { send_pay_date: trade.paidAt } : {}),
    });
  }

  /** As Alipay signs a notification: every field but sign and sign_type, sorted, `k=v` joined by `&`. */
  function notificationFor(outTradeNo: string, { forged = false, appId: forApp = appId }: { forged?: boolean; appId?: string } = {}): string {
    const trade = trades.get(outTradeNo);
    if (!trade) throw new Error(`no trade ${outTradeNo}`);
    const fields: Record<string, string> = {
      notify_time: beijingNow(),
      notify_type: 'trade_status_sync',
      notify_id: randomUUID().replaceAll('-', ''),
      app_id: forApp,
      charset: 'utf-8',
      version: '1.0',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      trade_status: trade.status,
      total_amount: trade.totalAmount,
      subject: trade.subject,
      ...(trade.paidAt ? { gmt_payment: trade.paidAt } : {}),
    };
    const content = Object.keys(fields)
      .sort()
      .map((key) => `${key}=${fields[key]}`)
      .join('&');
    const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(alipay.privateKey, 'base64');
    const signed: Record<string, string> = { ...fields, sign_type: 'RSA2', sign };
    if (forged) signed['total_amount'] = '999999.00';
    return new URLSearchParams(signed).toString();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const authorization = String(req.headers.authorization ?? '');
    const rootSn = req.headers['alipay-root-cert-sn'] as string | undefined;
    const signatureValid = verifyRequest(method, url, authorization, rawBody, rootSn);
    const requestMode = authorization.includes(',app_cert_sn=') ? 'certificate' : 'public-key';
    modeOf.set(res, requestMode);
    let body: Record<string, unknown> | undefined;
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    requests.push({ method, url, authorization, rawBody, body, signatureValid, mode: requestMode });
    if (!signatureValid) return fail(res, 401, 'invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配');
    const { pathname, searchParams } = new URL(url, 'http://gateway');
    if (method === 'POST' && pathname === TRANSFER_PATH) {
      if (requestMode !== 'certificate' && !options.publicKeyTransfers) return fail(res, 403, 'isv.insufficient-isv-permissions', '单笔转账须使用公钥证书模式');
      return transfer(body ?? {}, res);
    }
    if (method === 'GET' && pathname === QUERY_PATH) return query(searchParams, res);
    if (method === 'POST' && pathname === PRECREATE_PATH) return precreate(body ?? {}, res);
    if (method === 'POST' && pathname === TRADE_QUERY_PATH) return tradeQuery(body ?? {}, res);
    return fail(res, 404, 'NOT_FOUND', `No API ${method} ${pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => fail(res, 500, 'SYSTEM_ERROR', 'stand-in failed'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    appId,
    appPrivateKey: app.privateKey,
    alipayPublicKey: alipay.publicKey,
    certificates,
    trades,
    pay: (outTradeNo) => {
      const trade = trades.get(outTradeNo);
      if (trade) Object.assign(trade, { status: 'TRADE_SUCCESS', paidAt: beijingNow() });
    },
    notificationFor,
    requests,
    orders,
    transfersMade: () => made,
    answerNextTransfers: (...modes) => transferModes.push(...modes),
    answerNextQueries: (...modes) => queryModes.push(...modes),
    unknownPayees,
    complete: (outBizNo) => {
      const order = orders.get(outBizNo);
      if (order) order.status = 'SUCCESS';
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
