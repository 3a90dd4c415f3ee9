import { createVerify, generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { ConfigurationError } from '#shared/config.ts';
import { alipayProvider, MAX_TIMEOUT_MS, PRECREATE_PATH, QUERY_PATH, TRANSFER_PATH, type AlipayConfig } from '#shared/payments/alipay.ts';
import { fenToYuan, type PaymentProvider } from '#shared/payments/port.ts';
import { parseAlipayConfig, selectPaymentProvider } from '#shared/payments/provider.ts';
import { getClaim } from '#shared/store/claims.ts';
import { getPayout } from '#shared/store/payouts.ts';
import { runPayouts } from '#shared/use-cases/payouts.ts';
import { startAlipayGateway, type AlipayGateway } from './support/alipay-gateway.ts';
import { parties, useApi } from './support/api.ts';
import { nextId } from './support/orders.ts';
import { seedCovered, seedProofOrder } from './support/seed.ts';

const api = useApi();
let gateway: AlipayGateway;
let alipay: PaymentProvider;
let config: AlipayConfig;

beforeAll(async () => {
  gateway = await startAlipayGateway({ hangMs: 1_500 });
  // Certificate mode, as fund transfers require: the three certificates as PEM contents.
  config = {
    appId: gateway.appId,
    privateKey: gateway.appPrivateKey,
    appCert: gateway.certificates.appCert,
    alipayPublicCert: gateway.certificates.alipayPublicCert,
    alipayRootCert: gateway.certificates.alipayRootCert,
    endpoint: gateway.endpoint,
    timeoutMs: 500,
  };
  alipay = alipayProvider(async () => config);
}, 60_000);
afterAll(() => gateway?.close());

const transfer = (overrides: Partial<Parameters<PaymentProvider['transfer']>[0]> = {}) => ({
  outBizNo: nextId('pay_TEST'),
  amountFen: 12345,
  payee: { identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' as const },
  payeeAccount: '2088102146225135',
  title: 'Baozhang claim clm_TEST',
  ...overrides,
});

const requestsFor = (outBizNo: string) =>
  gateway.requests.filter((r) => r.body?.['out_biz_no'] === outBizNo || new URL(r.url, 'http://x').searchParams.get('out_biz_no') === outBizNo);

describe('Alipay adapter against a stand-in of the Alipay gateway (P3)', () => {
  it('P3 a transfer is a signed alipay.fund.trans.uni.transfer request, the payout id as out_biz_no', async () => {
    const request = transfer({ amountFen: 12345 });
    const outcome = await alipay.transfer(request);
    expect(outcome).toMatchObject({ outcome: 'confirmed', providerRef: gateway.orders.get(request.outBizNo)!.orderId });
    expect(outcome).toHaveProperty('providerPaidAt', expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/));

    const [sent] = requestsFor(request.outBizNo);
    expect(sent).toMatchObject({ method: 'POST', url: TRANSFER_PATH, signatureValid: true, mode: 'certificate' });
    expect(sent!.body).toEqual({
      out_biz_no: request.outBizNo,
      trans_amount: '123.45', // integer fen → yuan string, no floats
      product_code: 'TRANS_ACCOUNT_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
      order_title: 'Baozhang claim clm_TEST',
      payee_info: { identity: '2088102146225135', identity_type: 'ALIPAY_USER_ID' },
    });
    // The signature is RSA-SHA256 over the v3 signing string, by the app's key — checked here too.
    const [, authString, signature] = /^ALIPAY-SHA256withRSA (app_id=\d+,app_cert_sn=[0-9a-f]{32},nonce=[\w-]+,timestamp=\d+),sign=(\S+)$/.exec(
      sent!.authorization,
    )!;
    expect(authString).toContain(`app_cert_sn=${gateway.certificates.appCertSn}`);
    const publicKey = (await import('node:crypto')).createPublicKey(gateway.appPrivateKey);
    expect(createVerify('RSA-SHA256').update(`${authString}\nPOST\n${TRANSFER_PATH}\n${sent!.rawBody}\n`).verify(publicKey, signature!, 'base64')).toBe(true);
    expect(authString).toContain(`app_id=${gateway.appId}`);
  });

  it('P4 a logon id is paid with the payee’s real name', async () => {
    const request = transfer({
      payee: { identity: 'shop-9001@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: '张三' },
      payeeAccount: 'shop-9001@alipay.example',
      amountFen: 10,
    });
    expect((await alipay.transfer(request)).outcome).toBe('confirmed');
    expect(requestsFor(request.outBizNo)[0]!.body).toMatchObject({
      trans_amount: '0.10',
      payee_info: { identity: 'shop-9001@alipay.example', identity_type: 'ALIPAY_LOGON_ID', name: '张三' },
    });
  });

  it('certificate SNs are Alipay’s: the stand-in’s own computation equals the SDK’s (md5 of issuer DN + decimal serial; root = RSA roots joined)', async () => {
    const { AlipaySdk } = await import('alipay-sdk');
    const sdk = new AlipaySdk({
      appId: config.appId,
      privateKey: config.privateKey,
      appCertContent: config.appCert!,
      alipayPublicCertContent: config.alipayPublicCert!,
      alipayRootCertContent: config.alipayRootCert!,
    });
    expect(sdk.config.appCertSn).toBe(gateway.certificates.appCertSn);
    expect(sdk.config.alipayCertSn).toBe(gateway.certificates.alipayCertSn);
    expect(sdk.config.alipayRootCertSn).toBe(gateway.certificates.alipayRootCertSn);
    // The root file holds an RSA and an EC root: only the RSA one counts.
    expect(gateway.certificates.alipayRootCertSn).toMatch(/^[0-9a-f]{32}$/);
  });

  it('an answer naming another Alipay certificate (alipay-sn) is not believed: unknown', async () => {
    const request = transfer();
    gateway.answerNextTransfers('wrong-cert-sn');
    expect(await alipay.transfer(request)).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining('response-alipay-sn-verify-error') });
    expect(await alipay.query(request.outBizNo)).toMatchObject({ outcome: 'confirmed' });
  });

  it('a query answer whose signature does not verify is never taken as success', async () => {
    gateway.answerNextQueries('forged');
    expect(await alipay.query('pay_NEVER_SENT')).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining('response-signature-verify-error') });
  });

  it('fund transfers need certificate mode: the stand-in refuses one in public-key mode, nothing transferred', async () => {
    const publicKeyMode = alipayProvider(async () => ({
      appId: config.appId,
      privateKey: config.privateKey,
      alipayPublicKey: gateway.alipayPublicKey,
      endpoint: gateway.endpoint,
      timeoutMs: 500,
    }));
    const request = transfer();
    expect(await publicKeyMode.transfer(request)).toMatchObject({ outcome: 'failed', retryable: true });
    expect(requestsFor(request.outBizNo)[0]).toMatchObject({ mode: 'public-key', signatureValid: true });
    expect(gateway.orders.has(request.outBizNo)).toBe(false);
  });

  it('P3 the adapter sends nothing once the sender’s guard says its lease lapsed', async () => {
    const request = transfer();
    expect(await alipay.transfer(request, { mayCall: () => false })).toEqual({ outcome: 'not-sent' });
    expect(requestsFor(request.outBizNo)).toHaveLength(0);
  });

  it('P3 a configured timeout is capped at load, so a call cannot outlive the payout lease', () => {
    const parsed = parseAlipayConfig(JSON.stringify({ ...config, timeoutMs: 600_000 }), 'ALIPAY_CONFIG');
    expect(parsed.timeoutMs).toBe(MAX_TIMEOUT_MS);
    expect(alipay.maxCallMs).toBe(4 * MAX_TIMEOUT_MS);
  });

  it('credentials rotate without a deploy: an old copy is read again, and at once after a signature failure', async () => {
    let reads = 0;
    let now = 0;
    const rotating = alipayProvider(
      async () => {
        reads += 1;
        return config;
      },
      { refreshMs: 10 * 60_000, now: () => now },
    );
    await rotating.query('pay_ROTATE');
    await rotating.query('pay_ROTATE');
    expect(reads).toBe(1);
    now += 10 * 60_000 + 1; // the copy is old: read again
    await rotating.query('pay_ROTATE');
    expect(reads).toBe(2);
    gateway.answerNextQueries('forged'); // within a minute of the read: no re-read (forgeries cost no secret reads)
    await rotating.query('pay_ROTATE');
    await rotating.query('pay_ROTATE');
    expect(reads).toBe(2);
    now += 60_000;
    gateway.answerNextQueries('forged'); // a signature failure on an older copy: read again at once
    await rotating.query('pay_ROTATE');
    await rotating.query('pay_ROTATE');
    expect(reads).toBe(3);
  });

  it('fen are turned into yuan with two decimals and no floating point', () => {
    expect([0, 1, 10, 99, 100, 12345, 900719925474099].map(fenToYuan)).toEqual(['0.00', '0.01', '0.10', '0.99', '1.00', '123.45', '9007199254740.99']);
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
    expect(() => fenToYuan(-1)).toThrow(RangeError);
  });

  it('P1 P3 the same out_biz_no sent twice is one transfer: Alipay answers with the same order', async () => {
    const request = transfer();
    const first = await alipay.transfer(request);
    const again = await alipay.transfer(request);
    expect(again).toEqual(first);
    expect(requestsFor(request.outBizNo).filter((r) => r.method === 'POST')).toHaveLength(2);
    expect([...gateway.orders.values()].filter((o) => o.outBizNo === request.outBizNo)).toHaveLength(1);
  });

  it('P3 SYSTEM_ERROR is an unknown outcome; the query path tells whether the transfer was made', async () => {
    const notMade = transfer();
    gateway.answerNextTransfers('system-error');
    expect(await alipay.transfer(notMade)).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining('SYSTEM_ERROR') });
    expect(await alipay.query(notMade.outBizNo)).toEqual({ outcome: 'not-found' });

    const made = transfer();
    gateway.answerNextTransfers('commit-then-system-error');
    expect(await alipay.transfer(made)).toMatchObject({ outcome: 'unknown' });
    expect(await alipay.query(made.outBizNo)).toMatchObject({ outcome: 'confirmed', providerRef: gateway.orders.get(made.outBizNo)!.orderId });

    const [query] = requestsFor(made.outBizNo).filter((r) => r.method === 'GET');
    expect(query).toMatchObject({ signatureValid: true, rawBody: '' });
    const url = new URL(query!.url, 'http://x');
    expect(url.pathname).toBe(QUERY_PATH);
    expect(Object.fromEntries(url.searchParams)).toEqual({ out_biz_no: made.outBizNo, product_code: 'TRANS_ACCOUNT_NO_PWD', biz_scene: 'DIRECT_TRANSFER' });
  });

  it('P3 a timeout is an unknown outcome, and the query finds the transfer the gateway made', async () => {
    const request = transfer();
    gateway.answerNextTransfers('timeout');
    expect(await alipay.transfer(request)).toMatchObject({ outcome: 'unknown' });
    expect(gateway.orders.has(request.outBizNo)).toBe(true);
    expect(await alipay.query(request.outBizNo)).toMatchObject({ outcome: 'confirmed' });
  });

  it('P3 an answer whose signature is not Alipay’s is not believed: unknown', async () => {
    const request = transfer();
    gateway.answerNextTransfers('forged');
    expect(await alipay.transfer(request)).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining('response-signature-verify-error') });
    expect(await alipay.query(request.outBizNo)).toMatchObject({ outcome: 'confirmed' });
  });

  it('a refusal is a failure: for good when the payee does not exist, retryable when the balance is short', async () => {
    gateway.unknownPayees.add('nobody@alipay.example');
    const nobody = { identity: 'nobody@alipay.example', identityType: 'ALIPAY_LOGON_ID' as const, name: '无名' };
    expect(await alipay.transfer(transfer({ payee: nobody, payeeAccount: nobody.identity }))).toMatchObject({
      outcome: 'failed',
      code: 'PAYEE_NOT_EXIST',
      retryable: false,
    });
    gateway.answerNextTransfers('balance');
    expect(await alipay.transfer(transfer())).toMatchObject({ outcome: 'failed', code: 'PAYER_BALANCE_NOT_ENOUGH', retryable: true });
  });

  it('a transfer Alipay is still dealing with is processing until the query says SUCCESS', async () => {
    const request = transfer();
    gateway.answerNextTransfers('processing');
    expect(await alipay.transfer(request)).toMatchObject({ outcome: 'processing', providerRef: expect.any(String) });
    expect(await alipay.query(request.outBizNo)).toMatchObject({ outcome: 'processing' });
    gateway.complete(request.outBizNo);
    expect(await alipay.query(request.outBizNo)).toMatchObject({ outcome: 'confirmed' });
  });

  it('a failed query is never a failed transfer: unknown', async () => {
    gateway.answerNextQueries('system-error');
    expect(await alipay.query('pay_ANY')).toMatchObject({ outcome: 'unknown' });
  });

  it('the stand-in refuses a request signed with another key (401): a retryable failure, nothing transferred', async () => {
    const stranger = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const impostor = alipayProvider(async () => ({ ...config, privateKey: stranger.privateKey }));
    const before = gateway.transfersMade();
    const request = transfer();
    expect(await impostor.transfer(request)).toMatchObject({ outcome: 'failed', code: 'invalid-signature', retryable: true });
    expect(requestsFor(request.outBizNo)[0]!.signatureValid).toBe(false);
    expect(gateway.transfersMade()).toBe(before);
  });

  it('configuration that cannot be read sends nothing: a retryable failure', async () => {
    const broken = alipayProvider(async () => {
      throw new Error('secret unavailable');
    });
    expect(await broken.transfer(transfer())).toMatchObject({ outcome: 'failed', code: 'PROVIDER_NOT_CONFIGURED', retryable: true });
    expect(await broken.query('pay_ANY')).toMatchObject({ outcome: 'unknown' });
  });
});

