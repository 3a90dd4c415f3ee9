/**
 * D4 through a browser: a merchant's top-up is paid on the local payment page (the `local`
 * provider's stand-in for the Alipay cashier) in Debian's chromium, driven by playwright-core.
 * Pressing "Pay" makes the provider send its signed notification to the API; only then is the
 * deposit credited — once. Needs `/usr/bin/chromium` (`apt-get install -y chromium`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { parties, useApi } from '../integration/support/api.ts';

const api = useApi();
const profileDir = mkdtempSync(join(tmpdir(), 'baozhang-e2e-'));
let browser: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium(profileDir);
});

afterAll(async () => {
  await browser?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

describe('D4 paying a top-up on the local payment page', () => {
  it('D4 the merchant opens the payUrl, presses Pay: the provider notifies, the deposit is credited once; paying again credits nothing more', async () => {
    const merchant = { role: 'merchant' as const, sub: 'shop-e2e' };
    expect(
      (
        await api.call('PUT', '/v1/merchants/shop-e2e', {
          as: parties.service,
          body: { name: 'E2E Shop', alipayAccount: 'e2e@alipay.example', categories: ['apparel'] },
        })
      ).status,
    ).toBe(200);
    const started = await api.call('POST', '/v1/merchants/shop-e2e/deposit/top-ups', { as: merchant, body: { amountFen: 123_456 } });
    expect(started.status).toBe(201);
    expect(started.body.payment.payUrl).toBe(`${api.base}/local-pay/${started.body.topUpId}`);
    expect((await api.call('GET', '/v1/merchants/shop-e2e/deposit', { as: merchant })).body.balanceFen).toBe(0);

    const page = await browser.newPage();
    await page.goto(started.body.payment.payUrl);
    expect(await page.textContent('#amount')).toBe('¥1234.56');
    await Promise.all([page.waitForURL(/\/local-pay\//), page.click('#pay')]);
    expect(await page.textContent('#status')).toContain('Payment of ¥1234.56 made');
    expect(await page.textContent('#ack')).toBe('200 success');

    const topUp = await api.call('GET', `/v1/merchants/shop-e2e/deposit/top-ups/${started.body.topUpId}`, { as: merchant });
    expect(topUp.body).toMatchObject({ status: 'CREDITED', creditedBy: 'notification' });
    const deposit = await api.call('GET', '/v1/merchants/shop-e2e/deposit', { as: merchant });
    expect(deposit.body).toMatchObject({ balanceFen: 123_456, availableFen: 123_456 });

    // The page again: it shows the payment as made; nothing is credited twice.
    await page.goto(started.body.payment.payUrl);
    expect(await page.textContent('#status')).toBe('Already paid.');
    expect(await page.locator('#pay').count()).toBe(0);
    expect((await api.call('GET', '/v1/merchants/shop-e2e/deposit', { as: merchant })).body.movements).toHaveLength(1);
    await page.close();
  });
});
