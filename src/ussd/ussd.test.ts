import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { USSD_VOUCHER_TEXT, voucherDoneText } from '../vouchers/redeem-ussd.ts';
import { allowancesText, balanceText, USSD_SCREEN_CHARACTERS_MAX, ussdMenuText, ussdNotServedText } from './answer-ussd.ts';

const GIB = 1024 ** 3;

describe('USSD texts (pure)', () => {
  it('fit one screen in every language at their longest', () => {
    // A seven-digit balance and a six-digit bonus, the longest dates (September, a two-digit day), all three units.
    const longest = '2026-09-25T10:00:00.000Z';
    for (const language of ['en', 'ru', 'kk', 'zh'] as const) {
      const texts = [
        ...['active', 'grace', 'suspended', 'preactive'].map((status) => balanceText(language, { main: 123_456_789n, bonus: 12_345_678n, status, validUntil: longest })),
        balanceText(language, { main: 123_456_789n, bonus: 12_345_678n, status: 'suspended', validUntil: longest, barred: true }),
        allowancesText(language, [{ unit: 'DATA_BYTES', remaining: Math.floor(19.9 * GIB) }, { unit: 'VOICE_SECONDS', remaining: 59_940 }, { unit: 'SMS', remaining: 999 }], longest),
        allowancesText(language, [], null),
        allowancesText(language, [], null, { packages: 2, features: [] }),
        ...['messengers_unlimited', 'social_unlimited', 'roaming_eaeu'].map((feature) => allowancesText(language, [{ unit: 'DATA_BYTES', remaining: Math.floor(19.9 * GIB) }, { unit: 'VOICE_SECONDS', remaining: 59_940 }, { unit: 'SMS', remaining: 999 }], longest, { packages: 3, features: [feature] })),
        allowancesText(language, [], longest, { packages: 1, features: ['social_unlimited'] }),
        // Every feature with every unit: the names that do not fit are left out, the units never.
        allowancesText(language, [{ unit: 'DATA_BYTES', remaining: Math.floor(19.9 * GIB) }, { unit: 'VOICE_SECONDS', remaining: 59_940 }, { unit: 'SMS', remaining: 999 }], longest, { packages: 3, features: ['messengers_unlimited', 'social_unlimited', 'roaming_eaeu'] }),
        ussdMenuText(language),
        ussdNotServedText(language),
        // A voucher's texts, its top-up with a ten-digit amount and the longest receipt number.
        ...Object.values(USSD_VOUCHER_TEXT[language]), voucherDoneText(language, 999_999_999n, 'R-2026-99999999'),
      ];
      for (const text of texts) assert.ok([...text].length <= USSD_SCREEN_CHARACTERS_MAX, `${language}: ${[...text].length} characters: ${text}`);
      // A blocked card says so; only a card not sold yet is "not active".
      assert.notEqual(USSD_VOUCHER_TEXT[language].voucher_blocked, USSD_VOUCHER_TEXT[language].voucher_not_active);
    }
  });
});

describe('USSD *104# figures (pure)', () => {
  it('never says "0 min" while seconds of a last minute are left, as it never says "0 MB"', () => {
    assert.equal(allowancesText('en', [{ unit: 'VOICE_SECONDS', remaining: 59 }], null, { packages: 1, features: [] }), 'Left: 1 min.');
    assert.equal(allowancesText('ru', [{ unit: 'VOICE_SECONDS', remaining: 1 }], null, { packages: 1, features: [] }), 'Осталось: 1 мин.');
    // Whole minutes are still cut down, as before: 90 s is 1 min.
    assert.equal(allowancesText('en', [{ unit: 'VOICE_SECONDS', remaining: 90 }], null, { packages: 1, features: [] }), 'Left: 1 min.');
  });
});

