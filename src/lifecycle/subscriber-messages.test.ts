import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscriberMessage } from './subscriber-messages.ts';
import { encodeSms } from '../sms/sms-encoding.ts';

const LANGUAGES = ['en', 'ru', 'kk', 'zh'] as const;
/** An amount as each language writes it: "1,000 ₸" in en and zh, "1 000 ₸" (no-break spaces) in ru and kk. */
const tenge = (whole: number) => {
  const spaced = `${whole.toLocaleString('ru-RU').replace(/\s/g, '\u00a0')}\u00a0₸`;
  const commas = `${whole.toLocaleString('en-US')}\u00a0₸`;
  return { en: commas, ru: spaced, kk: spaced, zh: commas };
};

/** Each event a subscriber hears of, with what every language's text must hold. */
const CASES: { topic: string; payload: Record<string, unknown>; holds: (string | Record<(typeof LANGUAGES)[number], string>)[]; offeringName?: string }[] = [
  { topic: 'line.status_changed', payload: { from: 'active', to: 'grace' }, holds: [] },
  { topic: 'line.status_changed', payload: { from: 'grace', to: 'suspended' }, holds: ['60'] },
  { topic: 'line.status_changed', payload: { from: 'suspended', to: 'terminated' }, holds: [] },
  { topic: 'line.status_changed', payload: { from: 'grace', to: 'active', reason: 'topup' }, holds: [] },
  { topic: 'bucket.usage_threshold', payload: { unit: 'DATA_BYTES', thresholdPercent: 80 }, holds: ['80', { en: 'data', ru: 'интернет', kk: 'интернет', zh: '流量' }] },
  { topic: 'bucket.usage_threshold', payload: { unit: 'SMS', thresholdPercent: 100 }, holds: [{ en: 'SMS', ru: 'SMS', kk: 'SMS', zh: '短信' }] },
  // Named when the SMS worker knows the bucket's pack: a line with several packs learns which one.
  { topic: 'bucket.usage_threshold', payload: { unit: 'DATA_BYTES', thresholdPercent: 80 }, offeringName: '1 GB', holds: ['80', '1 GB', { en: 'data', ru: 'интернета', kk: 'интернеттің', zh: '流量' }] },
  { topic: 'bucket.usage_threshold', payload: { unit: 'VOICE_SECONDS', thresholdPercent: 100 }, offeringName: '100 min', holds: ['100 min', { en: 'minutes', ru: 'минут', kk: 'минуттар', zh: '通话分钟数' }] },
  // 20:00 UTC on the 18th is the 19th in Almaty.
  { topic: 'credit.granted', payload: { amount: 50_000, fee: 5_000, dueAt: '2026-02-18T20:00:00Z' }, holds: [tenge(500), tenge(550), { en: '19 Feb 2026', ru: '19.02.2026', kk: '19.02.2026', zh: '2026年2月19日' }] },
  { topic: 'credit.repaid', payload: { amount: 30_000, owedAfter: 25_000 }, holds: [tenge(300), tenge(250)] },
  { topic: 'credit.repaid', payload: { amount: 55_000, owedAfter: 0 }, holds: [tenge(550)] },
  { topic: 'transfer.completed', payload: { from: '+77011234567', amount: 100_000 }, holds: ['+77011234567', tenge(1_000)] },
  { topic: 'topup.succeeded', payload: { amount: 200_000, balanceAfter: 1_250_050, receiptNumber: 'R-2026-00000123' }, holds: [tenge(2_000), { en: '12,500.50\u00a0₸', ru: '12\u00a0500,50\u00a0₸', kk: '12\u00a0500,50\u00a0₸', zh: '12,500.50\u00a0₸' }, 'R-2026-00000123'] },
  // Money that paid for a package (a counter sale, a card purchase): the purchase spends it, so no balance is claimed.
  { topic: 'topup.succeeded', payload: { amount: 149_000, balanceAfter: 649_000, receiptNumber: 'R-2026-00000124', paysForPackage: true }, holds: [tenge(1_490), 'R-2026-00000124', { en: 'package', ru: 'пакета', kk: 'Пакет', zh: '套餐' }] },
  { topic: 'topup.reversed', payload: { amount: 200_000 }, holds: [tenge(2_000)] },
  { topic: 'payment.refunded', payload: { amount: 150_000 }, holds: [tenge(1_500)] },
  { topic: 'payment.refund_reversed', payload: { amount: 150_000, forfeited: false }, holds: [tenge(1_500)] },
  { topic: 'package.purchased', payload: { offering: 'DATA_5GB_30D', pricePaid: 350_000, expiresAt: '2026-03-01T10:00:00Z' }, holds: ['DATA_5GB_30D', tenge(3_500), { en: '1 Mar 2026', ru: '01.03.2026', kk: '01.03.2026', zh: '2026年3月1日' }] },
  { topic: 'package.renewed', payload: { offering: 'DATA_5GB_30D', pricePaid: 350_000, expiresAt: '2026-03-31T10:00:00Z' }, offeringName: '5 GB', holds: ['5 GB', tenge(3_500)] },
  { topic: 'package.renewal_failed', payload: { offering: 'DATA_5GB_30D', reason: 'balance_insufficient', retryUntil: '2026-03-08T10:00:00Z' }, holds: ['DATA_5GB_30D', { en: '8 Mar 2026', ru: '08.03.2026', kk: '08.03.2026', zh: '2026年3月8日' }] },
  { topic: 'package.renewal_failed', payload: { offering: 'DATA_5GB_30D', reason: 'offering_unavailable' }, holds: ['DATA_5GB_30D'] },
  // The line's validity ended: a top-up brings it back and the retry renews (and charges) the pack; the text says so and by when.
  { topic: 'package.renewal_failed', payload: { offering: 'DATA_5GB_30D', reason: 'line_status_invalid', details: { status: 'grace' }, retryUntil: '2026-03-08T20:00:00Z' }, holds: ['DATA_5GB_30D', { en: '9 Mar 2026', ru: '09.03.2026', kk: '09.03.2026', zh: '2026年3月9日' }, { en: 'validity', ru: 'срок действия номера', kk: 'мерзімі', zh: '有效期' }] },
  // The balance short of the price too: the top-up must bring the shortfall, or the line comes back and the pack does not.
  { topic: 'package.renewal_failed', payload: { offering: 'DATA_5GB_30D', reason: 'line_status_invalid', details: { status: 'grace', shortfall: 200_000, price: 350_000 }, retryUntil: '2026-03-08T20:00:00Z' }, holds: ['DATA_5GB_30D', tenge(2_000), { en: '9 Mar 2026', ru: '09.03.2026', kk: '09.03.2026', zh: '2026年3月9日' }, { en: 'validity', ru: 'срок действия номера', kk: 'мерзімі', zh: '有效期' }] },
  { topic: 'bonus.granted', payload: { amount: 50_000, expiresAt: '2026-04-01T00:00:00Z' }, holds: [tenge(500), { en: '1 Apr 2026', ru: '01.04.2026', kk: '01.04.2026', zh: '2026年4月1日' }] },
  { topic: 'bonus.expired', payload: { amount: 12_300 }, holds: [tenge(123)] },
  { topic: 'line.validity_expiring', payload: { validUntil: '2026-03-10T19:30:00Z', balance: 25_000 }, holds: [tenge(250), { en: '11 Mar 2026', ru: '11.03.2026', kk: '11.03.2026', zh: '2026年3月11日' }] },
  { topic: 'package.expiring', payload: { offering: 'DATA_1GB_7D', expiresAt: '2026-03-10T06:00:00Z', autoRenew: false }, holds: ['DATA_1GB_7D', { en: '10 Mar 2026', ru: '10.03.2026', kk: '10.03.2026', zh: '2026年3月10日' }] },
  { topic: 'package.expiring', payload: { offering: 'DATA_1GB_7D', expiresAt: '2026-03-10T06:00:00Z', autoRenew: true, renewalPrice: 149_000 }, offeringName: '1 GB', holds: ['1 GB', tenge(1_490), { en: 'automatically', ru: 'автоматически', kk: 'автоматты', zh: '自动续订' }] },
  { topic: 'balance.low', payload: { balance: 12_050, threshold: 30_000 }, holds: [{ en: '120.50\u00a0₸', ru: '120,50\u00a0₸', kk: '120,50\u00a0₸', zh: '120.50\u00a0₸' }] },
];

