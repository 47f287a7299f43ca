import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { seedCatalog } from '../../src/catalog/seed-catalog.ts';
import { browserSkip, launchBrowser } from '../support/browser.ts';
import { addTraveller, startLiveServer } from '../support/live-server.ts';

/** The page's own `document`, in functions run in the browser (this file is compiled without the DOM's types). */
declare const document: { activeElement: { id: string; getAttribute(name: string): string | null; hasAttribute(name: string): boolean } | null };

const NBSP = '\u00a0';
/** A text as the page shows it, its no-break spaces as plain ones. */
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').trim();

/**
 * What the subscriber pages say when the server refuses, and what they keep: a session that
 * ended, a package already active or a line not active, too many payments or code tries (for
 * minutes or hours), amounts typed with group separators, typing kept across a language switch,
 * and one polling loop on the result page whatever the switches.
 */
describe('web pages: refusals, typed values and the result page in a real browser', { skip: browserSkip }, () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  before(async () => {
    server = await startLiveServer();
    await seedCatalog(server.app.ctx);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const topUp = async (msisdn: string, amount: number, key: string) =>
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);

  /** Logs in on /account in `language` (with the form's own button, whatever its words) and answers the line's card. */
  async function logIn(page: Page, msisdn: string, language: string): Promise<Locator> {
    await page.goto(`${server.baseUrl}/account?lang=${language}`);
    await page.fill('#login', msisdn);
    await page.fill('#password', 'traveller-pass');
    await page.locator('form button[type=submit]').click();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.waitFor();
    return card;
  }

  /** The top-up page in `language` at its amount step for `msisdn`. */
  async function toAmount(page: Page, msisdn: string, language: string) {
    await page.goto(`${server.baseUrl}/?lang=${language}`);
    await page.fill('#msisdn', msisdn);
    await page.locator('form button[type=submit]').click();
    await page.locator('#confirmed-number').waitFor();
  }

  it('brings the login form back, saying the session ended, when it ends while the page is open (4 languages)', async () => {
    const msisdn = '+77016660001';
    await addTraveller(server, msisdn, 'en');
    await topUp(msisdn, 1_000_000, 'ended-1');
    const page = await browser.newPage();
    const ended = { en: 'Your session has ended: log in again.', ru: 'Сеанс завершён: войдите снова.', kk: 'Сеанс аяқталды: қайта кіріңіз.', zh: '登录已失效，请重新登录。' };
    // Each panel in another language; logged out elsewhere (the cookie gone), its button brings the form back.
    const panels: [keyof typeof ended, number][] = [['en', 0], ['ru', 1], ['kk', 5], ['zh', 3]]; // Packages, History, Buy a package, Promised payment
    for (const [language, button] of panels) {
      const card = await logIn(page, msisdn, language);
      await page.context().clearCookies();
      await card.locator('.row.buttons button').nth(button).click();
      await page.locator('#login-error').waitFor();
      assert.equal(await page.locator('#login-error').textContent(), ended[language], `${language}, panel ${button}`);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'login', 'the keyboard is on the form');
      assert.equal(await page.locator('section.card').count(), 0);
      assert.equal(await page.locator('#logout').count(), 0);
    }
    // A purchase refused for the same reason: the form again, never "Something went wrong".
    const card = await logIn(page, msisdn, 'en');
    await card.getByRole('button', { name: 'Buy a package' }).click();
    await card.locator('button[data-offering="DATA_1GB_7D"]').waitFor();
    await page.context().clearCookies();
    await card.locator('button[data-offering="DATA_1GB_7D"]').click();
    await page.getByText(ended.en).waitFor();
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.length, 0);
    // Logging in again shows the lines.
    await page.fill('#login', msisdn);
    await page.fill('#password', 'traveller-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator(`section.card[data-msisdn="${msisdn}"]`).waitFor();
    await page.close();
  });

  it('says a package of the kind is already active, and that a line not active needs a top-up first', async () => {
    const [msisdn, idle] = ['+77016660002', '+77016660003'];
    for (const number of [msisdn, idle]) {
      await addTraveller(server, number, 'en');
      await topUp(number, 5_000_000, `active-${number}`);
    }
    // The messengers pack does not stack: one of its kind at a time, renewed, not bought again.
    assert.equal((await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'MESSENGERS_30D' }, headers: { 'idempotency-key': 'active-buy' } })).status, 201);
    // A line in grace, as the lifecycle leaves it after its validity ended.
    await server.app.ctx.db.updateTable('lines').set({ status: 'grace' }).where('msisdn', '=', idle).execute();
    const page = await browser.newPage();
    const already: Record<string, string> = {
      en: 'A package of this kind is already active: renew it in Packages instead.', ru: 'Пакет этого типа уже действует: продлите его в разделе «Пакеты».',
      kk: 'Осы түрдегі пакет қазір белсенді: оны «Пакеттер» бөлімінде ұзартыңыз.', zh: '同类套餐已在使用中：请在“套餐”中续订。',
    };
    const notActive: Record<string, string> = {
      en: 'This number is not active: top it up first to bring it back.', ru: 'Номер не активен: сначала пополните баланс, чтобы его восстановить.',
      kk: 'Нөмір белсенді емес: оны қайта қосу үшін алдымен балансты толықтырыңыз.', zh: '此号码当前未处于正常状态：请先充值以恢复号码。',
    };
    const buy = async (number: string, language: string) => {
      const card = await logIn(page, number, language);
      await card.locator('.row.buttons button').nth(5).click();
      await card.locator('button[data-offering="MESSENGERS_30D"]').click();
      return plain(await card.locator('.details p.error').textContent());
    };
    for (const language of ['en', 'ru', 'kk', 'zh']) {
      assert.equal(await buy(msisdn, language), already[language], language);
      await page.context().clearCookies();
      assert.equal(await buy(idle, language), notActive[language], language);
      await page.context().clearCookies();
    }
    assert.equal((await server.request('GET', `/v1/lines/${idle}/packages`)).body.data.length, 0);
    await page.close();
  });

  it('says too many payment attempts, in minutes, or in hours from an hour on, on the top-up page (4 languages)', async () => {
    const msisdn = '+77016660004';
    await addTraveller(server, msisdn, 'en');
    const payments = server.app.ctx.settings.payments;
    const previous = { perLineMax: payments.perLineMax, velocityWindowMinutes: payments.velocityWindowMinutes };
    payments.perLineMax = 0; // the first payment is one too many
    const expected: [string, number, string][] = [
      ['en', 15, 'Too many payment attempts. Try again in 15 min.'],
      ['ru', 15, 'Слишком много попыток оплаты. Попробуйте снова через 15 мин.'],
      ['kk', 1440, 'Төлем әрекеті тым көп. 24 сағаттан кейін қайталап көріңіз.'],
      ['zh', 1440, '支付尝试次数过多，请在 24 小时后重试。'],
      ['en', 60, 'Too many payment attempts. Try again in 1 h.'],
    ];
    const page = await browser.newPage();
    try {
      for (const [language, minutes, text] of expected) {
        payments.velocityWindowMinutes = minutes;
        await toAmount(page, msisdn, language);
        await page.locator('form button[type=submit]').click();
        await page.locator('#amount-error').waitFor();
        assert.equal(plain(await page.locator('#amount-error').textContent()), text, `${language}, ${minutes} min`);
        assert.equal(await page.locator('form button[type=submit]').isEnabled(), true);
      }
    } finally {
      Object.assign(payments, previous);
    }
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, 0);
    await page.close();
  });

  it('says a server outage (503 unavailable) is one to try again: not "not served here" for the number, not "wrong password" at login (4 languages)', async () => {
    const msisdn = '+77016660021';
    await addTraveller(server, msisdn, 'en');
    const page = await browser.newPage();
    // The answer Tolem gives while its database is unreachable (docs/errors.md: a passing outage to retry).
    const outage = (route: { fulfill(options: { status: number; contentType: string; body: string }): Promise<void> }) => route.fulfill({
      status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Temporarily unavailable.', details: { reason: 'database_unavailable' } } }),
    });
    const again = { en: 'Something went wrong. Please try again.', ru: 'Что-то пошло не так. Попробуйте ещё раз.', kk: 'Бірдеңе дұрыс болмады. Қайталап көріңіз.', zh: '出了点问题，请重试。' };
    for (const language of ['en', 'ru', 'kk', 'zh'] as const) {
      await page.route('**/v1/payments/confirm-line*', outage);
      await page.goto(`${server.baseUrl}/?lang=${language}`);
      await page.fill('#msisdn', msisdn);
      await page.locator('form button[type=submit]').click();
      await page.locator('#msisdn-error').waitFor();
      assert.equal(await page.locator('#msisdn-error').textContent(), again[language], `${language}: top-up page`);
      await page.unroute('**/v1/payments/confirm-line*');
      // The number is served: once the server is back, Continue goes on.
      await page.locator('form button[type=submit]').click();
      await page.locator('#confirmed-number').waitFor();

      await page.route('**/v1/auth/login', outage);
      await page.goto(`${server.baseUrl}/account?lang=${language}`);
      await page.fill('#login', msisdn);
      await page.fill('#password', 'traveller-pass');
      await page.locator('form button[type=submit]').click();
      await page.locator('#login-error').waitFor();
      assert.equal(await page.locator('#login-error').textContent(), again[language], `${language}: login`);
      await page.unroute('**/v1/auth/login');
    }
    await page.close();
  });

  it('keeps what was typed across a language switch: the number on the top-up page, number and password at login', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=en`);
    await page.fill('#msisdn', '8 701 666 00 05');
    await page.getByRole('combobox').selectOption('ru');
    await page.getByRole('heading', { name: 'Пополнить казахстанскую SIM-карту' }).waitFor();
    assert.equal(await page.locator('#msisdn').inputValue(), '8 701 666 00 05');
    await page.getByRole('combobox').selectOption('zh');
    await page.getByRole('heading', { name: '为哈萨克斯坦 SIM 卡充值' }).waitFor();
    assert.equal(await page.locator('#msisdn').inputValue(), '8 701 666 00 05');

    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.fill('#login', '8 701 666 00 05');
    await page.fill('#password', 'secret typed');
    await page.getByRole('combobox').selectOption('kk');
    await page.getByRole('button', { name: 'Кіру' }).waitFor();
    assert.equal(await page.locator('#login').inputValue(), '8 701 666 00 05');
    assert.equal(await page.locator('#password').inputValue(), 'secret typed');
    assert.equal(await page.locator('#password').getAttribute('value'), null, 'the password is in no attribute of the page');
    assert.equal(await page.evaluate(() => document.activeElement?.id), '', 'the keyboard stays on the language');
    await page.close();
  });

  it('follows a payment with one loop only, whatever the language switches, and shows its end in the language chosen', async () => {
    const page = await browser.newPage();
    let polls = 0;
    let status = 'processing';
    // The payment as the API answers it, each answer counted: a loop asks once a second.
    await page.route('**/v1/payments/pay_polled', async (route) => {
      polls++;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ id: 'pay_polled', status, amount: 100_000, msisdn: '+77016660006', receiptNumber: null }) });
    });
    await page.goto(`${server.baseUrl}/?lang=en&payment=pay_polled&secret=s3cret`);
    await page.getByText('Waiting for the payment to be confirmed…').waitFor();
    for (const language of ['ru', 'kk', 'zh', 'en', 'ru', 'kk']) await page.getByRole('combobox').selectOption(language);
    assert.equal(await page.locator('#status').textContent(), 'Төлемнің расталуын күтудеміз…');
    const before = polls;
    await page.waitForTimeout(3_000);
    // One loop: three or four answers in three seconds; a loop per switch would be seven times as many.
    assert.ok(polls - before <= 4, `${polls - before} polls in 3 s`);
    status = 'succeeded';
    await page.locator('#status.success').waitFor();
    assert.equal(await page.locator('#status').textContent(), 'Дайын! Баланс толықтырылды.');
    await page.getByRole('combobox').selectOption('zh');
    assert.equal(await page.locator('#status').textContent(), '完成！余额已充值。');
    assert.equal(plain(await page.locator('.card .big').textContent()), '1,000 ₸');
    const settled = polls;
    await page.waitForTimeout(1_500);
    assert.equal(polls, settled, 'no loop goes on after the end');
    await page.close();
  });

  it('says a package is no longer on sale when its sale ended while the list was open, and lists it no more (4 languages)', async () => {
    const msisdn = '+77016660011';
    await addTraveller(server, msisdn, 'en');
    await topUp(msisdn, 5_000_000, 'unavailable-1');
    const said: Record<string, string> = { en: 'This package is no longer on sale.', ru: 'Этот пакет больше не продаётся.', kk: 'Бұл пакет енді сатылмайды.', zh: '该套餐已停售。' };
    const page = await browser.newPage();
    for (const language of ['en', 'ru', 'kk', 'zh']) {
      const card = await logIn(page, msisdn, language);
      await card.locator('.row.buttons button').nth(5).click();
      const offer = card.locator('button[data-offering="VOICE_100MIN_30D"]');
      await offer.waitFor();
      const until = new Date(server.app.ctx.clock.now().getTime() - 60_000).toISOString();
      assert.equal((await server.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { availableUntil: until } })).status, 200);
      try {
        await offer.click();
        await card.locator('form.promo p.error').waitFor();
        assert.equal(plain(await card.locator('form.promo p.error').textContent()), said[language], language);
        assert.equal(await offer.count(), 0, 'no longer offered');
      } finally {
        assert.equal((await server.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { availableUntil: null } })).status, 200);
      }
      await page.context().clearCookies();
    }
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.length, 0);
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, 5_000_000);
    await page.close();
  });

  it('keeps the number and amount typed when the amount to send is refused on the page, and takes the keyboard to the amount', async () => {
    const msisdn = '+77016660012';
    await addTraveller(server, msisdn, 'en');
    await topUp(msisdn, 1_000_000, 'transfer-typed-1');
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: '+77016660013' } })).status, 201);
    const page = await browser.newPage();
    const card = await logIn(page, msisdn, 'en');
    await card.getByRole('button', { name: 'Send balance' }).click();
    for (const typed of ['12.5', '0']) {
      await card.getByLabel('Send to number').fill('8 701 666 00 13');
      await card.getByLabel('Amount, ₸').fill(typed);
      await card.getByRole('button', { name: 'Continue' }).click();
      await card.locator('form.transfer p.error').waitFor();
      assert.equal(plain(await card.locator('form.transfer p.error').textContent()), 'Enter an amount in whole tenge.');
      assert.equal(await card.getByLabel('Send to number').inputValue(), '8 701 666 00 13', typed);
      assert.equal(await card.getByLabel('Amount, ₸').inputValue(), typed);
      assert.equal(await page.evaluate(() => document.activeElement?.id), await card.getByLabel('Amount, ₸').getAttribute('id'), typed);
    }
    // Refused by the server: the keyboard goes to the field to correct too (the button it was on was disabled meanwhile).
    const refusals: [string, string, string, string][] = [
      ['123', '100', 'Check the number: a Kazakhstan mobile number, +7 7xx xxx xx xx.', 'Send to number'],
      ['8 701 666 00 12', '100', 'Choose a number other than the sending one.', 'Send to number'],
      ['8 701 666 00 13', '15000', 'Not enough balance: the transfer and its fee need', 'Amount, ₸'],
    ];
    for (const [to, amount, text, field] of refusals) {
      await card.getByLabel('Send to number').fill(to);
      await card.getByLabel('Amount, ₸').fill(amount);
      await card.getByRole('button', { name: 'Continue' }).click();
      await card.locator('form.transfer p.error', { hasText: text }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), await card.getByLabel(field).getAttribute('id'), text);
    }
    await page.close();
  });

  it('keeps the keyboard on Buy and Renew when they are refused (their buttons were disabled meanwhile), and in a refused promo code', async () => {
    const msisdn = '+77016660014';
    await addTraveller(server, msisdn, 'en');
    await topUp(msisdn, 1_000_000, 'keyboard-refused-1');
    assert.equal((await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'MESSENGERS_30D' }, headers: { 'idempotency-key': 'keyboard-refused-buy' } })).status, 201);
    const page = await browser.newPage();
    const card = await logIn(page, msisdn, 'en');
    // Bought again: one of its kind at a time.
    await card.getByRole('button', { name: 'Buy a package' }).click();
    const buy = card.locator('button[data-offering="MESSENGERS_30D"]');
    await buy.focus();
    await page.keyboard.press('Enter');
    await card.locator('.details p.error').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-offering')), 'MESSENGERS_30D');
    // Renewed with too little money left.
    await server.app.ctx.db.updateTable('lines').set({ status: 'grace' }).where('msisdn', '=', msisdn).execute();
    await card.getByRole('button', { name: 'Packages' }).click();
    const renew = card.locator('button[data-renew]');
    await renew.focus();
    await page.keyboard.press('Enter');
    await card.locator('.details p.error').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-renew')), true);
    // A promo code refused: the keyboard stays in its field, to correct it.
    await card.getByRole('button', { name: 'Buy a package' }).click();
    await card.getByLabel('Promo code').fill('NOSUCHCODE');
    await card.getByLabel('Promo code').press('Enter');
    await card.locator('form.promo p.error').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'promoCode');
    await page.close();
  });

  it('keeps the keyboard on "Show more" when the next page could not be fetched', async () => {
    const msisdn = '+77016660015';
    await addTraveller(server, msisdn, 'en');
    for (let index = 0; index < 21; index++) await topUp(msisdn, 100_000, `show-more-${index}`);
    const page = await browser.newPage();
    const card = await logIn(page, msisdn, 'en');
    await card.getByRole('button', { name: 'History' }).click();
    const more = card.getByRole('button', { name: 'Show more' });
    await more.waitFor();
    // The connection drops before the second page.
    await page.route('**/transactions?limit=20&cursor=*', (route) => route.abort());
    await more.focus();
    await page.keyboard.press('Enter');
    await card.getByText('No connection. Check your internet and try again.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-more')), true);
    await page.close();
  });

  it('says that a payment the line could not take is refunded, and asks for no other card', async () => {
    const msisdn = '+77016660010';
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn, language: 'ru' } })).status, 201);
    const page = await browser.newPage();
    await toAmount(page, msisdn, 'ru');
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    // Closed while the payer types the card: the money is taken, then refunded in full (docs/payments.md).
    assert.equal((await server.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'test' } })).status, 200);
    await page.fill('#cardNumber', '4242 4242 4242 4242');
    await page.fill('#expiry', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay');
    await page.locator('a').last().click();
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    // Not "try again, or use another card": another card would be charged and refunded the same way.
    assert.deepEqual(await page.locator('main p').allTextContents(), [
      'Платёж не прошёл.', 'Номер не смог принять деньги, поэтому платёж полностью возвращается на вашу карту: баланс не изменился.']);
    await page.close();
  });

  it('says a wait of a day in hours, and takes the code form away once the day\'s code tries are used up', async () => {
    const [msisdn, friend] = ['+77016660007', '+77016660008'];
    await addTraveller(server, msisdn, 'ru');
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: friend } })).status, 201);
    await topUp(msisdn, 1_000_000, 'codes-1');
    const transfers = server.app.ctx.settings.transfers;
    const previous = transfers.codeTriesPerDayMax;
    transfers.codeTriesPerDayMax = 1;
    const page = await browser.newPage();
    try {
      const card = await logIn(page, msisdn, 'ru');
      await card.getByRole('button', { name: 'Перевести баланс' }).click();
      await card.getByLabel('На номер').fill('8 701 666 00 08');
      await card.getByLabel('Сумма, ₸').fill('1000');
      await card.getByRole('button', { name: 'Далее' }).click();
      const code = card.getByLabel('Код из SMS');
      await code.fill('000000');
      await card.getByRole('button', { name: 'Перевести', exact: true }).click();
      await card.locator('form.transfer-code p.error').waitFor();
      // The code's second try is over the day's tries: said in hours, and nothing more to type.
      await code.fill('000001');
      await card.getByRole('button', { name: 'Перевести', exact: true }).click();
      await card.locator('.details .view > p.error').waitFor();
      assert.equal(plain(await card.locator('.details .view > p.error').textContent()), 'Слишком много попыток. Попробуйте снова через 24 ч.');
      assert.equal(await card.locator('form.transfer-code').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.id), '');
      assert.equal((await server.request('GET', `/v1/lines/${friend}`)).body.balance.main, 0);
    } finally {
      transfers.codeTriesPerDayMax = previous;
    }
    await page.close();
  });

  it('takes an amount typed with group separators as the page writes them, and refuses fractions', async () => {
    const msisdn = '+77016660009';
    await addTraveller(server, msisdn, 'en');
    const page = await browser.newPage();
    const payLabel = async () => plain(await page.locator('form button[type=submit]').textContent());
    await toAmount(page, msisdn, 'en');
    for (const typed of ['1,000', '1 000', `1${NBSP}000`, '1\u202f000', '1,000,0', '10,000']) {
      await page.fill('#amount', typed);
      assert.equal(await payLabel(), typed === '1,000,0' ? 'Pay' : typed === '10,000' ? 'Pay 10,000 ₸' : 'Pay 1,000 ₸', typed);
    }
    for (const typed of ['1000,50', '1000.5', '1,00', '1 000,000', '1.000']) {
      await page.fill('#amount', typed);
      assert.equal(await payLabel(), 'Pay', typed);
      await page.locator('form button[type=submit]').click();
      // Refused, the step is drawn again with the field empty, saying why.
      assert.equal(await page.locator('#amount').inputValue(), '', typed);
      assert.equal(plain(await page.locator('#amount-error').textContent()), 'Enter a whole amount from 500 ₸ to 100,000 ₸.', typed);
    }
    // In Russian the comma is the decimal sign: "1,000" is no whole amount; "1 000" (no-break space) pays 1 000 ₸.
    await toAmount(page, msisdn, 'ru');
    await page.fill('#amount', '1,000');
    await page.locator('form button[type=submit]').click();
    await page.getByText(`Введите целую сумму от 500${NBSP}₸ до 100${NBSP}000${NBSP}₸.`).waitFor();
    await page.fill('#amount', `1${NBSP}000`);
    assert.equal(await payLabel(), 'Оплатить 1 000 ₸');
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    assert.equal(plain(await page.locator('#amount').innerText()), '1 000 ₸');
    await page.close();
  });
});
