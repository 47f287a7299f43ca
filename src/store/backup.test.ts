import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { verifyLedger } from '../ledger/verify-ledger.ts';
import pg from 'pg';
import { backupDatabase, BackupError, passwordOf } from './backup.ts';
import { migratorOf, openStore, pendingMigrations } from './open-store.ts';

/**
 * `tolem backup` while the server writes: the copy is one moment's database, whole (its ledger
 * balances), and restores into a working Tolem.
 */
for (const dialect of DIALECTS) {
  describe(`backup [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let folder: string;
    const msisdns = Array.from({ length: 20 }, (_, i) => `+7701666${String(i).padStart(4, '0')}`);
    before(async () => {
      t = await startTestApp(dialect.name);
      folder = mkdtempSync(join(tmpdir(), 'tolem-backup-'));
      for (const msisdn of msisdns) assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
    });
    after(async () => {
      await t?.close();
      rmSync(folder, { recursive: true, force: true });
    });

    it('copies the database while top-ups commit; the copy balances and restores into a working database', async () => {
      let stop = false;
      let sent = 0;
      const writing = Promise.all(msisdns.map(async (msisdn) => {
        while (!stop) {
          const answer = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `backup-${++sent}` } });
          assert.equal(answer.status, 201);
        }
      }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const file = join(folder, dialect.name === 'sqlite' ? 'copy.db' : 'copy.dump');
      const made = await backupDatabase(t.app.ctx.settings.databaseUrl, file);
      stop = true;
      await writing;
      assert.ok(made.bytes > 0);
      if (dialect.name === 'sqlite') assert.deepEqual({ ok: made.ledger?.ok, problems: made.ledger?.problems }, { ok: true, problems: 0 });
      // Restored: SQLite opens the copy as it is; PostgreSQL restores the dump into a new database.
      let restored: TestDatabase | null = null;
      let url = `sqlite:${file}`;
      if (dialect.name === 'postgres') {
        restored = await createTestDatabase('postgres');
        const loaded = spawnSync('pg_restore', ['--no-owner', `--dbname=${restored.url}`, file], { encoding: 'utf8' });
        assert.equal(loaded.status, 0, loaded.stderr);
        url = restored.url;
      }
      const store = await openStore(url);
      try {
        assert.deepEqual((await verifyLedger(store)).problems, []);
        const copied = await store.db.selectFrom('lines').select('msisdn').where('msisdn', 'in', msisdns).execute();
        assert.equal(copied.length, msisdns.length);
        const topUps = Number((await store.db.selectFrom('receipts').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow()).n);
        const now = Number((await t.app.ctx.db.selectFrom('receipts').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow()).n);
        // A moment of the run: what had committed by then (on PostgreSQL pg_dump holds this
        // process's event loop, so nothing more may have committed before the clients stopped).
        assert.ok(topUps > 0 && topUps <= now, `${topUps} of ${now} receipts`);
      } finally {
        await store.close();
        await restored?.drop();
      }
    });

    it('a failed backup leaves nothing behind, and the same name works on the retry', async () => {
      const file = join(folder, 'retry', 'nightly');
      const broken = dialect.name === 'sqlite' ? `sqlite:${join(folder, 'no-such.db')}` : t.app.ctx.settings.databaseUrl.replace('postgres://postgres@', 'postgres://no_such_role:secret@');
      await assert.rejects(backupDatabase(broken, file), (error: Error) => error instanceof BackupError && !error.message.includes('secret'));
      assert.equal(existsSync(file), false);
      assert.deepEqual(readdirSync(join(folder, 'retry')), [], 'no partial file either');
      const made = await backupDatabase(t.app.ctx.settings.databaseUrl, file);
      assert.equal(made.file, file);
      assert.deepEqual(readdirSync(join(folder, 'retry')), ['nightly']);
    });

    it('never overwrites a file; tolem backup says why in one line', async () => {
      const file = join(folder, 'taken');
      await backupDatabase(t.app.ctx.settings.databaseUrl, file);
      await assert.rejects(backupDatabase(t.app.ctx.settings.databaseUrl, file), (error: Error) => error instanceof BackupError && /exists/.test(error.message));
      const cli = spawnSync(process.execPath, ['bin/tolem.js', 'backup', file], { env: { ...process.env, DATABASE_URL: t.app.ctx.settings.databaseUrl, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(cli.status, 1);
      assert.match(cli.stderr, /^error: .*exists: a backup never overwrites a file\n$/);
      const made = spawnSync(process.execPath, ['bin/tolem.js', 'backup', join(folder, 'by-cli', 'copy')], { env: { ...process.env, DATABASE_URL: t.app.ctx.settings.databaseUrl, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, dialect.name === 'sqlite' ? /^backup written to .*by-cli\/copy \(.* MB\) in .* s; its ledger ok: \d+ accounts, \d+ transfers, 0 problems\n$/ : /^backup written to .*by-cli\/copy \(.* MB\) in .* s\n$/);
    });

    it('backs up through a DATABASE_URL whose password holds a % that is no escape, as the server connects with it (PostgreSQL)', { skip: dialect.name !== 'postgres' && 'no password in a sqlite: URL' }, async () => {
      const url = new URL(t.app.ctx.settings.databaseUrl);
      const withPercent = `${url.protocol}//${url.username || 'postgres'}:pa%zz@${url.host}${url.pathname}${url.search}`;
      const store = await openStore(withPercent);
      await store.close();
      const made = await backupDatabase(withPercent, join(folder, 'percent.dump'));
      assert.ok(made.bytes > 0);
    });

    it('backs up a database an earlier release made, before tolem migrate (the backup to roll back to), as it is', async () => {
      const older = await createTestDatabase(dialect.name);
      try {
        const store = await openStore(older.url);
        try {
          // Before 021 (transfer chains): the columns this release's ledger check reads are not there yet.
          assert.equal((await migratorOf(store).migrateTo('020-usage-history-indexes')).error, undefined);
        } finally {
          await store.close();
        }
        const file = join(folder, 'before-upgrade');
        const cli = spawnSync(process.execPath, ['bin/tolem.js', 'backup', file], { env: { ...process.env, DATABASE_URL: older.url, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
        assert.equal(cli.status, 0, cli.stderr);
        assert.ok(existsSync(file));
        if (dialect.name === 'sqlite') {
          assert.match(cli.stdout, /^backup written to .*before-upgrade .*; its ledger not checked: its schema is older than this release's \(\d+ migrations to apply\): `tolem ledger verify` checks it once migrated\n$/);
          const copy = await openStore(`sqlite:${file}`);
          try {
            assert.equal((await pendingMigrations(copy)).pending[0], '021-transfer-chains', 'the copy is the database as it was, not migrated');
          } finally {
            await copy.close();
          }
        }
      } finally {
        await older.drop();
      }
    });
  });
}

describe('backup of PostgreSQL: the password given to pg_dump', () => {
  it('is the one the server connects with (pg reads the URL), a % that is no escape beside one that is too', () => {
    for (const url of ['postgres://u:plain@h/db', 'postgres://u:p%40ss@h/db', 'postgres://u:pa%zz@h/db', 'postgres://u:p%20a%zz@h/db', 'postgres://u:50%25%zz@h/db']) {
      assert.equal(passwordOf(url), new pg.Client({ connectionString: url }).password, url);
    }
  });
});
