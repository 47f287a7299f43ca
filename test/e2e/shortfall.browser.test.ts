import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser, logInToSelfCare, PHONE } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A Renew or Buy the balance cannot pay for said only "Not enough balance: top up first", though
 * the server says by how much (details.shortfall): a traveller had to work out what to top up.
 * The page now says the amount missing, in the page's language.
 */
describe('self-care says how much is missing for a package', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  it('on a refused Renew and beside a Buy the balance cannot pay for', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660077';
    await addTraveller(server, msisdn, 'ru');
    const price = (await server.request('GET', '/v1/offerings')).body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D').price as number;
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: price + 10_000, currency: 'KZT' }, headers: { 'idempotency-key': 'shortfall-topup' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'shortfall-buy' } })).status, 201);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const card = await logInToSelfCare(page, server.baseUrl, msisdn, 'ru', { tap: true });
    await card.getByRole('button', { name: 'Пакеты' }).tap();
    await card.locator('button[data-renew]').tap();
    const said = card.locator('p.error[role=alert]');
    await said.waitFor();
    const plain = (text: string | null) => (text ?? '').replace(/\s/g, ' ');
    const missing = (price - 10_000) / 100;
    assert.equal(plain(await said.textContent()), `Недостаточно средств: не хватает ${missing.toLocaleString('ru-RU').replace(/\s/g, ' ')} ₸. Сначала пополните баланс.`);
    await card.getByRole('button', { name: 'Купить пакет' }).tap();
    const short = card.locator(`#short-${(await server.request('GET', `/v1/lines/${msisdn}`)).body.id}-DATA_1GB_7D`);
    await short.waitFor();
    assert.match(plain(await short.textContent()), new RegExp(`^Недостаточно средств: не хватает ${missing.toLocaleString('ru-RU').replace(/\s/g, ' ')} ₸\\.`));
    await context.close();
  });
});
