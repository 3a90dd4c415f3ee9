/**
 * A local stand-in of the Alipay OpenAPI v3 gateway (node:http on 127.0.0.1, a random port), for
 * the two calls the payout job makes: alipay.fund.trans.uni.transfer and
 * alipay.fund.trans.common.query. Never the internet.
 *
 * Like the real gateway it verifies every request's `Authorization: ALIPAY-SHA256withRSA …`
 * signature with the app's public key (401 otherwise), signs every answer with "Alipay's" private
 * key (`alipay-timestamp`, `alipay-nonce`, `alipay-signature` headers), answers errors as
 * `{code, message}` with a 4xx/5xx status, and keeps one transfer per `out_biz_no`: a repeated
 * transfer returns the same order. Tests can queue misbehaviour for the next transfers and queries.
 */
import { createSign, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
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
export type TransferMode = 'system-error' | 'commit-then-system-error' | 'timeout' | 'processing' | 'balance' | 'forged';
export type QueryMode = 'system-error';

export interface AlipayGateway {
  endpoint: string;
  appId: string;
  /** The app's key pair: the adapter signs with the private key, the gateway verifies with the public. */
  appPrivateKey: string;
  /** Alipay's public key, for the adapter to verify answers. */
  alipayPublicKey: string;
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

const pem = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });

const TRANSFER_PATH = '/v3/alipay/fund/trans/uni/transfer';
const QUERY_PATH = '/v3/alipay/fund/trans/common/query';

/** `2026-11-23 10:00:00`, Beijing time, the way Alipay writes instants. */
function beijingNow(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export async function startAlipayGateway(options: { hangMs?: number } = {}): Promise<AlipayGateway> {
  const app = pem();
  const alipay = pem();
  const appId = '2021000000000001';
  const hangMs = options.hangMs ?? 2_000;
  const requests: RecordedRequest[] = [];
  const orders = new Map<string, GatewayOrder>();
  const transferModes: TransferMode[] = [];
  const queryModes: QueryMode[] = [];
  const unknownPayees = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let made = 0;
  let sequence = 0;

  /** The v3 request signature: `${authString}\n${method}\n${url}\n${body}\n`, RSA-SHA256, app key. */
  function verifyRequest(method: string, url: string, authorization: string, rawBody: string): boolean {
    const match = /^ALIPAY-SHA256withRSA (.+),sign=(\S+)$/.exec(authorization);
    if (!match) return false;
    const [, authString, signature] = match as unknown as [string, string, string];
    const fields = Object.fromEntries(authString.split(',').map((pair) => pair.split('=') as [string, string]));
    if (fields['app_id'] !== appId || !fields['nonce']) return false;
    if (Math.abs(Date.now() - Number(fields['timestamp'])) > 5 * 60_000) return false;
    return createVerify('RSA-SHA256').update(`${authString}\n${method}\n${url}\n${rawBody}\n`, 'utf8').verify(app.publicKey, signature, 'base64');
  }

  function answer(res: ServerResponse, status: number, body: unknown, forged = false) {
    const text = JSON.stringify(body);
    const timestamp = String(Date.now());
    const nonce = randomUUID();
    const signed = forged ? `${text} ` : text;
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${signed}\n`, 'utf8').sign(alipay.privateKey, 'base64');
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'alipay-trace-id': randomUUID().replaceAll('-', ''),
      'alipay-timestamp': timestamp,
      'alipay-nonce': nonce,
      'alipay-signature': signature,
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
    return answer(res, 200, orderView(order), mode === 'forged');
  }

  function query(params: URLSearchParams, res: ServerResponse) {
    if (queryModes.shift() === 'system-error') return fail(res, 500, 'SYSTEM_ERROR', '系统繁忙');
    const order = orders.get(params.get('out_biz_no') ?? '');
    if (!order) return fail(res, 400, 'ORDER_NOT_EXIST', '转账订单不存在');
    return answer(res, 200, {
      ...orderView(order),
      trans_amount: order.transAmount,
      pay_date: order.status === 'SUCCESS' ? order.transDate : undefined,
      order_fee: '0.00',
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const authorization = String(req.headers.authorization ?? '');
    const signatureValid = verifyRequest(method, url, authorization, rawBody);
    let body: Record<string, unknown> | undefined;
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    requests.push({ method, url, authorization, rawBody, body, signatureValid });
    if (!signatureValid) return fail(res, 401, 'invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配');
    const { pathname, searchParams } = new URL(url, 'http://gateway');
    if (method === 'POST' && pathname === TRANSFER_PATH) return transfer(body ?? {}, res);
    if (method === 'GET' && pathname === QUERY_PATH) return query(searchParams, res);
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
