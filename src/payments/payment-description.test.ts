import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { DEMO_CATALOG } from '../catalog/demo-catalog.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { PAYMENT_DESCRIPTION_BYTES_MAX, paymentDescription } from './create-payment.ts';
import { addLine, checkoutPath, createPayment, startPaymentsApp } from './payments-test-support.ts';

const LANGUAGES = ['en', 'ru', 'kk', 'zh'] as const;

describe('payment description', () => {
  it("names what is paid for in the payment's language, English otherwise", () => {
    const topUp = { purpose: 'topup', msisdn: '+77011234567', offering_code: null };
    assert.equal(paymentDescription({ ...topUp, language: 'en' }), 'Top-up +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'ru' }), 'Пополнение +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'kk' }), '+77011234567 нөмірінің балансын толықтыру');
    assert.equal(paymentDescription({ ...topUp, language: 'zh' }), '话费充值 +77011234567');
    assert.equal(paymentDescription({ ...topUp, language: 'de' }), 'Top-up +77011234567');
  });

  it('names a package by its catalog name in each language, never its code, within 127 bytes', () => {
    const purchase = { purpose: 'purchase', msisdn: '+77011234567', offering_code: 'DATA_5GB_30D' };
    const names = DEMO_CATALOG.find((offering) => offering.code === 'DATA_5GB_30D')!.names;
    assert.deepEqual(LANGUAGES.map((language) => paymentDescription({ ...purchase, language }, names[language])), [
      '5 GB for 30 days, +77011234567', '5 ГБ на 30 дней, +77011234567', '30 күнге 5 ГБ, +77011234567', '30天 5 GB 流量包，+77011234567',
    ]);
    // Without a name (none in the catalog) the code, said to be a package.
    assert.equal(paymentDescription({ ...purchase, language: 'zh' }), '套餐 DATA_5GB_30D，+77011234567');
    // A name of up to 500 characters is cut to what WeChat Pay takes (127 bytes), the number kept whole.
    for (const language of LANGUAGES) {
      for (const long of ['Безлимит '.repeat(60), '无限流量'.repeat(120), 'x'.repeat(500), `${'a'.repeat(110)}😀😀😀`]) {
        const text = paymentDescription({ ...purchase, language }, long);
        assert.ok(Buffer.byteLength(text) <= PAYMENT_DESCRIPTION_BYTES_MAX, `${language}: ${Buffer.byteLength(text)} bytes`);
        assert.ok(text.endsWith('+77011234567'), text);
        assert.ok(text.includes('…'), text);
        assert.ok(!text.includes('\ufffd') && Buffer.from(text).toString() === text, 'cut at a character');
      }
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`the checkout names the package paid for in the payment's language [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startPaymentsApp(dialect.name);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    it('shows the catalog name on the sandbox checkout, not the offering code, in en, ru, kk and zh', async () => {
      const names = DEMO_CATALOG.find((offering) => offering.code === 'TOURIST_COMBO_15D')!.names;
      for (const [index, language] of LANGUAGES.entries()) {
        const msisdn = `+7705${4_100_000 + index}`;
        await addLine(t, msisdn);
        const created = await createPayment(t, { msisdn, amount: 599_000, purpose: 'purchase', offering: 'TOURIST_COMBO_15D', language }, `describe-${language}`);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const page = await t.request('GET', checkoutPath(created.body.redirectUrl), { token: null });
        const description = /<p id="description">([^<]*)<\/p>/.exec(page.text)?.[1] ?? '';
        assert.ok(description.includes(names[language]!.replace(/"/g, '&#34;')), `${language}: "${description}" names "${names[language]}"`);
        assert.ok(!description.includes('TOURIST_COMBO_15D'), `${language}: "${description}" shows the offering's code`);
      }
    });
  });
}
