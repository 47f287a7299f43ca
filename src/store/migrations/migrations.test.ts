import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.ts';
import { migrateToLatest, MigrationError, migratorOf, openStore, type Store } from '../open-store.ts';

for (const dialect of DIALECTS) {
  describe(`migrations [${dialect.name}]`, { skip: dialect.skip }, () => {
    let database: TestDatabase;
    let store: Store;
    before(async () => {
      database = await createTestDatabase(dialect.name);
      store = await openStore(database.url);
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('a migration that fails after its first statement leaves nothing of it (a killed upgrade is not half applied), and the next run completes', async () => {
      let fail = true;
      const migrations = {
        '900-half': {
          async up(db: Kysely<any>) {
            await db.schema.createTable('half_made').addColumn('id', 'text', (c) => c.primaryKey()).execute();
            await db.schema.alterTable('half_made').addColumn('half_column', 'text').execute();
            if (fail) throw new Error('killed here');
          },
          async down(db: Kysely<any>) {
            await db.schema.dropTable('half_made').execute();
          },
        },
      };
      const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true, migrationTableName: 'test_half_migrations', migrationLockTableName: 'test_half_migrations_lock' });
      const first = await migrator.migrateToLatest();
      assert.match(String(first.error), /killed here/);
      const tables = async () => (await store.db.introspection.getTables()).map((table) => table.name);
      assert.ok(!(await tables()).includes('half_made'), 'the table of a failed migration is gone with it');
      fail = false;
      const second = await migrator.migrateToLatest();
      assert.equal(second.error, undefined);
      assert.ok((await tables()).includes('half_made'));
      assert.equal((await migrator.migrateDown()).error, undefined);
    });

    it('012 fills each line\'s first and last top-up times from its top-ups, then drops the top-ups\' line index', async () => {
      const migrator = migratorOf(store);
      const upTo011 = await migrator.migrateTo('011-lines-rating-lookup');
      assert.equal(upTo011.error, undefined);
      const now = '2026-12-03T10:00:00.000Z';
      const line = (id: string, msisdn: string) => ({
        id, msisdn, iccid: null, status: 'active', valid_until: null, language: 'en', operator: null, owner_name: null,
        daily_topup_date: null, daily_topup_amount: 0n, status_changed_at: now, created_at: now, updated_at: now,
      });
      // Rows as 011 knew them: the lines table had no top-up columns yet.
      const db = store.db as unknown as Kysely<any>;
      await db.insertInto('lines').values([line('ln_a', '+77011110001'), line('ln_b', '+77011110002')]).execute();
      const topUp = (id: string, at: string) => ({
        id, line_id: 'ln_a', msisdn: '+77011110001', amount: 100_000n, currency: 'KZT', source_account_id: 'clearing:api',
        transfer_id: `tr_${id}`, receipt_number: `R-${id}`, channel: 'api', actor_id: 'usr_x', created_at: at,
      });
      await db.insertInto('topups').values([topUp('1', '2026-11-02T08:00:00.000Z'), topUp('2', '2026-12-01T09:30:00.000Z'), topUp('3', '2026-11-20T12:00:00.000Z')]).execute();
      const to012 = await migrator.migrateTo('012-line-top-up-window');
      assert.equal(to012.error, undefined);
      const rows = await store.db.selectFrom('lines').select(['id', 'first_topup_at', 'last_topup_at']).orderBy('id').execute();
      assert.deepEqual(rows, [
        { id: 'ln_a', first_topup_at: '2026-11-02T08:00:00.000Z', last_topup_at: '2026-12-01T09:30:00.000Z' },
        { id: 'ln_b', first_topup_at: null, last_topup_at: null },
      ]);
      const indexes = await indexesOf(db, 'topups');
      assert.ok(!indexes.includes('topups_line'), indexes.join(', '));
      // And back down: the index returns, the columns go.
      const down = await migrator.migrateDown();
      assert.equal(down.error, undefined);
      const lineColumns = await columnsOf(db, 'lines');
      assert.ok(!lineColumns.includes('first_topup_at') && lineColumns.includes('daily_topup_amount'), lineColumns.join(', '));
    });

    it('013 copies each line\'s validity into the lifecycle index column and indexes that in place of valid_until', async () => {
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('012-line-top-up-window')).error, undefined);
      const db = store.db as unknown as Kysely<any>;
      const validUntil = '2027-01-02T00:00:00.000Z';
      const now = '2026-12-04T10:00:00.000Z';
      // Rows as 012 knew them: no index copy of validity yet.
      await db.deleteFrom('lines').execute();
      await db.insertInto('lines').values([['ln_a', '+77011110001', validUntil], ['ln_b', '+77011110002', null]].map(([id, msisdn, valid]) => ({
        id, msisdn, iccid: null, status: valid ? 'active' : 'preactive', valid_until: valid, language: 'en', operator: null, owner_name: null,
        daily_topup_date: null, daily_topup_amount: 0n, first_topup_at: null, last_topup_at: null, status_changed_at: now, created_at: now, updated_at: now,
      }))).execute();
      assert.equal((await migrator.migrateTo('013-lifecycle-index-lazy')).error, undefined);
      const rows = await store.db.selectFrom('lines').select(['id', 'valid_until', 'indexed_valid_until']).orderBy('id').execute();
      assert.deepEqual(rows, [
        { id: 'ln_a', valid_until: validUntil, indexed_valid_until: validUntil },
        { id: 'ln_b', valid_until: null, indexed_valid_until: null },
      ]);
      const indexes = await indexesOf(db, 'lines');
      assert.ok(indexes.includes('lines_status_indexed_valid_until') && !indexes.includes('lines_status_valid_until'), indexes.join(', '));
      assert.equal((await migrator.migrateDown()).error, undefined);
      const back = await indexesOf(db, 'lines');
      assert.ok(back.includes('lines_status_valid_until') && !back.includes('lines_status_indexed_valid_until'), back.join(', '));
      assert.ok(!(await columnsOf(db, 'lines')).includes('indexed_valid_until'));
      assert.equal((await migrator.migrateTo('013-lifecycle-index-lazy')).error, undefined);
    });

    it('014 drops the two indexes no query reads, and down brings them back', async () => {
      const db = store.db as unknown as Kysely<any>;
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('014-unused-indexes')).error, undefined);
      assert.ok(!(await indexesOf(db, 'outbox')).includes('outbox_pending'));
      assert.ok(!(await indexesOf(db, 'receipts')).includes('receipts_reference'));
      assert.equal((await migrator.migrateDown()).error, undefined);
      assert.ok((await indexesOf(db, 'outbox')).includes('outbox_pending'));
      assert.ok((await indexesOf(db, 'receipts')).includes('receipts_reference'));
      await migrateToLatest(store);
    });

    it('015 indexes package periods by their end, and down drops it', async () => {
      const db = store.db as unknown as Kysely<any>;
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('015-package-period-ends')).error, undefined);
      assert.ok((await indexesOf(db, 'package_periods')).includes('package_periods_expires_at'));
      assert.equal((await migrator.migrateTo('014-unused-indexes')).error, undefined);
      assert.ok(!(await indexesOf(db, 'package_periods')).includes('package_periods_expires_at'));
      await migrateToLatest(store);
    });

    it('016 records when bonus expiry examined a grant, indexes the unexamined ones, a line\'s grants and a top-up\'s grant; down restores 015', async () => {
      const db = store.db as unknown as Kysely<any>;
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('016-bonus-expiry-examined')).error, undefined);
      assert.ok((await columnsOf(db, 'bonus_grants')).includes('expiry_examined_at'));
      assert.deepEqual((await indexesOf(db, 'bonus_grants')).filter((name) => name.startsWith('bonus_grants_')).sort(), ['bonus_grants_line', 'bonus_grants_pkey', 'bonus_grants_topup', 'bonus_grants_unexamined'].filter((name) => dialect.name === 'postgres' || name !== 'bonus_grants_pkey'));
      if (dialect.name === 'sqlite') {
        const plan = await sql<{ detail: string }>`explain query plan select id, line_id from bonus_grants where expiry_examined_at is null and expires_at <= ${'2026-12-05T00:00:00.000Z'} order by expires_at, id limit 10`.execute(db);
        assert.match(plan.rows.map((row) => row.detail).join('\n'), /USING INDEX bonus_grants_unexamined/);
      }
      assert.equal((await migrator.migrateTo('015-package-period-ends')).error, undefined);
      assert.ok(!(await columnsOf(db, 'bonus_grants')).includes('expiry_examined_at'));
      assert.ok((await indexesOf(db, 'bonus_grants')).includes('bonus_grants_expires_at'));
      await migrateToLatest(store);
    });

    it('017 records when the packages jobs are done with a period, indexes what they still have to do and a line\'s periods by end, drops the indexes these replace; down restores 016', async () => {
      const db = store.db as unknown as Kysely<any>;
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('017-package-job-indexes')).error, undefined);
      const periodColumns = await columnsOf(db, 'package_periods');
      assert.ok(periodColumns.includes('buckets_expired_at') && periodColumns.includes('renewal_examined_at'), periodColumns.join(', '));
      assert.ok((await columnsOf(db, 'packages')).includes('renewal_retry_at'));
      const periodIndexes = await indexesOf(db, 'package_periods');
      for (const name of ['package_periods_buckets_unexpired', 'package_periods_renewal_unexamined', 'package_periods_line']) assert.ok(periodIndexes.includes(name), periodIndexes.join(', '));
      assert.ok(!periodIndexes.includes('package_periods_expires_at'));
      assert.deepEqual((await indexesOf(db, 'packages')).filter((name) => !name.startsWith('sqlite_') && name !== 'packages_pkey'), ['packages_renewal_retry']);
      assert.ok(!(await indexesOf(db, 'ledger_accounts')).includes('ledger_accounts_kind_expires_at'));
      if (dialect.name === 'sqlite') {
        const at = '2026-12-05T00:00:00.000Z';
        const plans = [
          sql<{ detail: string }>`explain query plan select id from package_periods where buckets_expired_at is null and expires_at <= ${at} order by expires_at desc, id desc limit 10`,
          sql<{ detail: string }>`explain query plan select id from package_periods where renewal_examined_at is null and expires_at <= ${at} and expires_at > ${'2026-11-28T00:00:00.000Z'} order by expires_at, id limit 10`,
          sql<{ detail: string }>`explain query plan select id from packages where renewal_retry_at is not null and renewal_retry_at <= ${at} order by renewal_retry_at, id limit 10`,
          sql<{ detail: string }>`explain query plan select package_id from package_periods where line_id = ${'ln_a'} and expires_at > ${at}`,
        ];
        const details = [];
        for (const plan of plans) details.push((await plan.execute(db)).rows.map((row) => row.detail).join('\n'));
        assert.match(details[0]!, /USING INDEX package_periods_buckets_unexpired/);
        assert.match(details[1]!, /USING INDEX package_periods_renewal_unexamined/);
        assert.match(details[2]!, /USING (COVERING )?INDEX packages_renewal_retry/);
        assert.match(details[3]!, /USING INDEX package_periods_line/);
      }
      assert.equal((await migrator.migrateTo('016-bonus-expiry-examined')).error, undefined);
      assert.ok(!(await columnsOf(db, 'package_periods')).includes('renewal_examined_at'));
      assert.ok(!(await columnsOf(db, 'packages')).includes('renewal_retry_at'));
      assert.ok((await indexesOf(db, 'package_periods')).includes('package_periods_expires_at'));
      assert.deepEqual((await indexesOf(db, 'packages')).filter((name) => !name.startsWith('sqlite_') && name !== 'packages_pkey').sort(), ['packages_auto_renew', 'packages_line']);
      assert.ok((await indexesOf(db, 'ledger_accounts')).includes('ledger_accounts_kind_expires_at'));
      await migrateToLatest(store);
    });

    // Index migrations, each up from the one before and back: [migration, the one before, indexes it adds by table, indexes it drops by table].
    const INDEX_MIGRATIONS: [string, string, Record<string, string[]>, Record<string, string[]>][] = [
      ['018-retention-indexes', '017-package-job-indexes', { sessions: ['sessions_expires_at'], webhook_inbox: ['webhook_inbox_finished'] }, {}],
      ['019-credit-payment-indexes', '018-retention-indexes', {
        credits: ['credits_status_next_check'], sandbox_sessions: ['sandbox_sessions_status_resolve'],
        payments: ['payments_provider_status_created', 'payments_status_id'], webhook_inbox: ['webhook_inbox_status_id'],
      }, { credits: ['credits_status_due'] }],
      ['020-usage-history-indexes', '019-credit-payment-indexes', { ledger_accounts: ['ledger_accounts_owner_expiry'], lines: ['lines_status_id'] }, { ledger_accounts: ['ledger_accounts_owner'] }],
    ];
    for (const [migration, before, added, dropped] of INDEX_MIGRATIONS) {
      it(`${migration.slice(0, 3)} adds ${Object.values(added).flat().join(', ')}${Object.keys(dropped).length > 0 ? ` in place of ${Object.values(dropped).flat().join(', ')}` : ''}; down restores ${before.slice(0, 3)}`, async () => {
        const db = store.db as unknown as Kysely<any>;
        const migrator = migratorOf(store);
        const check = async (present: Record<string, string[]>, absent: Record<string, string[]>) => {
          for (const [table, names] of Object.entries(present)) for (const name of names) assert.ok((await indexesOf(db, table)).includes(name), `${table}.${name} after ${migration}`);
          for (const [table, names] of Object.entries(absent)) for (const name of names) assert.ok(!(await indexesOf(db, table)).includes(name), `no ${table}.${name}`);
        };
        assert.equal((await migrator.migrateTo(migration)).error, undefined);
        await check(added, dropped);
        if (migration === '019-credit-payment-indexes') {
          assert.ok((await columnsOf(db, 'credits')).includes('next_check_at'));
        }
        assert.equal((await migrator.migrateTo(before)).error, undefined);
        await check(dropped, added);
        if (migration === '019-credit-payment-indexes') assert.ok(!(await columnsOf(db, 'credits')).includes('next_check_at'));
        await migrateToLatest(store);
      });
    }

    it('021 chains each account\'s existing transfers in id order, names each account\'s newest, drops the per-account indexes; down restores 020', async () => {
      const db = store.db as unknown as Kysely<any>;
      const migrator = migratorOf(store);
      assert.equal((await migrator.migrateTo('020-usage-history-indexes')).error, undefined);
      const now = '2026-12-05T10:00:00.000Z';
      const account = (id: string) => ({
        id, unit: 'KZT', kind: 'test', owner_id: null, flags: 0n, debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n,
        expires_at: null, metadata: null, created_at: now,
      });
      await db.insertInto('ledger_accounts').values(['m:a', 'm:b', 'm:c', 'm:quiet'].map(account)).execute();
      const transfer = (id: string, debit: string, credit: string) => ({
        id, debit_account_id: debit, credit_account_id: credit, amount: 1n, unit: 'KZT', code: 'test', kind: 'posted', pending_id: null, link_group: `grp_${id}`, metadata: null, created_at: now,
      });
      // Inserted out of id order: the chains follow ids, not insertion.
      await db.insertInto('ledger_transfers').values([transfer('tr_m3', 'm:a', 'm:c'), transfer('tr_m1', 'm:a', 'm:b'), transfer('tr_m4', 'm:c', 'm:a'), transfer('tr_m2', 'm:b', 'm:c')]).execute();
      assert.equal((await migrator.migrateTo('021-transfer-chains')).error, undefined);
      const transfers = await db.selectFrom('ledger_transfers').select(['id', 'debit_previous_id', 'credit_previous_id']).where('id', 'like', 'tr_m%').orderBy('id').execute();
      assert.deepEqual(transfers, [
        { id: 'tr_m1', debit_previous_id: null, credit_previous_id: null },
        { id: 'tr_m2', debit_previous_id: 'tr_m1', credit_previous_id: null },
        { id: 'tr_m3', debit_previous_id: 'tr_m1', credit_previous_id: 'tr_m2' },
        { id: 'tr_m4', debit_previous_id: 'tr_m3', credit_previous_id: 'tr_m3' },
      ]);
      const heads = await db.selectFrom('ledger_accounts').select(['id', 'last_transfer_id']).where('id', 'like', 'm:%').orderBy('id').execute();
      assert.deepEqual(heads, [{ id: 'm:a', last_transfer_id: 'tr_m4' }, { id: 'm:b', last_transfer_id: 'tr_m2' }, { id: 'm:c', last_transfer_id: 'tr_m4' }, { id: 'm:quiet', last_transfer_id: null }]);
      const indexes = await indexesOf(db, 'ledger_transfers');
      assert.ok(!indexes.includes('ledger_transfers_debit') && !indexes.includes('ledger_transfers_credit'), indexes.join(', '));
      assert.equal((await migrator.migrateTo('020-usage-history-indexes')).error, undefined);
      assert.ok((await indexesOf(db, 'ledger_transfers')).includes('ledger_transfers_credit'));
      assert.ok(!(await columnsOf(db, 'ledger_accounts')).includes('last_transfer_id'));
      assert.ok(!(await columnsOf(db, 'ledger_transfers')).includes('debit_previous_id'));
      await db.deleteFrom('ledger_transfers').where('id', 'like', 'tr_m%').execute();
      await db.deleteFrom('ledger_accounts').where('id', 'like', 'm:%').execute();
      await migrateToLatest(store);
    });

    it('032 bars the lines an admin suspended before 031, not the lifecycle\'s suspensions, not active lines', async () => {
      const db = store.db as unknown as Kysely<any>;
      assert.equal((await migratorOf(store).migrateTo('031-line-bars')).error, undefined);
      await db.deleteFrom('line_events').execute();
      await db.deleteFrom('lines').execute();
      const at = (day: number) => `2026-12-0${day}T10:00:00.000Z`;
      const line = (id: string, msisdn: string, status: string, changedAt: string) => ({
        id, msisdn, iccid: null, status, valid_until: null, indexed_valid_until: null, language: 'en', operator: null, owner_name: null,
        daily_topup_date: null, daily_topup_amount: 0n, first_topup_at: null, last_topup_at: null, status_changed_at: changedAt, created_at: at(1), updated_at: changedAt, barred_at: null,
      });
      await db.insertInto('lines').values([
        line('ln_lost', '+77011110001', 'suspended', at(3)), line('ln_lapsed', '+77011110002', 'suspended', at(4)),
        line('ln_back', '+77011110003', 'active', at(5)), line('ln_twice', '+77011110004', 'suspended', at(6)),
      ]).execute();
      const event = (id: string, lineId: string, from: string, to: string, reason: string, actorId: string, createdAt: string) => ({
        id, line_id: lineId, from_status: from, to_status: to, reason, actor_id: actorId, due_at: null, created_at: createdAt,
      });
      await db.insertInto('line_events').values([
        event('lev_01', 'ln_lost', 'active', 'suspended', 'lost SIM', 'usr_admin', at(3)),
        event('lev_02', 'ln_lapsed', 'active', 'grace', 'validity_expired', 'system', at(2)),
        event('lev_03', 'ln_lapsed', 'grace', 'suspended', 'grace_ended', 'system', at(4)),
        event('lev_04', 'ln_back', 'active', 'suspended', 'fraud check', 'usr_admin', at(4)),
        event('lev_05', 'ln_back', 'suspended', 'active', 'reactivated', 'usr_admin', at(5)),
        // The lifecycle suspended it, then an admin suspended it again (a lost SIM): barred.
        event('lev_06', 'ln_twice', 'grace', 'suspended', 'grace_ended', 'system', at(5)),
        event('lev_07', 'ln_twice', 'suspended', 'suspended', 'stolen', 'usr_admin', at(6)),
      ]).execute();
      assert.equal((await migratorOf(store).migrateTo('032-line-bars-backfill')).error, undefined);
      const rows = await db.selectFrom('lines').select(['id', 'barred_at']).orderBy('id').execute();
      assert.deepEqual(rows, [
        { id: 'ln_back', barred_at: null }, { id: 'ln_lapsed', barred_at: null }, { id: 'ln_lost', barred_at: at(3) }, { id: 'ln_twice', barred_at: at(6) },
      ]);
      await db.deleteFrom('line_events').execute();
      await db.deleteFrom('lines').execute();
      await migrateToLatest(store);
    });

    it('033 writes each older top-up\'s, package period\'s and refund\'s receipt number into the transfer it was issued with, once', async () => {
      const db = store.db as unknown as Kysely<any>;
      assert.equal((await migratorOf(store).migrateTo('032-line-bars-backfill')).error, undefined);
      const now = '2026-12-05T10:00:00.000Z';
      const later = '2026-12-05T11:00:00.000Z';
      await db.insertInto('ledger_accounts').values(['r:main', 'r:clearing', 'r:revenue', 'r:promo'].map((id) => ({
        id, unit: 'KZT', kind: 'test', owner_id: null, flags: 0n, debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n,
        expires_at: null, metadata: null, created_at: now,
      }))).execute();
      const transfer = (id: string, debit: string, credit: string, code: string, metadata: unknown, createdAt = now, kind = 'posted', pendingId: string | null = null) => ({
        id, debit_account_id: debit, credit_account_id: credit, amount: 1n, unit: 'KZT', code, kind, pending_id: pendingId, link_group: `grp_${id}`,
        metadata: metadata === null ? null : JSON.stringify(metadata), created_at: createdAt,
      });
      await db.insertInto('ledger_transfers').values([
        transfer('tr_r1', 'r:clearing', 'r:main', 'topup', { channel: 'api' }),
        transfer('tr_r2', 'r:clearing', 'r:main', 'topup', null),
        transfer('tr_r3', 'r:main', 'r:revenue', 'package_purchase', { packageId: 'pkg_1', offering: 'DAY' }),
        transfer('tr_r4', 'r:promo', 'r:revenue', 'promotion', { packageId: 'pkg_1', offering: 'DAY' }),
        // The same package's renewal an hour later: its own receipt.
        transfer('tr_r5', 'r:main', 'r:revenue', 'package_purchase', { packageId: 'pkg_1', offering: 'DAY' }, later),
        transfer('tr_r6', 'r:main', 'r:clearing', 'refund', { paymentId: 'pay_1', refundId: 'rf_1' }, now, 'pending'),
        transfer('tr_r7', 'r:main', 'r:clearing', 'refund', null, later, 'post_pending', 'tr_r6'),
        // Written by the code since: left as it is.
        transfer('tr_r8', 'r:clearing', 'r:main', 'topup', { channel: 'api', receipt: 'R-2026-00000009' }),
      ]).execute();
      const topUp = (id: string, transferId: string, receipt: string) => ({
        id, line_id: 'ln_r', msisdn: '+77011110009', amount: 1n, currency: 'KZT', source_account_id: 'r:clearing', transfer_id: transferId,
        receipt_number: receipt, channel: 'api', actor_id: 'usr_x', created_at: now,
      });
      await db.insertInto('topups').values([topUp('tu_1', 'tr_r1', 'R-2026-00000001'), topUp('tu_2', 'tr_r2', 'R-2026-00000002'), topUp('tu_8', 'tr_r8', 'R-2026-00000009')]).execute();
      const period = (id: string, number: bigint, receipt: string, createdAt: string) => ({
        id, package_id: 'pkg_1', line_id: 'ln_r', period: number, reason: number === 1n ? 'purchase' : 'renewal', offering_version_id: 'ofv_1', list_price: 1n,
        discount: 0n, price_paid: 1n, promotion_id: null, starts_at: createdAt, expires_at: '2026-12-06T10:00:00.000Z', bucket_ids: '[]', receipt_number: receipt, created_at: createdAt,
      });
      await db.insertInto('package_periods').values([period('pkp_1', 1n, 'R-2026-00000003', now), period('pkp_2', 2n, 'R-2026-00000004', later)]).execute();
      await db.insertInto('payment_refunds').values({
        id: 'rf_1', payment_id: 'pay_1', amount: 1n, currency: 'KZT', status: 'succeeded', pending_transfer_id: 'tr_r6', provider_refund_id: 're_1',
        receipt_number: 'R-2026-00000005', failure_reason: null, actor_id: 'usr_x', created_at: now, updated_at: later,
      }).execute();
      const receipts = async () => (await db.selectFrom('ledger_transfers').select(['id', 'metadata']).where('id', 'like', 'tr_r%').orderBy('id').execute())
        .map((row: { id: string; metadata: string | null }) => [row.id, row.metadata === null ? null : (JSON.parse(row.metadata) as { receipt?: string }).receipt ?? null]);
      assert.equal((await migratorOf(store).migrateTo('033-receipt-links')).error, undefined);
      const expected = [
        ['tr_r1', 'R-2026-00000001'], ['tr_r2', 'R-2026-00000002'], ['tr_r3', 'R-2026-00000003'], ['tr_r4', 'R-2026-00000003'],
        ['tr_r5', 'R-2026-00000004'], ['tr_r6', null], ['tr_r7', 'R-2026-00000005'], ['tr_r8', 'R-2026-00000009'],
      ];
      assert.deepEqual(await receipts(), expected);
      const first = await db.selectFrom('ledger_transfers').select('metadata').where('id', '=', 'tr_r1').executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(first.metadata), { channel: 'api', receipt: 'R-2026-00000001' }, 'what was there is kept');
      // Again (down is a no-op): nothing doubles.
      assert.equal((await migratorOf(store).migrateTo('032-line-bars-backfill')).error, undefined);
      assert.equal((await migratorOf(store).migrateTo('033-receipt-links')).error, undefined);
      assert.deepEqual(await receipts(), expected);
      assert.equal((await db.selectFrom('ledger_transfers').select('metadata').where('id', '=', 'tr_r1').executeTakeFirstOrThrow()).metadata.match(/receipt/g).length, 1);
      await db.deleteFrom('ledger_transfers').where('id', 'like', 'tr_r%').execute();
      await db.deleteFrom('ledger_accounts').where('id', 'like', 'r:%').execute();
      await db.deleteFrom('topups').where('id', 'in', ['tu_1', 'tu_2', 'tu_8']).execute();
      await db.deleteFrom('package_periods').where('package_id', '=', 'pkg_1').execute();
      await db.deleteFrom('payment_refunds').where('id', '=', 'rf_1').execute();
      await migrateToLatest(store);
    });

    it('every migration\'s down undoes its up: each taken down and up again, one at a time from the newest down to 001, and back up to the newest leaves the schema as it was', async () => {
      const db = store.db as unknown as Kysely<any>;
      await migrateToLatest(store);
      const schema = async () => {
        const tables = (await db.introspection.getTables()).map((table) => table.name).filter((name) => !name.startsWith('kysely_')).sort();
        const indexes: string[] = [];
        for (const table of tables) indexes.push(...(await indexesOf(db, table)).map((name) => `${table}.${name}`));
        return { tables, indexes: indexes.sort() };
      };
      const before = await schema();
      const migrator = migratorOf(store);
      const names = (await migrator.getMigrations()).map((migration) => migration.name);
      for (let i = names.length - 1; i >= 1; i--) {
        assert.equal((await migrator.migrateTo(names[i - 1]!)).error, undefined, `down from ${names[i]}`);
        const up = await migrator.migrateTo(names[i]!);
        assert.equal(up.error, undefined, `${names[i]} up again after its down: ${String(up.error)}`);
        assert.equal((await migrator.migrateTo(names[i - 1]!)).error, undefined, `down from ${names[i]}, again`);
      }
      assert.equal((await migrateToLatest(store)).length, names.length - 1);
      assert.deepEqual(await schema(), before);
    });

    async function indexesOf(db: Kysely<any>, table: string): Promise<string[]> {
      const rows = dialect.name === 'sqlite'
        ? await db.selectFrom('sqlite_master').select('name').where('type', '=', 'index').where('tbl_name', '=', table).execute()
        : await db.selectFrom('pg_indexes').select('indexname as name').where('tablename', '=', table).execute();
      return rows.map((r: { name: string }) => r.name);
    }

    async function columnsOf(db: Kysely<any>, table: string): Promise<string[]> {
      const rows = dialect.name === 'sqlite'
        ? (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows
        : await db.selectFrom('information_schema.columns').select('column_name as name').where('table_name', '=', table).execute();
      return rows.map((r: { name: string }) => r.name);
    }
  });
}

for (const dialect of DIALECTS) {
  describe(`a database a later release migrated [${dialect.name}]`, { skip: dialect.skip }, () => {
    it('is refused as such (this release started again after a rollback), not as a failed migration or a corrupted one, and left as it was', async () => {
      const database = await createTestDatabase(dialect.name);
      const store = await openStore(database.url);
      try {
        await migrateToLatest(store);
        await (store.db as unknown as Kysely<any>).insertInto('kysely_migration').values({ name: '999-later', timestamp: '2027-01-01T00:00:00.000Z' }).execute();
        await assert.rejects(migrateToLatest(store), (error: Error) => {
          assert.ok(error instanceof MigrationError);
          assert.match(error.message, /later release/);
          assert.match(error.message, /999-later/);
          assert.doesNotMatch(error.message, /failed|corrupted/);
          return true;
        });
        const names = (await (store.db as unknown as Kysely<any>).selectFrom('kysely_migration').select('name').execute()).map((row) => row.name);
        assert.ok(names.includes('999-later'));
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
