import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { createApp, type App } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { createApiKey } from '../../src/auth/create-api-key.ts';
import { loadSettings } from '../../src/config.ts';
import { verifyLedger } from '../../src/ledger/verify-ledger.ts';

/**
 * The sandbox checkout in a real browser against a real server on a socket: a traveller pays
 * with 4242 4242 4242 4242 and the line is credited through signed webhooks. Needs Debian's
 * Chromium; skipped with a reason when it is missing, except under CI=true.
 */
const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`;
if (missing && process.env.CI === 'true') throw new Error(`CI=true requires Chromium for the browser tests: ${missing}`);
if (missing) console.log(`# skipping browser test: ${missing}`);

describe('sandbox checkout in a browser', { skip: missing ?? false }, () => {
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let apiKey: string;
  let folder: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tolem-e2e-'));
    const settings = loadSettings({ DATABASE_URL: `sqlite:${join(folder, 'tolem.db')}`, TOLEM_SEED_DEMO: 'false', LOG_LEVEL: 'silent', SANDBOX_WEBHOOK_DUPLICATE_PERCENT: '50', SANDBOX_WEBHOOK_REORDER_PERCENT: '50' });
    app = await createApp(settings, { logLevel: 'silent' });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    assert.ok(address && typeof address === 'object');
    baseUrl = `http://127.0.0.1:${address.port}`;
    app.ctx.settings.publicUrl = baseUrl;
    const key = await createApiKey(app.ctx, SYSTEM_ACTOR, { name: 'e2e admin', role: 'admin', sourceAccountId: null });
    assert.ok(key.ok);
    apiKey = key.value.key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    if (app) {
      const report = await verifyLedger(app.store);
      await app.close();
      assert.deepEqual(report.problems, []);
    }
    rmSync(folder, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(baseUrl + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };

  it('pays with 4242 4242 4242 4242 and credits the line', async () => {
    const msisdn = '+77011239876';
    assert.equal((await api('POST', '/v1/lines', { msisdn }, { authorization: `Bearer ${apiKey}` })).status, 201);
    const created = await api('POST', '/v1/payments', { msisdn, amount: 150_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox', language: 'en' }, { 'idempotency-key': 'e2e-1' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(created.body.redirectUrl);
    assert.equal((await page.locator('#amount').innerText()).replace(/\s/g, ' '), '1,500 ₸', 'in English as the page writes amounts');
    assert.equal(await page.locator('#description').innerText(), `Top-up ${msisdn}`, 'the payer sees which number is paid for');
    await page.fill('#cardNumber', '4242 4242 4242 4242');
    await page.fill('#expiry', '12/34');
    await page.fill('#cvc', '123');
    await Promise.all([page.waitForNavigation(), page.click('#pay')]);
    await page.locator('[data-result="succeeded"]').waitFor({ timeout: 10_000 });
    // Webhooks are processed right after they are acknowledged; poll the way a client would.
    const deadline = Date.now() + 10_000;
    let payment = created.body;
    while (payment.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      payment = (await api('GET', `/v1/payments/${created.body.id}`, undefined, { 'x-payment-client-secret': created.body.clientSecret })).body;
    }
    assert.equal(payment.status, 'succeeded');
    const line = await api('GET', `/v1/lines/${encodeURIComponent(msisdn)}`, undefined, { authorization: `Bearer ${apiKey}` });
    assert.equal(line.body.balance.main, 150_000);
    await page.close();
  });

  it('after paying, Back from the shop shows the outcome, not a form to post again', async () => {
    const msisdn = '+77011239875';
    assert.equal((await api('POST', '/v1/lines', { msisdn }, { authorization: `Bearer ${apiKey}` })).status, 201);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${baseUrl}/?lang=ru`);
    await page.fill('#msisdn', '8 (701) 123-98-75');
    await page.click('form button[type=submit]');
    await page.click('.chips button[data-kzt="1000"]');
    await Promise.all([page.waitForURL(/\/sandbox\/checkout\//), page.click('form button[type=submit]')]);
    await page.fill('#cardNumber', '4242 4242 4242 4242');
    await page.fill('#expiry', '12/34');
    await page.fill('#cvc', '123');
    await Promise.all([page.waitForNavigation(), page.click('#pay')]);
    await page.locator('[data-result="succeeded"]').waitFor();
    await Promise.all([page.waitForURL(/\?payment=/), page.click('#result ~ p a')]);
    await page.locator('#status.success').waitFor({ timeout: 10_000 });
    // The payer goes Back: the checkout's outcome again, read afresh, never "Confirm Form Resubmission".
    await page.goBack();
    await page.locator('[data-result="succeeded"]').waitFor();
    assert.match(page.url(), /\/sandbox\/checkout\/sbx_[^/]+\?lang=ru$/);
    await page.close();
  });
});
