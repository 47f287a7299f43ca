import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedDemo } from './seed-demo.ts';

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
}
