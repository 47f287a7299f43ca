import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser } from '../support/browser.ts';
import { addTraveller, startLiveServer } from '../support/live-server.ts';

/** The page's own `document` and `getComputedStyle`, in functions run in the browser (this file is compiled without the DOM's types). */
interface Styled { id: string; tagName: string; textContent: string | null; getAttribute(name: string): string | null; matches(selector: string): boolean }
declare const document: { activeElement: Styled | null; body: Styled; querySelector(selector: string): Styled | null };
declare function getComputedStyle(element: Styled): { outlineStyle: string; outlineWidth: string; outlineColor: string; boxShadow: string; borderTopColor: string; backgroundColor: string };

/** Contrast ratio of two CSS rgb()/rgba() colours (WCAG 2 relative luminance). */
function contrast(first: string, second: string): number {
  const luminance = (colour: string) => {
    const [r, g, b] = colour.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((part) => {
      const value = Number(part) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** What the focused element is and how its focus shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement!;
    const style = getComputedStyle(element);
    return {
      tag: element.tagName, id: element.id, text: element.textContent, kzt: element.getAttribute('data-kzt'), pressed: element.getAttribute('aria-pressed'),
      focusVisible: element.matches(':focus-visible'), outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth, outlineColor: style.outlineColor,
    };
  });
}

/** WCAG 2.4.3, 2.4.7, 4.1.3 and 1.4.11 on the two subscriber pages: where the keyboard goes, and that it shows. */
describe('keyboard focus and field edges on the top-up and self-care pages', { skip: browserSkip }, () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  before(async () => {
    server = await startLiveServer();
    await addTraveller(server, '+77011234567', 'ru');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes the keyboard to the amount step\'s heading after Continue, and shows a focus ring on every amount button, pressed or not', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/?lang=en`);
    await page.fill('#msisdn', '8 701 123 45 67');
    await page.keyboard.press('Enter');
    await page.locator('#confirmed-number').waitFor();
    // The new step is announced: the keyboard is at its heading, not lost on the page's body.
    const heading = await focused(page);
    assert.deepEqual([heading.tag, heading.id, heading.text], ['H2', 'amount-step', 'Top up this number?']);

    // Tab on: Change, then the amount buttons. Each shows where the keyboard is, 2000 ₸ (pressed) too.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Change');
    await page.keyboard.press('Tab');
    const first = await focused(page);
    assert.deepEqual([first.kzt, first.pressed, first.focusVisible], ['1000', 'false', true]);
    assert.deepEqual([first.outlineStyle, first.outlineWidth], ['solid', '3px'], JSON.stringify(first));
    await page.keyboard.press('Tab');
    const pressed = await focused(page);
    assert.deepEqual([pressed.kzt, pressed.pressed, pressed.focusVisible], ['2000', 'true', true]);
    assert.deepEqual([pressed.outlineStyle, pressed.outlineWidth], ['solid', '3px'], JSON.stringify(pressed));
    const bodyBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(contrast(pressed.outlineColor, bodyBackground) >= 3, `focus ring ${pressed.outlineColor} on ${bodyBackground}`);

    // Pressed, without the keyboard on it: said by the border and a ring inside it, not an outline that would pass for focus.
    await page.keyboard.press('Tab');
    const look = await page.evaluate(() => {
      const style = getComputedStyle(document.querySelector('.chips button[aria-pressed="true"]')!);
      return { outlineStyle: style.outlineStyle, boxShadow: style.boxShadow, borderColor: style.borderTopColor, focused: document.activeElement?.getAttribute('aria-pressed') };
    });
    assert.equal(look.focused, 'false', 'the keyboard has moved on from the pressed button');
    assert.equal(look.outlineStyle, 'none');
    assert.match(look.boxShadow, /rgb\(10, 125, 90\)/);
    assert.equal(look.borderColor, 'rgb(10, 125, 90)');

    // Fields' edges stand out from the page (WCAG 1.4.11: 3:1), not #d5dbdb's 1.3:1.
    const edge = await page.evaluate(() => getComputedStyle(document.querySelector('#amount')!).borderTopColor);
    assert.ok(contrast(edge, bodyBackground) >= 3, `amount field edge ${edge} on ${bodyBackground}: ${contrast(edge, bodyBackground).toFixed(2)}`);
    assert.ok(contrast(edge, 'rgb(255, 255, 255)') >= 3, `amount field edge ${edge} on white`);

    // Change goes back to the number, with the keyboard in its field.
    await page.getByRole('button', { name: 'Change' }).press('Enter');
    await page.locator('#msisdn').waitFor();
    assert.equal((await focused(page)).id, 'msisdn');
    const numberEdge = await page.evaluate(() => getComputedStyle(document.querySelector('#msisdn')!).borderTopColor);
    assert.ok(contrast(numberEdge, bodyBackground) >= 3, `number field edge ${numberEdge}`);
    await page.close();
  });

  it('takes the keyboard to the lines\' heading after logging in, and to the login\'s after logging out', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=ru`);
    await page.fill('#login', '+7 701 123 45 67');
    await page.fill('#password', 'traveller-pass');
    await page.keyboard.press('Enter');
    await page.locator('section.card[data-msisdn="+77011234567"]').waitFor();
    const lines = await focused(page);
    assert.deepEqual([lines.tag, lines.id, lines.text], ['H1', 'page-heading', 'Мои номера']);
    // The logout button, like every button, shows the keyboard's focus.
    await page.locator('#logout').focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const logout = await focused(page);
    assert.deepEqual([logout.id, logout.focusVisible, logout.outlineStyle, logout.outlineWidth], ['logout', true, 'solid', '3px']);
    await page.keyboard.press('Enter');
    await page.locator('#login').waitFor();
    const login = await focused(page);
    assert.deepEqual([login.tag, login.id, login.text], ['H1', 'page-heading', 'Личный кабинет']);
    await page.close();
  });

  it('keeps the keyboard on the card when a transfer\'s code step is cancelled, and in the promo field when an empty code is applied', async () => {
    await server.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'focus-cancel-topup' } });
    await addTraveller(server, '+77051234568', 'en');
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/account?lang=en`);
    await page.fill('#login', '+77011234567');
    await page.fill('#password', 'traveller-pass');
    await page.keyboard.press('Enter');
    const card = page.locator('section.card[data-msisdn="+77011234567"]');
    await card.getByRole('button', { name: 'Send balance' }).click();
    await page.keyboard.type('87051234568');
    await page.keyboard.press('Tab');
    await page.keyboard.type('500');
    await page.keyboard.press('Enter');
    await card.locator('form.transfer-code').waitFor();
    await card.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await card.locator('form.transfer-code').waitFor({ state: 'detached' });
    const back = await focused(page);
    assert.deepEqual([back.tag, back.text, back.focusVisible], ['BUTTON', 'Send balance', true], 'not lost to the page\'s body');
    // Applying an empty promo code draws the list afresh at its own prices: the keyboard stays in the field.
    await card.getByRole('button', { name: 'Buy a package' }).click();
    const field = card.getByRole('textbox', { name: 'Promo code' });
    await field.focus();
    await field.evaluate((input: { setAttribute(name: string, value: string): void }) => input.setAttribute('data-drawn-before', ''));
    await page.keyboard.press('Enter');
    // In the field of the list drawn afresh, not the one pressed (gone with the list it was in).
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'promoCode' && document.activeElement.getAttribute('data-drawn-before') === null, undefined, { timeout: 5_000 });
    await page.close();
  });
});
