import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { withLuhnDigit } from '../domain/iccid.ts';

for (const dialect of DIALECTS) {
  describe(`lines [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name); });
    after(async () => t?.close());

    it('creates a line from a number as typed and returns it with balances', async () => {
      const iccid = withLuhnDigit('897701000000000042');
      const created = await t.request('POST', '/v1/lines', { body: { msisdn: '8 705 555 12 34', iccid, language: 'kk' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.msisdn, '+77055551234');
      assert.equal(created.body.status, 'preactive');
      assert.equal(created.body.operator, 'Beeline');
      assert.deepEqual(created.body.balance, { main: 0, bonus: 0 });
      assert.equal(created.body.validUntil, null);
      const fetched = await t.request('GET', '/v1/lines/87055551234');
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.id, created.body.id);
      assert.equal(fetched.body.language, 'kk');
      const balance = await t.request('GET', '/v1/lines/+77055551234/balance');
      assert.deepEqual(balance.body, { msisdn: '+77055551234', main: 0, bonus: 0, currency: 'KZT', status: 'preactive', validUntil: null });
    });

    it('refuses duplicates, bad numbers and bad ICCIDs with their codes', async () => {
      const cases: [unknown, number, string][] = [
        [{ msisdn: '+77055551234' }, 409, 'line_exists'],
        [{ msisdn: '+1 555 123 4567' }, 422, 'msisdn_invalid'],
        [{ msisdn: '+77055559999', iccid: withLuhnDigit('897701000000000043').replace(/\d$/, (d) => String((Number(d) + 1) % 10)) }, 422, 'iccid_invalid'],
        [{ msisdn: '+77055559999', language: 'fr' }, 400, 'validation_failed'],
        [{ msisdn: 77055559999 }, 400, 'validation_failed'],
        [{}, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await t.request('POST', '/v1/lines', { body });
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await t.request('GET', '/v1/lines/+77055559999')).body.error.code, 'line_not_found');
      // details.field says which value another line holds.
      const sameNumber = await t.request('POST', '/v1/lines', { body: { msisdn: '+77055551234' } });
      assert.deepEqual(sameNumber.body.error.details, { field: 'msisdn' });
      const sameIccid = await t.request('POST', '/v1/lines', { body: { msisdn: '+77055559998', iccid: withLuhnDigit('897701000000000042') } });
      assert.deepEqual([sameIccid.status, sameIccid.body.error.code, sameIccid.body.error.details], [409, 'line_exists', { field: 'iccid' }]);
    });

    it('pages through lines with a cursor and filters by status', async () => {
      for (const n of ['+77015550001', '+77015550002', '+77015550003']) await t.request('POST', '/v1/lines', { body: { msisdn: n } });
      const first = await t.request('GET', '/v1/lines?limit=2');
      assert.equal(first.body.data.length, 2);
      assert.ok(first.body.nextCursor);
      const second = await t.request('GET', `/v1/lines?limit=2&cursor=${first.body.nextCursor}`);
      const ids = [...first.body.data, ...second.body.data].map((l: { id: string }) => l.id);
      assert.equal(new Set(ids).size, ids.length);
      const preactive = await t.request('GET', '/v1/lines?status=preactive&limit=100');
      assert.equal(preactive.body.data.length, 4);
      assert.equal((await t.request('GET', '/v1/lines?limit=1000')).status, 400);
      // A position is a nextCursor, a number is decimal digits: anything else is refused, not read as something.
      for (const query of ['cursor=garbage', 'cursor=ln_0000', "cursor=ln_01J'%20or%201=1--0000000000000", 'limit=0x10', 'limit=1e1', 'limit=%205', 'limit=', 'limit=1.0', 'limit=1.9999999999999999']) {
        const refused = await t.request('GET', `/v1/lines?${query}`);
        assert.equal(refused.status, 400, query);
        assert.equal(refused.body.error.code, 'validation_failed', query);
      }
      assert.equal((await t.request('GET', `/v1/lines/+77015550001/transactions?cursor=nope`)).body.error.code, 'validation_failed');
      assert.equal((await t.request('GET', '/v1/lines?limit=16')).status, 200);
      // A route that takes no query refuses one rather than ignore it.
      assert.equal((await t.request('GET', '/v1/auth/me?limit=5')).body.error.code, 'validation_failed');
      assert.equal((await t.request('GET', '/v1/admin/promotions?limit=5')).status, 200);
      assert.equal((await t.request('GET', '/v1/admin/promotions?limit=0')).body.error.code, 'validation_failed');
    });

    it('a subscriber sees only their own lines and cannot create or top up', async () => {
      await t.request('POST', '/v1/users', { body: { login: '+77015550001', password: 'correct horse', role: 'subscriber' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: '8 701 555 00 01', password: 'correct horse' } });
      assert.equal(login.status, 200);
      const token = login.body.token;
      assert.equal((await t.request('GET', '/v1/lines/+77015550001', { token })).status, 200);
      const other = await t.request('GET', '/v1/lines/+77015550002', { token });
      assert.equal(other.status, 404);
      assert.equal(other.body.error.code, 'line_not_found');
      const mine = await t.request('GET', '/v1/lines', { token });
      assert.deepEqual(mine.body.data.map((l: { msisdn: string }) => l.msisdn), ['+77015550001']);
      // A second SIM on the same login, added by staff.
      const userId = login.body.user.id;
      assert.equal((await t.request('POST', `/v1/users/${userId}/lines`, { token, body: { msisdn: '+77015550003' } })).body.error.code, 'forbidden');
      assert.equal((await t.request('POST', `/v1/users/${userId}/lines`, { body: { msisdn: '+77015550003' } })).status, 201);
      assert.equal((await t.request('POST', `/v1/users/usr_none/lines`, { body: { msisdn: '+77015550003' } })).body.error.code, 'user_not_found');
      assert.equal((await t.request('POST', `/v1/users/${userId}/lines`, { body: { msisdn: '+77019999999' } })).body.error.code, 'line_not_found');
      const both = await t.request('GET', '/v1/lines', { token });
      assert.deepEqual(both.body.data.map((l: { msisdn: string }) => l.msisdn).sort(), ['+77015550001', '+77015550003']);
      assert.equal((await t.request('POST', '/v1/lines', { token, body: { msisdn: '+77015550009' } })).body.error.code, 'forbidden');
      const topUp = await t.request('POST', '/v1/topups', { token, body: { msisdn: '+77015550001', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'self' } });
      assert.equal(topUp.body.error.code, 'forbidden');

      // The subscriber picks the language their line hears in; not for someone else's line.
      const chosen = await t.request('PATCH', '/v1/lines/8 701 555 00 01', { token, body: { language: 'zh' } });
      assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
      assert.equal(chosen.body.language, 'zh');
      assert.equal((await t.request('GET', '/v1/lines/+77015550001')).body.language, 'zh');
      assert.equal((await t.request('PATCH', '/v1/lines/+77015550002', { token, body: { language: 'ru' } })).body.error.code, 'line_not_found');
      assert.equal((await t.request('GET', '/v1/lines/+77015550002')).body.language, 'en');
      // Later top-ups tell the line in its language.
      const credited = await t.request('POST', '/v1/topups', { body: { msisdn: '+77015550001', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'after-language' } });
      assert.equal(credited.status, 201);
      const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'topup.succeeded').execute();
      assert.equal(events.map((e) => JSON.parse(e.payload)).find((p) => p.topupId === credited.body.id)?.language, 'zh');
    });

    it('refuses a bad language change with its code and changes nothing', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77015550020', language: 'ru' } });
      const cases: [string, unknown, number, string][] = [
        ['+77015550020', { language: 'fr' }, 400, 'validation_failed'],
        ['+77015550020', { language: 'kk', extra: 1 }, 400, 'validation_failed'],
        ['+77015550020', {}, 400, 'validation_failed'],
        ['+77015550020', { language: ['kk'] }, 400, 'validation_failed'],
        ['+1 555 123 4567', { language: 'kk' }, 422, 'msisdn_invalid'],
        ['+77015559998', { language: 'kk' }, 404, 'line_not_found'],
      ];
      for (const [msisdn, body, status, code] of cases) {
        const response = await t.request('PATCH', `/v1/lines/${encodeURIComponent(msisdn)}`, { body });
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await t.request('PATCH', '/v1/lines/+77015550020', { token: null, body: { language: 'kk' } })).status, 401);
      assert.equal((await t.request('GET', '/v1/lines/+77015550020')).body.language, 'ru');
      const staff = await t.request('PATCH', '/v1/lines/+77015550020', { body: { language: 'kk' } });
      assert.equal(staff.body.language, 'kk');
      await t.verify();
    });

    it('a subscriber still reads their closed line by its number once the number has gone to a new line, and never the new line', async () => {
      const msisdn = '+77015550040';
      const old = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 70_000, currency: 'KZT' }, headers: { 'idempotency-key': 'reissued-old' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/users', { body: { login: msisdn, password: 'correct horse', role: 'subscriber' } })).status, 201);
      const logIn = async () => (await t.request('POST', '/v1/auth/login', { token: null, body: { login: msisdn, password: 'correct horse' } })).body.token as string;
      let token = await logIn();
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
      const before = await t.request('GET', `/v1/lines/${msisdn}/transactions`, { token });
      assert.equal(before.status, 200);
      // The quarantine over, the number goes to another subscriber's SIM, topped up by them.
      t.clock.advanceDays(t.app.ctx.settings.lifecycle.quarantineDays + 1);
      const reissued = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(reissued.status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 90_000, currency: 'KZT' }, headers: { 'idempotency-key': 'reissued-new' } })).status, 201);
      // The old owner's self-care lists the closed line under the number it had, and opens it by that number.
      token = await logIn();
      const listed = await t.request('GET', '/v1/lines', { token });
      assert.deepEqual(listed.body.data.map((l: { id: string; msisdn: string }) => [l.id, l.msisdn]), [[old.body.id, msisdn]]);
      const line = await t.request('GET', `/v1/lines/${msisdn}`, { token });
      assert.deepEqual([line.status, line.body.id, line.body.status, line.body.msisdn], [200, old.body.id, 'terminated', msisdn], JSON.stringify(line.body));
      const history = await t.request('GET', `/v1/lines/${msisdn}/transactions`, { token });
      assert.equal(history.status, 200, JSON.stringify(history.body));
      assert.deepEqual(history.body, before.body, 'the closed line\'s history, nothing of the new line\'s');
      const balance = await t.request('GET', `/v1/lines/${msisdn}/balance`, { token });
      assert.deepEqual([balance.body.msisdn, balance.body.main, balance.body.status], [msisdn, 0, 'terminated']);
      const promised = await t.request('GET', `/v1/lines/${msisdn}/promised-payment`, { token });
      assert.deepEqual([promised.status, promised.body.msisdn], [200, msisdn]);
      assert.deepEqual((await t.request('GET', `/v1/lines/${msisdn}/packages`, { token })).body.data, []);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}/messages`, { token })).status, 200);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}/events`, { token })).body.data.at(-1).to, 'terminated');
      // It acts on nothing: the closed line refuses, as before its number went (the new line is not reached).
      assert.equal((await t.request('PATCH', `/v1/lines/${msisdn}`, { token, body: { language: 'kk' } })).body.error.code, 'line_terminated');
      // Staff and everyone else find the new line by the number.
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.id, reissued.body.id);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, 90_000);
      await t.verify();
    });
  });
}