for (const dialect of DIALECTS) {
  describe(`USSD menu [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let gateway: string;
    let keys = 0;
    before(async () => {
      t = await startTestApp(dialect.name);
      await seedCatalog(t.app.ctx);
      gateway = await t.keyFor('partner');
    });
    after(async () => t?.close());

    const ussd = (msisdn: string, input: string, token = gateway) => t.request('POST', '/v1/ussd', { token, body: { msisdn, input } });
    const line = async (msisdn: string, language: string) => assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language } })).status, 201);
    const topUp = async (msisdn: string, amount: number) => assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `ussd-${++keys}` } })).status, 201);

    it('*102# answers balance, bonus and validity, and *104# what is left of the packages, in the line\'s language', async () => {
      const msisdn = '+77051230101';
      await line(msisdn, 'ru');
      await topUp(msisdn, 1_000_000);
      const balance = await ussd('8 705 123 01 01', '*102#');
      assert.equal(balance.status, 200, JSON.stringify(balance.body));
      assert.match(balance.body.message, /^Баланс 10\s000\s₸, бонус 1\s000\s₸\. Действует до \d{2}\.\d{2}\.\d{4}\.$/);
      assert.deepEqual([balance.body.balance, balance.body.status], [{ main: 1_000_000, bonus: 100_000 }, 'active']);
      assert.equal((await ussd(msisdn, '*104#')).body.message, 'У вас нет активных пакетов.');

      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'TOURIST_COMBO_15D' }, headers: { 'idempotency-key': `ussd-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.match((await ussd(msisdn, '*104#')).body.message, /^Осталось: 10 ГБ, 60 мин, 50 SMS\. До \d{2}\.\d{2}\.\d{4}\.$/);
      const at = t.clock.now().toISOString();
      const used = await t.request('POST', '/v1/usage', {
        token: await t.keyFor('network'),
        body: { events: [{ id: 'u-1', msisdn, service: 'data', units: 1.5 * GIB, at }, { id: 'u-2', msisdn, service: 'voice', units: 90, at }, { id: 'u-3', msisdn, service: 'sms', units: 1, at }] },
      });
      assert.equal(used.body.recorded, 3, JSON.stringify(used.body));
      const left = await ussd(msisdn, '*104#');
      assert.match(left.body.message, /^Осталось: 8,5 ГБ, 58 мин, 49 SMS\. До /);
      assert.deepEqual(left.body.allowances, [{ unit: 'DATA_BYTES', remaining: 8.5 * GIB }, { unit: 'VOICE_SECONDS', remaining: 3_510 }, { unit: 'SMS', remaining: 49 }]);
    });

    it('*104# names unlimited messengers, says a used-up pack has nothing left (not "no packages"), and never "0 MB" while data is left', async () => {
      const msisdn = '+77051230111';
      await line(msisdn, 'ru');
      await topUp(msisdn, 1_000_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'MESSENGERS_30D' }, headers: { 'idempotency-key': `ussd-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.match((await ussd(msisdn, '*104#')).body.message, /^Осталось: мессенджеры без лимита\. До \d{2}\.\d{2}\.\d{4}\.$/);

      const other = '+77051230112';
      await line(other, 'en');
      await topUp(other, 1_000_000);
      assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn: other, offering: 'TOURIST_COMBO_15D' }, headers: { 'idempotency-key': `ussd-${++keys}` } })).status, 201);
      const at = t.clock.now().toISOString();
      const use = (id: string, service: string, units: number) => t.request('POST', '/v1/usage', { body: { events: [{ id, msisdn: other, service, units, at }] } });
      assert.equal((await use('u-11', 'data', 10 * GIB - 1000)).body.recorded, 1);
      assert.match((await ussd(other, '*104#')).body.message, /^Left: 1 MB, 60 min, 50 SMS\./);
      assert.equal((await use('u-12', 'data', 1000)).body.recorded, 1);
      assert.equal((await use('u-13', 'voice', 3_600)).body.recorded, 1);
      assert.equal((await use('u-14', 'sms', 50)).body.recorded, 1);
      assert.equal((await ussd(other, '*104#')).body.message, 'Nothing is left in your packages.');
    });

    it('*104# lists data, then minutes, then SMS, whichever pack each came from first', async () => {
      const msisdn = '+77051230114';
      await line(msisdn, 'en');
      await topUp(msisdn, 1_000_000);
      for (const offering of ['TOURIST_COMBO_15D', 'VOICE_100MIN_30D']) {
        assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn, offering }, headers: { 'idempotency-key': `ussd-${++keys}` } })).status, 201);
      }
      // The combo's 60 minutes used up (the earlier end goes first): its data and SMS are left, the minutes are the other pack's.
      assert.equal((await t.request('POST', '/v1/usage', { body: { events: [{ id: 'u-order', msisdn, service: 'voice', units: 3_600, at: t.clock.now().toISOString() }] } })).body.recorded, 1);
      const left = await ussd(msisdn, '*104#');
      assert.match(left.body.message, /^Left: 10 GB, 100 min, 50 SMS\. Until /);
      assert.deepEqual(left.body.allowances.map((allowance: { unit: string }) => allowance.unit), ['DATA_BYTES', 'VOICE_SECONDS', 'SMS']);
    });

    it('*104# names a pack of a feature alone (social networks), never "nothing is left" right after buying it', async () => {
      const names = { en: 'Social 30 days', ru: 'Соцсети 30 дней', kk: 'Әлеуметтік желілер 30 күн', zh: '社交网络 30天' };
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { code: 'SOCIAL_30D', kind: 'data', price: 50_000, validityDays: 30, features: ['social_unlimited'], stacks: false, names } })).status, 201);
      const msisdn = '+77051230113';
      await line(msisdn, 'en');
      await topUp(msisdn, 1_000_000);
      assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'SOCIAL_30D' }, headers: { 'idempotency-key': `ussd-${++keys}` } })).status, 201);
      assert.match((await ussd(msisdn, '*104#')).body.message, /^Left: social networks unlimited\. Until /);
    });

    it('answers in Chinese and English, takes spaces as dialled, shows a grace line and less than a gigabyte in MB', async () => {
      await line('+77051230102', 'zh');
      assert.equal((await ussd('+77051230102', '*102#')).body.message, '余额 0\u00a0₸，奖励余额 0\u00a0₸。');
      assert.equal((await ussd('+77051230102', '*104#')).body.message, '您没有有效的套餐。');
      const msisdn = '+77051230103';
      await line(msisdn, 'en');
      await topUp(msisdn, 200_000);
      assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `ussd-${++keys}` } })).status, 201);
      await t.request('POST', '/v1/usage', { token: await t.keyFor('network'), body: { events: [{ id: 'u-9', msisdn, service: 'data', units: 300 * 1024 ** 2, at: t.clock.now().toISOString() }] } });
      assert.match((await ussd(msisdn, ' *104 # ')).body.message, /^Left: 724 MB\. Until \d{1,2} [A-Z][a-z]{2} \d{4}\.$/);
      t.clock.advance(31 * 86_400_000);
      // Past its validity, before the lifecycle job has run (its row still says active): in grace
      // already, as purchases and transfers read it, not "Valid until" a day gone by.
      const beforeJob = await ussd(msisdn, '*102#');
      assert.match(beforeJob.body.message, /^Balance 510\s₸, bonus 0\s₸\. Incoming calls only: top up\.$/);
      assert.equal(beforeJob.body.status, 'grace');
      await runJobsOnce(t.app.ctx, [lifecycleJob]); // past its validity: grace
      assert.match((await ussd(msisdn, '*102#')).body.message, /^Balance 510\s₸, bonus 0\s₸\. Incoming calls only: top up\.$/);
    });

    it('tells a line the operator suspended (barred) to call support, not to top up, since a top-up does not lift a bar', async () => {
      const msisdn = '+77051230109';
      await line(msisdn, 'ru');
      await topUp(msisdn, 100_000);
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'lost SIM' } })).status, 200);
      assert.equal((await ussd(msisdn, '*102#')).body.message, 'Баланс 1\u00a0000\u00a0₸, бонус 0\u00a0₸. Заблокирован: звоните в поддержку.');
      await topUp(msisdn, 100_000);
      const after = await ussd(msisdn, '*102#');
      assert.deepEqual([after.body.status, after.body.message.endsWith('Заблокирован: звоните в поддержку.')], ['suspended', true]);
      // Lifted by an admin, the line is active again and its answer says so.
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'SIM found' } })).status, 200);
      assert.match((await ussd(msisdn, '*102#')).body.message, /^Баланс 2\s000\s₸, бонус 0\s₸\. Действует до /);
    });

    it('refuses other codes with the menu, other roles, unknown and closed numbers', async () => {
      const msisdn = '+77051230104';
      await line(msisdn, 'kk');
      const menu = await ussd(msisdn, '*100#');
      assert.equal(menu.status, 422);
      assert.equal(menu.body.error.code, 'ussd_input_invalid');
      assert.match(menu.body.error.message, /^\*102# — баланс, \*104# — пакет қалдығы/);
      // *111# is a menu code, not a voucher, and *111*123# no PIN: they get the menu too, with its codes.
      for (const input of ['*111#', '*111*123#', '*111*123456789012345#']) {
        const answer = await ussd(msisdn, input);
        assert.deepEqual([answer.status, answer.body.error.code, answer.body.error.message, answer.body.error.details], [422, 'ussd_input_invalid', menu.body.error.message, menu.body.error.details], input);
      }
      assert.equal((await ussd(msisdn, '*102#', await t.keyFor('agent'))).body.error.code, 'forbidden');
      assert.equal((await ussd(msisdn, '*111*12345678901234#', await t.keyFor('agent'))).body.error.code, 'forbidden');
      // A number Tolem has no line for hears that it is not served here, whatever it dialled.
      for (const input of ['*102#', '*111*12345678901234#']) {
        const unknown = await ussd('+77059999999', input);
        assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.message], [404, 'line_not_found', ussdNotServedText('en')], input);
      }
      assert.equal((await ussd('12', '*102#')).body.error.code, 'msisdn_invalid');
      assert.equal((await ussd(msisdn, '')).body.error.code, 'validation_failed');
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'returned' } })).status, 200);
      const closed = await ussd(msisdn, '*102#');
      assert.deepEqual([closed.status, closed.body.error.code, closed.body.error.message], [409, 'line_terminated', 'Бұл нөмір жабылған.']);
    });

    it('*111*PIN# of a blocked card says it is blocked, of a card not sold yet that it is not active', async () => {
      const sold = (await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 1, expiresAt: '2027-06-01T00:00:00.000Z' } })).body;
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${sold.id}/sell`, { body: { dealer: 'Dealer LLP' } })).status, 200);
      const unsold = (await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 1, expiresAt: '2027-06-01T00:00:00.000Z' } })).body;
      const [serial, pin] = (sold.csv as string).trim().split('\n')[1]!.split(',');
      const unsoldPin = (unsold.csv as string).trim().split('\n')[1]!.split(',')[1];
      assert.equal((await t.request('POST', `/v1/admin/vouchers/${serial}/block`)).status, 200);
      for (const language of ['ru', 'zh'] as const) {
        const msisdn = language === 'ru' ? '+77051230105' : '+77051230106';
        await line(msisdn, language);
        const blocked = await ussd(msisdn, `*111*${pin}#`);
        assert.deepEqual([blocked.body.error.code, blocked.body.error.message], ['voucher_not_active', USSD_VOUCHER_TEXT[language].voucher_blocked]);
        const notSold = await ussd(msisdn, `*111*${unsoldPin}#`);
        assert.deepEqual([notSold.body.error.code, notSold.body.error.message], ['voucher_not_active', USSD_VOUCHER_TEXT[language].voucher_not_active]);
      }
    });
  });
}
