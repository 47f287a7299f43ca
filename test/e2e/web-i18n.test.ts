import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// web/i18n.js is a plain browser module; its tables and formatters need no DOM to be checked here.
const { LANGUAGES, TEXT, fill, formatDate, refusalText, formatDays, formatPeriod, formatTenge, formatTime, formatUnits, movementLabel } = await import(new URL('../../web/i18n.js', import.meta.url).href);

/**
 * Ledger codes that reach a subscriber's history (transfers on a line's main, bonus, credit or
 * bucket accounts), from the src/ code that writes them. commission, commission_reversal,
 * agent_deposit and promotion move money between the operator's own accounts only.
 */
const HISTORY_CODES = [
  'topup', 'topup_bonus', 'topup_bonus_reversal', 'topup_reversal', 'refund', 'refund_reversal', 'package_purchase', 'package_allowance', 'package_rollover',
  'usage', 'expiry', 'forfeit', 'balance_transfer', 'balance_transfer_fee', 'promised_payment', 'promised_payment_fee', 'credit_repayment', 'credit_writeoff',
];
const GB = 1024 ** 3;
const NBSP = '\u00a0';

/** Every text of a table as "path.to.key" → text. */
function flatten(table: Record<string, unknown>, prefix = ''): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === 'string') texts.set(prefix + key, value);
    else for (const [path, text] of flatten(value as Record<string, unknown>, `${prefix}${key}.`)) texts.set(path, text);
  }
  return texts;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('web page texts in en, ru, kk and zh', () => {
  const tables = Object.fromEntries(Object.entries(TEXT as Record<string, Record<string, unknown>>).map(([language, table]) => [language, flatten(table)]));

  it('has a table for each language of the switcher, and only those', () => {
    assert.deepEqual(Object.keys(TEXT).sort(), ['en', 'kk', 'ru', 'zh']);
    assert.deepEqual(Object.keys(LANGUAGES).sort(), Object.keys(TEXT).sort());
  });

  it('gives every language the same keys, with the same {placeholders}, none empty', () => {
    const english = tables.en!;
    for (const [language, texts] of Object.entries(tables)) {
      assert.deepEqual([...texts.keys()].sort(), [...english.keys()].sort(), `${language} has the keys of en`);
      for (const [key, text] of texts) {
        assert.ok(text.trim().length > 0, `${language} ${key} is not empty`);
        assert.deepEqual(placeholders(text), placeholders(english.get(key)!), `${language} ${key} has the placeholders of en`);
      }
    }
  });

  it('labels every ledger code of a subscriber\'s history, and only those, and shows "Other" for any other code', () => {
    for (const language of Object.keys(TEXT)) {
      assert.deepEqual(Object.keys(TEXT[language].codes).sort(), [...HISTORY_CODES].sort(), `${language} codes`);
      for (const code of HISTORY_CODES) assert.notEqual(movementLabel(code, language), code);
    }
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => movementLabel('loyalty_points', l)), ['Other', 'Прочее', 'Басқа', '其他']);
    assert.equal(movementLabel('toString', 'en'), 'Other');
    assert.equal(movementLabel('topup_bonus', 'kk'), 'Толықтыру бонусы');
    // A card payment's reserved top-up and its release never read as two top-ups.
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => movementLabel('topup', l, 'pending')), ['Top-up (awaiting payment)', 'Пополнение (ожидает оплаты)', 'Толықтыру (төлем күтілуде)', '充值（待付款）']);
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => movementLabel('topup', l, 'void_pending')), ['Top-up (cancelled)', 'Пополнение (отменено)', 'Толықтыру (күші жойылды)', '充值（已取消）']);
    assert.equal(movementLabel('topup', 'en', 'post_pending'), 'Top-up');
    // A refund the provider has not paid back yet (WeChat Pay's PROCESSING) awaits no payment.
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => movementLabel('refund', l, 'pending')), ['Refund (in progress)', 'Возврат (в обработке)', 'Қайтару (өңделуде)', '退款（处理中）']);
    // Days of validity, "1 day" in English (not "1 days").
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => formatDays(1, l)), ['1 day', `1${NBSP}дн.`, `1${NBSP}күн`, '1天']);
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => formatDays(30, l)), ['30 days', `30${NBSP}дн.`, `30${NBSP}күн`, '30天']);
    // A monthly tariff runs to the same day next month (28 to 31 days): never "30 days", its API validityDays.
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map((l) => formatPeriod({ feePeriod: 'monthly', validityDays: 30 }, l)), ['monthly', 'ежемесячно', 'ай сайын', '按月']);
    assert.equal(formatPeriod({ feePeriod: 'every_28_days', validityDays: 28 }, 'en'), '28 days');
    assert.equal(formatPeriod({ feePeriod: null, validityDays: 7 }, 'ru'), `7${NBSP}дн.`);
  });

  it('counts days with formatDays\' words in every {days} text: "within 1 day", not "within 1 days"', () => {
    // The unit comes with the count: no text adds its own after {days}.
    for (const [language, texts] of Object.entries(tables)) {
      for (const [key, text] of texts) assert.doesNotMatch(text, /\{days\}\s*(days?|дн|күн|天)/u, `${language} ${key}`);
    }
    const said = (language: string, template: (t: Record<string, any>) => string, count: number) => fill(template(TEXT[language]), { days: formatDays(count, language) }).replaceAll(NBSP, ' ');
    assert.equal(said('en', (t) => t.credit.offer, 1), 'Money now, repaid from your next top-up within 1 day.');
    assert.equal(said('en', (t) => t.credit.offer, 3), 'Money now, repaid from your next top-up within 3 days.');
    assert.equal(said('en', (t) => t.credit.refusals.tenure, 1), 'Available once the line\'s first top-up is 1 day old.');
    assert.equal(said('en', (t) => t.credit.refusals.no_recent_topup, 30), 'Available to lines topped up in the last 30 days.');
    assert.equal(said('ru', (t) => t.credit.offer, 3), 'Деньги сейчас, погашение из следующего пополнения в течение 3 дн.');
    assert.equal(said('ru', (t) => t.credit.refusals.tenure, 30), 'Доступно, когда с первого пополнения номера пройдёт 30 дн.');
    assert.equal(said('kk', (t) => t.credit.offer, 3), 'Ақша қазір беріледі, 3 күн ішінде келесі толықтырудан өтеледі.');
    assert.equal(said('kk', (t) => t.credit.refusals.no_recent_topup, 30), 'Соңғы 30 күн ішінде толықтырылған нөмірлерге қолжетімді.');
    assert.equal(said('zh', (t) => t.credit.offer, 3), '立即到账，3天内从下次充值中还款。');
    assert.equal(said('zh', (t) => t.credit.refusals.tenure, 30), '号码首次充值满 30天后可用。');
  });

  it('says what is left of the day\'s top-ups in each language, Kazakh with its case ending', () => {
    const left = Object.fromEntries(['en', 'ru', 'kk', 'zh'].map((l) => [l, fill(TEXT[l].dailyLimitLeft, { remaining: formatTenge(649_900, l) }).replaceAll(NBSP, ' ')]));
    assert.deepEqual(left, {
      en: 'This number can be topped up by at most 6,499 ₸ more today.',
      ru: 'Сегодня этот номер можно пополнить ещё не более чем на 6 499 ₸.',
      kk: 'Бүгін бұл нөмірді тағы ең көбі 6 499 ₸ сомаға толықтыруға болады.',
      zh: '此号码今天最多还能充值 6,499 ₸。',
    });
    assert.equal(TEXT.zh.codes.usage, '用量');
  });

  it('says until when a transfer code is valid by the time alone, in Almaty time', () => {
    assert.equal(formatTime('2026-12-21T00:02:00Z'), '05:02');
    assert.equal(formatTime('2026-12-21T19:03:00Z'), '00:03');
    // UTC+5 as a fixed offset, whatever a device's time-zone data says of Asia/Almaty (UTC+6 before
    // 2024-03-01, and still so on phones with data older than 2024a): the same hour for any instant.
    assert.equal(formatTime('2023-06-01T00:02:00Z'), '05:02');
    assert.equal(formatDate('2023-06-01T19:03:00Z', 'kk'), '2023 ж. 2 мау., 00:03');
    const until = (l: string) => fill(TEXT[l].transfer.codeSent, { from: 'F', time: formatTime('2026-12-21T00:02:00Z') });
    assert.deepEqual(['en', 'ru', 'kk', 'zh'].map(until), [
      'We sent a code by SMS to F. It is valid until 05:02.', 'Мы отправили код в SMS на F. Он действует до 05:02.',
      'F нөміріне SMS арқылы код жібердік. Ол 05:02 дейін жарамды.', '验证码已通过短信发送至 F，有效期至 05:02。',
    ]);
  });

  it('says a failure of the server (5xx) is one to try again, never the page\'s fallback about what was typed (4 languages)', () => {
    for (const language of ['en', 'ru', 'kk', 'zh']) {
      const t = TEXT[language];
      // The fallbacks the pages give: "not served here" for a number, "wrong number or password" at login.
      for (const fallback of [t.notOurs, t.wrongLogin, t.invalidNumber]) {
        assert.equal(refusalText(language, { status: 503, code: 'unavailable', details: { reason: 'database_unavailable' } }, fallback), t.error, `${language} unavailable`);
        assert.equal(refusalText(language, { status: 500, code: 'internal_error', details: {} }, fallback), t.error, `${language} internal_error`);
        assert.equal(refusalText(language, { status: 502, code: 'bad_gateway', details: {} }, fallback), t.error, `${language} 502`);
        // What the server said of the request itself keeps the page's words.
        assert.equal(refusalText(language, { status: 404, code: 'line_not_found', details: {} }, fallback), fallback);
        assert.equal(refusalText(language, { status: 401, code: 'invalid_credentials', details: {} }, fallback), fallback);
      }
      assert.equal(refusalText(language, { status: 0, code: 'network_error', details: {} }, t.notOurs), t.offline);
      assert.equal(refusalText(language, { status: 429, code: 'rate_limited', details: {} }, t.notOurs), t.tooMany);
    }
  });

  it('writes "top up" in Kazakh as толықтыру, never толтыру', () => {
    for (const [key, text] of tables.kk!) assert.doesNotMatch(text, /толтыр/i, key);
  });

  it('formats tenge "1 500,50 ₸" in ru and kk, "1,500.50 ₸" in en and zh, whole tenge without decimals', () => {
    const shown = (minor: number) => Object.fromEntries(['en', 'ru', 'kk', 'zh'].map((l) => [l, formatTenge(minor, l).replaceAll(NBSP, ' ')]));
    assert.deepEqual(shown(150_050), { en: '1,500.50 ₸', ru: '1 500,50 ₸', kk: '1 500,50 ₸', zh: '1,500.50 ₸' });
    assert.deepEqual(shown(10_000_000), { en: '100,000 ₸', ru: '100 000 ₸', kk: '100 000 ₸', zh: '100,000 ₸' });
    assert.deepEqual(shown(-1_234_505), { en: '−12,345.05 ₸', ru: '−12 345,05 ₸', kk: '−12 345,05 ₸', zh: '−12,345.05 ₸' });
    assert.equal(formatTenge(50_000, 'en'), `500${NBSP}₸`);
  });

  it('formats package units in each language\'s words and digits', () => {
    const shown = (unit: string, amount: number) => Object.fromEntries(['en', 'ru', 'kk', 'zh'].map((l) => [l, formatUnits(unit, amount, l).replaceAll(NBSP, ' ')]));
    assert.deepEqual(shown('DATA_BYTES', 8.5 * GB), { en: '8.5 GB', ru: '8,5 ГБ', kk: '8,5 ГБ', zh: '8.5 GB' });
    assert.deepEqual(shown('DATA_BYTES', 2 * GB), { en: '2 GB', ru: '2 ГБ', kk: '2 ГБ', zh: '2 GB' });
    assert.deepEqual(shown('DATA_BYTES', 300 * 1024 ** 2), { en: '300 MB', ru: '300 МБ', kk: '300 МБ', zh: '300 MB' });
    assert.deepEqual(shown('DATA_BYTES', 200_000), { en: '1 MB', ru: '1 МБ', kk: '1 МБ', zh: '1 MB' }, 'what is left of a last MB is not 0 MB');
    // Rounded down, as minutes are and as USSD's *104# says it: never more than is left.
    assert.deepEqual(shown('DATA_BYTES', Math.round(1.96 * GB)), { en: '1.9 GB', ru: '1,9 ГБ', kk: '1,9 ГБ', zh: '1.9 GB' });
    assert.equal(shown('DATA_BYTES', GB - 300_000).en, '1,023 MB', 'not 1,024 MB');
    assert.equal(shown('DATA_BYTES', -Math.round(1.96 * GB)).en, '−1.9 GB');
    assert.equal(shown('DATA_BYTES', 0).en, '0 MB');
    assert.deepEqual(shown('VOICE_SECONDS', 59), { en: '1 min', ru: '1 мин', kk: '1 мин', zh: '1分钟' }, 'what is left of a last minute is not 0 min');
    assert.equal(shown('VOICE_SECONDS', 150).en, '2 min');
    assert.equal(shown('VOICE_SECONDS', 0).en, '0 min');
    assert.deepEqual(shown('DATA_BYTES', -1.5 * GB), { en: '−1.5 GB', ru: '−1,5 ГБ', kk: '−1,5 ГБ', zh: '−1.5 GB' });
    assert.deepEqual(shown('VOICE_SECONDS', 3_510), { en: '58 min', ru: '58 мин', kk: '58 мин', zh: '58分钟' });
    assert.deepEqual(shown('VOICE_SECONDS', -90), { en: '−1 min', ru: '−1 мин', kk: '−1 мин', zh: '−1分钟' });
    assert.deepEqual(shown('SMS', 1_049), { en: '1,049 SMS', ru: '1 049 SMS', kk: '1 049 SMS', zh: '1,049条短信' });
  });

  it('writes dates in Almaty time, in Kazakh without relying on the browser\'s Kazakh locale data', () => {
    assert.equal(formatDate('2026-12-21T05:15:00Z', 'kk'), '2026 ж. 21 жел., 10:15');
    assert.equal(formatDate('2026-01-05T19:05:00Z', 'kk'), '2026 ж. 6 қаң., 00:05');
    assert.equal(formatDate('2026-12-21T05:15:00Z', 'en'), '21 Dec 2026, 10:15');
    assert.equal(formatDate(null, 'zh'), '—');
  });

  it('puts the amount and the date where each language puts them', () => {
    const phrases = (language: string) => [fill(TEXT[language].remaining, { amount: 'X' }), fill(TEXT[language].expires, { date: 'D' })];
    assert.deepEqual(phrases('en'), ['X left', 'expires D']);
    assert.deepEqual(phrases('ru'), ['осталось X', 'до D']);
    assert.deepEqual(phrases('kk'), ['X қалды', 'D дейін']);
    assert.deepEqual(phrases('zh'), ['剩余 X', 'D到期']);
  });
});
