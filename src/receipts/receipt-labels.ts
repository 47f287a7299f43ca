/** Receipt and verification-page text in the four subscriber languages. */
export const RECEIPT_LANGUAGES = ['en', 'ru', 'kk', 'zh'] as const;
export type ReceiptLanguage = (typeof RECEIPT_LANGUAGES)[number];

export interface ReceiptLabels {
  title: string;
  number: string;
  date: string;
  kind: string;
  line: string;
  amount: string;
  /** On a reversal's receipt, beside the number of the receipt it undoes. */
  reverses: string;
  /** On a top-up's or a refund's receipt once undone, beside the reversal's receipt number. */
  reversedBy: string;
  /** On a refund's receipt, beside the number of the payment's receipt it pays back. */
  refundOf: string;
  kinds: Record<string, string>;
  verifyHint: string;
  genuine: string;
  notGenuine: string;
  notGenuineHint: string;
  thanks: string;
  /** The closing line of a receipt of money given back (a refund, a reversal), in place of `thanks`. */
  returned: string;
}

export const RECEIPT_LABELS: Record<ReceiptLanguage, ReceiptLabels> = {
  en: {
    title: 'Receipt', number: 'Receipt number', date: 'Date', kind: 'Operation', line: 'Phone number', amount: 'Amount',
    reverses: 'Reverses receipt', reversedBy: 'Reversed by receipt', refundOf: 'Refund of receipt',
    kinds: { topup: 'Balance top-up', package_payment: 'Payment for a package', package: 'Package purchase', package_renewal: 'Package renewal', purchase: 'Package purchase', refund: 'Refund', topup_reversal: 'Top-up reversal', refund_reversal: 'Refund returned by the bank' },
    verifyHint: 'Scan to check this receipt is genuine', genuine: 'Genuine receipt', notGenuine: 'Not a genuine receipt',
    notGenuineHint: 'This link was not issued by us or has been altered.', thanks: 'Thank you! The payment went through.', returned: 'The money has been returned.',
  },
  ru: {
    title: 'Чек', number: 'Номер чека', date: 'Дата', kind: 'Операция', line: 'Номер телефона', amount: 'Сумма',
    reverses: 'Отменяет чек', reversedBy: 'Отменён чеком', refundOf: 'Возврат по чеку',
    kinds: { topup: 'Пополнение баланса', package_payment: 'Оплата пакета', package: 'Покупка пакета', package_renewal: 'Продление пакета', purchase: 'Покупка пакета', refund: 'Возврат', topup_reversal: 'Отмена пополнения', refund_reversal: 'Возврат не принят банком' },
    verifyHint: 'Отсканируйте, чтобы проверить подлинность чека', genuine: 'Подлинный чек', notGenuine: 'Чек не подлинный',
    notGenuineHint: 'Эта ссылка выдана не нами или изменена.', thanks: 'Спасибо! Платёж прошёл успешно.', returned: 'Деньги возвращены.',
  },
  kk: {
    title: 'Түбіртек', number: 'Түбіртек нөмірі', date: 'Күні', kind: 'Операция', line: 'Телефон нөмірі', amount: 'Сома',
    reverses: 'Жойылған түбіртек', reversedBy: 'Күшін жою түбіртегі', refundOf: 'Төлем түбіртегі',
    kinds: { topup: 'Балансты толықтыру', package_payment: 'Пакет үшін төлем', package: 'Пакет сатып алу', package_renewal: 'Пакетті ұзарту', purchase: 'Пакет сатып алу', refund: 'Қайтару', topup_reversal: 'Толықтырудың күшін жою', refund_reversal: 'Қайтаруды банк қабылдамады' },
    verifyHint: 'Түбіртектің түпнұсқалығын тексеру үшін сканерлеңіз', genuine: 'Түпнұсқа түбіртек', notGenuine: 'Түбіртек түпнұсқа емес',
    notGenuineHint: 'Бұл сілтемені біз бермегенбіз немесе ол өзгертілген.', thanks: 'Рахмет! Төлем сәтті өтті.', returned: 'Ақша қайтарылды.',
  },
  zh: {
    title: '收据', number: '收据编号', date: '日期', kind: '业务类型', line: '电话号码', amount: '金额',
    reverses: '撤销的收据', reversedBy: '撤销收据编号', refundOf: '原付款收据',
    kinds: { topup: '余额充值', package_payment: '套餐付款', package: '套餐购买', package_renewal: '套餐续订', purchase: '套餐购买', refund: '退款', topup_reversal: '充值撤销', refund_reversal: '退款被银行退回' },
    verifyHint: '扫码验证收据真伪', genuine: '真实收据', notGenuine: '非真实收据',
    notGenuineHint: '此链接并非由我们签发或已被篡改。', thanks: '谢谢！付款成功。', returned: '款项已退回。',
  },
};

export function isReceiptLanguage(value: unknown): value is ReceiptLanguage {
  return typeof value === 'string' && (RECEIPT_LANGUAGES as readonly string[]).includes(value);
}

/**
 * Picks ?lang, else the supported Accept-Language tag of the highest weight (RFC 9110 §12.5.4: `q`
 * from 0 to 1, 1 when absent, the first of equal weights; `q=0` is "not this one"), else the fallback.
 */
export function chooseLanguage(query: unknown, acceptLanguage: string | undefined, fallback: string = 'en'): ReceiptLanguage {
  if (isReceiptLanguage(query)) return query;
  let best: { language: ReceiptLanguage; weight: number } | null = null;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 50)) {
    const [range, ...parameters] = part.split(';');
    const language = range!.trim().toLowerCase().split('-')[0];
    if (!isReceiptLanguage(language)) continue;
    const q = parameters.find((p) => /^\s*q\s*=/i.test(p));
    const weight = q === undefined ? 1 : /^\s*q\s*=\s*[01](?:\.\d{0,3})?\s*$/i.test(q) ? Number(q.split('=')[1]) : 0; // a malformed weight: not taken
    if (weight > 0 && weight <= 1 && (best === null || weight > best.weight)) best = { language, weight };
  }
  if (best) return best.language;
  return isReceiptLanguage(fallback) ? fallback : 'en';
}