describe('subscriber messages of the outbox events', () => {
  it('exist in en, ru, kk and zh, each language with the same values filled in', () => {
    for (const { topic, payload, holds, offeringName } of CASES) {
      const texts = new Set<string>();
      for (const language of LANGUAGES) {
        const text = subscriberMessage(topic, { ...payload, language, receiverLanguage: language }, { offeringName });
        assert.ok(text && text.length > 0 && !/[{}]/.test(text), `${language} ${topic}: ${text}`);
        for (const part of holds) {
          const expected = typeof part === 'string' ? part : part[language];
          assert.ok(text.includes(expected), `${language} ${topic}: "${text}" should hold "${expected}"`);
        }
        texts.add(text);
      }
      assert.equal(texts.size, LANGUAGES.length, `${topic}: four different texts`);
    }
  });

  it("gives a renewal's retry deadline with its time of day: a top-up later that day no longer renews the pack", () => {
    // A pack bought at 00:30 Almaty ends at 00:30, and its retry window too: "by 5 Mar" would promise all of 5 March.
    for (const details of [{}, { status: 'grace' }]) {
      const reason = 'status' in details ? 'line_status_invalid' : 'balance_insufficient';
      const texts = LANGUAGES.map((language) => subscriberMessage('package.renewal_failed', { offering: 'DATA_5GB_30D', reason, details, retryUntil: '2026-03-04T19:30:00Z', language }));
      assert.deepEqual(texts.map((text) => /\d{1,2}:\d{2}/.exec(text ?? '')?.[0]), ['00:30', '00:30', '00:30', '00:30'], texts.join('\n'));
      assert.ok(texts[0]!.includes('Top up by 5 Mar 2026 00:30 and it renews automatically.'), texts[0]!);
      assert.ok(texts[1]!.includes('до 05.03.2026 00:30'), texts[1]!);
      assert.ok(texts[2]!.includes('05.03.2026 00:30 дейін'), texts[2]!);
      assert.ok(texts[3]!.includes('请在2026年3月5日 00:30前充值'), texts[3]!);
    }
  });

  it("gives a line's validity end with its time of day: a line valid until 00:30 is in grace (incoming calls only) the rest of that day", () => {
    const texts = LANGUAGES.map((language) => subscriberMessage('line.validity_expiring', { validUntil: '2026-03-10T19:30:00Z', balance: 25_000, language }));
    assert.ok(texts[0]!.includes('valid until 11 Mar 2026 00:30.'), texts[0]!);
    assert.ok(texts[1]!.includes('до 11.03.2026 00:30,'), texts[1]!);
    assert.ok(texts[2]!.includes('11.03.2026 00:30 дейін'), texts[2]!);
    assert.ok(texts[3]!.includes('有效期至2026年3月11日 00:30，'), texts[3]!);
  });

  it('keeps the validity reminder, sent to every line before its end, to one SMS in every language for a balance up to 500 ₸ (with the time of day too)', () => {
    for (const language of LANGUAGES) {
      for (const balance of [0, 50_000]) {
        const text = subscriberMessage('line.validity_expiring', { validUntil: '2026-09-11T18:30:00Z', balance, language })!;
        assert.equal(encodeSms(text).segments.length, 1, `${language}: ${text} (${text.length} characters)`);
      }
    }
  });

  it('tells a suspended line the days really left before termination, also when the step came late, and nothing once it is due', () => {
    const suspended = (terminatesAt: string | undefined, now: string) => subscriberMessage('line.status_changed', { from: 'grace', to: 'suspended', at: now, language: 'en', ...(terminatesAt ? { terminatesAt } : {}) }, { suspendedDays: 60, now });
    assert.match(suspended('2027-07-29T06:00:00Z', '2027-05-30T06:00:00Z')!, /within 60 days/);
    assert.match(suspended('2027-07-29T06:00:00Z', '2027-07-04T07:00:00Z')!, /within 25 days/, 'applied after a week down');
    assert.match(suspended('2027-07-29T06:00:00Z', '2027-07-28T07:00:00Z')!, /within 1 day\b/);
    assert.equal(suspended('2027-07-29T06:00:00Z', '2027-07-29T06:00:00Z'), null, 'termination due: its own SMS follows');
    assert.match(suspended(undefined, '2027-07-04T07:00:00Z')!, /within 60 days/, 'an event without terminatesAt keeps the setting');
    // Grace likewise: nothing to "top up to restore" once termination is due in the same catch-up.
    const grace = (terminatesAt: string | undefined, now: string) => subscriberMessage('line.status_changed', { from: 'active', to: 'grace', at: now, language: 'en', ...(terminatesAt ? { terminatesAt } : {}) }, { now });
    assert.match(grace('2027-07-29T06:00:00Z', '2027-04-30T06:00:00Z')!, /incoming calls only/);
    assert.equal(grace('2027-07-29T06:00:00Z', '2027-08-01T06:00:00Z'), null, 'termination due: its own SMS follows');
    assert.match(grace(undefined, '2027-08-01T06:00:00Z')!, /incoming calls only/, 'a grace a reversal or an admin put back carries no terminatesAt');
  });

  it('falls back to English for an unknown language, and sends nothing for events a subscriber does not hear of', () => {
    assert.equal(subscriberMessage('bonus.expired', { amount: 100, language: 'de' }), 'Your bonus of 1\u00a0₸ has expired.');
    assert.equal(subscriberMessage('line.status_changed', { from: 'preactive', to: 'active' }), null);
    assert.equal(subscriberMessage('ledger.something_internal', { language: 'ru' }), null);
    assert.equal(subscriberMessage('payment.refund_reversed', { amount: 150_000, forfeited: true, language: 'ru' }), null, 'forfeited with a terminated line: no one to tell');
    assert.equal(subscriberMessage('credit.granted', { amount: 50_000, fee: 5_000, dueAt: 'not a date', language: 'ru' })!.includes('{'), false);
    assert.equal(subscriberMessage('balance.low', { balance: 'lots', language: 'en' }), 'Your balance is low: 0\u00a0₸. Top up to stay connected.');
  });

  it('sends a transfer code with the minutes it is still valid, and no code that has already expired', () => {
    const code = (now: string) => subscriberMessage('transfer.confirmation_requested', { code: '123456', amount: 100_000, fee: 2_000, to: '+77011234568', expiresAt: '2026-01-15T06:05:00.000Z', language: 'en' }, { now });
    assert.equal(code('2026-01-15T06:00:20.000Z'), 'Code 123456 confirms sending 1,000\u00a0₸ (fee 20\u00a0₸) to +77011234568. Valid 5 min. Never share it.');
    assert.match(code('2026-01-15T06:04:30.000Z')!, /Valid 1 min\./);
    assert.equal(code('2026-01-15T06:05:00.000Z'), null, 'expired as it is queued');
    assert.equal(code('2026-01-15T06:15:00.000Z'), null, 'read late, after the SMS job was down');
  });

  it('says in English that the minutes, data or SMS of a named pack are used up, the verb agreeing with each', () => {
    const used = (unit: string) => subscriberMessage('bucket.usage_threshold', { unit, thresholdPercent: 100, language: 'en' }, { offeringName: 'Tourist combo' });
    assert.equal(used('VOICE_SECONDS'), 'You have used up the minutes in "Tourist combo".');
    assert.equal(used('DATA_BYTES'), 'You have used up the data in "Tourist combo".');
    assert.equal(used('SMS'), 'You have used up the SMS in "Tourist combo".');
  });
});
