import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser, logInToSelfCare, PHONE } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A phone on a slow roaming connection: a line's Packages, History, Buy… read the server before
 * they show anything. A tap showed nothing meanwhile, and the answer of an earlier tap, arriving
 * late, replaced what a later tap had opened: the Send balance form being typed in gave way to
 * the package list. Now a tap says at once that it is loading, and only the last tap's answer is shown.
 */
describe('self-care on a slow connection: the last panel tapped is the one shown', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  it('the packages read for an earlier tap do not replace the transfer form opened after it', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660075';
    await addTraveller(server, msisdn, 'ru');
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const card = await logInToSelfCare(page, server.baseUrl, msisdn, 'ru', { tap: true });
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/v1/offerings?*', async (route) => { await held; await route.continue(); });
    await card.getByRole('button', { name: 'Купить пакет' }).tap();
    await card.getByRole('status').filter({ hasText: 'Загрузка…' }).waitFor({ timeout: 2_000 });
    await card.getByRole('button', { name: 'Перевести баланс' }).tap();
    await card.getByLabel('На номер').fill('+77016660076');
    const answered = page.waitForResponse((response) => response.url().includes('/v1/offerings?'));
    release();
    await answered;
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    assert.equal(await card.locator('form.transfer').count(), 1, 'the transfer form is still shown');
    assert.equal(await card.getByLabel('На номер').inputValue(), '+77016660076', 'the form and what was typed stay');
    assert.equal(await card.locator('button[data-offering]').count(), 0, 'the package list of the earlier tap is not shown');
    await context.close();
  });
});
