import { formatTenge } from '../domain/money.ts';
import { almatyDateTimeIn, almatyDayIn } from '../domain/local-time.ts';
import { maskMsisdn } from '../domain/msisdn.ts';

/** Printable 80 mm thermal-printer slips (HTML, printed by the POS browser): receipts and day reports. */
const LABELS = {
  en: { title: 'Top-up receipt', reversalTitle: 'Top-up reversal receipt', reversalOf: 'Reverses receipt', number: 'Receipt', date: 'Date', line: 'Phone', amount: 'Amount', agent: 'Agent', reversed: 'REVERSED', thanks: 'Thank you!' },
  ru: { title: 'Чек пополнения', reversalTitle: 'Чек отмены пополнения', reversalOf: 'Отменяет чек', number: 'Чек', date: 'Дата', line: 'Телефон', amount: 'Сумма', agent: 'Агент', reversed: 'ОТМЕНЕНО', thanks: 'Спасибо!' },
  kk: { title: 'Толықтыру түбіртегі', reversalTitle: 'Толықтыруды жою түбіртегі', reversalOf: 'Жойылған түбіртек', number: 'Түбіртек', date: 'Күні', line: 'Телефон', amount: 'Сома', agent: 'Агент', reversed: 'КҮШІ ЖОЙЫЛДЫ', thanks: 'Рахмет!' },
  zh: { title: '充值收据', reversalTitle: '充值撤销收据', reversalOf: '撤销的收据', number: '收据', date: '日期', line: '电话', amount: '金额', agent: '代理商', reversed: '已撤销', thanks: '谢谢！' },
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

/**
 * Labels never wrap (a narrow label column broke 收据 into 收/据 beside a long agent name); values
 * wrap anywhere, even inside a long word, so that nothing runs off the 76 mm paper.
 */
function page(title: string, rows: [string, string][], footer: string, language: SlipLanguage): string {
  const body = rows.map(([k, v]) => `<tr><td class="k">${escapeHtml(k)}</td><td class="v">${escapeHtml(v)}</td></tr>`).join('');
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>@page{size:80mm auto;margin:2mm}body{width:76mm;margin:0 auto;font:12px/1.35 monospace}h1{font-size:14px;text-align:center;margin:4px 0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse}td{padding:1px 0;vertical-align:top}td.k{white-space:nowrap;padding-right:2mm}td.v{text-align:right;overflow-wrap:anywhere}p{text-align:center;margin:6px 0}</style>
</head><body onload="window.print&&window.print()"><h1>${escapeHtml(title)}</h1><table>${body}</table><p>${escapeHtml(footer)}</p></body></html>`;
}

export interface ReceiptSlip {
  number: string;
  /** A reversal's receipt: the receipt of the top-up it reverses. */
  reversalOf?: string | null;
  createdAt: string;
  msisdn: string;
  amount: number;
  agentName: string;
  reversed: boolean;
}

export function renderReceiptSlip(receipt: ReceiptSlip, language: SlipLanguage): string {
  const l = LABELS[language];
  const rows: [string, string][] = [
    [l.number, receipt.number], ...(receipt.reversalOf ? [[l.reversalOf, receipt.reversalOf] as [string, string]] : []),
    [l.date, almatyDateTime(receipt.createdAt, language)], [l.line, maskMsisdn(receipt.msisdn)],
    [l.amount, formatTenge(BigInt(receipt.amount), language)], [l.agent, receipt.agentName],
  ];
  if (receipt.reversalOf) return page(l.reversalTitle, rows, l.thanks, language);
  if (receipt.reversed) rows.push(['', l.reversed]);
  return page(l.title, rows, l.thanks, language);
}

/** Staff slips (day reports): every label in the four slip languages, one table for agents and stores. */
const REPORT_EN = {
  dayReport: 'Day report', shiftReport: 'Shift report', counterDayReport: 'Counter day report',
  topups: 'Top-ups', topupSum: 'Top-up sum', commission: 'Commission', reversals: 'Reversals', reversedSum: 'Reversed sum',
  netSum: 'Net sum', netCommission: 'Net commission', agentDeposits: 'Agent deposits', agentFloat: 'Agent float now',
  cashSales: 'Cash sales', cashSum: 'Cash sum', cardSales: 'Card sales', cardSum: 'Card sum', total: 'Total',
  cashSinceOpening: 'Cash since opening', cardSinceOpening: 'Card since opening',
  cashierNote: 'Top-ups and reversals: this cashier. Deposits and float: the whole agent.',
  counterNote: 'Sales: top-ups and packages paid at the counter.',
};
export type ReportText = keyof typeof REPORT_EN;
const REPORT_LABELS: Record<SlipLanguage, Record<ReportText, string>> = {
  en: REPORT_EN,
  ru: {
    dayReport: 'Отчёт за день', shiftReport: 'Отчёт за смену', counterDayReport: 'Отчёт кассы за день',
    topups: 'Пополнения', topupSum: 'Сумма пополнений', commission: 'Комиссия', reversals: 'Отмены', reversedSum: 'Сумма отмен',
    netSum: 'Итого сумма', netCommission: 'Итого комиссия', agentDeposits: 'Взносы агента', agentFloat: 'Остаток агента сейчас',
    cashSales: 'Продажи наличными', cashSum: 'Сумма наличными', cardSales: 'Продажи по карте', cardSum: 'Сумма по карте', total: 'Итого',
    cashSinceOpening: 'Наличные с открытия', cardSinceOpening: 'Карта с открытия',
    cashierNote: 'Пополнения и отмены: этот кассир. Взносы и остаток: весь агент.',
    counterNote: 'Продажи: пополнения и пакеты, оплаченные в кассе.',
  },
  kk: {
    dayReport: 'Күндік есеп', shiftReport: 'Ауысым есебі', counterDayReport: 'Касса күндік есебі',
    topups: 'Толықтырулар', topupSum: 'Толықтыру сомасы', commission: 'Комиссия', reversals: 'Күшін жою', reversedSum: 'Жойылған сома',
    netSum: 'Таза сома', netCommission: 'Таза комиссия', agentDeposits: 'Агент салымдары', agentFloat: 'Агенттің қазіргі қалдығы',
    cashSales: 'Қолма-қол сатылым', cashSum: 'Қолма-қол сома', cardSales: 'Картамен сатылым', cardSum: 'Картамен сома', total: 'Барлығы',
    cashSinceOpening: 'Ашылғалы қолма-қол', cardSinceOpening: 'Ашылғалы картамен',
    cashierNote: 'Толықтырулар мен күшін жою: осы кассир. Салымдар мен қалдық: бүкіл агент.',
    counterNote: 'Сатылым: кассада төленген толықтырулар мен пакеттер.',
  },
  zh: {
    dayReport: '日报', shiftReport: '班次报告', counterDayReport: '柜台日报',
    topups: '充值笔数', topupSum: '充值金额', commission: '佣金', reversals: '撤销笔数', reversedSum: '撤销金额',
    netSum: '净额', netCommission: '净佣金', agentDeposits: '代理商存入', agentFloat: '代理商当前余额',
    cashSales: '现金销售笔数', cashSum: '现金金额', cardSales: '刷卡销售笔数', cardSum: '刷卡金额', total: '合计',
    cashSinceOpening: '开业以来现金', cardSinceOpening: '开业以来刷卡',
    cashierNote: '充值和撤销：本收银员。存入和余额：整个代理商。',
    counterNote: '销售：柜台支付的充值和套餐。',
  },
};

/** A report row: a label and a count, or an amount in minor units (written as the slip's language writes money). */
export type ReportRow = [ReportText, { count: number } | { amount: bigint }];

export interface ReportSlip {
  /** The agent's or the store's name. */
  title: string;
  heading: ReportText;
  /** YYYY-MM-DD, an Almaty day. */
  date: string;
  rows: ReportRow[];
  note?: ReportText;
}

export function renderReportSlip(report: ReportSlip, language: SlipLanguage): string {
  const l = REPORT_LABELS[language];
  // Noon in Almaty names the same calendar day in every time zone's reckoning.
  const day = almatyDayIn(language, `${report.date}T12:00:00+05:00`);
  const rows = report.rows.map(([label, value]): [string, string] => [l[label], 'count' in value ? `${value.count}` : formatTenge(value.amount, language)]);
  return page(report.title, [['', `${l[report.heading]} ${day}`], ...rows], report.note ? l[report.note] : '', language);
}
