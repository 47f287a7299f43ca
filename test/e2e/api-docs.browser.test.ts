import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkip, launchBrowser } from '../support/browser.ts';
import { startLiveServer } from '../support/live-server.ts';

describe('API docs in a real browser', { skip: browserSkip }, () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  before(async () => {
    server = await startLiveServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the interactive docs at /docs and runs a real call from them', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/docs`);
    await page.getByText('Tolem API').first().waitFor({ timeout: 15_000 });
    const healthz = page.locator('#operations-operations-get_healthz');
    await healthz.click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    await page.getByRole('button', { name: 'Execute' }).click();
    await page.locator('.live-responses-table .response-col_status', { hasText: '200' }).first().waitFor({ timeout: 15_000 });
    const body = await page.locator('.live-responses-table .microlight').first().textContent();
    assert.match(body ?? '', /"status": "ok"/);
    await page.close();
  });
});