describe('selecting the provider from configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['PAYMENT_PROVIDER', 'ALIPAY_CONFIG', 'PAYMENT_SECRET_ARN']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('local by default; alipay from ALIPAY_CONFIG or a secret ARN; anything else fails fast', () => {
    delete process.env['PAYMENT_PROVIDER'];
    expect(selectPaymentProvider().name).toBe('local');
    process.env['PAYMENT_PROVIDER'] = 'alipay';
    expect(() => selectPaymentProvider()).toThrow(ConfigurationError);
    process.env['ALIPAY_CONFIG'] = JSON.stringify(config);
    expect(selectPaymentProvider().name).toBe('alipay');
    delete process.env['ALIPAY_CONFIG'];
    process.env['PAYMENT_SECRET_ARN'] = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:baozhang-alipay-AbCdEf';
    expect(selectPaymentProvider().name).toBe('alipay'); // the secret is read on first use only
    process.env['PAYMENT_PROVIDER'] = 'wechat';
    expect(() => selectPaymentProvider()).toThrow(/'local' or 'alipay'/);
  });

  it('an incomplete Alipay configuration names the missing fields, never the values', () => {
    const attempt = () => parseAlipayConfig(JSON.stringify({ appId: '1', privateKey: 'SECRET-KEY-MATERIAL' }), 'ALIPAY_CONFIG');
    expect(attempt).toThrow(/alipayPublicKey/);
    expect(attempt).not.toThrow(/SECRET-KEY-MATERIAL/);
    const halfCertificates = () => parseAlipayConfig(JSON.stringify({ appId: '1', privateKey: 'K', appCert: 'SECRET-CERT' }), 'ALIPAY_CONFIG');
    expect(halfCertificates).toThrow(/alipayPublicCert, alipayRootCert/);
    expect(halfCertificates).not.toThrow(/SECRET-CERT/);
    expect(() => parseAlipayConfig('{', 'ALIPAY_CONFIG')).toThrow(/not JSON/);
  });
});

