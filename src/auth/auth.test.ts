import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

for (const dialect of DIALECTS) {
  describe(`auth [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      const created = await t.request('POST', '/v1/users', { body: { login: 'Clerk.One', password: 'long enough', role: 'clerk', displayName: 'Clerk One' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.login, 'clerk.one');
    });
    after(async () => t?.close());

    it('logs in, sets an HttpOnly SameSite cookie, answers me, and logs out', async () => {
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' } });
      assert.equal(login.status, 200);
      const cookie = String(login.headers['set-cookie']);
      assert.match(cookie, /tolem_session=/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const me = await t.request('GET', '/v1/auth/me', { token: login.body.token });
      assert.equal(me.body.role, 'clerk');
      const viaCookie = await t.request('GET', '/v1/auth/me', { token: null, headers: { cookie: `tolem_session=${login.body.token}` } });
      assert.equal(viaCookie.body.login, 'clerk.one');
      assert.equal((await t.request('POST', '/v1/auth/logout', { token: login.body.token })).status, 204);
      const after = await t.request('GET', '/v1/auth/me', { token: login.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'unauthenticated');
    });

    it('rate limits failed logins per login', async () => {
      for (let i = 0; i < 5; i++) {
        const wrong = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'wrong' } });
        assert.equal(wrong.body.error.code, 'invalid_credentials');
      }
      const limited = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' } });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(limited.headers['retry-after']);
      t.clock.advance(16 * 60_000);
      assert.equal((await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' } })).status, 200);
    });

    it('creates API keys shown once, stores them hashed, and revokes them', async () => {
      const created = await t.request('POST', '/v1/api-keys', { body: { name: 'partner x', role: 'partner' } });
      assert.equal(created.status, 201);
      assert.match(created.body.key, /^tlm_/);
      const stored = await t.app.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
      assert.notEqual(stored.key_hash, created.body.key);
      assert.ok(!JSON.stringify(stored).includes(created.body.key));
      assert.equal((await t.request('GET', '/v1/auth/me', { token: created.body.key })).body.role, 'partner');
      const list = await t.request('GET', '/v1/api-keys');
      assert.ok(list.body.data.every((k: Record<string, unknown>) => !('key' in k)));
      assert.equal((await t.request('DELETE', `/v1/api-keys/${created.body.id}`)).status, 204);
      t.clock.advance(10_000); // past the authentication cache
      assert.equal((await t.request('GET', '/v1/auth/me', { token: created.body.key })).status, 401);
      assert.equal((await t.request('DELETE', `/v1/api-keys/${created.body.id}`)).body.error.code, 'api_key_not_found');
    });

    it('only admins manage users and keys; bad input gets codes', async () => {
      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('POST', '/v1/users', { token: clerk, body: { login: 'x.y', password: 'long enough', role: 'admin' } })).body.error.code, 'forbidden');
      assert.equal((await t.request('POST', '/v1/api-keys', { token: clerk, body: { name: 'n', role: 'admin' } })).body.error.code, 'forbidden');
      assert.equal((await t.request('GET', '/v1/users', { token: clerk })).body.error.code, 'forbidden');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'clerk.one', password: 'long enough', role: 'clerk' } })).body.error.code, 'user_exists');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'short.pw', password: 'short', role: 'clerk' } })).body.error.code, 'password_too_weak');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'bad role', password: 'long enough', role: 'root' } })).body.error.code, 'validation_failed');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: '+1555', password: 'long enough', role: 'subscriber' } })).body.error.code, 'msisdn_invalid');
      assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'n', role: 'partner', sourceAccountId: 'revenue:packages' } })).body.error.code, 'source_account_invalid');
      assert.equal((await t.request('GET', '/v1/auth/me', { token: 'tlm_forged' })).status, 401);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: null, headers: { authorization: 'Basic abc' } })).status, 401);
    });
  });
}
