import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/** The page's own `document`, in functions run in the browser (this file is compiled without the DOM's types). */
declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

/**
 * docs/packages.md: a package already set to renew itself keeps doing so after an admin sets the
 * offering's autoRenewAllowed to false, and the subscriber can turn it off. Self-care must offer that.
 */
describe('self-care stops the auto-renewal of a pack whose offering no longer allows it', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser();

  it('shows the ticked box, turns it off, and cannot turn it on again', async () => {
    const { server, browser } = live;
    const msisdn = '+77016660031';
    await addTraveller(server, msisdn, 'ru');
    assert.equal((await server.request('POST', '/v1/topups', { body: { msisdn, amount: 400_000, currency: 'KZT' }, headers: { 'idempotency-key': 'auto-off-topup' } })).status, 201);
    const bought = await server.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_5GB_30D' }, headers: { 'idempotency-key': 'auto-off-buy' } });
    assert.equal(bought.status, 201, JSON.stringify(bought.body));
    const packages = async () => (await server.request('GET', `/v1/lines/${msisdn}/packages`)).body.data as { id: string; autoRenew: boolean }[];
    const [pack] = await packages();
    assert.equal(pack!.autoRenew, true, 'auto-renewing where the offering allowed it');
    assert.equal((await server.request('PATCH', '/v1/admin/offerings/DATA_5GB_30D', { body: { autoRenewAllowed: false } })).status, 200);

    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=ru`);
    await page.fill('#login', msisdn);
    await page.fill('#password', 'traveller-pass');
    await page.locator('form button[type=submit]').click();
    const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
    await card.getByRole('button', { name: 'Пакеты' }).click();
    const box = card.getByRole('checkbox', { name: 'Продлевать автоматически' });
    await box.waitFor();
    assert.equal(await box.isChecked(), true);
    await box.press('Space');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-renew') !== null, undefined, { timeout: 5_000 });
    assert.equal((await packages())[0]!.autoRenew, false, 'turned off');
    assert.equal(await box.isChecked(), false);
    assert.equal(await box.isDisabled(), true, 'not to be turned on again');
    // Shown again, a pack that does not renew itself on such an offering has no box at all.
    await card.getByRole('button', { name: 'Пакеты' }).click();
    await card.getByRole('checkbox').waitFor({ state: 'detached' });
    await card.locator('[data-renew]').waitFor();
    await page.close();
  });
});