describe('the payout job through the Alipay adapter', () => {
  const clock = fixedClock('2026-11-23T10:00:00+08:00');
  beforeAll(() => setClock(clock));
  afterAll(() => setClock(systemClock));

  it('P1 P3 an approved claim is paid exactly once although the first call timed out: queried, not resent', async () => {
    const { policy } = await seedCovered('live-price');
    const proof = await seedProofOrder({ buyerId: policy.buyerId });
    const claim = (await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } }))
      .body;
    expect(claim.status).toBe('APPROVED');
    const [payout] = (await api.call('GET', `/v1/payouts?claimId=${claim.claimId}`, { as: parties.ops })).body.items;

    gateway.answerNextTransfers('timeout');
    const first = await runPayouts({ provider: alipay });
    expect(first).toMatchObject({ processed: 1, sent: 1, unknown: 1, confirmed: 0 });
    expect(await getPayout(payout.payoutId)).toMatchObject({ status: 'UNKNOWN', attempts: 1 });

    clock.advance(60_000);
    const second = await runPayouts({ provider: alipay });
    expect(second).toMatchObject({ processed: 1, sent: 0, queried: 1, confirmed: 1 });
    const paid = await getPayout(payout.payoutId);
    expect(paid).toMatchObject({ status: 'CONFIRMED', attempts: 1, providerRef: gateway.orders.get(payout.payoutId)!.orderId });
    expect(await getClaim(claim.claimId)).toMatchObject({ status: 'PAID', paidAt: '2026-11-23T10:01:00+08:00' });

    const calls = requestsFor(payout.payoutId);
    expect(calls.map((r) => r.method)).toEqual(['POST', 'GET']);
    // P4: the buyer is paid at the Alipay identity that came with the order, never at the buyer id.
    expect(calls[0]!.body).toMatchObject({
      out_biz_no: payout.payoutId,
      trans_amount: '20.00',
      payee_info: { identity: '2088102146225135', identity_type: 'ALIPAY_USER_ID' },
    });
    expect(calls[0]!.mode).toBe('certificate');
    expect(gateway.orders.get(payout.payoutId)).toMatchObject({ transAmount: '20.00' });
  });
});

