import { formatTenge } from '../domain/money.ts';
import { almatyDateTimeIn } from '../domain/local-time.ts';
import { maskMsisdn } from '../domain/msisdn.ts';

/** Printable 80 mm thermal-printer slips (HTML, printed by the POS browser): receipts and day reports. */
const LABELS = {
  en: { title: 'Top-up receipt', number: 'Receipt', date: 'Date', line: 'Phone', amount: 'Amount', agent: 'Agent', reversed: 'REVERSED', thanks: 'Thank you!' },
  ru: { title: 'Чек пополнения', number: 'Чек', date: 'Дата', line: 'Телефон', amount: 'Сумма', agent: 'Агент', reversed: 'ОТМЕНЕНО', thanks: 'Спасибо!' },
  kk: { title: 'Толықтыру түбіртегі', number: 'Түбіртек', date: 'Күні', line: 'Телефон', amount: 'Сома', agent: 'Агент', reversed: 'КҮШІ ЖОЙЫЛДЫ', thanks: 'Рахмет!' },
  zh: { title: '充值收据', number: '收据', date: '日期', line: '电话', amount: '金额', agent: '代理商', reversed: '已撤销', thanks: '谢谢！' },
} as const;
export type SlipLanguage = keyof typeof LABELS;
export const SLIP_LANGUAGES = Object.keys(LABELS) as SlipLanguage[];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Almaty wall-clock time as the slip's reader writes a day: 15.01.2026 11:00 (UTC+5). */
export function almatyDateTime(iso: string, language: SlipLanguage): string {
  return `${almatyDateTimeIn(language, iso)} (UTC+5)`;
}

function page(title: string, rows: [string, string][], footer: string, language: string): string {
  const body = rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="v">${escapeHtml(v)}</td></tr>`).join('');
  return `<!doctype html><html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>@page{size:80mm auto;margin:2mm}body{width:76mm;margin:0 auto;font:12px/1.35 monospace}h1{font-size:14px;text-align:center;margin:4px 0}
table{width:100%;border-collapse:collapse}td{padding:1px 0;vertical-align:top}td.v{text-align:right}p{text-align:center;margin:6px 0}</style>
</head><body onload="window.print&&window.print()"><h1>${escapeHtml(title)}</h1><table>${body}</table><p>${escapeHtml(footer)}</p></body></html>`;
}

export interface ReceiptSlip {
  number: string;
  createdAt: string;
  msisdn: string;
  amount: number;
  agentName: string;
  reversed: boolean;
}

export function renderReceiptSlip(receipt: ReceiptSlip, language: SlipLanguage): string {
  const l = LABELS[language];
  const rows: [string, string][] = [
    [l.number, receipt.number], [l.date, almatyDateTime(receipt.createdAt, language)], [l.line, maskMsisdn(receipt.msisdn)],
    [l.amount, formatTenge(BigInt(receipt.amount), language)], [l.agent, receipt.agentName],
  ];
  if (receipt.reversed) rows.push(['', l.reversed]);
  return page(l.title, rows, l.thanks, language);
}

export interface ReportSlip {
  title: string;
  subtitle: string;
  rows: [string, string][];
}

/** Staff slips (day reports) are in English and Russian labels given by the caller. */
export function renderReportSlip(report: ReportSlip): string {
  return page(report.title, [['', report.subtitle], ...report.rows], '', 'en');
}
