/**
 * Issue 21 through a browser: the authenticity story on the claims desk (web/, served by the
 * local runtime as under `npm start`) in Debian's chromium, driven by playwright-core. The buyer
 * files with an uploaded brand report, the adjuster asks for more, the buyer adds a page, the
 * adjuster approves, ops run the payout job, the merchant sees the claim PAID. Every view is
 * checked with axe-core (WCAG 2 A/AA) and photographed into test/e2e/artifacts/; with
 * UPDATE_SCREENSHOTS=1 the queue and the claim page are also copied to docs/images/ for the README.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32, deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { fixedClock, setClock, systemClock } from '#shared/clock.ts';
import { consolePages } from '#shared/local/console.ts';
import { DEFAULT_JWT_SECRET } from '#shared/local/tokens.ts';
import { buildWeb } from '../../scripts/build-web.ts';
import { parties, useApi } from '../integration/support/api.ts';
import { seedCovered } from '../integration/support/seed.ts';

const root = resolve(import.meta.dirname, '..', '..');
const artifacts = join(root, 'test', 'e2e', 'artifacts');
const webDist = mkdtempSync(join(tmpdir(), 'baozhang-web-'));
const evidenceDir = mkdtempSync(join(tmpdir(), 'baozhang-evidence-'));
const profileDir = mkdtempSync(join(tmpdir(), 'baozhang-e2e-'));
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const api = useApi({ pages: consolePages({ distDir: webDist, jwtSecret: DEFAULT_JWT_SECRET }) });
const clock = fixedClock('2026-11-22T09:00:00+08:00');
let browser: BrowserContext;
let page: Page;
const checked: string[] = [];

beforeAll(async () => {
  setClock(clock);
  process.env['EVIDENCE_DIR'] = evidenceDir;
  mkdirSync(artifacts, { recursive: true });
  await buildWeb(webDist);
  browser = await launchChromium(profileDir, {
    // axe-core is injected as an inline script, which the console's CSP (rightly) refuses.
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  });
  // The browser's clock shows the server's (fixed) day plus 2½ hours: the queue's age reads 2 h 30 min.
  await browser.clock.setFixedTime(new Date('2026-11-22T11:30:00+08:00'));
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
});

afterAll(async () => {
  await browser?.close();
  setClock(systemClock);
  for (const dir of [webDist, evidenceDir, profileDir]) rmSync(dir, { recursive: true, force: true });
});

/** A real PNG (a grey page with a darker band), so the claim page's evidence preview shows a picture. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.concat(
    Array.from({ length: height }, (_, y) => Buffer.concat([Buffer.from([0]), Buffer.alloc(width, y > height / 3 && y < height / 2 ? 0x55 : 0xdd)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** WCAG 2 A and AA by axe-core, on the view as it stands; a screenshot of it as an artifact. */
async function check(name: string): Promise<void> {
  await page.waitForSelector('[aria-busy="true"]', { state: 'detached' });
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const browserGlobal = globalThis as any;
    const result = await browserGlobal.axe.run(browserGlobal.document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return result.violations.map((v: any) => `${v.id}: ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, name).toEqual([]);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  checked.push(name);
}

/** Signs out, picks the role on the sign-in page, then opens `view`. */
async function signInAs(role: 'buyer' | 'adjuster' | 'ops' | 'merchant', view: string): Promise<void> {
  if (await page.locator('#sign-out').count()) await page.click('#sign-out');
  await page.click(`#as-${role}`);
  await page.waitForSelector('#whoami');
  await page.goto(`${api.base}/#/${view}`);
}

const statusIs = (status: string) => page.waitForSelector(`#claim-status .status.${status}`);

describe('the claims desk (issue 21)', () => {
  it('the authenticity story end to end, each view accessible', async () => {
    try {
      await story();
    } catch (error) {
      await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true });
      throw error;
    }
  });
});

