import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentDescription } from './create-payment.ts';

describe('payment description', () => {
  it("names what is paid for in the payment's language, English otherwise", () => {
    const topUp = { purpose: 'topup', msisdn: '+77011234567', offering_code: null };
    assert.equal(paymentDescription({ ...topUp, language: 'en' }), 'Top-up +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'ru' }), 'Пополнение +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'kk' }), '+77011234567 нөмірінің балансын толықтыру');
    assert.equal(paymentDescription({ ...topUp, language: 'zh' }), '话费充值 +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'de' }), 'Top-up +77011234567');
    const purchase = { purpose: 'purchase', msisdn: '+77011234567', offering_code: 'DATA_5GB_30D' };
    assert.equal(paymentDescription({ ...purchase, language: 'zh' }), '套餐 DATA_5GB_30D，+77011234567');
    assert.equal(paymentDescription({ ...purchase, language: 'ru' }), 'Пакет DATA_5GB_30D, +77011234567');
    // WeChat Pay takes at most 127 bytes of description.
    for (const language of ['en', 'ru', 'kk', 'zh']) assert.ok(Buffer.byteLength(paymentDescription({ ...purchase, language })) <= 127);
  });
});
