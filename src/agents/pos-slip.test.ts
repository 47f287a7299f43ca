import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReceiptSlip, renderReportSlip, SLIP_LANGUAGES } from './pos-slip.ts';

const LONG_AGENT_NAME = '阿拉木图市中心大型购物广场第一号便利店有限责任公司分店';
const cell = (label: string, value: string) => `<td class="k">${label}</td><td class="v">${value}</td>`;
const tenge = (text: string) => text.replace(/ /g, '\u00a0');

describe('POS slips (pure)', () => {
  it('keeps labels on one line and lets long values wrap anywhere, on receipts and reports alike', () => {
    const receipt = renderReceiptSlip({ number: 'R-1', createdAt: '2026-01-15T06:00:00Z', msisdn: '+77011234567', amount: 50_000, agentName: LONG_AGENT_NAME, reversed: false }, 'zh');
    const report = renderReportSlip({ title: LONG_AGENT_NAME, heading: 'dayReport', date: '2026-01-15', rows: [['topups', { count: 1 }]] }, 'zh');
    for (const html of [receipt, report]) {
      assert.match(html, /td\.k\{[^}]*white-space:nowrap/);
      assert.match(html, /td\.v\{[^}]*overflow-wrap:anywhere/);
    }
    assert.ok(receipt.includes(cell('代理商', LONG_AGENT_NAME)), receipt);
  });

  it('writes a day report in en, ru, kk and zh, amounts as each language writes them', () => {
    const expected = {
      en: ['Day report 15 Jan 2026', 'Top-up sum', '123,456.50 ₸'], ru: ['Отчёт за день 15.01.2026', 'Сумма пополнений', '123 456,50 ₸'],
      kk: ['Күндік есеп 15.01.2026', 'Толықтыру сомасы', '123 456,50 ₸'], zh: ['日报 2026年1月15日', '充值金额', '123,456.50 ₸'],
    } as const;
    for (const language of SLIP_LANGUAGES) {
      const [heading, label, amount] = expected[language];
      const html = renderReportSlip({ title: 'Kiosk', heading: 'dayReport', date: '2026-01-15', rows: [['topupSum', { amount: 12_345_650n }], ['topups', { count: 3 }]] }, language);
      assert.ok(html.includes(`<html lang="${language}">`), language);
      assert.ok(html.includes(heading), `${language}: ${html}`);
      assert.ok(html.includes(cell(label, tenge(amount))), `${language}: ${html}`);
    }
  });

  it('says in every language that the float is the agent\'s balance now, not the reported day\'s', () => {
    // A report of an earlier day (?date=) shows the float as it is when printed: ru and kk said only
    // "the agent's balance", read as that day's closing figure when reconciling the day's cash.
    const expected = { en: 'Agent float now', ru: 'Остаток агента сейчас', kk: 'Агенттің қазіргі қалдығы', zh: '代理商当前余额' } as const;
    for (const language of SLIP_LANGUAGES) {
      const html = renderReportSlip({ title: 'Kiosk', heading: 'dayReport', date: '2026-01-15', rows: [['agentFloat', { amount: 100_000n }]] }, language);
      assert.ok(html.includes(cell(expected[language], tenge(language === 'en' || language === 'zh' ? '1,000 ₸' : '1 000 ₸'))), `${language}: ${html}`);
    }
  });

  it('prints a note under the rows when one is given', () => {
    const html = renderReportSlip({ title: 'Store', heading: 'counterDayReport', date: '2026-01-15', rows: [], note: 'counterNote' }, 'en');
    assert.match(html, /<p>Sales: top-ups and packages paid at the counter\.<\/p>/);
  });
});
