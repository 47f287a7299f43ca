import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { loadSettings } from '../config.ts';
import { createUser } from '../auth/create-user.ts';
import { createLine } from '../lines/create-line.ts';
import { demoSeedDue, seedDemo } from './seed-demo.ts';

for (const dialect of DIALECTS) {
  describe(`demo data [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name); });
    after(async () => t?.close());

    it('two processes seeding one empty database at once: one makes the demo data, the other steps aside', async () => {
      const results = await Promise.all([seedDemo(t.app.ctx), seedDemo(t.app.ctx)]);
      assert.equal(results.filter((result) => result === null).length, 1, 'one steps aside instead of crashing');
      const made = results.find((result) => result !== null)!;
      assert.equal(made.msisdns.length, 5);
      const lines = await t.app.ctx.db.selectFrom('lines').select('msisdn').execute();
      assert.deepEqual(lines.map((line) => line.msisdn).sort(), [...made.msisdns].sort(), 'each demo line once');
      const me = await t.request('GET', '/v1/auth/me', { token: made.adminApiKey });
      assert.equal(me.body.role, 'admin');
      assert.equal(await seedDemo(t.app.ctx), null, 'and again later');
    });
  });

  describe(`demo data under tighter top-up limits [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      const settings = loadSettings({ TOPUP_AMOUNT_MIN_KZT: '1500', TOPUP_AMOUNT_MAX_KZT: '3000' });
      t = await startTestApp(dialect.name, { topup: settings.topup });
    });
    after(async () => t?.close());

    it('a deployment whose limits the demo amounts break still starts: each demo top-up is brought within them', async () => {
      const made = await seedDemo(t.app.ctx);
      assert.ok(made);
      const balances: number[] = [];
      for (const msisdn of made.msisdns) balances.push((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.balance.main);
      // 5,000 / 2,000 / 1,000 / 10,000 ₸ asked, 0 for the last line; within 1,500–3,000 ₸.
      assert.deepEqual(balances, [300_000, 200_000, 150_000, 300_000, 0]);
    });
  });

  describe(`demo data cut short by a kill [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name); });
    after(async () => t?.close());

    it('the next start finishes it: a new admin password and key printed, what exists kept, each line once', async () => {
      // What a first start killed after its first steps leaves: the admin (its password never shown) and one line.
      assert.ok((await createUser(t.app.ctx, SYSTEM_ACTOR, { login: 'admin', password: 'lost-forever-1', role: 'admin', displayName: 'Demo admin' })).ok);
      assert.ok((await createLine(t.app.ctx, SYSTEM_ACTOR, { msisdn: '+77011234567', language: 'en' })).ok);
      assert.equal(await demoSeedDue(t.app.ctx), false, 'a seed under way in another process is left to it');
      assert.equal(await seedDemo(t.app.ctx), null);
      t.clock.advance(2 * 60_000);
      assert.equal(await demoSeedDue(t.app.ctx), true);
      const made = await seedDemo(t.app.ctx);
      assert.ok(made);
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'admin', password: made.adminPassword } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal((await t.request('GET', '/v1/auth/me', { token: made.adminApiKey })).body.role, 'admin');
      const lines = await t.app.ctx.db.selectFrom('lines').select('msisdn').execute();
      assert.deepEqual(lines.map((line) => line.msisdn).sort(), [...made.msisdns].sort());
      assert.ok((await t.app.ctx.db.selectFrom('offerings').select('id').execute()).length > 0, 'the catalog made');
      assert.equal(await demoSeedDue(t.app.ctx), false, 'finished');
      await t.verify();
    });
  });
}
