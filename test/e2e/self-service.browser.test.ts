import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { seedCatalog } from '../../src/catalog/seed-catalog.ts';
import { browserSkip, launchBrowser } from '../support/browser.ts';
import { startLiveServer } from '../support/live-server.ts';

/** A traveller's two pages in a real browser: the public top-up page and self-care. */
describe('top-up page and self-care in a real browser', { skip: browserSkip }, () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  before(async () => {
    server = await startLiveServer();
    await seedCatalog(server.app.ctx);
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: '+77011234567', language: 'ru' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/users', { body: { login: '+77011234567', password: 'traveller-pass', role: 'subscriber' } })).status, 201);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('tops up a number by card from the public page, in Russian', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=ru`);
    await page.getByRole('heading', { name: 'Пополнить казахстанскую SIM-карту' }).waitFor();
    await page.fill('#msisdn', '8 701 123 45 67');
    await page.getByRole('button', { name: 'Далее' }).click();
    await page.locator('#confirmed-number').waitFor();
    assert.equal(await page.locator('#confirmed-number').textContent(), '+7701***4567');
    await page.getByRole('button', { name: /^5\s000\s₸$/ }).click();
    await page.getByRole('button', { name: /^Оплатить/ }).click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    await page.fill('#cardNumber', '4242 4242 4242 4242');
    await page.fill('#expiry', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay');
    // The sandbox answers like a real provider and leads back to Tolem's page.
    const back = page.locator('a', { hasText: /./ }).last();
    await back.waitFor();
    await back.click();
    await page.waitForURL(/\?payment=/);
    await page.locator('#status.success').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#status').textContent(), 'Готово! Баланс пополнен.');
    const line = await server.request('GET', '/v1/lines/+77011234567');
    assert.equal(line.body.balance.main, 500_000);
    await page.close();
  });

  it('shows a subscriber their balance and buys a package from it', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.fill('#login', '+7 701 123 45 67');
    await page.fill('#password', 'traveller-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    const card = page.locator('section.card[data-msisdn="+77011234567"]');
    await card.waitFor();
    assert.equal((await card.locator('.balance').textContent())?.replace(/\s/g, ' '), '5 000 ₸');
    await card.getByRole('button', { name: 'Buy a package' }).click();
    const offers = card.locator('button[data-offering]');
    await offers.first().waitFor();
    const offering = await offers.first().getAttribute('data-offering');
    await offers.first().click();
    await page.locator('section.card[data-msisdn="+77011234567"] .balance').filter({ hasNotText: '5 000' }).waitFor();
    await page.locator('section.card[data-msisdn="+77011234567"]').getByRole('button', { name: 'Packages' }).click();
    await page.locator('section.card[data-msisdn="+77011234567"] .details li').first().waitFor();
    const packages = await server.request('GET', '/v1/lines/+77011234567/packages');
    assert.equal(packages.body.data[0].offering, offering);
    await page.close();
  });
});
