import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * PostgreSQL connections dropped under load (pg_terminate_backend, a failover, a restart): the
 * requests on them fail with 503 unavailable, the process stays up, and the pool's new connections
 * serve the next ones. A checked-out connection with no 'error' listener once took the whole
 * process down with an uncaught exception, which would fail this test's process too.
 */
const postgres = DIALECTS.find((d) => d.name === 'postgres')!;
describe('dropped PostgreSQL connections [postgres]', { skip: postgres.skip }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('postgres');
    for (const msisdn of ['+77011990001', '+77011990002']) assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
  });
  after(async () => t?.close());

  it('answers 503 on the dropped connections, never 500, and serves again without a restart', async () => {
    const database = new URL(t.app.ctx.store.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: t.app.ctx.store.url });
    await admin.connect();
    try {
      let seq = 0;
      const topUp = (msisdn: string) => t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `drop-${++seq}` } });
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) {
        const inFlight = Array.from({ length: 40 }, (_, i) => topUp(i % 2 ? '+77011990001' : '+77011990002').then((r) => statuses.push(r.status)));
        await new Promise((resolve) => setTimeout(resolve, 2));
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
        await Promise.all(inFlight);
      }
      assert.ok(statuses.every((status) => status === 201 || status === 503), `statuses: ${[...new Set(statuses)].join(', ')}`);
      // The pool opens new connections: the next requests are served.
      for (let i = 0; i < 5; i++) assert.equal((await topUp('+77011990001')).status, 201);
      const lines = await t.request('GET', '/v1/lines/+77011990001');
      assert.equal(lines.status, 200);
    } finally {
      await admin.end();
    }
    await t.verify();
  });

  // SQLite's busy timeout passed answers 503 (SQLITE_BUSY); PostgreSQL's lock_timeout or statement_timeout,
  // which administrators set on a database (ALTER DATABASE … SET lock_timeout), answered 500.
  it('answers 503 when a lock is held past the database\'s lock_timeout or a statement runs past its statement_timeout, as SQLite past its busy timeout', async () => {
    const database = new URL(t.app.ctx.store.url).pathname.slice(1);
    const user = await t.request('POST', '/v1/users', { body: { login: 'timeout.admin', password: 'long-enough-password', role: 'admin' } });
    assert.equal(user.status, 201);
    const rename = (displayName: string) => t.request('PATCH', `/v1/users/${user.body.id}`, { body: { displayName } });
    for (const setting of ['lock_timeout', 'statement_timeout']) {
      const admin = new pg.Client({ connectionString: t.app.ctx.store.url });
      await admin.connect();
      try {
        await admin.query(`alter database "${database}" set ${setting} = '200ms'`);
        // The pool's connections, made before, are dropped: the next ones take the setting.
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
        let served = 0;
        for (let i = 0; i < 40 && served < 3; i++) served = (await t.request('GET', '/v1/lines/+77011990001')).status === 200 ? served + 1 : 0;
        assert.equal(served, 3, 'the pool serves again');
        await admin.query('begin');
        await admin.query('select id from users where id = $1 for update', [user.body.id]);
        const held = await rename(`held ${setting}`);
        assert.deepEqual([held.status, held.body.error?.code, held.body.error?.details?.reason], [503, 'unavailable', 'database_unavailable'], `${setting}: ${held.text}`);
        await admin.query('rollback');
        assert.equal((await rename(`free ${setting}`)).status, 200);
      } finally {
        await admin.query('rollback').catch(() => {});
        await admin.query(`alter database "${database}" reset ${setting}`);
        await admin.end();
      }
    }
  });

  it('is not ready, saying why, while the database refuses connections, and ready again after', async () => {
    const url = new URL(t.app.ctx.store.url);
    const database = url.pathname.slice(1);
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      await admin.query(`alter database "${database}" allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
      const down = await t.request('GET', '/readyz', { token: null });
      assert.deepEqual([down.status, down.body.error.code, down.body.error.details.reason], [503, 'unavailable', 'database_unavailable']);
    } finally {
      await admin.query(`alter database "${database}" allow_connections true`);
      await admin.end();
    }
    assert.equal((await t.request('GET', '/readyz', { token: null })).status, 200);
  });

  it('is not ready, saying why, while every pooled connection is held, and ready again after: /readyz does not wait for one as long', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    // The pool's 16 connections all checked out (hung queries, a lock held for minutes).
    const held = Array.from({ length: 16 }, () => t.app.ctx.store.withBatchConnection(() => gate));
    try {
      const started = performance.now();
      const down = await Promise.race([t.request('GET', '/readyz', { token: null }), new Promise<null>((resolve) => setTimeout(resolve, 15_000, null))]);
      assert.ok(down !== null, `no answer in ${Math.round(performance.now() - started)} ms`);
      assert.deepEqual([down.status, down.body.error.code, down.body.error.details.reason], [503, 'unavailable', 'database_unavailable']);
    } finally {
      release();
      await Promise.all(held);
    }
    assert.equal((await t.request('GET', '/readyz', { token: null })).status, 200);
  });
});
