import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { seedCatalog } from '../../src/catalog/seed-catalog.ts';
import { runJobsOnce } from '../../src/jobs/scheduler.ts';
import { expireBonusJob } from '../../src/promotions/expire-bonus-job.ts';
import { browserSkip, launchBrowser } from '../support/browser.ts';
import { addTraveller, startLiveServer } from '../support/live-server.ts';

/** The page's own `document`, in functions run in the browser (this file is compiled without the DOM's types). */
declare const document: { activeElement: { id: string; tagName: string; getAttribute(name: string): string | null } | null; querySelectorAll(selector: string): { length: number } };

/** On the sandbox's checkout page: pays with this card, then follows its link back to Tolem (returned). */
async function payOnSandbox(page: Page, card: string): Promise<string> {
  await page.waitForURL(/\/sandbox\/checkout\//);
  await page.fill('#cardNumber', card);
  await page.fill('#expiry', '12/34');
  await page.fill('#cvc', '123');
  await page.click('#pay');
  const back = page.locator('a', { hasText: /./ }).last();
  await back.waitFor();
  const returnLink = (await back.getAttribute('href'))!;
  await back.click();
  return returnLink;
}

/** A traveller's two pages in a real browser: the public top-up page and self-care. */
describe('top-up page and self-care in a real browser', { skip: browserSkip }, () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  before(async () => {
    server = await startLiveServer();
    await seedCatalog(server.app.ctx);
    await addTraveller(server, '+77011234567', 'ru');
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
    // The limits come from the server's settings, in the page's language.
    assert.ok(await page.getByText(/^От 500\s₸ до 100\s000\s₸$/).isVisible());
    await page.getByRole('button', { name: /^5\s000\s₸$/ }).click();
    await page.getByRole('button', { name: /^Оплатить/ }).click();
    // The sandbox answers like a real provider and leads back to Tolem's page.
    const returnLink = await payOnSandbox(page, '4242 4242 4242 4242');
    await page.waitForURL(/\?payment=/);
    await page.locator('#status.success').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#status').textContent(), 'Готово! Баланс пополнен.');
    const line = await server.request('GET', '/v1/lines/+77011234567');
    assert.equal(line.body.balance.main, 500_000);
    // The payer, who has no account, downloads the receipt as a PDF (in Russian, the page's language).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать чек (PDF)' }).click()]);
    const number = await page.locator('button[data-receipt]').getAttribute('data-receipt');
    assert.equal(download.suggestedFilename(), `${number}.pdf`);
    assert.equal(readFileSync(String(await download.path())).subarray(0, 5).toString(), '%PDF-');
    // The button was disabled while it fetched: the keyboard comes back to it.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-receipt') !== null, undefined, { timeout: 5_000 });
    // The bank's app often opens the return link in another browser: it shows the result there too.
    const elsewhere = await browser.newContext();
    const other = await elsewhere.newPage();
    assert.match(returnLink, /[?&]secret=/);
    assert.doesNotMatch(page.url(), /secret=/, 'read once, the secret leaves the address bar');
    await other.goto(new URL(returnLink, server.baseUrl).href);
    await other.locator('#status.success').waitFor();
    // In the language paid in, not that browser's (English here).
    assert.equal(await other.locator('#status').textContent(), 'Готово! Баланс пополнен.');
    assert.equal(await other.locator('html').getAttribute('lang'), 'ru');
    await elsewhere.close();
    await page.close();
  });

  it('says what is wrong with a number or an amount, keeps the button true to the amount, and survives a lost connection', async () => {
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: '+77012223344' } })).status, 201);
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=en`);
    await page.fill('#msisdn', '12345');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This is not a Kazakhstan mobile number. Type it as +7 7xx xxx xx xx.').waitFor();
    assert.equal(await page.locator('#msisdn').getAttribute('aria-invalid'), 'true');
    await page.fill('#msisdn', '8 777 999 99 99');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This number is not served here. Check it and try again.').waitFor();
    // No connection: the page says so and gives the button back.
    await page.route('**/v1/payments/confirm-line*', (route) => route.abort('internetdisconnected'));
    await page.fill('#msisdn', '8 701 222 33 44');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('No connection. Check your internet and try again.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Continue' }).isEnabled(), true);
    await page.unroute('**/v1/payments/confirm-line*');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#confirmed-number').waitFor();
    // The button says what will be charged, typed or tapped; out of range is the page's message, not the browser's.
    await page.fill('#amount', '7000');
    assert.equal((await page.locator('button[type=submit]').textContent())?.replace(/\s/g, ' '), 'Pay 7,000 ₸');
    assert.equal(await page.locator('.chips button[aria-pressed="true"]').count(), 0);
    await page.fill('#amount', '100');
    await page.locator('button[type=submit]').click();
    await page.getByText('Enter a whole amount from 500 ₸ to 100,000 ₸.').waitFor();
    // A declined card: the reason, and a way to try again with the number kept.
    await page.getByRole('button', { name: /^1,000\s₸$/ }).click();
    await page.getByRole('button', { name: /^Pay 1,000/ }).click();
    await payOnSandbox(page, '4000 0000 0000 0002');
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#reason').textContent(), 'The card was declined.');
    await page.getByRole('button', { name: 'Try again' }).click();
    assert.equal(await page.locator('#msisdn').inputValue(), '8 701 222 33 44');
    // Logged out, the self-care header holds its two links and the language, nothing else.
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.locator('#login').waitFor();
    assert.deepEqual((await page.locator('#nav').innerText()).split(/\s+/).filter(Boolean).slice(0, 2), ['Top', 'up']);
    assert.doesNotMatch(await page.locator('#nav').innerText(), /null/);
    await page.close();
  });

  it('first offers an amount the operator\'s limits allow (TOPUP_AMOUNT_MIN_KZT above 2,000 ₸)', async () => {
    const limits = server.app.ctx.settings.topup;
    const before = limits.amountMin;
    limits.amountMin = 300_000n;
    try {
      const page = await browser.newPage();
      await page.goto(`${server.baseUrl}/?lang=en`);
      await page.fill('#msisdn', '+7 701 123 45 67');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#confirmed-number').waitFor();
      // Was 2,000 ₸, which the page then refused as below the minimum.
      assert.equal(await page.locator('#amount').inputValue(), '5000');
      assert.equal((await page.locator('button[type=submit]').textContent())?.replace(/\s/g, ' '), 'Pay 5,000 ₸');
      assert.deepEqual(await page.locator('.chips button').allTextContents().then((texts) => texts.map((text) => text.replace(/\s/g, ' '))), ['5,000 ₸', '10,000 ₸']);
      await page.close();
    } finally {
      limits.amountMin = before;
    }
  });

  it('shows a subscriber their balance and buys a package from it', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.fill('#login', '+7 701 123 45 67');
    await page.fill('#password', 'traveller-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    const card = page.locator('section.card[data-msisdn="+77011234567"]');
    await card.waitFor();
    assert.equal(await page.title(), 'Tolem — my account');
    assert.ok(await page.getByText('Times are Almaty time (UTC+5).').isVisible());
    assert.equal((await card.locator('.balance').textContent())?.replace(/\s/g, ' '), '5,000 ₸');
    await card.getByRole('button', { name: 'Buy a package' }).click();
    const offers = card.locator('button[data-offering]');
    await offers.first().waitFor();
    // By kind, then cheapest first ("5 GB" before "20 GB"); each description without its full stop before " · 7 days".
    assert.deepEqual(await offers.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-offering'))),
      ['MESSENGERS_30D', 'DATA_1GB_7D', 'DATA_5GB_30D', 'DATA_20GB_30D', 'VOICE_100MIN_30D', 'TOURIST_COMBO_15D']);
    const offering = 'DATA_1GB_7D';
    assert.equal((await card.locator('.details li', { has: page.locator(`[data-offering="${offering}"]`) }).locator('div.muted').textContent())?.replace(/\s/g, ' '),
      'Mobile internet for a short trip · 7 days');
    await card.locator(`button[data-offering="${offering}"]`).click();
    await page.locator('section.card[data-msisdn="+77011234567"] .balance').filter({ hasNotText: '5,000' }).waitFor();
    await page.locator('section.card[data-msisdn="+77011234567"]').getByRole('button', { name: 'Packages' }).click();
    await page.locator('section.card[data-msisdn="+77011234567"] .details li').first().waitFor();
    const packages = await server.request('GET', '/v1/lines/+77011234567/packages');
    assert.equal(packages.body.data[0].offering, offering);
    // Auto-renew is on by default where the offering allows it; the switch turns it off on the server.
    const pack = page.locator(`section.card[data-msisdn="+77011234567"] li[data-package="${packages.body.data[0].id}"]`);
    const automatic = pack.getByLabel('Renew automatically');
    assert.equal(await automatic.isChecked(), packages.body.data[0].autoRenew);
    await automatic.setChecked(!packages.body.data[0].autoRenew);
    await pack.locator('input[type=checkbox]:not([disabled])').waitFor();
    assert.equal((await server.request('GET', '/v1/lines/+77011234567/packages')).body.data[0].autoRenew, !packages.body.data[0].autoRenew);
    // Renew now, at the price the button shows: one more period, the balances lower by that price.
    const balances = async () => { const { main, bonus } = (await server.request('GET', '/v1/lines/+77011234567')).body.balance; return main + bonus; };
    const before = await balances();
    const price = (await server.request('GET', '/v1/offerings')).body.data.find((o: { code: string }) => o.code === offering).price as number;
    const renewButton = pack.locator('button[data-renew]');
    assert.equal((await renewButton.textContent())?.replace(/\s/g, ' '), `Renew now · ${(price / 100).toLocaleString('en-US')} ₸`);
    await renewButton.click();
    await page.locator('section.card[data-msisdn="+77011234567"] .balance').filter({ hasNotText: String((before / 100).toLocaleString('en-US')) }).waitFor();
    assert.equal(before - await balances(), price);
    assert.equal((await server.request('GET', '/v1/lines/+77011234567/packages')).body.data[0].periods, 2);
    // The card top-up was reserved, then paid: the history shows it once, as a top-up.
    const history = await server.request('GET', '/v1/lines/+77011234567/transactions?limit=20');
    assert.deepEqual(history.body.data.filter((e: { code: string }) => e.code === 'topup').map((e: { kind: string }) => e.kind).sort(), ['pending', 'post_pending']);
    const historyCard = page.locator('section.card[data-msisdn="+77011234567"]');
    await historyCard.getByRole('button', { name: 'History' }).click();
    await historyCard.locator('.details h2', { hasText: 'History' }).waitFor();
    const rows = await historyCard.locator('.details li').allTextContents();
    assert.equal(rows.filter((row) => row.startsWith('Top-up ·')).length, 1, rows.join('\n'));
    assert.ok(!rows.some((row) => row.includes('awaiting payment')), rows.join('\n'));
    // Each top-up and purchase links to its receipt; the subscriber's session downloads the PDF.
    const issued = history.body.data.filter((e: { receipt: string | null }) => e.receipt).map((e: { receipt: string }) => e.receipt);
    assert.equal(new Set(issued).size, 3, 'the card top-up, the purchase and the renewal');
    assert.deepEqual(await historyCard.locator('.details a[data-receipt]').evaluateAll((links) => links.map((a) => a.getAttribute('data-receipt'))), issued);
    const download = await page.evaluate(async (href) => { const r = await fetch(href); return { status: r.status, type: r.headers.get('content-type'), start: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)) }; },
      String(await historyCard.locator('.details a[data-receipt]').first().getAttribute('href')));
    assert.deepEqual(download, { status: 200, type: 'application/pdf', start: '%PDF-' });
    // The SMS the line was sent (here one row as the SMS worker writes it), in the language it went in.
    const lineId = (await server.request('GET', '/v1/lines/+77011234567')).body.id as string;
    const now = server.clock.now().toISOString();
    /** One row as the SMS worker leaves it, in Russian; `status` what became of it. */
    const sms = (suffix: string, text: string, status: 'queued' | 'delivered' | 'undeliverable' | 'canceled') => server.app.ctx.db.insertInto('sms_messages').values({
      id: `sms_01KF00000000000000000000${suffix}`, event_id: `evt_browser_test_${suffix}`, line_id: lineId, msisdn: '+77011234567', topic: 'topup.succeeded', language: 'ru',
      text, status, segments: 1n, attempts: status === 'canceled' ? 0n : 1n, next_attempt_at: now, lease_until: null, last_error: status === 'delivered' ? null : status,
      created_at: now, sent_at: status === 'canceled' || status === 'queued' ? null : now, delivered_at: status === 'delivered' ? now : null,
    }).execute();
    // A reminder canceled before it went (no longer true in the morning) was never on the phone: "no messages", not an empty list.
    await sms('AA', 'Номер действует до 01.01.2026.', 'canceled');
    await historyCard.getByRole('button', { name: 'Messages' }).click();
    await historyCard.getByText('No messages yet.').waitFor();
    await sms('AB', 'Баланс пополнен на 5 000 ₸.', 'delivered');
    // One the SMSC refused for good is listed, marked as not delivered (it was shown as any other).
    await sms('AC', 'Баланс пополнен на 1 000 ₸.', 'undeliverable');
    // One still waiting (the SMSC unreachable and retried, a reminder held through the night) is not on the phone yet: marked so.
    await sms('AD', 'Баланс пополнен на 2 000 ₸.', 'queued');
    await historyCard.getByRole('button', { name: 'Messages' }).click();
    await historyCard.locator('li[data-message] [lang="ru"]', { hasText: 'Баланс пополнен на 5 000 ₸.' }).waitFor();
    assert.equal(await historyCard.locator('li[data-message="sms_01KF00000000000000000000AB"] [data-undelivered]').count(), 0);
    assert.equal(await historyCard.locator('li[data-message="sms_01KF00000000000000000000AC"] [data-undelivered]').innerText(), 'Not delivered');
    assert.equal(await historyCard.locator('li[data-message="sms_01KF00000000000000000000AD"] [data-unsent]').innerText(), 'Not sent yet');
    assert.equal(await historyCard.locator('li[data-message="sms_01KF00000000000000000000AB"] [data-unsent]').count(), 0);
    await page.close();
  });

  it('shows the top-up page\'s title in Kazakh, and a no-JavaScript notice in all four languages', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=kk`);
    await page.getByRole('heading', { name: 'Қазақстандық SIM-картаның балансын толықтыру' }).waitFor();
    assert.equal(await page.title(), 'Tolem — қазақстандық SIM-картаның балансын толықтыру');
    assert.equal(await page.getByRole('combobox', { name: 'Тіл' }).count(), 1);
    await page.close();
    const withoutScript = await browser.newContext({ javaScriptEnabled: false });
    const bare = await withoutScript.newPage();
    await bare.goto(`${server.baseUrl}/`);
    const notices = await bare.locator('noscript p').evaluateAll((ps) => ps.map((p) => [p.getAttribute('lang'), p.textContent]));
    assert.deepEqual(notices.map(([lang]) => lang), ['en', 'ru', 'kk', 'zh']);
    assert.match(String(notices[2]![1]), /JavaScript-сіз жұмыс істемейді/);
    assert.match(String(notices[3]![1]), /此页面需要启用 JavaScript/);
    await withoutScript.close();
  });

  it('shows packages, units, dates and history in Kazakh, then in Chinese after switching', async () => {
    // A second traveller: 20 000 ₸ (+2 000 ₸ bonus), the tourist combo (10 GB, 60 min, 50 SMS), then some of it used.
    const msisdn = '+77017654321';
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn, language: 'kk' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/users', { body: { login: msisdn, password: 'traveller-pass', role: 'subscriber' } })).status, 201);
    const topUp = await server.request('POST', '/v1/topups', { body: { msisdn, amount: 2_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'kk-zh-topup' } });
    assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
    const bought = await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'TOURIST_COMBO_15D' }, headers: { 'idempotency-key': 'kk-zh-combo' } });
    assert.equal(bought.status, 201, JSON.stringify(bought.body));
    const at = server.clock.now().toISOString();
    const used = await server.request('POST', '/v1/usage', { token: await server.keyFor('network'), body: { events: [
      { id: 'kk-zh-data', msisdn, service: 'data', units: 1.5 * 1024 ** 3, at },
      { id: 'kk-zh-voice', msisdn, service: 'voice', units: 90, at },
      { id: 'kk-zh-sms', msisdn, service: 'sms', units: 1, at },
    ] } });
    assert.equal(used.status, 200, JSON.stringify(used.body));
    assert.equal(used.body.recorded, 3, JSON.stringify(used.body));

    const page = await browser.newPage();
    const text = async (selector: string) => (await page.locator(selector).allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
    await page.goto(`${server.baseUrl}/account?lang=kk`);
    assert.equal(await page.title(), 'Tolem — жеке кабинет');
    await page.fill('#login', msisdn);
    await page.fill('#password', 'traveller-pass');
    await page.getByRole('button', { name: 'Кіру' }).click();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.waitFor();
    assert.deepEqual(await text(`section.card[data-msisdn="${msisdn}"] .balance`), ['16 010 ₸']);
    await card.getByRole('button', { name: 'Пакеттер' }).click();
    await card.locator('.details li').first().waitFor();
    const kkPackage = await text(`section.card[data-msisdn="${msisdn}"] .details li div`);
    assert.match(kkPackage[0]!, /^\d{4} ж\. \d{1,2} (қаң|ақп|нау|сәу|мам|мау|шіл|там|қыр|қаз|қар|жел)\., \d{2}:\d{2} дейін$/, kkPackage[0]);
    assert.deepEqual(kkPackage.slice(1).sort(), ['49 SMS қалды', '58 мин қалды', '8,5 ГБ қалды']);
    // On a small phone (320 px) nothing sticks out sideways, Kazakh's long words included.
    await page.setViewportSize({ width: 320, height: 800 });
    assert.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= 320, 'no horizontal scrolling at 320 px');
    await page.setViewportSize({ width: 1280, height: 800 });
    await card.getByRole('button', { name: 'Тарих' }).click();
    await card.locator('.details h2', { hasText: 'Тарих' }).waitFor();
    const kkHistory = await text(`section.card[data-msisdn="${msisdn}"] .details li`);
    const kkLabels = new Set(kkHistory.map((row) => row.split(' · ')[0]!));
    // A package's movements name it, as the catalog does in the page's language.
    for (const label of ['Толықтыру', 'Толықтыру бонусы', 'Пакет: Туристік пакет, 15 күн', 'Пакет көлемі', 'Пайдалану']) assert.ok(kkLabels.has(label), `${label} in ${[...kkLabels]}`);
    assert.ok(kkHistory.some((row) => row.endsWith('−1,5 ГБ')), kkHistory.join('\n'));
    assert.ok(kkHistory.some((row) => row.endsWith('20 000 ₸')), kkHistory.join('\n'));

    await page.getByRole('combobox', { name: 'Тіл' }).selectOption('zh');
    await page.getByRole('heading', { name: '我的号码' }).waitFor();
    assert.equal(await page.title(), 'Tolem — 我的账户');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh');
    assert.equal(await page.getByRole('combobox', { name: '语言' }).count(), 1);
    assert.deepEqual(await text(`section.card[data-msisdn="${msisdn}"] .balance`), ['16,010 ₸']);
    await card.getByRole('button', { name: '套餐', exact: true }).click();
    await card.locator('.details li').first().waitFor();
    const zhPackage = await text(`section.card[data-msisdn="${msisdn}"] .details li div`);
    assert.match(zhPackage[0]!, /^\d{4}.*到期$/, zhPackage[0]);
    assert.deepEqual(zhPackage.slice(1).sort(), ['剩余 49条短信', '剩余 58分钟', '剩余 8.5 GB']);
    await card.getByRole('button', { name: '记录' }).click();
    await card.locator('.details h2', { hasText: '记录' }).waitFor();
    const zhHistory = await text(`section.card[data-msisdn="${msisdn}"] .details li`);
    const zhLabels = new Set(zhHistory.map((row) => row.split(' · ')[0]!));
    for (const label of ['充值', '充值奖励', '套餐额度', '用量']) assert.ok(zhLabels.has(label), `${label} in ${[...zhLabels]}`);
    assert.ok([...zhLabels].some((label) => label.startsWith('套餐：') && label.length > '套餐：'.length), [...zhLabels].join('\n'));
    assert.ok(zhHistory.some((row) => row.endsWith('20,000 ₸')), zhHistory.join('\n'));
    for (const label of [...kkLabels, ...zhLabels]) assert.doesNotMatch(label, /^[a-z_]+$/, 'no raw ledger code');

    // The line's SMS and receipts are in Kazakh; one click makes them Chinese, the page's language.
    assert.deepEqual(await text(`section.card[data-msisdn="${msisdn}"] .sms-language span`), ['短信和收据语言', 'Қазақша']);
    await card.getByRole('button', { name: '改为中文' }).click();
    await page.locator(`section.card[data-msisdn="${msisdn}"] .sms-language span[lang="zh"]`).waitFor();
    assert.equal(await card.getByRole('button', { name: '改为中文' }).count(), 0);
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}`)).body.language, 'zh');
    await page.close();
  });

  it('takes a promised payment and sends balance to another number with the SMS code', async () => {
    // A resident's line, topped up 31 days ago and again today: old and recent enough for a promised payment.
    const [msisdn, friend] = ['+77015550101', '+77015550102'];
    for (const number of [msisdn, friend]) assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: number } })).status, 201);
    assert.equal((await server.request('POST', '/v1/users', { body: { login: msisdn, password: 'resident-pass', role: 'subscriber' } })).status, 201);
    const topUp = async (key: string) => assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 500_000, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
    await topUp('resident-1');
    const page = await browser.newPage();
    const logIn = async () => {
      await page.goto(`${server.baseUrl}/account?lang=en`);
      await page.fill('#login', msisdn);
      await page.fill('#password', 'resident-pass');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator(`section.card[data-msisdn="${msisdn}"]`).waitFor();
    };
    await logIn();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    // Too new a line: the page says when it may, and offers nothing to click.
    await card.getByRole('button', { name: 'Promised payment' }).click();
    await card.getByText("Available once the line's first top-up is 30 days old.").waitFor();
    assert.equal(await card.locator('button[data-credit]').count(), 0);

    server.clock.advanceDays(31);
    await topUp('resident-2');
    await page.context().clearCookies();
    await logIn(); // the server's clock moved a month on: its session has ended
    await card.getByRole('button', { name: 'Promised payment' }).click();
    await card.getByText('Money now, repaid from your next top-up within 3 days.').waitFor();
    await card.getByRole('button', { name: /^Take 500\s₸ · fee 50\s₸$/ }).click();
    await page.locator(`section.card[data-msisdn="${msisdn}"] [role=status]`, { hasText: /^500\s₸ added to the balance\.$/ }).waitFor();
    assert.equal((await page.locator(`section.card[data-msisdn="${msisdn}"] .balance`).textContent())?.replace(/\s/g, ' '), '10,500 ₸');
    await page.locator(`section.card[data-msisdn="${msisdn}"]`).getByRole('button', { name: 'Promised payment' }).click();
    await page.locator(`section.card[data-msisdn="${msisdn}"] .owed`, { hasText: /^You owe 550\s₸\./ }).waitFor();
    await page.locator(`section.card[data-msisdn="${msisdn}"]`).getByText('Repay the promised payment you have first.').waitFor();

    // While it is owed, a transfer is refused at once, before any code is sent.
    const codes = async () => (await server.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute())
      .map((event) => JSON.parse(event.payload) as { msisdn: string; code: string }).filter((payload) => payload.msisdn === msisdn);
    const live = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    const sendForm = async (to: string, kzt: string) => {
      await live.getByRole('button', { name: 'Send balance' }).click();
      await live.getByLabel('Send to number').fill(to);
      await live.getByLabel('Amount, ₸').fill(kzt);
      await live.getByRole('button', { name: 'Continue' }).click();
    };
    await sendForm('8 701 555 01 02', '1000');
    await live.getByText('Repay your promised payment first.').waitFor();
    assert.equal((await codes()).length, 0);
    await topUp('resident-3');
    await sendForm('8 701 555 01 01', '1000');
    await live.getByText('Choose a number other than the sending one.').waitFor();

    // Then it goes: the page shows the fee and asks for the code the line was sent by SMS; a wrong one is counted.
    await live.getByRole('button', { name: 'Send balance' }).click();
    await live.getByLabel('Send to number').fill('8 701 555 01 02');
    await live.getByLabel('Amount, ₸').fill('1000');
    await live.getByRole('button', { name: 'Continue' }).click();
    await live.locator('p.confirm', { hasText: /^Send 1,000\s₸ to \+7\s701\s555\s01\s02\? Fee 20\s₸\.$/ }).waitFor();
    // The code lasts minutes: the time alone, no date.
    assert.match(String(await live.locator('form.transfer-code p.muted').textContent()), /^We sent a code by SMS to \+7\s701\s555\s01\s01\. It is valid until \d{2}:\d{2}\.$/);
    const [sent] = await codes();
    assert.match(sent!.code, /^\d{6}$/);
    await live.getByLabel('Code from the SMS').fill(sent!.code === '000000' ? '111111' : '000000');
    await live.getByRole('button', { name: 'Send', exact: true }).click();
    await live.getByText('Wrong code. Attempts left: 2.').waitFor();
    assert.equal((await server.request('GET', `/v1/lines/${friend}`)).body.balance.main, 0, 'nothing moves on a wrong code');
    await live.getByLabel('Code from the SMS').fill(sent!.code);
    await live.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator(`section.card[data-msisdn="${msisdn}"] [role=status]`, { hasText: /^1,000\s₸ sent to \+7\s701\s555\s01\s02\.$/ }).waitFor();
    assert.equal((await server.request('GET', `/v1/lines/${friend}`)).body.balance.main, 100_000);
    assert.equal((await codes()).length, 1, 'one code for one transfer');

    // A promo code: refused when unknown; applied, it reprices the packages it is for, and the purchase charges that price once per line.
    const promotion = await server.request('POST', '/v1/admin/promotions', { body: {
      code: 'STEPPE10', offerings: ['DATA_1GB_7D'], discountKind: 'percent', discountValue: 10, usesPerLineMax: 1,
      startsAt: new Date(server.clock.now().getTime() - 60_000).toISOString(), endsAt: new Date(server.clock.now().getTime() + 86_400_000).toISOString(),
    } });
    assert.equal(promotion.status, 201, JSON.stringify(promotion.body));
    const spendable = async () => { const { main, bonus } = (await server.request('GET', `/v1/lines/${msisdn}`)).body.balance; return (main + bonus) as number; };
    // The first top-up's bonus expired in the month the clock moved on: forfeited now, as the
    // purchase would first do itself, so that what the purchase takes is the price alone.
    await runJobsOnce(server.app.ctx, [expireBonusJob]);
    const before = await spendable();
    await live.getByRole('button', { name: 'Buy a package' }).click();
    await live.getByLabel('Promo code').fill('NOPE');
    await live.getByRole('button', { name: 'Apply' }).click();
    await live.getByText('This code is unknown, expired or not valid for these packages.').waitFor();
    await live.getByLabel('Promo code').fill('STEPPE10');
    await live.getByRole('button', { name: 'Apply' }).click();
    await live.getByText('Code STEPPE10 applied: the prices below include it.').waitFor();
    const oneGb = live.locator('button[data-offering="DATA_1GB_7D"]');
    assert.equal((await oneGb.textContent())?.replace(/\s/g, ' '), 'Buy 1,341 ₸');
    assert.equal((await live.locator('button[data-offering="DATA_5GB_30D"]').textContent())?.replace(/\s/g, ' '), 'Buy 3,990 ₸', 'a package the code is not for keeps its price');
    await oneGb.click();
    await page.locator(`section.card[data-msisdn="${msisdn}"] [role=status]`, { hasText: 'Bought!' }).waitFor();
    assert.equal(before - await spendable(), 134_100, 'bonus first, then main: the price shown');
    await live.getByRole('button', { name: 'Buy a package' }).click();
    await live.getByLabel('Promo code').fill('STEPPE10');
    await live.getByRole('button', { name: 'Apply' }).click();
    await live.getByText('This number has used this code as often as allowed.').waitFor();
    await page.close();
  });

  it('says what is left of the day\'s limit, ends a cancelled payment cleanly, keeps a chosen language, pages history, reprices a changed offer', async () => {
    const msisdn = '+77013334455';
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
    assert.equal((await server.request('POST', '/v1/users', { body: { login: msisdn, password: 'limit-pass-1', role: 'subscriber' } })).status, 201);
    // 277,999.50 ₸ today in 23 top-ups: 22,000.50 ₸ left of the 300,000 ₸ a day, said in whole tenge (the field takes no tiyn): 22,000 ₸.
    const amounts = [...Array.from({ length: 20 }, () => 50_000), 10_000_000, 10_000_000, 6_799_950];
    for (const [index, amount] of amounts.entries()) {
      const done = await server.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `limit-${index}` } });
      assert.equal(done.status, 201, JSON.stringify(done.body));
    }
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=en`);
    await page.fill('#msisdn', msisdn);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#confirmed-number').waitFor();
    await page.fill('#amount', '50000');
    await page.locator('button[type=submit]').click();
    await page.getByText('This number can be topped up by at most 22,000 ₸ more today.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'amount', 'the keyboard stays on the amount to correct');
    // An amount button keeps the focus when the form is drawn again.
    await page.getByRole('button', { name: /^1,000\s₸$/ }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-kzt')), '1000');
    // Cancelled at the checkout: the page says so, with nothing of the missing reason ("null").
    await page.getByRole('button', { name: /^Pay 1,000/ }).click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    await page.click('#cancel');
    await page.locator('a', { hasText: /./ }).last().click();
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#status').textContent(), 'Payment cancelled.');
    assert.doesNotMatch(await page.locator('#app').innerText(), /null/);
    // A language chosen on the page replaces the one in the address, and stays after a reload.
    await page.goto(`${server.baseUrl}/?lang=ru`);
    await page.getByRole('heading', { name: 'Пополнить казахстанскую SIM-карту' }).waitFor();
    await page.getByRole('combobox').selectOption('en');
    assert.match(page.url(), /[?&]lang=en\b/);
    await page.reload();
    await page.getByRole('heading', { name: 'Top up a Kazakhstan SIM' }).waitFor();

    // Self-care history, 20 at a time: "Show more" adds the older ones, each once.
    await page.goto(`${server.baseUrl}/account`);
    await page.fill('#login', msisdn);
    await page.fill('#password', 'limit-pass-1');
    await page.getByRole('button', { name: 'Log in' }).click();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.getByRole('button', { name: 'History' }).click();
    await card.locator('.details h2', { hasText: 'History' }).waitFor();
    const all = (await server.request('GET', `/v1/lines/${msisdn}/transactions?limit=100`)).body.data as { id: string; pendingId: string | null }[];
    const settled = new Set(all.map((entry) => entry.pendingId).filter(Boolean));
    const shown = all.filter((entry) => !settled.has(entry.id)).length;
    assert.ok(all.length > 20, `${all.length} movements`);
    assert.ok(await card.locator('.details li').count() < shown);
    const more = card.getByRole('button', { name: 'Show more' });
    while (await more.isVisible()) {
      const before = await card.locator('.details li').count();
      await more.click();
      await page.waitForFunction(([selector, count]) => document.querySelectorAll(selector as string).length > (count as number), [`section.card[data-msisdn="${msisdn}"] .details li`, before] as const);
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'LI', 'the keyboard goes on at the first row added');
    }
    assert.equal(await card.locator('.details li').count(), shown);

    // A price changed while the list was open: the list shows the new price and says why; nothing is bought.
    await card.getByRole('button', { name: 'Buy a package' }).click();
    const offer = card.locator('button[data-offering="DATA_5GB_30D"]');
    await offer.waitFor();
    const price = (await server.request('GET', '/v1/offerings')).body.data.find((o: { code: string }) => o.code === 'DATA_5GB_30D').price as number;
    assert.equal((await server.request('PATCH', '/v1/admin/offerings/DATA_5GB_30D', { body: { price: price + 10_000 } })).status, 200);
    await offer.click();
    await card.getByText('The price has just changed: look again.').waitFor();
    assert.equal((await offer.textContent())?.replace(/\s/g, ' '), `Buy ${((price + 10_000) / 100).toLocaleString('en-US')} ₸`);
    assert.equal((await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.length, 0);
    await page.close();
  });

  it('shows every line on a login, more than a page of the API (20) too', async () => {
    // One login, 23 SIMs (README: "several SIMs, one login"; the page: "every line on the login").
    const owner = '+77016000100';
    await addTraveller(server, owner, 'en');
    const users = (await server.request('GET', '/v1/users?limit=100')).body.data as { id: string; login: string }[];
    const userId = users.find((user) => user.login === owner)!.id;
    const more = Array.from({ length: 22 }, (_, index) => `+770160002${String(index).padStart(2, '0')}`);
    for (const msisdn of more) {
      assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await server.request('POST', `/v1/users/${userId}/lines`, { body: { msisdn } })).status, 201);
    }
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.fill('#login', owner);
    await page.fill('#password', 'traveller-pass');
    await page.locator('form button[type=submit]').click();
    await page.locator('section.card').first().waitFor();
    const shown = await page.locator('section.card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-msisdn')));
    assert.deepEqual([...shown].sort(), [owner, ...more].sort());
    await page.close();
  });
});
