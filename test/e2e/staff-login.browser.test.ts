import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, liveServerAndBrowser } from '../support/browser.ts';
import { addTraveller } from '../support/live-server.ts';

/**
 * Self-care is a subscriber's own lines. Staff (admin, clerk) may list every line: logged in
 * there, the page listed the whole table as "My lines", page after page of 100, with buttons that
 * change other people's lines. It now says the page is for subscribers, and lists nothing.
 */
describe('self-care logged in with a staff login', { skip: browserSkip }, () => {
  const live = liveServerAndBrowser({ catalog: false });

  it('says the page is for subscribers and asks for no line (4 languages)', async () => {
    const { server, browser } = live;
    await addTraveller(server, '+77016660041', 'en');
    await addTraveller(server, '+77016660042', 'ru');
    const staff = await server.request('POST', '/v1/users', { body: { login: 'clerk.aida', password: 'clerk-pass-123', role: 'clerk' } });
    assert.equal(staff.status, 201, JSON.stringify(staff.body));
    const said: Record<string, string> = {
      en: 'This page is for subscribers: log out and log in with a phone number.',
      ru: 'Эта страница для абонентов: выйдите и войдите по номеру телефона.',
      kk: 'Бұл бет абоненттерге арналған: шығып, телефон нөмірімен кіріңіз.',
      zh: '此页面仅供用户使用：请退出，然后用手机号码登录。',
    };
    for (const [language, text] of Object.entries(said)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const asked: string[] = [];
      page.on('request', (request) => { if (new URL(request.url()).pathname.startsWith('/v1/lines')) asked.push(request.url()); });
      await page.goto(`${server.baseUrl}/account?lang=${language}`);
      await page.fill('#login', 'clerk.aida');
      await page.fill('#password', 'clerk-pass-123');
      await page.locator('form button[type=submit]').click();
      await page.locator('#staff-login').waitFor();
      assert.equal((await page.locator('#staff-login').textContent())?.trim(), text, language);
      assert.equal(await page.locator('section.card').count(), 0, `${language}: no line listed`);
      assert.deepEqual(asked, [], `${language}: no line asked for`);
      // The way out is at hand: logging out brings the login form back.
      await page.locator('#logout').click();
      await page.locator('#login').waitFor();
      await context.close();
    }
  });
});
