import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
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
