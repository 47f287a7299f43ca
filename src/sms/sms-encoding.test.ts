import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { afterQuietHours } from './quiet-hours.ts';
import { DATA_CODING, decodeGsm, decodeShortMessage, encodeSms, textAsSent, withConcatenationHeaders } from './sms-encoding.ts';
import { SMS_TOPICS } from './sms-rows.ts';
import { sourceOf } from './send-sms-job.ts';

/** The segments decoded and joined again: what the phone shows. */
const joined = (text: string) => {
  const { dataCoding, segments } = encodeSms(text);
  return segments.map((segment) => decodeShortMessage(dataCoding, segment)).join('');
};
/** Septets of a GSM segment, an escape pair counting two (one octet each, as SMPP carries them). */
const units = (dataCoding: number, segment: Buffer) => (dataCoding === DATA_CODING.gsm ? segment.length : segment.length / 2);

describe('SMS encoding and segments', () => {
  it('sends GSM 03.38 septets, one per octet, when every character fits; the extension table as escape pairs', () => {
    const { dataCoding, segments } = encodeSms('Δ@£ {€} ok');
    assert.equal(dataCoding, DATA_CODING.gsm);
    assert.deepEqual([...segments[0]!], [0x10, 0x00, 0x01, 0x20, 0x1b, 0x28, 0x1b, 0x65, 0x1b, 0x29, 0x20, 0x6f, 0x6b]);
    assert.equal(decodeGsm(segments[0]!), 'Δ@£ {€} ok');
    assert.equal(encodeSms(subscriberMessage('line.status_changed', { from: 'suspended', to: 'active', language: 'en' })!).dataCoding, DATA_CODING.gsm);
  });

  it('sends an English text with an amount in GSM 03.38: the tenge sign as KZT, no-break spaces as spaces', () => {
    const text = subscriberMessage('topup.succeeded', { amount: 150_000, balanceAfter: 1_234_500, receiptNumber: 'R-2026-00000042', language: 'en' })!;
    assert.match(text, /₸/);
    const { dataCoding, segments } = encodeSms(text);
    assert.equal(dataCoding, DATA_CODING.gsm);
    assert.equal(segments.length, 1, 'one SMS, not two UCS-2 segments');
    assert.equal(joined(text), textAsSent(text));
    assert.equal(textAsSent(text), 'Your balance was topped up by 1,500 KZT. Balance 12,345 KZT. Receipt R-2026-00000042.');
    assert.equal(joined('“Tourist” – 1…'), '"Tourist" - 1...');
  });

  it('sends UCS-2 big-endian for Cyrillic, Kazakh, Chinese, and the tenge sign among them', () => {
    for (const text of ['Баланс пополнен', 'Нөміріңіз қайта белсенді.', '您的号码已恢复使用。', 'Баланс 100\u00a0₸', 'Balance 100 ₸ 余额']) {
      const { dataCoding, segments } = encodeSms(text);
      assert.equal(dataCoding, DATA_CODING.ucs2, text);
      assert.deepEqual(segments, [Buffer.from(text, 'utf16le').swap16()]);
      assert.equal(joined(text), text);
    }
  });

  it('fits 160 septets or 70 UCS-2 characters in one SMS, and cuts longer texts into 153 and 67', () => {
    assert.equal(encodeSms('a'.repeat(160)).segments.length, 1);
    assert.deepEqual(encodeSms('a'.repeat(161)).segments.map((s) => s.length), [153, 8]);
    // An extension character counts as two septets.
    assert.equal(encodeSms(`${'a'.repeat(158)}€`).segments.length, 1);
    assert.equal(encodeSms(`${'a'.repeat(159)}€`).segments.length, 2);
    assert.equal(encodeSms('ж'.repeat(70)).segments.length, 1);
    assert.deepEqual(encodeSms('ж'.repeat(71)).segments.map((s) => s.length / 2), [67, 4]);
  });

  it('never cuts a GSM escape pair or a UTF-16 surrogate pair', () => {
    const gsm = encodeSms(`${'a'.repeat(152)}€${'b'.repeat(20)}`);
    assert.deepEqual(gsm.segments.map((s) => s.length), [152, 22]);
    assert.deepEqual([...gsm.segments[1]!.subarray(0, 2)], [0x1b, 0x65]);
    const ucs2 = encodeSms(`${'я'.repeat(66)}😀${'я'.repeat(10)}`);
    assert.deepEqual(ucs2.segments.map((s) => s.length / 2), [66, 12]);
    assert.equal(decodeShortMessage(ucs2.dataCoding, ucs2.segments[1]!), `😀${'я'.repeat(10)}`);
  });

  it('cuts long texts in every language into segments that join back to the text', () => {
    const long = { offering: 'DATA', reason: 'balance_insufficient', retryUntil: '2026-03-08T10:00:00Z' };
    const name = { en: 'Unlimited messengers and social networks for thirty days, with roaming in the EAEU', ru: 'Безлимитные мессенджеры и соцсети на тридцать дней', kk: 'Шексіз мессенджерлер мен әлеуметтік желілер отыз күнге', zh: '即时通讯和社交网络无限量三十天，含欧亚经济联盟漫游，另赠夜间不限量高速流量与国际长途优惠' };
    for (const language of ['en', 'ru', 'kk', 'zh'] as const) {
      const text = subscriberMessage('package.renewal_failed', { ...long, language }, { offeringName: name[language] })!;
      const { dataCoding, segments } = encodeSms(text);
      assert.ok(segments.length >= 2, `${language}: ${segments.length} segments for ${text.length} characters`);
      assert.equal(dataCoding, language === 'en' ? DATA_CODING.gsm : DATA_CODING.ucs2, language);
      const limit = dataCoding === DATA_CODING.gsm ? 153 : 67;
      for (const segment of segments) assert.ok(units(dataCoding, segment) <= limit, language);
      assert.equal(joined(text), text, language);
    }
  });

  it('sends from an alphanumeric sender, a short code or an international number with their TON and NPI', () => {
    assert.deepEqual(sourceOf('Tolem'), { ton: 5, npi: 0, address: 'Tolem' });
    assert.deepEqual(sourceOf('1414'), { ton: 3, npi: 0, address: '1414' });
    assert.deepEqual(sourceOf('77001234567'), { ton: 1, npi: 1, address: '77001234567' });
    assert.deepEqual(sourceOf('+1414'), { ton: 1, npi: 1, address: '1414' });
  });

  it('puts the 8-bit-reference concatenation header before each segment of a long text only', () => {
    const { segments } = encodeSms('ж'.repeat(140));
    const parts = withConcatenationHeaders(segments, 0xa7);
    assert.deepEqual(parts.map((part) => [...part.subarray(0, 6)]), [[5, 0, 3, 0xa7, 3, 1], [5, 0, 3, 0xa7, 3, 2], [5, 0, 3, 0xa7, 3, 3]]);
    assert.deepEqual(parts.map((part) => part.length), [6 + 134, 6 + 134, 6 + 12]);
    assert.deepEqual(withConcatenationHeaders([Buffer.from('hi')], 1), [Buffer.from('hi')]);
  });
});

