import { createVerify, generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { ConfigurationError } from '#shared/config.ts';
import { alipayProvider, QUERY_PATH, TRANSFER_PATH, type AlipayConfig } from '#shared/payments/alipay.ts';
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
  config = { appId: gateway.appId, privateKey: gateway.appPrivateKey, alipayPublicKey: gateway.alipayPublicKey, endpoint: gateway.endpoint, timeoutMs: 500 };
  alipay = alipayProvider(async () => config);
});
afterAll(() => gateway?.close());

const transfer = (overrides: Partial<Parameters<PaymentProvider['transfer']>[0]> = {}) => ({
  outBizNo: nextId('pay_TEST'),
  amountFen: 12345,
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
    expect(sent).toMatchObject({ method: 'POST', url: TRANSFER_PATH, signatureValid: true });
    expect(sent!.body).toEqual({
      out_biz_no: request.outBizNo,
      trans_amount: '123.45', // integer fen → yuan string, no floats
      product_code: 'TRANS_ACCOUNT_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
      order_title: 'Baozhang claim clm_TEST',
      payee_info: { identity: '2088102146225135', identity_type: 'ALIPAY_USER_ID' },
    });
    // The signature is RSA-SHA256 over the v3 signing string, by the app's key — checked here too.
    const [, authString, signature] = /^ALIPAY-SHA256withRSA (app_id=\d+,nonce=[\w-]+,timestamp=\d+),sign=(\S+)$/.exec(sent!.authorization)!;
    const publicKey = (await import('node:crypto')).createPublicKey(gateway.appPrivateKey);
    expect(
      createVerify('RSA-SHA256').update(`${authString}\nPOST\n${TRANSFER_PATH}\n${sent!.rawBody}\n`).verify(publicKey, signature!, 'base64'),
    ).toBe(true);
    expect(authString).toContain(`app_id=${gateway.appId}`);
  });

  it('an account or e-mail is paid as an Alipay logon id', async () => {
    const request = transfer({ payeeAccount: 'shop-9001@alipay.example', amountFen: 10 });
    expect((await alipay.transfer(request)).outcome).toBe('confirmed');
    expect(requestsFor(request.outBizNo)[0]!.body).toMatchObject({
      trans_amount: '0.10',
      payee_info: { identity: 'shop-9001@alipay.example', identity_type: 'ALIPAY_LOGON_ID' },
    });
  });

  it('fen are turned into yuan with two decimals and no floating point', () => {
    expect([0, 1, 10, 99, 100, 12345, 900719925474099].map(fenToYuan)).toEqual([
      '0.00',
      '0.01',
      '0.10',
      '0.99',
      '1.00',
      '123.45',
      '9007199254740.99',
    ]);
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
    expect(await alipay.transfer(transfer({ payeeAccount: 'nobody@alipay.example' }))).toMatchObject({
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
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
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
    const claim = (await api.call('POST', '/v1/claims', { as: parties.buyer, body: { policyId: policy.policyId, lineId: 'L1', proofOrderId: proof.orderId } })).body;
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
    expect(calls[0]!.body).toMatchObject({ out_biz_no: payout.payoutId, trans_amount: '20.00', payee_info: { identity: 'buyer-417', identity_type: 'ALIPAY_LOGON_ID' } });
    expect(gateway.orders.get(payout.payoutId)).toMatchObject({ transAmount: '20.00' });
  });
});