describe('collections for deposit top-ups through Alipay, certificate mode (D4)', () => {
  const collections = () => alipay.collections!;

  it('D4 create (alipay.trade.precreate), query, and the signed notification verified by the SDK', async () => {
    const outTradeNo = nextId('tup_TEST');
    const instruction = await collections().create({
      outTradeNo,
      amountFen: 100_000,
      subject: 'Baozhang deposit top-up',
      expiresAt: '2026-11-24T10:00:00+08:00',
      notifyUrl: 'https://api.example/v1/payments/alipay/notifications',
    });
    expect(instruction).toEqual({ provider: 'alipay', paymentId: outTradeNo, qrCode: expect.stringContaining('https://qr.alipay.com/') });
    const [created] = gateway.requests.filter((r) => r.body?.['out_trade_no'] === outTradeNo);
    expect(created).toMatchObject({ method: 'POST', url: PRECREATE_PATH, signatureValid: true, mode: 'certificate' });
    expect(created!.body).toMatchObject({
      out_trade_no: outTradeNo,
      total_amount: '1000.00',
      time_expire: '2026-11-24 10:00:00',
      notify_url: 'https://api.example/v1/payments/alipay/notifications',
    });

    expect(await collections().query(outTradeNo)).toEqual({ status: 'pending', outTradeNo });
    expect(await collections().query(nextId('tup_NONE'))).toMatchObject({ status: 'not-found' });

    gateway.pay(outTradeNo);
    const tradeNo = gateway.trades.get(outTradeNo)!.tradeNo;
    expect(await collections().query(outTradeNo)).toMatchObject({ status: 'paid', outTradeNo, amountFen: 100_000, providerRef: tradeNo });

    const body = gateway.notificationFor(outTradeNo);
    const notification = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
    expect(await collections().verifyNotification(notification)).toMatchObject({ status: 'paid', outTradeNo, amountFen: 100_000, providerRef: tradeNo });
    // A replay verifies again (the signature is the same): crediting once is the caller's idempotency.
    expect(await collections().verifyNotification(notification)).toMatchObject({ status: 'paid', outTradeNo });
    expect(collections().acknowledgement).toBe('success');
  });

  it('D4 a notification altered after signing, or signed for another app, does not verify', async () => {
    const outTradeNo = nextId('tup_TEST');
    await collections().create({ outTradeNo, amountFen: 500, subject: 'Baozhang deposit top-up', expiresAt: '2026-11-24T10:00:00+08:00' });
    gateway.pay(outTradeNo);
    expect(await collections().verifyNotification({ headers: {}, body: gateway.notificationFor(outTradeNo, { forged: true }) })).toBeNull();
    expect(await collections().verifyNotification({ headers: {}, body: gateway.notificationFor(outTradeNo, { appId: '2021000000009999' }) })).toBeNull();
    expect(await collections().verifyNotification({ headers: {}, body: 'out_trade_no=x&trade_status=TRADE_SUCCESS' })).toBeNull();
  });

  it('D4 collections also work in public-key mode (the sandbox)', async () => {
    const sandbox = alipayProvider(async () => ({
      appId: config.appId,
      privateKey: config.privateKey,
      alipayPublicKey: gateway.alipayPublicKey,
      endpoint: gateway.endpoint,
      timeoutMs: 500,
    }));
    const outTradeNo = nextId('tup_TEST');
    await sandbox.collections.create({ outTradeNo, amountFen: 1, subject: 'sandbox', expiresAt: '2026-11-24T10:00:00+08:00' });
    expect(gateway.requests.find((r) => r.body?.['out_trade_no'] === outTradeNo)).toMatchObject({ mode: 'public-key', signatureValid: true });
    gateway.pay(outTradeNo);
    expect(await sandbox.collections.verifyNotification({ headers: {}, body: gateway.notificationFor(outTradeNo) })).toMatchObject({
      status: 'paid',
      amountFen: 1,
    });
  });
});