describe('SMS topics', () => {
  it('are topics subscriberMessage has a text for, and it has none for topics left out', () => {
    for (const topic of SMS_TOPICS) assert.ok(subscriberMessage(topic, { to: 'grace', language: 'en' }), topic);
    for (const topic of ['payment.succeeded', 'agent.topup_reversed', 'usage.recorded']) assert.equal(subscriberMessage(topic, { language: 'en' }), null, topic);
  });
});

describe('quiet hours', () => {
  // Almaty is UTC+5: 22:00 there is 17:00 UTC, 09:00 is 04:00 UTC.
  it('moves a time inside 22:00-09:00 Almaty to 09:00, and leaves others', () => {
    const at = (iso: string) => afterQuietHours(new Date(iso), 22, 9).toISOString();
    assert.equal(at('2026-01-15T16:59:00.000Z'), '2026-01-15T16:59:00.000Z');
    assert.equal(at('2026-01-15T17:00:00.000Z'), '2026-01-16T04:00:00.000Z');
    assert.equal(at('2026-01-15T21:30:00.000Z'), '2026-01-16T04:00:00.000Z');
    assert.equal(at('2026-01-16T03:59:59.000Z'), '2026-01-16T04:00:00.000Z');
    assert.equal(at('2026-01-16T04:00:00.000Z'), '2026-01-16T04:00:00.000Z');
    // Hours within one day, and none at all.
    assert.equal(afterQuietHours(new Date('2026-01-15T08:00:00.000Z'), 13, 15).toISOString(), '2026-01-15T10:00:00.000Z');
    assert.equal(afterQuietHours(new Date('2026-01-15T20:00:00.000Z'), 0, 0).toISOString(), '2026-01-15T20:00:00.000Z');
  });
});
