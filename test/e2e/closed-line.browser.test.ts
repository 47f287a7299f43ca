import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A closed (terminated) line on self-care: it showed "Valid until" a date weeks ahead and every
 * action, each of which ends in a refusal or a dead end ("Not enough balance: top up first", and
 * the top-up page then says the number cannot be topped up; a promised payment "available once
 * the first top-up is 30 days old"). It now shows what it was: status, balance, history, SMS.
 */
describe('self-care shows a closed line as closed', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  it('offers no action on it and no validity, and keeps its history with the receipt (4 languages)', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660051';
    await addTraveller(server, msisdn, 'kk');
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'closed-topup' } })).status, 201);
    assert.equal((await server.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
    const words = {
      en: { status: 'closed', validity: 'Valid until', buttons: ['History', 'Messages'], topUp: 'Top-up' },
      ru: { status: 'закрыт', validity: 'Действует до', buttons: ['История', 'Сообщения'], topUp: 'Пополнение' },
      kk: { status: 'жабылған', validity: 'Жарамдылық мерзімі', buttons: ['Тарих', 'Хабарламалар'], topUp: 'Толықтыру' },
      zh: { status: '已销号', validity: '有效期至', buttons: ['记录', '短信'], topUp: '充值' },
    };
    const page = await browser.newPage();
    for (const [language, said] of Object.entries(words)) {
      await page.goto(`${server.baseUrl}/account?lang=${language}`);
      await page.fill('#login', msisdn);
      await page.fill('#password', 'traveller-pass');
      await page.locator('form button[type=submit]').click();
      const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
      await card.waitFor();
      assert.equal((await card.locator('.row .muted').first().textContent())?.trim(), said.status, language);
      assert.equal(await card.getByText(said.validity).count(), 0, `${language}: no validity on a closed line`);
      assert.deepEqual((await card.locator('button').allTextContents()).map((text) => text.trim()), said.buttons, language);
      await card.getByRole('button', { name: said.buttons[0] }).click();
      const topUp = card.locator('.details li', { hasText: said.topUp }).first();
      await topUp.waitFor();
      assert.equal(await topUp.locator('a[data-receipt]').count(), 1, `${language}: the top-up's receipt`);
      await page.context().clearCookies();
    }
    await page.close();
  });
});
