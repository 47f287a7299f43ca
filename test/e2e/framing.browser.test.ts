import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser, logInToSelfCare } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * Self-care in another site's frame. The session cookie is SameSite=Lax, so a page of the same
 * site on another origin (a sibling subdomain; here 127.0.0.1 on another port) gets the logged-in
 * page in its frame and can lay it under its own bait, so that the subscriber's clicks land on
 * Buy, Renew or Promised payment (clickjacking). The pages refuse to be framed: CSP
 * frame-ancestors 'none' (and X-Frame-Options: DENY for older browsers).
 */
describe('web pages in a frame of another origin', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser({ catalog: false });
  let bait: Server;
  let baitUrl: string;
  before(async () => {
    bait = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://x').searchParams.get('frame') ?? '';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Win a prize</title><iframe id="victim" src="${target.replace(/"/g, '&quot;')}" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
    baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await new Promise((resolve) => bait?.close(resolve));
  });

  it('self-care, logged in, is not shown inside another origin\'s page', async () => {
    const { server, browser } = live;
    await addTraveller(server, '+77016660051', 'en');
    const context = await browser.newContext();
    const page = await context.newPage();
    await logInToSelfCare(page, server.baseUrl, '+77016660051', 'en');

    const framed = await context.newPage();
    const answered = framed.waitForResponse((response) => response.url().startsWith(`${server.baseUrl}/account`));
    await framed.goto(`${baitUrl}?frame=${encodeURIComponent(`${server.baseUrl}/account?lang=en`)}`);
    const response = await answered;
    // The bait's load waits for its frame: by then the browser has shown Tolem's page in it, or refused to.
    await framed.waitForLoadState('load');
    const frame = framed.frames().find((f) => f !== framed.mainFrame());
    assert.ok(frame);
    // Were it shown there, its script would draw the subscriber's lines with their buttons.
    if (new URL(frame.url()).origin === server.baseUrl) await frame.locator('section.card').waitFor({ timeout: 10_000 }).catch(() => {});
    const shown = new URL(frame.url()).origin === server.baseUrl ? await frame.locator('section.card').count() : 0;
    assert.equal(shown, 0, 'no line of the logged-in subscriber is drawn in the frame');
    assert.notEqual(new URL(frame.url()).origin, server.baseUrl, `the frame holds ${frame.url()}`);
    assert.match(response.headers()['content-security-policy'] ?? '', /frame-ancestors\s+'none'/);
    assert.equal(response.headers()['x-frame-options'], 'DENY');
    await context.close();
  });

  it('the top-up page is not shown inside another origin\'s page either', async () => {
    const { server, browser } = live;
    const context = await browser.newContext();
    const framed = await context.newPage();
    const answered = framed.waitForResponse((response) => new URL(response.url()).pathname === '/' && response.url().startsWith(server.baseUrl));
    await framed.goto(`${baitUrl}?frame=${encodeURIComponent(`${server.baseUrl}/?lang=en`)}`);
    const response = await answered;
    assert.match(response.headers()['content-security-policy'] ?? '', /frame-ancestors\s+'none'/);
    await context.close();
  });

  it('both pages still work on their own under the policy (scripts, styles, the API)', async () => {
    const { server, browser } = live;
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) refused.push(message.text()); });
    await page.goto(`${server.baseUrl}/?lang=en`);
    await page.locator('#msisdn').waitFor();
    await logInToSelfCare(page, server.baseUrl, '+77016660051', 'en');
    assert.deepEqual(refused, []);
    await context.close();
  });
});
