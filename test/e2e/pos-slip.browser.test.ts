import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { renderReceiptSlip, renderReportSlip } from '../../src/agents/pos-slip.ts';
import { browserSkip, launchBrowser } from '../support/browser.ts';

const LONG_NAMES = ['阿拉木图市中心大型购物广场第一号便利店有限责任公司分店', 'Kiosk_Almaty_Dostyk_Avenue_Corner_Abay_Street_Number_One'];

/** The 80 mm slips as Chromium lays them out: a label never wraps, however long the agent's name. */
describe('POS slips in a real browser', { skip: browserSkip }, () => {
  let browser: Browser;
  before(async () => { browser = await launchBrowser(); });
  after(async () => browser?.close());

  /** How many lines each label's text takes (a cell is as tall as its row), and how far anything runs past the slip's width. */
  async function layoutOf(html: string) {
    const page = await browser.newPage();
    await page.setContent(html);
    const labels = await page.evaluate(`[...document.querySelectorAll('td.k')].map((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return { text: td.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
    })`) as { text: string; lines: number }[];
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    await page.close();
    return { labels, overflow };
  }

  it('keeps every label on one line and every long name inside the slip (receipt and day reports)', async () => {
    for (const name of LONG_NAMES) {
      const slips = [
        ...(['zh', 'kk', 'ru', 'en'] as const).map((language) => renderReceiptSlip({ number: 'R-2026-000123', createdAt: '2026-01-15T06:00:00Z', msisdn: '+77011234567', amount: 500_000, agentName: name, reversed: true }, language)),
        ...(['zh', 'kk'] as const).map((language) => renderReportSlip({
          title: name, heading: 'counterDayReport', date: '2026-01-15', note: 'counterNote',
          rows: [['cashSales', { count: 12 }], ['cashSum', { amount: 123_456_789n }], ['cashSinceOpening', { amount: 9_876_543_210n }], ['cardSinceOpening', { amount: 9_876_543_210n }]],
        }, language)),
      ];
      for (const html of slips) {
        const layout = await layoutOf(html);
        assert.ok(layout.labels.length >= 4);
        for (const label of layout.labels) assert.ok(label.lines <= 1, `"${label.text}" takes ${label.lines} lines beside ${name}`);
        assert.ok(layout.overflow <= 0, `the slip is ${layout.overflow}px too wide for ${name}`);
      }
    }
  });
});
