import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { addLine, createPayment, getPayment, processWebhooks, startPaymentsApp, submitCard } from '../payments/payments-test-support.ts';
import { receiptToken } from './receipt-link.ts';

/**
 * Money paid for a package (a counter sale, a card payment with purpose=purchase) gets the receipt
 * of a payment, as its SMS says ("Payment of 1,490 ₸ for a package received. Receipt R-…"): not
 * "Balance top-up", a balance the purchase spent at once. The package's own receipt is as before.
 */
const PACKAGE_PAYMENT = { en: 'Payment for a package', ru: 'Оплата пакета', kk: 'Пакет үшін төлем', zh: '套餐付款' };
const TOP_UP = { en: 'Balance top-up', ru: 'Пополнение баланса', kk: 'Балансты толықтыру', zh: '余额充值' };

for (const dialect of DIALECTS) {
  describe(`receipts of money paid for a package [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startPaymentsApp(dialect.name);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    /** The slip in each language and the QR page name the operation; the JSON its kind. */
    const assertNamed = async (number: string, kind: string, names: Record<keyof typeof PACKAGE_PAYMENT, string>, not: Record<keyof typeof PACKAGE_PAYMENT, string>) => {
      for (const language of ['en', 'ru', 'kk', 'zh'] as const) {
        const slip = (await t.request('GET', `/v1/receipts/${number}/slip?language=${language}`)).text;
        assert.ok(slip.includes(names[language]) && !slip.includes(not[language]), `${language}: ${slip}`);
        const page = (await t.request('GET', `/receipts/verify/${receiptToken(t.app.ctx.settings.secretKey, number)}?language=${language}`, { token: null })).text;
        assert.ok(page.includes(names[language]) && !page.includes(not[language]), `${language}: ${page}`);
      }
      const json = await t.request('GET', `/receipts/verify/${receiptToken(t.app.ctx.settings.secretKey, number)}`, { token: null, headers: { accept: 'application/json' } });
      assert.deepEqual([json.body.genuine, json.body.kind], [true, kind]);
    };

    it('a package sold at a store counter: the payment\'s receipt names the package\'s payment, a counter top-up\'s stays a top-up', async () => {
      const msisdn = '+77471239001';
      await addLine(t, msisdn);
      const store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty Dostyk 9' } })).body;
      const clerk = await t.keyFor('clerk', store.cashAccountId);
      const identificationId = (await t.request('POST', '/v1/counter/identifications', { token: clerk, body: { documentType: 'passport', documentNumber: 'N31415926' } })).body.id;
      const sale = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn, offering: 'DATA_1GB_7D', tender: 'cash', identificationId }, headers: { 'idempotency-key': 'receipt-pkg-1' } });
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      await assertNamed(sale.body.topUp.receiptNumber, 'package_payment', PACKAGE_PAYMENT, TOP_UP);
      const purchase = await t.request('GET', `/v1/receipts/${sale.body.purchase.receiptNumber}/slip?language=en`);
      assert.ok(purchase.text.includes('Package purchase'), purchase.text);
      const topUp = await t.request('POST', '/v1/counter/topups', { token: clerk, body: { msisdn, amount: 100_000, tender: 'cash', identificationId }, headers: { 'idempotency-key': 'receipt-top-1' } });
      assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
      await assertNamed(topUp.body.receiptNumber, 'topup', TOP_UP, PACKAGE_PAYMENT);
      // Numbers stay one sequence: the sale's payment, its purchase, the top-up.
      const sequence = [sale.body.topUp.receiptNumber, sale.body.purchase.receiptNumber, topUp.body.receiptNumber].map((number: string) => Number(number.split('-')[2]));
      assert.deepEqual(sequence, [sequence[0], sequence[0]! + 1, sequence[0]! + 2]);
      await t.verify();
    });

    it('a package paid by card: the payment\'s receipt (also the payer\'s PDF link) names the package\'s payment', async () => {
      const msisdn = '+77471239002';
      await addLine(t, msisdn);
      const created = await createPayment(t, { msisdn, amount: 149_000, purpose: 'purchase', offering: 'DATA_1GB_7D' }, 'receipt-card-1');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const paid = await getPayment(t, created.body.id);
      assert.ok(paid.packageId && paid.receiptNumber, JSON.stringify(paid));
      await assertNamed(paid.receiptNumber, 'package_payment', PACKAGE_PAYMENT, TOP_UP);
      await t.verify();
    });
  });
}