async function story(): Promise<void> {
  {
    const { policy, order } = await seedCovered('authenticity');
    // The merchant's profile, as the order system creates it (the deposit views read it).
    expect(
      (
        await api.call('PUT', '/v1/merchants/shop-9001', {
          as: parties.service,
          body: { name: 'Acme Silk', alipayAccount: 'shop-9001@alipay.example', categories: ['apparel'] },
        })
      ).status,
    ).toBe(200);

    // Sign-in: the local role picker.
    await page.goto(`${api.base}/`);
    await page.waitForSelector('#as-buyer');
    await check('sign-in');

    // 1. The buyer opens the order's policies and files a claim with the brand's report uploaded.
    await page.click('#as-buyer');
    await page.fill('#order-id', order.orderId);
    await page.click('form.row button[type=submit]');
    await page.click(`#claim-${policy.policyId}`);
    await page.fill('#claim-description', '品牌方鉴定为假货 / The brand says it is counterfeit');
    await page.setInputFiles('#claim-file', { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nreport page 1\n%%EOF\n') });
    await check('buyer-order');
    await page.click('#submit-claim');
    await statusIs('UNDER_REVIEW');
    const claimId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    expect(claimId).toMatch(/^clm_/);
    expect(await page.locator('#evidence li').count()).toBe(1);
    await check('buyer-claim');

    // 2. The adjuster finds it in the queue (oldest first) and asks for more.
    await signInAs('adjuster', 'queue');
    await page.waitForSelector(`#queue a[href="#/claims/${claimId}"]`);
    await check('queue');
    await page.click(`#queue a[href="#/claims/${claimId}"]`);
    await statusIs('UNDER_REVIEW');
    await page.fill('#decision-note', '请补充鉴定报告第2页 / Please add page 2 of the report');
    await page.click('#request-info');
    await statusIs('NEEDS_INFO');

    // 3. The buyer adds the page.
    await signInAs('buyer', `claims/${claimId}`);
    await statusIs('NEEDS_INFO');
    await page.selectOption('#more-type', 'report-page');
    await page.setInputFiles('#more-file', { name: 'page-2.png', mimeType: 'image/png', buffer: png(320, 200) });
    await check('buyer-needs-info');
    await page.click('#send-evidence');
    await statusIs('UNDER_REVIEW');
    expect(await page.locator('#evidence li').count()).toBe(2);

    // 4. The adjuster approves, with the whole claim on one page.
    await signInAs('adjuster', `claims/${claimId}`);
    await statusIs('UNDER_REVIEW');
    await page.waitForSelector('#policy');
    await check('claim');
    await page.click('#approve');
    await statusIs('APPROVED');

    // 5. Ops run the payout job.
    await signInAs('ops', 'payouts');
    await page.waitForSelector('#payouts');
    await check('payouts');
    await page.click('#run-payout-job');
    await page.waitForSelector('#job-result');
    await page.goto(`${api.base}/#/deposit/shop-9001`);
    await page.waitForSelector('#deposit');
    await check('ops-deposit');

    // 6. The merchant sees the claim paid.
    await signInAs('merchant', 'claims');
    await page.waitForSelector(`#claims a[href="#/claims/${claimId}"]`);
    await check('merchant-claims');
    await page.click(`#claims a[href="#/claims/${claimId}"]`);
    await statusIs('PAID');
    await check('merchant-claim');
    for (const view of ['plans', 'enrollments', 'policies', 'deposit']) {
      await page.goto(`${api.base}/#/${view}`);
      await page.waitForSelector('main h1');
      await check(`merchant-${view}`);
    }

    // The same desk in English: money and times do not change with the language.
    await page.click('#lang');
    await page.goto(`${api.base}/#/claims/${claimId}`);
    await statusIs('PAID');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await check('merchant-claim-en');

    const claim = await api.call('GET', `/v1/claims/${claimId}`, { as: parties.merchant });
    expect(claim.body.status).toBe('PAID');
    expect(claim.body.evidence.map((e: any) => e.contentType)).toEqual(['application/pdf', 'image/png']);
    expect(await page.textContent('#claim-amount')).toBe(`¥${Math.floor(claim.body.amountFen / 100)}.${String(claim.body.amountFen % 100).padStart(2, '0')}`);

    // The README's two pictures are tracked files: refreshed only on request, so a run leaves the tree clean.
    if (process.env['UPDATE_SCREENSHOTS'] === '1') {
      mkdirSync(join(root, 'docs', 'images'), { recursive: true });
      copyFileSync(join(artifacts, 'queue.png'), join(root, 'docs', 'images', 'claims-desk-queue.png'));
      copyFileSync(join(artifacts, 'claim.png'), join(root, 'docs', 'images', 'claims-desk-claim.png'));
    }
    expect(checked).toHaveLength(15);
  }
}
