import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, liveServerAndBrowser, logInToSelfCare, PHONE } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * A phone on a slow roaming connection: Renew answered, the page then reads the lines again
 * to show the new balance, which takes seconds. The button pressed must not be pressable again
 * meanwhile (the traveller sees nothing happen and taps again): that renewed, and charged, twice.
 */
describe('self-care charges once for a Renew tapped again while the page redraws', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  /** Logged in on a phone, the lines' reads held until `release` is called once armed. */
  async function phone(msisdn: string): Promise<{ page: Page; hold: () => Promise<{ release: () => void }> }> {
    const { server, browser } = live;
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await logInToSelfCare(page, server.baseUrl, msisdn, 'kk', { tap: true });
    const hold = async () => {
      let release = () => {};
      const held = new Promise<void>((resolve) => { release = resolve; });
      await page.route('**/v1/lines?limit=100*', async (route) => { await held; await route.continue(); });
      return { release };
    };
    return { page, hold };
  }

  it('Renew tapped twice renews once', async () => {
    const { server } = live;
    const msisdn = '+77016660071';
    await addTraveller(server, msisdn, 'kk');
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 1_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'double-renew-topup' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'double-renew-buy' } })).status, 201);
    const { page, hold } = await phone(msisdn);
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.locator('.row.buttons button').first().tap();
    const renew = card.locator('button[data-renew]');
    await renew.waitFor();
    const { release } = await hold();
    const answered = page.waitForResponse((response) => response.url().includes('/renew'));
    await renew.tap();
    await answered;
    // The renewal is done; the page is still reading the lines: a second tap.
    await renew.tap({ force: true, timeout: 2_000 }).catch(() => {});
    release();
    await card.locator('.details > p.success').waitFor();
    const packages = (await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data as { periods: number }[];
    assert.equal(packages[0]!.periods, 2, 'renewed once, not twice');
    await page.context().close();
  });
});
