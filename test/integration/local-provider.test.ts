/**
 * The local payment provider's ledger, in the table (npm start, tests) and in memory
 * (`LOCAL_PAY_LEDGER=memory`, the benchmark): one transfer per key either way, as Alipay keeps one
 * per `out_biz_no`; only the table ledger writes to the table.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localProvider } from '#shared/payments/local.ts';
import { keys } from '#shared/store/keys.ts';
import { readItem } from './support/seed.ts';

const payee = { identity: 'buyer-ledger', identityType: 'ALIPAY_LOGON_ID' as const, name: 'Buyer' };
const request = (outBizNo: string, amountFen = 1200) => ({ outBizNo, amountFen, payee, payeeAccount: payee.identity, title: 'ledger' });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each(['table', 'memory'] as const)('the local provider with its ledger in %s', (ledger) => {
  it('P3 one transfer per key: the same request again answers the first transfer, a different one on the key is refused', async () => {
    vi.stubEnv('LOCAL_PAY_LEDGER', ledger);
    const outBizNo = `pay_ledger_${ledger}_${Date.now().toString(36)}`;
    expect(await localProvider.query(outBizNo)).toEqual({ outcome: 'not-found' });
    const first = await localProvider.transfer(request(outBizNo));
    expect(first).toMatchObject({ outcome: 'confirmed' });
    expect(await localProvider.transfer(request(outBizNo))).toEqual(first);
    expect(await localProvider.transfer(request(outBizNo, 1300))).toMatchObject({ outcome: 'failed', code: 'OUT_BIZ_NO_REUSED', retryable: false });
    expect(await localProvider.query(outBizNo)).toEqual(first);
    expect(await readItem(keys.localTransfer(outBizNo))).toEqual(ledger === 'table' ? expect.objectContaining({ outBizNo, amountFen: 1200 }) : undefined);
  });
});

it('a ledger that is neither table nor memory is a configuration error, nothing sent', async () => {
  vi.stubEnv('LOCAL_PAY_LEDGER', 'disk');
  await expect(localProvider.transfer(request(`pay_ledger_disk_${Date.now().toString(36)}`))).rejects.toThrow(/LOCAL_PAY_LEDGER must be table or memory/);
});
