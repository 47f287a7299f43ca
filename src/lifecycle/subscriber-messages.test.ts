import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscriberMessage } from './subscriber-messages.ts';

describe('subscriber messages of lifecycle, credit, transfer and usage events', () => {
  it('exist in en, ru, kk and zh and fill their values', () => {
    for (const language of ['en', 'ru', 'kk', 'zh']) {
      for (const [topic, payload] of [
        ['line.status_changed', { to: 'grace' }], ['line.status_changed', { to: 'suspended' }], ['line.status_changed', { to: 'terminated' }],
        ['line.status_changed', { from: 'grace', to: 'active' }], ['bucket.usage_threshold', { unit: 'DATA_BYTES', thresholdPercent: 80 }],
        ['bucket.usage_threshold', { unit: 'SMS', thresholdPercent: 100 }], ['credit.granted', { amount: 50_000, fee: 5_000, dueAt: '2026-02-18T06:00:00Z' }],
        ['transfer.completed', { from: '+77011234567', amount: 100_000 }],
      ] as const) {
        const text = subscriberMessage(topic, { ...payload, language, receiverLanguage: language });
        assert.ok(text && text.length > 0 && !text.includes('{'), `${language} ${topic}: ${text}`);
      }
    }
    assert.match(subscriberMessage('credit.granted', { amount: 50_000, fee: 5_000, dueAt: '2026-02-18T06:00:00Z', language: 'en' })!, /500\u00a0₸.*550\u00a0₸.*2026-02-18/);
    assert.equal(subscriberMessage('line.status_changed', { from: 'preactive', to: 'active' }), null);
    assert.equal(subscriberMessage('topup.succeeded', {}), null);
  });
});
