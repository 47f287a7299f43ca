import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import type { KyselyPlugin } from 'kysely';
import { SYSTEM_ACTOR } from './actor.ts';
import { logIn } from './log-in.ts';
import { updateUser } from './update-user.ts';

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

    it('takes no HTML form on the API: a page elsewhere cannot make a logged-in admin\'s browser create a user or a key', async () => {
      await t.request('POST', '/v1/users', { body: { login: 'boss', password: 'long enough', role: 'admin' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'boss', password: 'long enough' } });
      const cookie = `tolem_session=${login.body.token}`;
      const form = { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'https://evil.example' };
      const user = await t.request('POST', '/v1/users', { token: null, rawBody: 'login=csrfadmin&password=attacker-pass-123&role=admin', headers: form });
      assert.deepEqual([user.status, user.body.error.code], [415, 'unsupported_media_type']);
      const key = await t.request('POST', '/v1/api-keys', { token: null, rawBody: 'name=viaform&role=admin', headers: { ...form, 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' } });
      assert.deepEqual([key.status, key.body.error.code], [415, 'unsupported_media_type']);
      const users = await t.app.ctx.db.selectFrom('users').select('login').where('login', '=', 'csrfadmin').execute();
      assert.equal(users.length, 0, 'nothing written');
      // The same request as JSON (which a page elsewhere cannot send without CORS) works.
      const json = await t.request('POST', '/v1/users', { token: null, body: { login: 'second', password: 'long enough', role: 'clerk' }, headers: { cookie } });
      assert.equal(json.status, 201, JSON.stringify(json.body));
    });

    it('refuses a change sent with the session cookie from another site, body or none (a sibling subdomain is the same site to SameSite=Lax)', async () => {
      await t.request('POST', '/v1/users', { body: { login: 'boss2', password: 'long enough', role: 'admin' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'boss2', password: 'long enough' } });
      const cookie = `tolem_session=${login.body.token}`;
      const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'same-site', origin: 'https://shop.example.kz' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { origin: 'null' }];
      for (const headers of crossSite) {
        const user = await t.request('POST', '/v1/users', { token: null, body: { login: 'viacsrf', password: 'long enough', role: 'admin' }, headers: { cookie, ...headers } });
        assert.deepEqual([user.status, user.body.error?.code], [403, 'cross_site_request'], JSON.stringify(headers));
        // What `fetch(…, { method: 'POST', mode: 'no-cors', credentials: 'include' })` sends: no body, no content type.
        const out = await t.request('POST', '/v1/auth/logout', { token: null, headers: { cookie, ...headers } });
        assert.deepEqual([out.status, out.body.error?.code], [403, 'cross_site_request'], JSON.stringify(headers));
      }
      assert.equal((await t.app.ctx.db.selectFrom('users').select('login').where('login', '=', 'viacsrf').execute()).length, 0, 'nothing written');
      assert.equal((await t.request('GET', '/v1/auth/me', { token: null, headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status, 200, 'reads are not changes: a link from elsewhere still opens');
      // The same page's own requests, a client that is no browser, and a bearer token from anywhere.
      for (const [name, headers] of [['own1', { cookie, 'sec-fetch-site': 'same-origin' }], ['own2', { cookie, origin: 'http://localhost:80' }], ['own3', { cookie }], ['own4', { authorization: `Bearer ${login.body.token}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }]] as const) {
        const user = await t.request('POST', '/v1/users', { token: null, body: { login: name, password: 'long enough', role: 'clerk' }, headers });
        assert.equal(user.status, 201, `${name}: ${JSON.stringify(user.body)}`);
      }
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

    it("does not let strangers' wrong passwords lock a login's owner out, nor an address over its limit count against any login", async () => {
      const attempt = (password: string, remoteAddress: string) => t.request('POST', '/v1/auth/login', { token: null, remoteAddress, body: { login: 'clerk.one', password } });
      for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong', '198.51.100.7')).body.error.code, 'invalid_credentials');
      assert.equal((await attempt('long enough', '198.51.100.7')).body.error.code, 'rate_limited', 'the guessing address is stopped');
      assert.equal((await attempt('long enough', '203.0.113.9')).status, 200, 'the owner, from elsewhere, is not');
      // An address over its own limit (20) stops there: what it sends after counts against no login.
      for (let i = 0; i < 21; i++) await t.request('POST', '/v1/auth/login', { token: null, remoteAddress: '198.51.100.8', body: { login: `nobody${i}`, password: 'wrong' } });
      for (let i = 0; i < 10; i++) assert.equal((await attempt('wrong', '198.51.100.8')).body.error.code, 'rate_limited');
      assert.equal((await attempt('long enough', '203.0.113.9')).status, 200);
      t.clock.advance(16 * 60_000);
    });

    it('counts an IPv6 /64 as one address: a guesser rotating through its own network gets no more guesses, and locks no owner out', async () => {
      const attempt = (password: string, remoteAddress: string) => t.request('POST', '/v1/auth/login', { token: null, remoteAddress, body: { login: 'clerk.one', password } });
      // One subscriber line or host gets a whole /64: each guess from a new address of it.
      for (let i = 1; i <= 5; i++) assert.equal((await attempt('wrong', `2001:db8:7:1::${i.toString(16)}`)).body.error.code, 'invalid_credentials');
      assert.equal((await attempt('long enough', '2001:db8:7:1:ffff:ffff:ffff:fffe')).body.error.code, 'rate_limited', 'the same /64, however written');
      assert.equal((await attempt('long enough', '2001:0db8:0007:0001::abcd')).body.error.code, 'rate_limited');
      assert.equal((await attempt('long enough', '2001:db8:7:2::1')).status, 200, 'the owner, from another network, is not');
      // Over all logins too: the address's own limit (20) holds for the whole /64.
      for (let i = 0; i < 20; i++) assert.equal((await t.request('POST', '/v1/auth/login', { token: null, remoteAddress: `2001:db8:8:1::${(i + 1).toString(16)}`, body: { login: `nobody${i}`, password: 'wrong' } })).body.error.code, 'invalid_credentials');
      assert.equal((await t.request('POST', '/v1/auth/login', { token: null, remoteAddress: '2001:db8:8:1:1:2:3:4', body: { login: 'nobody99', password: 'wrong' } })).body.error.code, 'rate_limited');
      // IPv4 clients of a dual-stack socket (::ffff:a.b.c.d) stay one address each, not one /64 together.
      for (let i = 0; i < 5; i++) await attempt('wrong', '::ffff:198.51.100.20');
      assert.equal((await attempt('long enough', '::ffff:198.51.100.20')).body.error.code, 'rate_limited');
      assert.equal((await attempt('long enough', '::ffff:198.51.100.21')).status, 200);
      t.clock.advance(16 * 60_000);
    });

    it('does not let a login name that spells "<login>:<address>" count against that login at that address', async () => {
      // The owner's address is known to the stranger (an office's NAT, a shared Wi-Fi): the stranger's
      // wrong passwords for a login no one has, written so, from the stranger's own address.
      for (let i = 0; i < 5; i++) {
        const fake = await t.request('POST', '/v1/auth/login', { token: null, remoteAddress: '198.51.100.60', body: { login: 'clerk.one:203.0.113.50', password: 'wrong' } });
        assert.equal(fake.body.error.code, 'invalid_credentials');
      }
      const owner = await t.request('POST', '/v1/auth/login', { token: null, remoteAddress: '203.0.113.50', body: { login: 'clerk.one', password: 'long enough' } });
      assert.equal(owner.status, 200, JSON.stringify(owner.body));
      t.clock.advance(16 * 60_000);
    });

    it('logs a subscriber in with the number however it is typed: full-width digits, any dash, no-break spaces', async () => {
      assert.equal((await t.request('POST', '/v1/users', { body: { login: '+7 702 555 01 02', password: 'long enough', role: 'subscriber' } })).status, 201);
      for (const login of ['8 702 555-01-02', '８７０２５５５０１０２', '＋７ ７０２ ５５５ ０１ ０２', '8 702 555–01–02', '8 702 555\u201101\u201102', '+7\u00a0702\u00a0555\u00a001\u00a002']) {
        const answer = await t.request('POST', '/v1/auth/login', { token: null, body: { login, password: 'long enough' }, remoteAddress: '198.51.100.61' });
        assert.deepEqual([answer.status, answer.body.user?.login], [200, '+77025550102'], login);
      }
    });

    it('takes a password with accented or Cyrillic letters typed composed or decomposed (two keyboards) as the same password', async () => {
      const password = 'Қазақстан café й';
      const [composed, decomposed] = [password.normalize('NFC'), password.normalize('NFD')];
      assert.notEqual(composed, decomposed);
      const logIn = (pass: string) => t.request('POST', '/v1/auth/login', { token: null, body: { login: 'two.keyboards', password: pass }, remoteAddress: '198.51.100.62' });
      const user = await t.request('POST', '/v1/users', { body: { login: 'two.keyboards', password: decomposed, role: 'clerk' } });
      assert.equal(user.status, 201);
      assert.equal((await logIn(composed)).status, 200, 'set decomposed, typed composed');
      assert.equal((await logIn(decomposed)).status, 200);
      assert.equal((await t.request('PATCH', `/v1/users/${user.body.id}`, { body: { password: composed } })).status, 200);
      assert.equal((await logIn(decomposed)).status, 200, 'set composed, typed decomposed');
      assert.equal((await logIn('Қазақстан cafe й')).body.error.code, 'invalid_credentials', 'another letter is another password');
    });

    it('gives machine roles API keys, never a login with a password', async () => {
      for (const role of ['partner', 'aggregator', 'network']) {
        const refused = await t.request('POST', '/v1/users', { body: { login: `machine-${role}`, password: 'long enough password', role } });
        assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.details], [400, 'validation_failed', { field: 'role', reason: 'machine roles use API keys' }], role);
      }
      assert.equal(await t.app.ctx.db.selectFrom('users').select('id').where('login', 'like', 'machine-%').executeTakeFirst(), undefined);
    });

    it('gives a partner key a clearing account of its own when asked for a new one, and funds its top-ups from it', async () => {
      const created = await t.request('POST', '/v1/api-keys', { body: { name: 'Travel Co', role: 'partner', sourceAccountId: 'clearing:travelco' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const second = await t.request('POST', '/v1/api-keys', { body: { name: 'Travel Co, second key', role: 'partner', sourceAccountId: 'clearing:travelco' } });
      assert.equal(second.status, 201, 'a second key shares the account');
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77017770011' } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { token: created.body.key, body: { msisdn: '+77017770011', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'travelco-1' } });
      assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
      const account = await t.app.ctx.db.selectFrom('ledger_accounts').select(['kind', 'unit', 'debits_posted']).where('id', '=', 'clearing:travelco').executeTakeFirstOrThrow();
      assert.deepEqual([account.kind, account.unit, BigInt(account.debits_posted)], ['clearing', 'KZT', 100_000n]);
      // Only a plain channel name makes a new one; an aggregator's namespace or any other unknown id does not.
      for (const sourceAccountId of ['clearing:agg:travelco', 'clearing:Travel Co', 'revenue:travelco', 'travelco']) {
        assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'n', role: 'partner', sourceAccountId } })).body.error.code, 'account_not_found', sourceAccountId);
      }
      await t.verify();
    });

    it('creates API keys shown once, stores them hashed, and revokes them', async () => {
      const created = await t.request('POST', '/v1/api-keys', { body: { name: 'partner x', role: 'partner' } });
      assert.equal(created.status, 201);
      assert.match(created.body.key, /^tlm_/);
      const stored = await t.app.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
      assert.notEqual(stored.key_hash, created.body.key);
      assert.ok(!JSON.stringify(stored).includes(created.body.key));
      assert.equal((await t.request('GET', '/v1/auth/me', { token: created.body.key })).body.role, 'partner');
      const list = await t.request('GET', '/v1/api-keys?limit=100');
      assert.ok(list.body.data.every((k: Record<string, unknown>) => !('key' in k)));
      // Paged oldest first like every list: walked two at a time it gives the same keys, each once.
      const walked: string[] = [];
      for (let cursor: string | null = null, pages = 0; pages === 0 || cursor !== null; pages++) {
        const page: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await t.request('GET', `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        assert.ok(page.body.data.length <= 2);
        walked.push(...page.body.data.map((k) => k.id));
        cursor = page.body.nextCursor;
      }
      assert.ok(walked.length >= 3, String(walked.length));
      assert.deepEqual(walked, list.body.data.map((k: { id: string }) => k.id));
      assert.equal((await t.request('GET', `/v1/api-keys?cursor=${created.body.id.replace('key_', 'usr_')}`)).body.error.code, 'validation_failed', 'a cursor of another list');
      assert.equal((await t.request('GET', '/v1/api-keys?limit=101')).body.error.code, 'validation_failed');
      assert.equal((await t.request('DELETE', `/v1/api-keys/${created.body.id}`)).status, 204);
      // At once in this process, although the key's answer was in the authentication cache.
      assert.equal((await t.request('GET', '/v1/auth/me', { token: created.body.key })).status, 401);
      assert.equal((await t.request('DELETE', `/v1/api-keys/${created.body.id}`)).body.error.code, 'api_key_not_found');
    });

    it('takes the Bearer scheme in any case, and says how to authenticate on a 401', async () => {
      const created = await t.request('POST', '/v1/api-keys', { body: { name: 'case', role: 'partner' } });
      for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
        assert.equal((await t.request('GET', '/v1/auth/me', { token: null, headers: { authorization: `${scheme} ${created.body.key}` } })).status, 200, scheme);
      }
      const refused = await t.request('GET', '/v1/lines', { token: null });
      assert.equal(refused.status, 401);
      assert.match(String(refused.headers['www-authenticate']), /^Bearer /);
    });

    it('an admin disables a login (its sessions end at once), enables it, and sets a new password', async () => {
      const user = await t.request('POST', '/v1/users', { body: { login: 'leaver', password: 'first password', role: 'agent' } });
      const logIn = (password: string) => t.request('POST', '/v1/auth/login', { token: null, body: { login: 'leaver', password } });
      const session = (await logIn('first password')).body.token as string;
      assert.equal((await t.request('GET', '/v1/auth/me', { token: session })).status, 200);
      const patch = (body: unknown, token?: string) => t.request('PATCH', `/v1/users/${user.body.id}`, { body, ...(token ? { token } : {}) });

      const disabled = await patch({ disabled: true });
      assert.deepEqual(disabled.body, { id: user.body.id, login: 'leaver', role: 'agent', displayName: null, createdAt: user.body.createdAt, disabled: true });
      assert.equal((await t.request('GET', '/v1/auth/me', { token: session })).status, 401, 'its session ends at once');
      assert.equal((await logIn('first password')).body.error.code, 'invalid_credentials');
      const listed = (await t.request('GET', '/v1/users?limit=100')).body.data.find((u: { id: string }) => u.id === user.body.id);
      assert.equal(listed.disabled, true);

      assert.equal((await patch({ disabled: false, displayName: ' Returning Cashier ' })).body.displayName, 'Returning Cashier');
      const again = (await logIn('first password')).body.token as string;
      assert.equal((await patch({ password: 'second password' })).status, 200);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: again })).status, 401, 'a new password ends the sessions');
      assert.equal((await logIn('first password')).body.error.code, 'invalid_credentials');
      assert.equal((await logIn('second password')).status, 200);
      const audit = await t.app.ctx.db.selectFrom('audit_log').select('details').where('target', '=', user.body.id).where('action', '=', 'user.update').execute();
      assert.equal(audit.length, 3);
      assert.ok(audit.every((row) => !(row.details ?? '').includes('second password')), 'no password in the audit log');

      assert.equal((await patch({})).body.error.code, 'validation_failed');
      assert.equal((await patch({ password: 'short' })).body.error.code, 'password_too_weak');
      // Characters, not UTF-16 units: five emoji are five characters; spaces alone are no password.
      assert.equal((await patch({ password: '😀😀😀😀😀' })).body.error.code, 'password_too_weak');
      assert.equal((await patch({ password: ' '.repeat(12) })).body.error.code, 'password_too_weak');
      assert.equal((await patch({ disabled: 'yes' })).body.error.code, 'validation_failed');
      assert.equal((await patch({ disabled: true }, await t.keyFor('clerk'))).body.error.code, 'forbidden');
      assert.equal((await t.request('PATCH', '/v1/users/usr_nope', { body: { disabled: true } })).body.error.code, 'user_not_found');
      assert.equal((await logIn('second password')).status, 200, 'the refused patches changed nothing');
    });

    it('only admins manage users and keys; bad input gets codes', async () => {
      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('POST', '/v1/users', { token: clerk, body: { login: 'x.y', password: 'long enough', role: 'admin' } })).body.error.code, 'forbidden');
      assert.equal((await t.request('POST', '/v1/api-keys', { token: clerk, body: { name: 'n', role: 'admin' } })).body.error.code, 'forbidden');
      assert.equal((await t.request('GET', '/v1/users', { token: clerk })).body.error.code, 'forbidden');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'clerk.one', password: 'long enough', role: 'clerk' } })).body.error.code, 'user_exists');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'short.pw', password: 'short', role: 'clerk' } })).body.error.code, 'password_too_weak');
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'bad role', password: 'long enough', role: 'root' } })).body.error.code, 'validation_failed');
      // A staff login that log-in would read as a subscriber's phone number.
      for (const login of ['87770001122', '7770001122', '+77770001122']) {
        const phoneLike = await t.request('POST', '/v1/users', { body: { login, password: 'long enough', role: 'clerk' } });
        assert.deepEqual([phoneLike.status, phoneLike.body.error?.code, phoneLike.body.error?.details?.field], [400, 'validation_failed', 'login'], login);
      }
      assert.equal((await t.request('POST', '/v1/users', { body: { login: '+1555', password: 'long enough', role: 'subscriber' } })).body.error.code, 'msisdn_invalid');
      assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'n', role: 'partner', sourceAccountId: 'revenue:packages' } })).body.error.code, 'source_account_invalid');
      // A channel's own account funds only that channel's top-ups: an admin's top-up or a partner key drawing on it would break its reconciliation.
      for (const source of ['clearing:agg:qiwi', 'clearing:sandbox', 'clearing:vouchers', 'clearing:ussd', 'cash:st_01J', 'clearing:store-card:st_01J', 'clearing:agent-deposits', 'ag_01J.float']) {
        const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 50_000, currency: 'KZT', source }, headers: { 'idempotency-key': `channel-source-${source}` } });
        assert.deepEqual([topUp.status, topUp.body.error?.code], [422, 'source_account_invalid'], source);
      }
      assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'n', role: 'partner', sourceAccountId: 'clearing:sandbox' } })).body.error.code, 'source_account_invalid');
      // A store's card terminal account, as the store has it (its report's card total is that account's balance).
      const store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty Dostyk 1' } })).body;
      for (const sourceAccountId of [`clearing:store-card:${store.id}`, 'clearing:agent-deposits']) {
        assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'n', role: 'partner', sourceAccountId } })).body.error?.code, 'source_account_invalid', sourceAccountId);
      }
      assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'ussd gateway', role: 'partner', sourceAccountId: 'clearing:ussd' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/api-keys', { body: { name: 'partner', role: 'partner', sourceAccountId: 'clearing:partner-acme' } })).status, 201);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: 'tlm_forged' })).status, 401);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: null, headers: { authorization: 'Basic abc' } })).status, 401);
    });

    it('does not let a log-in with the old password, checked while an admin sets a new one, keep a session', async () => {
      const created = await t.request('POST', '/v1/users', { body: { login: 'clerk.race', password: 'old password', role: 'clerk' } });
      assert.equal(created.status, 201);
      const { ctx } = t.app;
      // The new password lands (its update and the end of the user's sessions) right after the
      // log-in has read the user, old password hash and all, and before it writes its session.
      let reset: Awaited<ReturnType<typeof updateUser>> | undefined;
      const resetAfterRead: KyselyPlugin = {
        transformQuery: (args) => args.node,
        async transformResult(args) {
          if (reset === undefined && (args.result.rows[0] as { login?: unknown } | undefined)?.login === 'clerk.race') {
            // Read through ctx.db: this read still holds its reader connection (SQLite's only one).
            reset = await updateUser({ ...ctx, store: { ...ctx.store, readDb: ctx.db } }, SYSTEM_ACTOR, created.body.id, { password: 'new password' });
          }
          return args.result;
        },
      };
      const racing = { ...ctx, store: { ...ctx.store, readDb: ctx.store.readDb.withPlugin(resetAfterRead) } };
      const result = await logIn(racing, { login: 'clerk.race', password: 'old password', ip: '203.0.113.77' });
      assert.equal(reset?.ok, true);
      assert.deepEqual(result.ok ? (await t.request('GET', '/v1/auth/me', { token: result.value.token })).status : result.error.code, 'invalid_credentials');
      const sessions = await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', created.body.id).execute();
      assert.deepEqual(sessions, []);
      const fresh = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.race', password: 'new password' } });
      assert.equal(fresh.status, 200);
    });

    it('does not cache a session read just before its user was disabled in this process', async () => {
      const created = await t.request('POST', '/v1/users', { body: { login: 'clerk.gone', password: 'long enough', role: 'clerk' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.gone', password: 'long enough' } });
      assert.equal(login.status, 200);
      const { ctx, server } = t.app;
      // The admin disables the user (as PATCH /v1/users/{id} does: sessions ended, this process's
      // cache told) right after a request's authentication read the session, before it was cached.
      let disabled = false;
      const disableAfterRead: KyselyPlugin = {
        transformQuery: (args) => args.node,
        async transformResult(args) {
          const row = args.result.rows[0] as { id?: unknown; expires_at?: unknown } | undefined;
          if (!disabled && row !== undefined && row.id === created.body.id && row.expires_at !== undefined) {
            disabled = true;
            // Read through ctx.db: this read still holds its reader connection (SQLite's only one).
            assert.equal((await updateUser({ ...ctx, store: { ...ctx.store, readDb: ctx.db } }, SYSTEM_ACTOR, created.body.id, { disabled: true })).ok, true);
            server.authenticator.forgetActor(created.body.id);
          }
          return args.result;
        },
      };
      const readDb = ctx.store.readDb;
      ctx.store.readDb = readDb.withPlugin(disableAfterRead);
      try {
        await t.request('GET', '/v1/auth/me', { token: login.body.token });
      } finally {
        ctx.store.readDb = readDb;
      }
      assert.equal(disabled, true);
      const after = await t.request('GET', '/v1/auth/me', { token: login.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'unauthenticated');
    });

    it('marks the session cookie Secure when PUBLIC_URL is https, its scheme written in any case', async () => {
      const settings = t.app.ctx.settings as { publicUrl: string };
      const publicUrl = settings.publicUrl;
      try {
        for (const url of ['https://pay.example.kz', 'HTTPS://pay.example.kz', 'Https://pay.example.kz/tolem']) {
          settings.publicUrl = url;
          const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' }, remoteAddress: '198.51.100.63' });
          assert.match(String(login.headers['set-cookie']), /; Secure/, url);
        }
        settings.publicUrl = 'http://localhost:3000';
        const plain = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' }, remoteAddress: '198.51.100.63' });
        assert.doesNotMatch(String(plain.headers['set-cookie']), /Secure/);
      } finally {
        settings.publicUrl = publicUrl;
      }
    });

    // Last: it moves the clock to the session's end.
    it('ends a session at its expiry, though the process cached it a moment before', async () => {
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'clerk.one', password: 'long enough' } });
      assert.equal(login.status, 200);
      t.clock.set(new Date(Date.parse(login.body.expiresAt) - 1_000));
      assert.equal((await t.request('GET', '/v1/auth/me', { token: login.body.token })).status, 200);
      t.clock.advance(1_000);
      const expired = await t.request('GET', '/v1/auth/me', { token: login.body.token });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, 'unauthenticated');
      assert.equal((await t.request('GET', '/v1/auth/me', { token: null, headers: { cookie: `tolem_session=${login.body.token}` } })).status, 401);
    });
  });
}
