import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser, logInToSelfCare } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A shared computer (a hotel's, an internet café's): a subscriber reads their history and a
 * receipt, logs out and leaves. The API's answers carried no Cache-Control, so the browser kept
 * them and Back showed the next person the history and the receipt again, with no request made.
 * Every /v1 answer is now Cache-Control: no-store: kept nowhere, Back asks the server again.
 */
describe('after logging out, Back shows no personal data', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser({ catalog: false });

  it('the history and a receipt read before logging out are not shown again from the cache', async () => {
    const { server, browser } = live;
    await addTraveller(server, '+77016660061', 'en');
    const topUp = await server.request('POST', '/v1/topups', { body: { msisdn: '+77016660061', amount: 123_400, currency: 'KZT' }, headers: { 'idempotency-key': 'logout-back' } });
    assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
    const receipt = topUp.body.receiptNumber as string;
    const context = await browser.newContext();
    const page = await context.newPage();
    await logInToSelfCare(page, server.baseUrl, '+77016660061', 'en');
    const history = await page.goto(`${server.baseUrl}/v1/lines/%2B77016660061/transactions`);
    assert.equal(history?.status(), 200);
    assert.match((await page.content()), /"amount":123400/);
    const slip = await page.goto(`${server.baseUrl}/v1/receipts/${receipt}/slip`);
    assert.equal(slip?.status(), 200);
    assert.match(await page.content(), new RegExp(receipt));
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.locator('#logout').click();
    await page.locator('#login').waitFor();

    // The next person at the computer presses Back, twice.
    await page.goBack();
    assert.match(page.url(), /\/slip$/);
    assert.doesNotMatch(await page.content(), new RegExp(receipt), 'the receipt is not shown again');
    await page.goBack();
    assert.match(page.url(), /\/transactions$/);
    assert.doesNotMatch(await page.content(), /123400/, 'the history is not shown again');
    assert.equal(history?.headers()['cache-control'], 'no-store');
    assert.equal(slip?.headers()['cache-control'], 'no-store');
    await context.close();
  });
});
