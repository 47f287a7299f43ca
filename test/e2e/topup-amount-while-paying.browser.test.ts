import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser, PHONE } from '../support/browser.ts';

/**
 * The public top-up page on a slow roaming connection: Pay pressed, the payment is being asked
 * for. Another amount tapped meanwhile drew the step again with a Pay button to press: a second
 * payment was made, and the first answer took the payer to the checkout of the amount they had
 * changed their mind about.
 */
describe('the top-up page asks for one payment while one is being asked for', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser({ catalog: false });

  it('an amount tapped while paying starts no second payment', async () => {
    const { server, browser } = live;
    assert.equal((await server.request('POST', '/v1/lines', { body: { msisdn: '+77051230871', language: 'ru' } })).status, 201);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const asked: number[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/v1/payments', async (route) => {
      asked.push((route.request().postDataJSON() as { amount: number }).amount);
      await held;
      await route.continue();
    });
    await page.goto(`${server.baseUrl}/?lang=ru`);
    await page.fill('#msisdn', '8 705 123 08 71');
    await page.locator('form button[type=submit]').tap();
    await page.locator('.chips button[data-kzt="1000"]').tap();
    await page.locator('form button[type=submit]').tap();
    await page.locator('form button[type=submit]:disabled').waitFor();
    // The payer changes their mind while it is asked for: another amount, Pay again.
    await page.locator('.chips button[data-kzt="2000"]').tap({ force: true, timeout: 1_000 }).catch(() => {});
    await page.locator('form button[type=submit]').tap({ force: true, timeout: 1_000 }).catch(() => {});
    release();
    await page.waitForURL(/\/sandbox\/checkout\//);
    assert.deepEqual(asked, [100_000], 'one payment, of the amount sent');
    await context.close();
  });
});
