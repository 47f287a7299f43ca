import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
