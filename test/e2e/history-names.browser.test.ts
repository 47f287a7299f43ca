import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, liveServerAndBrowser } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A package's movements in a line's history are named in the page's language, also once the
 * package is no longer on sale (the catalog no longer lists it): never by the offering's code.
 */
describe('self-care history names a package off sale in the page\'s language', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  /** The rows of a line's history as the page shows them, spaces made plain. */
  async function historyRows(page: Page, msisdn: string, language: string): Promise<string[]> {
    await page.goto(`${live.server.baseUrl}/account?lang=${language}`);
    await page.fill('#login', msisdn);
    await page.fill('#password', 'traveller-pass');
    await page.locator('form button[type=submit]').click();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.waitFor();
    await card.locator('.row.buttons button').nth(1).click();
    await card.locator('.details li').first().waitFor();
    const rows = (await card.locator('.details li').allTextContents()).map((row) => row.replace(/\s+/g, ' ').trim());
    await page.context().clearCookies();
    return rows;
  }

  it('names a pack still held, and one ended long ago, without the offering\'s code (4 languages)', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660021';
    await addTraveller(server, msisdn, 'en');
    // 3,000 ₸, under the top-up bonus's minimum: the pack is paid from the main balance.
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'names-topup' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'names-buy' } })).status, 201);
    // Taken off sale while the line still holds the pack.
    const until = new Date(server.clock.now().getTime() - 60_000).toISOString();
    assert.equal((await server.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { availableUntil: until } })).status, 200);
    const named = { en: 'Package: 1 GB for 7 days', ru: 'Пакет: 1 ГБ на 7 дней', kk: 'Пакет: 7 күнге 1 ГБ', zh: '套餐：7天 1 GB 流量包' };
    const page = await browser.newPage();
    for (const [language, label] of Object.entries(named)) {
      const rows = await historyRows(page, msisdn, language);
      assert.ok(rows.some((row) => row.startsWith(`${label} · `)), `${language}: ${rows.join('\n')}`);
      for (const row of rows) assert.doesNotMatch(row, /DATA_1GB_7D/, `${language}: no offering code`);
    }
    // A pack that ended beyond what the line's packages list (90 days): the kind alone, still no code.
    server.clock.advanceDays(120);
    const alone = { en: 'Package', ru: 'Пакет', kk: 'Пакет', zh: '套餐' };
    for (const [language, label] of Object.entries(alone)) {
      const rows = await historyRows(page, msisdn, language);
      assert.ok(rows.some((row) => row.startsWith(`${label} · `)), `${language}: ${rows.join('\n')}`);
      for (const row of rows) assert.doesNotMatch(row, /DATA_1GB_7D/, `${language}: no offering code`);
    }
    await page.close();
  });
});
