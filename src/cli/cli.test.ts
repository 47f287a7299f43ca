import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createApp } from '../app.ts';
import { loadSettings } from '../config.ts';

/** The `tolem` command as outside scripts use it: a real process on a real SQLite file. */
describe('tolem CLI', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tolem-cli-'));
  const databaseUrl = `sqlite:${join(folder, 'cli.db')}`;
  const tolem = (...args: string[]) => spawnSync(process.execPath, ['bin/tolem.js', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8', timeout: 60_000,
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('migrates, seeds demo data once, and creates users', () => {
    assert.equal(tolem('migrate').status, 0);
    const seeded = tolem('seed');
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.match(seeded.stdout, /admin API key\s+tlm_/);
    assert.equal(tolem('seed').status, 1);
    const user = tolem('user', 'create', '--login', 'clerk.cli', '--password', 'long enough', '--role', 'clerk');
    assert.equal(user.status, 0, user.stderr);
    assert.equal(JSON.parse(user.stdout).role, 'clerk');
    assert.equal(tolem('user', 'create', '--login', 'x', '--role', 'root').status, 2);
  });

  it('stops on a malformed setting with its one-line message, exit 2', () => {
    for (const [name, value] of [['OPERATOR_PREFIXES', '[1]'], ['OPERATOR_PREFIXES', '{bad'], ['OPERATOR_PREFIXES', '{"7011":"X"}'], ['PORT', 'abc'], ['TOPUP_AMOUNT_MIN_KZT', '200000']] as const) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, [name]: value }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${name}=${value}`);
      assert.match(run.stderr, new RegExp(`^error: setting ${name} `), run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('names the roles when given another, and stops on a taken port before making demo data', async () => {
    const bogus = tolem('apikey', 'create', '--role', 'bogus', '--name', 'x');
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /^error: --role must be one of admin, clerk/);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const fresh = `sqlite:${join(folder, 'taken.db')}`;
    try {
      const serve = spawnSync(process.execPath, ['bin/tolem.js', 'serve'], { env: { ...process.env, DATABASE_URL: fresh, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(serve.status, 1, serve.stderr);
      assert.match(serve.stderr, /error: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      assert.doesNotMatch(serve.stdout, /tlm_/, 'no demo secrets printed');
    } finally {
      blocker.close();
    }
    const users = spawnSync(process.execPath, ['bin/tolem.js', 'seed'], { env: { ...process.env, DATABASE_URL: fresh }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(users.status, 0, 'the database was left without demo data: seed still finds it empty');
  });

  it('prints a new API key alone on the last line, and the key works', async () => {
    const created = tolem('apikey', 'create', '--role', 'admin', '--name', 'script');
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim().split('\n').at(-1)!;
    assert.match(key, /^tlm_[\w-]+$/);
    const app = await createApp({ ...loadSettings({}), databaseUrl, seedDemo: false }, { logLevel: 'silent' });
    try {
      const response = await app.server.inject({ method: 'GET', url: '/v1/lines/+77011234567', headers: { authorization: `Bearer ${key}` } });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().balance.main, 500_000);
    } finally {
      await app.close();
    }
  });

  it('ledger verify exits 0 on a sound ledger and 1 on a broken one', async () => {
    const sound = tolem('ledger', 'verify');
    assert.equal(sound.status, 0, sound.stdout);
    assert.match(sound.stdout, /ledger ok/);
    const app = await createApp({ ...loadSettings({}), databaseUrl, seedDemo: false }, { logLevel: 'silent' });
    await app.ctx.db.updateTable('ledger_accounts').set({ credits_posted: 1n }).where('kind', '=', 'line_main').execute();
    await app.close();
    const broken = tolem('ledger', 'verify');
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /BROKEN account_totals/);
  });

  it('lifecycle reindex copies validity into the lifecycle index where a line lacks it', async () => {
    const app = await createApp({ ...loadSettings({}), databaseUrl, seedDemo: false }, { logLevel: 'silent' });
    // As a process of a release before migration 013 leaves a line it activates: validity, no copy.
    const changed = await app.ctx.db.updateTable('lines').set({ indexed_valid_until: null }).where('valid_until', 'is not', null).executeTakeFirst();
    await app.close();
    assert.ok(Number(changed.numUpdatedRows) > 0, 'the demo lines have validity');
    const reindexed = tolem('lifecycle', 'reindex');
    assert.equal(reindexed.status, 0, reindexed.stderr);
    assert.equal(reindexed.stdout.trim(), `lifecycle index: ${changed.numUpdatedRows} lines caught up`);
    assert.equal(tolem('lifecycle', 'reindex').stdout.trim(), 'lifecycle index: 0 lines caught up');
  });

  it('explains itself on unknown commands', () => {
    const unknown = tolem('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Usage:/);
  });
});
