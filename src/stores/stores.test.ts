import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { normalizeDocumentNumber } from './store-accounts.ts';
import { almatyDate } from '../domain/time.ts';
import { almatyDayBounds } from '../agents/agent-day-report.ts';
import { trialBalance } from '../ledger/trial-balance.ts';

describe('document numbers (pure)', () => {
  it('normalizes and bounds document numbers', () => {
    assert.equal(normalizeDocumentNumber('n 1234-5678'), 'N12345678');
    assert.equal(normalizeDocumentNumber('ab'), null);
    assert.equal(normalizeDocumentNumber('12345678<script>'), null);
  });
});

for (const dialect of DIALECTS) {
  describe(`store counter [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let store: { id: string; cashAccountId: string };
    let clerk: string;
    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of ['+77471230001', '+77471230002']) await t.request('POST', '/v1/lines', { body: { msisdn } });
      store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty Dostyk 1' } })).body;
      clerk = await t.keyFor('clerk', store.cashAccountId);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    const identify = (body: unknown, token = clerk) => t.request('POST', '/v1/counter/identifications', { token, body });
    const topUp = (body: unknown, key: string, token = clerk) => t.request('POST', '/v1/counter/topups', { token, body, headers: { 'idempotency-key': key } });

    it('stores an ID document only as keyed hash and last four, with the clerk, audited', async () => {
      const done = await identify({ documentType: 'passport', documentNumber: 'N 1234 5678' });
      assert.equal(done.status, 201, JSON.stringify(done.body));
      assert.equal(done.body.numberLast4, '5678');
      const row = await t.app.ctx.db.selectFrom('identifications').selectAll().where('id', '=', done.body.id).executeTakeFirstOrThrow();
      assert.equal(row.number_last4, '5678');
      assert.equal(row.store_id, store.id);
      assert.ok(row.clerk_id.startsWith('key_'));
      assert.ok(!JSON.stringify(row).includes('12345678'));
      assert.notEqual(row.number_hash, 'N12345678');
      const audit = await t.app.ctx.db.selectFrom('audit_log').selectAll().where('target', '=', done.body.id).execute();
      assert.equal(audit.length, 1);
      assert.ok(!String(audit[0]!.details).includes('12345678'));
      const again = await identify({ documentType: 'passport', documentNumber: 'n12345678' });
      const second = await t.app.ctx.db.selectFrom('identifications').select('number_hash').where('id', '=', again.body.id).executeTakeFirstOrThrow();
      assert.equal(second.number_hash, row.number_hash);
    });

    it('tops up by cash and card from the store\'s accounts; the day report splits by tender', async () => {
      const id = (await identify({ documentType: 'id_card', documentNumber: '041234567' })).body.id;
      const a = await topUp({ msisdn: '+77471230001', amount: 100_000, tender: 'cash', identificationId: id }, 'c1');
      const b = await topUp({ msisdn: '+77471230002', amount: 250_000, tender: 'cash', identificationId: id }, 'c2');
      const c = await topUp({ msisdn: '+77471230001', amount: 70_000, tender: 'card', identificationId: id }, 'c3');
      assert.deepEqual([a.status, b.status, c.status], [201, 201, 201], JSON.stringify([a.body, b.body, c.body]));
      assert.equal(a.body.channel, 'store');
      const replay = await topUp({ msisdn: '+77471230001', amount: 100_000, tender: 'cash', identificationId: id }, 'c1');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      const report = await t.request('GET', '/v1/counter/report', { token: clerk });
      assert.equal(report.status, 200);
      assert.deepEqual([report.body.cash, report.body.card, report.body.total], [{ count: 2, amount: 350_000 }, { count: 1, amount: 70_000 }, { count: 3, amount: 420_000 }]);
      assert.equal(report.body.cashTakenTotal, 350_000);
      const admin = await t.request('GET', `/v1/admin/stores/${store.id}/report?format=slip`);
      assert.match(admin.text, /Counter day report/);
      // Sales, not "top-ups" (a package paid at the counter counts too), and the totals since opening the JSON has.
      const cell = (label: string, value: string) => `<td class="k">${label}</td><td class="v">${value.replace(/ /g, '\u00a0')}</td>`;
      for (const row of [cell('Cash sales', '2'), cell('Cash sum', '3,500 ₸'), cell('Card sales', '1'), cell('Cash since opening', '3,500 ₸'), cell('Card since opening', '700 ₸')]) {
        assert.ok(admin.text.includes(row), `${row} in ${admin.text}`);
      }
      assert.ok(!admin.text.includes('top-ups</td>'), admin.text);
      assert.ok(admin.text.includes('<p>Sales: top-ups and packages paid at the counter.</p>'));
      // In the clerk's language, amounts as that language writes them; the JSON does not change.
      for (const [language, label, amount] of [['ru', 'Продажи наличными', '3 500 ₸'], ['kk', 'Қолма-қол сома', '3 500 ₸'], ['zh', '现金金额', '3,500 ₸']] as const) {
        const slip = await t.request('GET', `/v1/counter/report?format=slip&language=${language}`, { token: clerk });
        assert.equal(slip.status, 200, slip.text);
        assert.ok(slip.text.includes(`<html lang="${language}">`), language);
        assert.ok(slip.text.includes(label) && slip.text.includes(amount.replace(/ /g, '\u00a0')), `${language}: ${slip.text}`);
        assert.ok((await t.request('GET', `/v1/admin/stores/${store.id}/report?format=slip&language=${language}`)).text.includes(label), language);
      }
      assert.deepEqual((await t.request('GET', '/v1/counter/report?language=kk', { token: clerk })).body, report.body);
      assert.equal((await t.request('GET', '/v1/counter/report?format=slip&language=de', { token: clerk })).body.error.code, 'validation_failed');
      // The admin route is the admin's: a clerk asking it hears forbidden, not its own store's report (found by fuzzing).
      const asClerk = await t.request('GET', `/v1/admin/stores/${store.id}/report`, { token: clerk });
      assert.deepEqual([asClerk.status, asClerk.body.error.code], [403, 'forbidden']);
      const tomorrow = await t.request('GET', '/v1/counter/report?date=2026-01-16', { token: clerk });
      assert.equal(tomorrow.body.total.count, 0);
      const audit = await t.app.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'counter.topup').execute();
      assert.equal(audit.length, 3);
      await t.verify();
    });

    it('refuses another store\'s or a stale identification, unlinked clerks and other roles', async () => {
      const other = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Astana 2' } })).body;
      const otherClerk = await t.keyFor('clerk', other.cashAccountId);
      const foreign = (await identify({ documentType: 'passport', documentNumber: 'N99999999' }, otherClerk)).body.id;
      assert.equal((await topUp({ msisdn: '+77471230001', amount: 50_000, tender: 'cash', identificationId: foreign }, 'x1')).body.error.code, 'identification_not_found');
      const mine = (await identify({ documentType: 'residence_permit', documentNumber: 'RP000111' })).body.id;
      t.clock.advance(61 * 60_000);
      assert.equal((await topUp({ msisdn: '+77471230001', amount: 50_000, tender: 'cash', identificationId: mine }, 'x2')).body.error.code, 'identification_expired');
      assert.equal((await identify({ documentType: 'passport', documentNumber: 'N12345678' }, await t.keyFor('clerk'))).body.error.code, 'clerk_not_linked');
      assert.equal((await identify({ documentType: 'passport', documentNumber: 'N12345678' }, await t.keyFor('agent'))).body.error.code, 'forbidden');
    });

    it('an admin closes a store: its clerks are refused and move nothing until it opens again', async () => {
      const other = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Shymkent 3' } })).body;
      const otherClerk = await t.keyFor('clerk', other.cashAccountId);
      const id = (await identify({ documentType: 'passport', documentNumber: 'N77778888' }, otherClerk)).body.id;
      const patch = (body: unknown, token?: string) => t.request('PATCH', `/v1/admin/stores/${other.id}`, { body, ...(token ? { token } : {}) });
      const closed = await patch({ active: false });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      assert.deepEqual({ ...closed.body, createdAt: undefined }, { ...other, active: false, createdAt: undefined });
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const refused = await topUp({ msisdn: '+77471230002', amount: 50_000, tender: 'cash', identificationId: id }, 'closed-1', otherClerk);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'store_inactive');
      assert.equal((await identify({ documentType: 'passport', documentNumber: 'N77778888' }, otherClerk)).body.error.code, 'store_inactive');
      // Nor off the counter routes: a closed store's clerk moves no balance, buys nothing, lends nothing, links no line.
      const offCounter = [
        await t.request('POST', '/v1/transfers', { token: otherClerk, body: { from: '+77471230001', to: '+77471230002', amount: 10_000 }, headers: { 'idempotency-key': 'closed-t' } }),
        await t.request('POST', '/v1/purchases', { token: otherClerk, body: { msisdn: '+77471230001', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'closed-p' } }),
        await t.request('POST', '/v1/lines/%2B77471230001/promised-payment', { token: otherClerk, body: { amount: 50_000 }, headers: { 'idempotency-key': 'closed-c' } }),
        await t.request('POST', '/v1/lines', { token: otherClerk, body: { msisdn: '+77471230009' } }),
        await t.request('PATCH', '/v1/lines/%2B77471230001', { token: otherClerk, body: { language: 'zh' } }),
      ];
      assert.deepEqual(offCounter.map((r) => r.body.error?.code), ['store_inactive', 'store_inactive', 'store_inactive', 'store_inactive', 'store_inactive']);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
      // Nor does it read subscribers' lines any more: balances, history, SMS texts, receipts.
      const receipt = (await t.request('GET', '/v1/lines/%2B77471230002/transactions')).body.data.find((tr: { receipt: string | null }) => tr.receipt)?.receipt as string;
      assert.ok(receipt);
      const reads = [
        await t.request('GET', '/v1/lines', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001/transactions', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001/messages', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001/packages', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001/events', { token: otherClerk }),
        await t.request('GET', '/v1/lines/%2B77471230001/promised-payment', { token: otherClerk }),
        await t.request('GET', `/v1/receipts/${receipt}/slip`, { token: otherClerk }),
      ];
      assert.deepEqual(reads.map((r) => r.body.error?.code), Array(reads.length).fill('store_inactive'));
      assert.equal((await t.request('GET', `/v1/admin/stores/${other.id}/report`)).status, 200, 'its reports stay readable');

      const opened = await patch({ active: true, name: 'Shymkent 3 (new address)' });
      assert.deepEqual([opened.body.active, opened.body.name], [true, 'Shymkent 3 (new address)']);
      assert.deepEqual((await t.request('GET', `/v1/admin/stores/${other.id}`)).body, opened.body);
      assert.equal((await topUp({ msisdn: '+77471230002', amount: 50_000, tender: 'cash', identificationId: id }, 'closed-1', otherClerk)).status, 201);
      assert.equal((await t.request('GET', '/v1/lines/%2B77471230001', { token: otherClerk })).status, 200, 'open again, it reads lines again');

      assert.equal((await patch({})).body.error.code, 'validation_failed');
      assert.equal((await patch({ active: 1 })).body.error.code, 'validation_failed');
      assert.equal((await patch({ active: false }, otherClerk)).body.error.code, 'forbidden');
      assert.equal((await t.request('PATCH', '/v1/admin/stores/st_nope', { body: { active: false } })).body.error.code, 'store_not_found');
      assert.equal((await t.request('GET', '/v1/admin/stores/st_nope')).body.error.code, 'store_not_found');
    });

    it('bad input gets 4xx codes and writes nothing', async () => {
      const id = (await identify({ documentType: 'passport', documentNumber: 'N55556666' })).body.id;
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const identifications = (await t.app.ctx.db.selectFrom('identifications').select('id').execute()).length;
      assert.equal((await identify({ documentType: 'passport', documentNumber: 'ab' })).body.error.code, 'document_number_invalid');
      assert.equal((await identify({ documentType: 'driving_licence', documentNumber: 'N12345678' })).status, 400);
      const cases: [unknown, number, string][] = [
        [{ msisdn: '+77471230001', amount: 50_000, tender: 'crypto', identificationId: id }, 400, 'validation_failed'],
        [{ msisdn: '+77471230001', amount: 0, tender: 'cash', identificationId: id }, 422, 'amount_invalid'],
        [{ msisdn: '+77471230001', amount: 50_000, tender: 'cash', identificationId: 'idn_nope' }, 404, 'identification_not_found'],
        [{ msisdn: '+77479999999', amount: 50_000, tender: 'cash', identificationId: id }, 404, 'line_not_found'],
        [{ msisdn: '+77471230001', amount: 50_000, tender: 'cash' }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await topUp(body, `bad-${code}-${status}`);
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
      assert.equal((await t.app.ctx.db.selectFrom('identifications').select('id').execute()).length, identifications);
    });

    it('a till retrying a sale whose answer it lost gets that answer, after its identification aged out or its one-use promo code was used by the sale', async () => {
      const id = (await identify({ documentType: 'passport', documentNumber: 'N99990001' })).body.id;
      const msisdn = '+77471230002';
      const main = async () => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;
      const promo = await t.request('POST', '/v1/admin/promotions', { body: { code: 'TILL10', discountKind: 'percent', discountValue: 10, startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z', usesPerLineMax: 1 } });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      t.clock.advance(59 * 60_000 + 50_000); // the sales at 59:50 of the identification's 60 minutes
      const topUpBody = { msisdn, amount: 100_000, tender: 'cash', identificationId: id };
      const packageBody = { msisdn, offering: 'DATA_1GB_7D', tender: 'cash', identificationId: id, promoCode: 'TILL10' };
      const sold = [await topUp(topUpBody, 'till-retry-1'), await t.request('POST', '/v1/counter/packages', { token: clerk, body: packageBody, headers: { 'idempotency-key': 'till-retry-2' } })];
      assert.deepEqual(sold.map((r) => r.status), [201, 201], JSON.stringify(sold.map((r) => r.body)));
      const [mainBefore, packages] = [await main(), (await t.app.ctx.db.selectFrom('packages').select('id').execute()).length];
      t.clock.advance(20_000);
      const retried = [await topUp(topUpBody, 'till-retry-1'), await t.request('POST', '/v1/counter/packages', { token: clerk, body: packageBody, headers: { 'idempotency-key': 'till-retry-2' } })];
      assert.deepEqual(retried.map((r) => [r.status, r.headers['idempotent-replayed']]), [[201, 'true'], [201, 'true']], JSON.stringify(retried.map((r) => r.body)));
      assert.deepEqual([retried[0]!.body.id, retried[1]!.body.purchase.id], [sold[0]!.body.id, sold[1]!.body.purchase.id]);
      assert.deepEqual([await main(), (await t.app.ctx.db.selectFrom('packages').select('id').execute()).length], [mainBefore, packages], 'nothing sold again');
      // Another body under the key is still refused, and a new sale still needs a fresh identification.
      assert.equal((await topUp({ ...topUpBody, amount: 200_000 }, 'till-retry-1')).body.error.code, 'idempotency_key_reused');
      assert.equal((await topUp(topUpBody, 'till-retry-3')).body.error.code, 'identification_expired');
      await t.verify();
    });

    it('sells a package at the price the clerk quoted: a price changed since is refused (price_changed), the till charged nothing', async () => {
      const id = (await identify({ documentType: 'passport', documentNumber: 'N55556666' })).body.id;
      const msisdn = '+77471230002';
      const quoted = (await t.request('GET', '/v1/offerings/VOICE_100MIN_30D/quote', { token: null })).body.price;
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { price: quoted + 20_000 } })).status, 200);
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const body = { msisdn, offering: 'VOICE_100MIN_30D', tender: 'cash', identificationId: id, expectedPrice: quoted };
      const stale = await t.request('POST', '/v1/counter/packages', { token: clerk, body, headers: { 'idempotency-key': 'quoted-1' } });
      assert.deepEqual([stale.status, stale.body.error?.code, stale.body.error?.details?.price], [409, 'price_changed', quoted + 20_000], JSON.stringify(stale.body));
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
      const sold = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { ...body, expectedPrice: quoted + 20_000 }, headers: { 'idempotency-key': 'quoted-2' } });
      assert.equal(sold.status, 201, JSON.stringify(sold.body));
      assert.deepEqual([sold.body.topUp.amount, sold.body.purchase.pricePaid], [quoted + 20_000, quoted + 20_000]);
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { price: quoted } })).status, 200);
      await t.verify();
    });

    it('sells a package for cash in one command: till → line → package; a refused purchase takes no cash', async () => {
      const id = (await identify({ documentType: 'passport', documentNumber: 'N77778888' })).body.id;
      const msisdn = '+77471230002';
      const mainBefore = (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main;
      const sale = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn, offering: 'DATA_1GB_7D', tender: 'cash', identificationId: id }, headers: { 'idempotency-key': 'pkg-1' } });
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      assert.equal(sale.body.topUp.amount, sale.body.purchase.pricePaid);
      assert.equal(sale.body.purchase.allowances[0].unit, 'DATA_BYTES');
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, mainBefore);
      // The SMS of the cash the sale put on the line tells of the payment, not of a balance the purchase has already spent.
      const events = await t.app.ctx.db.selectFrom('outbox').select(['topic', 'payload']).where('topic', '=', 'topup.succeeded').execute();
      const paid = events.map((event) => JSON.parse(event.payload)).find((payload) => payload.topupId === sale.body.topUp.id);
      assert.equal(paid.paysForPackage, true);
      assert.equal(subscriberMessage('topup.succeeded', { ...paid, language: 'en' }), `Payment of 1,490\u00a0₸ for a package received. Receipt ${sale.body.topUp.receiptNumber}.`);
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const unknown = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn, offering: 'NOPE', tender: 'cash', identificationId: id }, headers: { 'idempotency-key': 'pkg-2' } });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'offering_not_found');
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
      // Refused inside the command (the line's daily top-up limit): no cash taken, no package.
      const full = '+77471230001';
      const used = Number((await t.app.ctx.db.selectFrom('lines').select('daily_topup_amount').where('msisdn', '=', full).executeTakeFirstOrThrow()).daily_topup_amount);
      for (let left = 30_000_000 - used, i = 0; left > 0; i++) {
        const amount = Math.min(left, 10_000_000);
        assert.equal((await topUp({ msisdn: full, amount, tender: 'cash', identificationId: id }, `fill-${i}`)).status, 201);
        left -= amount;
      }
      const packages = (await t.app.ctx.db.selectFrom('packages').select('id').execute()).length;
      const before = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const refused = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn: full, offering: 'DATA_1GB_7D', tender: 'card', identificationId: id }, headers: { 'idempotency-key': 'pkg-3' } });
      assert.equal(refused.body.error.code, 'daily_limit_exceeded');
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, before);
      assert.equal((await t.app.ctx.db.selectFrom('packages').select('id').execute()).length, packages);
      await t.verify();
    });

    it('a past day\'s report gives what the till and the card terminal had taken by the end of that day, as the ledger report closes them', async () => {
      const shop = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Kostanay 4' } })).body;
      const till = await t.keyFor('clerk', shop.cashAccountId);
      const msisdn = '+77471230005';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const sell = async (amount: number, tender: string, key: string) => {
        const id = (await identify({ documentType: 'passport', documentNumber: 'N44445555' }, till)).body.id;
        const sold = await topUp({ msisdn, amount, tender, identificationId: id }, key, till);
        assert.equal(sold.status, 201, JSON.stringify(sold.body));
      };
      const day = almatyDate(t.clock.now());
      await sell(600_000, 'cash', 'day1-cash');
      await sell(400_000, 'card', 'day1-card');
      t.clock.advance(24 * 3_600_000);
      await sell(300_000, 'cash', 'day2-cash');
      await sell(200_000, 'card', 'day2-card');
      const report = await t.request('GET', `/v1/admin/stores/${shop.id}/report?date=${day}`);
      assert.deepEqual([report.body.cash.amount, report.body.card.amount], [600_000, 400_000]);
      // Not what they have taken now, the next day's sales counted into this day's slip.
      assert.deepEqual([report.body.cashTakenTotal, report.body.cardTakenTotal], [600_000, 400_000], JSON.stringify(report.body));
      const bounds = almatyDayBounds(day);
      const ledger = await trialBalance(t.app.ctx, new Date(bounds.fromIso), new Date(bounds.toIso));
      const closing = (account: string) => Number(-(ledger.rows.find((row) => row.account === account)?.closing ?? 0n));
      assert.deepEqual([closing(shop.cashAccountId), closing(shop.cardAccountId)], [report.body.cashTakenTotal, report.body.cardTakenTotal]);
      const slip = (await t.request('GET', `/v1/admin/stores/${shop.id}/report?date=${day}&format=slip`)).text;
      assert.ok(slip.includes('<td class="k">Cash since opening</td><td class="v">6,000\u00a0₸</td>'), slip);
      // A day before the store opened: nothing taken yet. Today: everything so far.
      const earlier = (await t.request('GET', `/v1/admin/stores/${shop.id}/report?date=2025-12-31`)).body;
      assert.deepEqual([earlier.cashTakenTotal, earlier.cardTakenTotal], [0, 0]);
      const today = (await t.request('GET', '/v1/counter/report', { token: till })).body;
      assert.deepEqual([today.cashTakenTotal, today.cardTakenTotal], [900_000, 600_000]);
      await t.verify();
    });
  });
}
