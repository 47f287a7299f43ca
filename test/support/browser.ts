import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { seedCatalog } from '../../src/catalog/seed-catalog.ts';
import { startLiveServer, type LiveServer } from './live-server.ts';

/**
 * Debian's Chromium through playwright-core (no browser download). When Chromium is missing the
 * browser tests are skipped with a reason, except under CI=true, where that is a failure.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const browserSkip: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : process.env.CI === 'true'
    ? (() => { throw new Error(`CI=true requires Chromium at ${CHROMIUM_PATH} for the browser tests`); })()
    : `Chromium not installed at ${CHROMIUM_PATH}`;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Called in a `describe`: before its tests, a live server (with the demo catalog unless
 * `catalog: false`) and a browser; after them, both closed. The tests read them from the object
 * returned, once the hooks have run.
 */
export function liveServerAndBrowser(options: { catalog?: boolean } = {}): { server: LiveServer; browser: Browser } {
  const live = {} as { server: LiveServer; browser: Browser };
  before(async () => {
    live.server = await startLiveServer();
    if (options.catalog !== false) await seedCatalog(live.server.app.ctx);
    live.browser = await launchBrowser();
  });
  after(async () => {
    await live.browser?.close();
    await live.server?.close();
  });
  return live;
}

/** A traveller's phone: the viewport and touch a browser context is opened with for self-care on a phone. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

/**
 * Logs a traveller (a login made by addTraveller, password `traveller-pass`) in to self-care in
 * `language`, tapping (on a phone) or clicking the button, and answers their line's card once drawn.
 */
export async function logInToSelfCare(page: Page, baseUrl: string, msisdn: string, language: string, { tap = false } = {}): Promise<Locator> {
  await page.goto(`${baseUrl}/account?lang=${language}`);
  await page.fill('#login', msisdn);
  await page.fill('#password', 'traveller-pass');
  const submit = page.locator('form button[type=submit]');
  await (tap ? submit.tap() : submit.click());
  const card = page.locator(`section.card[data-msisdn="${msisdn}"]`);
  await card.waitFor();
  return card;
}
