import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').trim();

/**
 * A line an admin suspended (a bar: a lost or stolen SIM, fraud) is not brought back by a top-up
 * (docs/lifecycle-and-usage.md); its SMS and *102# say to contact customer service. Self-care
 * showed it as plain "suspended" and, when a package was refused, told the subscriber to top up
 * to bring it back: money paid for nothing. The line now says it is barred (`barred` in the API).
 */
describe('self-care on a line the operator blocked', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  it('says the line is blocked by the operator and that a top-up does not unblock it (4 languages)', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660061';
    await addTraveller(server, msisdn, 'en');
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'barred-topup' } })).status, 201);
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}`)).body.barred, false);
    assert.equal((await server.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'stolen SIM' } })).status, 200);
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}`)).body.barred, true);
    const said = {
      en: { status: 'blocked by the operator', refusal: 'This number is blocked by the operator: contact customer service. A top-up does not unblock it.' },
      ru: { status: 'заблокирован оператором', refusal: 'Номер заблокирован оператором: обратитесь в службу поддержки. Пополнение его не разблокирует.' },
      kk: { status: 'оператор бұғаттаған', refusal: 'Нөмірді оператор бұғаттаған: қолдау қызметіне хабарласыңыз. Толықтыру бұғатты алмайды.' },
      zh: { status: '已被运营商停机', refusal: '此号码已被运营商停机：请联系客服。充值无法解除停机。' },
    };
    const page = await browser.newPage();
    for (const [language, words] of Object.entries(said)) {
      await page.goto(`${server.baseUrl}/account?lang=${language}`);
      await page.fill('#login', msisdn);
      await page.fill('#password', 'traveller-pass');
      await page.locator('form button[type=submit]').click();
      const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
      await card.waitFor();
      assert.equal(plain(await card.locator('.row .muted').first().textContent()), words.status, language);
      await card.locator('.row.buttons button').nth(5).click();
      await card.locator('button[data-offering="MESSENGERS_30D"]').click();
      await card.locator('.details p.error').waitFor();
      assert.equal(plain(await card.locator('.details p.error').textContent()), words.refusal, language);
      await page.context().clearCookies();
    }
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.length, 0);
    // Reactivated by an admin, the bar is gone.
    assert.equal((await server.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'found' } })).status, 200);
    const line = (await server.request('GET', `/v1/lines/${msisdn}`)).body;
    assert.deepEqual([line.status, line.barred], ['active', false]);
    await page.close();
  });
});
