import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createApp } from '../app.ts';
import { migratorOf, openStore, pendingMigrations } from '../store/open-store.ts';
import { loadSettings } from '../config.ts';
import { createTestDatabase, DIALECTS } from '../../test/support/databases.ts';

/** The `tolem` command as outside scripts use it: a real process on a real SQLite file. */
describe('tolem CLI', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tolem-cli-'));
  const databaseUrl = `sqlite:${join(folder, 'cli.db')}`;
  const tolem = (...args: string[]) => spawnSync(process.execPath, ['bin/tolem.js', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8', timeout: 60_000,
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('migrates, seeds demo data once, and creates users', () => {
    const migrated = tolem('migrate');
    assert.equal(migrated.status, 0);
    assert.match(migrated.stdout, /^migrated: 001-/, 'a fresh database names the migrations it got');
    assert.equal(tolem('migrate').stdout.trim(), 'migrated: already up to date');
    const seeded = tolem('seed');
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.match(seeded.stdout, /admin API key\s+tlm_/);
    assert.equal(tolem('seed').status, 1);
    const user = tolem('user', 'create', '--login', 'clerk.cli', '--password', 'long enough', '--role', 'clerk');
    assert.equal(user.status, 0, user.stderr);
    assert.equal(JSON.parse(user.stdout).role, 'clerk');
    assert.equal(tolem('user', 'create', '--login', 'x', '--role', 'root').status, 2);
  });

  it('user create refuses a password longer than log-in takes (200 characters): such a user could never log in', async () => {
    const tooLong = tolem('user', 'create', '--login', 'long.pass', '--password', 'p'.repeat(201), '--role', 'clerk');
    assert.equal(tooLong.status, 1, tooLong.stdout);
    assert.match(tooLong.stderr, /^error: validation_failed \{"field":"password"/);
    const longest = tolem('user', 'create', '--login', 'long.pass', '--password', 'p'.repeat(200), '--role', 'clerk');
    assert.equal(longest.status, 0, longest.stderr);
    const app = await createApp({ ...loadSettings({}), databaseUrl, seedDemo: false }, { logLevel: 'silent' });
    try {
      const login = await app.server.inject({ method: 'POST', url: '/v1/auth/login', payload: { login: 'long.pass', password: 'p'.repeat(200) } });
      assert.equal(login.statusCode, 200, login.body);
    } finally {
      await app.close();
    }
  });

  it('ledger report: from the first year on, every balance opens at zero; a day outside the years instants take, or no day at all, is refused', () => {
    const report = tolem('ledger', 'report', '--from', '2000-01-01', '--to', '2199-12-31', '--json');
    assert.equal(report.status, 0, report.stderr);
    const { rows, totals } = JSON.parse(report.stdout) as { rows: { account: string; opening: string; credits: string }[]; totals: { debits: string; credits: string }[] };
    assert.ok(rows.every((row) => row.opening === '0'), 'nothing before 2000');
    assert.ok(BigInt(rows.find((row) => row.account === 'line_main')!.credits) > 0n, 'the demo top-ups are in the period');
    for (const total of totals) assert.equal(total.debits, total.credits);
    for (const from of ['1970-01-01', '0000-01-01', '2026-02-30', '2026-13-01']) {
      const refused = tolem('ledger', 'report', '--from', from, '--to', '2026-12-08');
      assert.equal(refused.status, 2, from);
      assert.match(refused.stderr, /^error: --from and --to are dates/, from);
    }
  });

  it('answers help on stdout with exit 0, and a mistyped command with the usage on stderr and exit 2', () => {
    for (const asked of ['help', '--help', '-h']) {
      const help = tolem(asked);
      assert.deepEqual([help.status, help.stderr], [0, ''], asked);
      assert.match(help.stdout, /^tolem — top-ups and packages/);
    }
    const wrong = tolem('topupz');
    assert.deepEqual([wrong.status, wrong.stdout], [2, '']);
    assert.match(wrong.stderr, /^tolem — top-ups and packages/);
  });

  it('TRUST_PROXY takes the off words of every on/off setting, in any case', () => {
    for (const value of ['off', 'OFF', 'false', 'False', '0', 'no', ' ']) assert.equal(loadSettings({ TRUST_PROXY: value }).trustProxy, false, JSON.stringify(value));
    assert.equal(loadSettings({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '10.0.0.0/8');
    // HOST empty is unset like every other setting: not every interface.
    assert.equal(loadSettings({ HOST: '' }).host, '127.0.0.1');
    assert.equal(loadSettings({ HOST: '0.0.0.0' }).host, '0.0.0.0');
  });

  it('stops on a malformed setting with its one-line message, exit 2', () => {
    for (const [name, value] of [['OPERATOR_PREFIXES', '[1]'], ['OPERATOR_PREFIXES', '{bad'], ['OPERATOR_PREFIXES', '{"7011":"X"}'], ['PORT', 'abc'], ['TOPUP_AMOUNT_MIN_KZT', '200000'],
      ['DATABASE_URL', 'mysql://u:secret@h/db'], ['LOG_LEVEL', 'loud'], ['TRUST_PROXY', 'notanip'], ['TRUST_PROXY', 'true'], ['TRUST_PROXY', '1'], ['TRUST_PROXY', '10.0.0.0/33'], ['PUBLIC_URL', 'notaurl'],
      ['PORT', '70000'], ['LEDGER_BATCH_SIZE_MAX', '0'], ['LEDGER_BATCH_WEIGHT_MAX', '0'], ['LEDGER_QUEUE_LENGTH_MAX', '10'], ['HTTP_BODY_BYTES_MAX', '0'],
      ['CREDIT_AMOUNTS_KZT', 'abc'], ['IDEMPOTENCY_RETENTION_HOURS', '1'], ['TOLEM_SEED_DEMO', 'maybe'], ['JOBS_ENABLED', 'nope'], ['LOGIN_ATTEMPTS_MAX', '0'],
      ['SESSION_TTL_HOURS', '0'], ['TOPUP_BONUS_PERCENT', '500'], ['TOPUP_VALIDITY_DAYS', '0'], ['PAYMENT_EXPIRY_MINUTES', '0'], ['TRANSFER_CONFIRMATION_ATTEMPTS_MAX', '0'],
      ['SMS_QUIET_FROM', '24'], ['CREDIT_FEE_PERCENT', '101'], ['LIFECYCLE_LINES_PER_RUN_MAX', '0'], ['REMINDERS_PER_RUN_MAX', '0'],
      // Durations no date or timer holds, numbers not in decimal digits, and limits 0 would switch off.
      ['SESSION_TTL_HOURS', '99999999999999'], ['TOPUP_VALIDITY_DAYS', '999999999'], ['HTTP_REQUEST_TIMEOUT_MS', '2147483648'], ['PAYMENT_WEBHOOK_TOLERANCE_SECONDS', '9999999'],
      ['TOPUP_AMOUNT_MAX_KZT', '0x100'], ['PORT', '1e3'], ['PORT', '8 0'], ['TOPUP_AMOUNT_MIN_KZT', '0'], ['PAYMENT_VELOCITY_WINDOW_MINUTES', '0'], ['PAYMENT_PER_IP_MAX', '0'],
      ['AGENT_LOOKUPS_PER_HOUR_MAX', '0'], ['PACKAGE_RENEWAL_RETRY_DAYS', '0']] as const) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, [name]: value }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${name}=${value}`);
      assert.match(run.stderr, new RegExp(`^error: setting ${name} `), run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(run.stderr, /secret/, 'no password shown');
    }
    // Good values of the settings checked above still start.
    assert.equal(spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,loopback', LOG_LEVEL: 'warn', PUBLIC_URL: 'https://pay.example.kz', CREDIT_AMOUNTS_KZT: '500, 1000', TOLEM_SECRET_KEY: 'k'.repeat(40), PAYMENT_SANDBOX_ALLOWED: 'true', SANDBOX_WEBHOOK_SECRET: 'whsec_staging_1234' }, encoding: 'utf8', timeout: 60_000 }).status, 0);
  });

  it('refuses, in production, the secret key and the sandbox that npm start defaults to', () => {
    const production = { NODE_ENV: 'production', TOLEM_SECRET_KEY: 'k'.repeat(40) };
    for (const [env, setting] of [
      [{ NODE_ENV: 'production' }, 'TOLEM_SECRET_KEY'], [{ PUBLIC_URL: 'https://pay.example.kz' }, 'TOLEM_SECRET_KEY'],
      [{ TOLEM_SECRET_KEY: 'too-short' }, 'TOLEM_SECRET_KEY'], [{ TOLEM_SECRET_KEY: 'dev-only-secret-change-me' }, 'TOLEM_SECRET_KEY'],
      [production, 'PAYMENT_PROVIDERS'], [{ ...production, PAYMENT_PROVIDERS: 'stripe,sandbox' }, 'PAYMENT_PROVIDERS'],
      [{ ...production, PAYMENT_SANDBOX_ALLOWED: 'true' }, 'SANDBOX_WEBHOOK_SECRET'],
    ] as const) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${JSON.stringify(env)}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`^error: setting ${setting} `), run.stderr);
    }
    const staging = spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, ...production, PAYMENT_SANDBOX_ALLOWED: 'true', SANDBOX_WEBHOOK_SECRET: 'whsec_staging_1234' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(staging.status, 0, staging.stderr);
  });

  it('makes demo data (funded lines, a printed admin login) by default only outside production', () => {
    const production = { NODE_ENV: 'production', TOLEM_SECRET_KEY: 'k'.repeat(40), PAYMENT_PROVIDERS: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    assert.equal(loadSettings({}).seedDemo, true);
    assert.equal(loadSettings(production).seedDemo, false);
    assert.equal(loadSettings({ ...production, NODE_ENV: undefined, PUBLIC_URL: 'https://pay.example.kz' }).seedDemo, false);
    assert.equal(loadSettings({ ...production, TOLEM_SEED_DEMO: 'true' }).seedDemo, true, 'a staging deployment may ask for it');
    assert.equal(loadSettings({ TOLEM_SEED_DEMO: 'false' }).seedDemo, false);
    // Off the ways people write off (TOLEM_SEED_DEMO=0 once made demo data in production).
    for (const off of ['0', 'no', 'False', ' off ']) {
      assert.equal(loadSettings({ ...production, TOLEM_SEED_DEMO: off }).seedDemo, false, off);
      assert.equal(loadSettings({ JOBS_ENABLED: off }).jobsEnabled, false, off);
    }
    for (const on of ['1', 'yes', 'TRUE', 'on']) assert.equal(loadSettings({ ...production, TOLEM_SEED_DEMO: on }).seedDemo, true, on);
  });

  it('stops with one line and exit 2 on a payment provider whose settings are not usable, found while the server is built', () => {
    for (const providers of ['bogus', 'stripe']) {
      // Exits at all: the store opened before the failure is closed.
      const serve = spawnSync(process.execPath, ['bin/tolem.js', 'serve'], { env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent', PAYMENT_PROVIDERS: providers, STRIPE_SECRET_KEY: '' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(serve.status, 2, serve.stderr);
      assert.match(serve.stderr, /^error: setting PAYMENT_PROVIDERS /);
      assert.doesNotMatch(serve.stderr, /\n\s+at /, 'no stack trace');
    }
    // `tolem jobs` too (it checks them before running any job).
    const jobs = spawnSync(process.execPath, ['bin/tolem.js', 'jobs'], { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', PAYMENT_PROVIDERS: 'bogus' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(jobs.status, 2, jobs.stderr);
    assert.match(jobs.stderr, /^error: setting PAYMENT_PROVIDERS /);
  });

  it('answers a malformed option with one line and exit 2, not a stack trace', () => {
    for (const args of [['user', 'create', '--login', 'x.y', '--bogus'], ['apikey', 'create', '--role', 'admin', '--name', 'x', '--extra'], ['payments', 'reconcile', '--provider', 'sandbox', '--file', 'x.csv', '--bogus'], ['smsc', '--bogus']]) {
      const run = tolem(...args);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, /Unknown option '--(bogus|extra)'/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses an option a command with options does not take before it opens the database: no database is made', () => {
    const fresh = join(folder, 'never-made.db');
    for (const args of [['user', 'create', '--login', 'x.y', '--password', 'long enough', '--role', 'clerk', '--bogus'], ['apikey', 'create', '--role', 'admin', '--name', 'x', '--bogus'],
      ['apikey', 'create', '--role', 'admin', '--name', 'x', 'extra'], ['ledger', 'report', '--from', '2026-12-01', '--to', '2026-12-02', '--bogus'],
      ['payments', 'reconcile', '--provider', 'sandbox', '--file', 'x.csv', '--bogus']]) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', ...args], { env: { ...process.env, DATABASE_URL: `sqlite:${fresh}` }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^error: [^\n]+\n$/, args.join(' '));
      assert.equal(existsSync(fresh), false, `${args.join(' ')} made no database`);
    }
  });

  it('refuses an option or an extra argument to a command that takes none, in one line with exit 2, before doing anything', () => {
    const fresh = `sqlite:${join(folder, 'untouched.db')}`;
    for (const args of [['seed', '--help'], ['jobs', '--dry-run'], ['migrate', '--help'], ['migrate', 'now'], ['serve', '--port', '5000'], ['ledger', 'verify', '--json'],
      ['lifecycle', 'reindex', '--dry-run'], ['backup', '--help'], ['backup', join(folder, 'one.db'), join(folder, 'two.db')], ['catalog', 'import', 'offerings.json', 'more.json']]) {
      const run = spawnSync(process.execPath, [join(process.cwd(), 'bin/tolem.js'), ...args], { cwd: folder, env: { ...process.env, DATABASE_URL: fresh, PORT: '0' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^error: [^\n]+\n$/, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
    }
    // Nothing was made: no database (no demo data, no migrations), no backup named --help or one.db.
    for (const name of ['untouched.db', '--help', 'one.db']) assert.ok(!existsSync(join(folder, name)), name);
    // A file name that starts with a dash still works after --.
    const migrated = spawnSync(process.execPath, [join(process.cwd(), 'bin/tolem.js'), 'migrate'], { cwd: folder, env: { ...process.env, DATABASE_URL: fresh }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(migrated.status, 0, migrated.stderr);
    const dashed = spawnSync(process.execPath, [join(process.cwd(), 'bin/tolem.js'), 'backup', '--', '-copy.db'], { cwd: folder, env: { ...process.env, DATABASE_URL: fresh }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(dashed.status, 0, dashed.stderr);
    assert.ok(existsSync(join(folder, '-copy.db')));
  });

  it('smsc on a taken port says so in one line, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const run = tolem('smsc', '--port', String((blocker.address() as AddressInfo).port));
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /^error: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      blocker.close();
    }
  });

  it('says in one line which migration failed, and applies none of the pending ones, exit 1', () => {
    // A table of the first migration already there (a hand-made one, or a half-restored backup).
    const file = join(folder, 'clash.db');
    const made = spawnSync(process.execPath, ['-e', `const D = require(${JSON.stringify(join(process.cwd(), 'node_modules/better-sqlite3'))}); new D(${JSON.stringify(file)}).exec('create table ledger_transfers (id text)');`], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    for (const command of [['migrate'], ['serve'], ['user', 'create', '--login', 'ro.clerk', '--password', 'long enough', '--role', 'clerk']]) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', ...command], { env: { ...process.env, DATABASE_URL: `sqlite:${file}`, PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /^error: migration 001-\S+ failed, none of the pending ones applied: .*ledger_transfers/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
    const tables = spawnSync(process.execPath, ['-e', `const D = require(${JSON.stringify(join(process.cwd(), 'node_modules/better-sqlite3'))}); console.log(new D(${JSON.stringify(file)}).prepare("select name from sqlite_master where type = 'table' order by name").all().map((t) => t.name).join(','));`], { encoding: 'utf8' });
    assert.equal(tables.stdout.trim().split(',').filter((name) => !name.startsWith('kysely_')).join(','), 'ledger_transfers', 'nothing of the first migration left beside the clash');
  });

  it('says in one line which SQLite database cannot be opened, exit 1', () => {
    const notADatabase = join(folder, 'not-a-database.txt');
    writeFileSync(notADatabase, 'hello, this is text and no SQLite file at all '.repeat(20));
    for (const url of [`sqlite:${notADatabase}`, `sqlite:${notADatabase}/below-a-file.db`]) {
      for (const command of [['migrate'], ['serve'], ['user', 'create', '--login', 'ro.clerk', '--password', 'long enough', '--role', 'clerk']]) {
        const run = spawnSync(process.execPath, ['bin/tolem.js', ...command], { env: { ...process.env, DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.status, 1, `${url} ${command}: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(`^error: cannot open the database sqlite:${notADatabase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      }
    }
  });

  // Another user than root, who could write anyway: setpriv (util-linux) runs the command as nobody.
  const asNobody = process.getuid?.() === 0 && spawnSync('which', ['setpriv']).status === 0;
  it('says in one line that a read-only SQLite database cannot be used, exit 1', { skip: !asNobody && 'needs root and setpriv to run the command as another user' }, () => {
    const readOnly = mkdtempSync(join(tmpdir(), 'tolem-ro-'));
    try {
      const file = join(readOnly, 'tolem.db');
      assert.equal(spawnSync(process.execPath, ['bin/tolem.js', 'migrate'], { env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }, encoding: 'utf8' }).status, 0);
      // A process that ended without closing the file leaves its -wal and -shm beside it, as a crash does.
      const left = spawnSync(process.execPath, ['-e', `const D = require(${JSON.stringify(join(process.cwd(), 'node_modules/better-sqlite3'))}); const d = new D(${JSON.stringify(file)}); d.pragma('journal_mode = WAL'); d.exec("insert into counters (key, value) values ('x', 1)"); process.exit(0);`], { encoding: 'utf8' });
      assert.equal(left.status, 0, left.stderr);
      spawnSync('chmod', ['-R', 'a+rX,a-w', readOnly]);
      for (const command of [['migrate'], ['serve'], ['user', 'create', '--login', 'ro.clerk', '--password', 'long enough', '--role', 'clerk']]) {
        const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'bin/tolem.js', ...command], { env: { ...process.env, DATABASE_URL: `sqlite:${file}`, PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.status, 1, `${command.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, /^error: cannot (use|open|write) the database sqlite:.*readonly database/, run.stderr);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      }
      // A check writes nothing: it reads the file as it is.
      const verify = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'bin/tolem.js', 'ledger', 'verify'], { env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /^ledger ok: /);
    } finally {
      spawnSync('chmod', ['-R', 'u+w', readOnly]);
      rmSync(readOnly, { recursive: true, force: true });
    }
  });

  const postgres = DIALECTS.find((dialect) => dialect.name === 'postgres')!;
  it('says in one line which PostgreSQL database cannot be opened, without its password, exit 1', { skip: postgres.skip }, async () => {
    const database = await createTestDatabase('postgres');
    await database.drop();
    const url = new URL(database.url);
    url.password = 'hunter2';
    for (const command of [['ledger', 'verify'], ['serve']]) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', ...command], { env: { ...process.env, DATABASE_URL: url.toString(), PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /^error: cannot open the database postgres:\/\/[^:]*:\*\*\*@/);
      assert.doesNotMatch(run.stderr, /hunter2/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });

  // The same on PostgreSQL: a database made read only (a standby the primary became after a failover,
  // default_transaction_read_only) stopped each command with a stack trace, where SQLite's read-only file is one line.
  it('says in one line that a read-only PostgreSQL database cannot be used, exit 1', { skip: postgres.skip }, async () => {
    const database = await createTestDatabase('postgres');
    try {
      const store = await openStore(database.url);
      await migratorOf(store).migrateToLatest();
      await sql`alter database ${sql.id(new URL(database.url).pathname.slice(1))} set default_transaction_read_only = on`.execute(store.db);
      await store.close();
      for (const command of [['migrate'], ['serve'], ['user', 'create', '--login', 'ro.clerk', '--password', 'long enough', '--role', 'clerk']]) {
        const run = spawnSync(process.execPath, ['bin/tolem.js', ...command], { env: { ...process.env, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.status, 1, `${command.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, /^error: cannot use the database postgres:.*read-only transaction/, run.stderr);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      }
    } finally {
      await database.drop();
    }
  });

  it('ledger verify and ledger report read a read-only PostgreSQL database (a hot standby) without writing to it', { skip: postgres.skip }, async () => {
    const database = await createTestDatabase('postgres');
    try {
      const env = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' };
      assert.equal(spawnSync(process.execPath, ['bin/tolem.js', 'seed'], { env, encoding: 'utf8', timeout: 60_000 }).status, 0);
      const store = await openStore(database.url);
      try {
        await sql`alter database ${sql.id(new URL(database.url).pathname.slice(1))} set default_transaction_read_only = on`.execute(store.db);
      } finally {
        await store.close();
      }
      const verify = spawnSync(process.execPath, ['bin/tolem.js', 'ledger', 'verify'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /^ledger ok: /);
      const report = spawnSync(process.execPath, ['bin/tolem.js', 'ledger', 'report', '--from', '2000-01-01', '--to', '2199-12-31', '--json'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(report.status, 0, report.stderr);
      assert.ok(JSON.parse(report.stdout).rows.length > 0);
    } finally {
      await database.drop();
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

  it('only migrate (and serve) upgrade a database an earlier release made; other commands refuse it in one line and change nothing', async () => {
    const older = `sqlite:${join(folder, 'older.db')}`;
    const store = await openStore(older);
    try {
      assert.equal((await migratorOf(store).migrateTo('029-job-leases')).error, undefined);
    } finally {
      await store.close();
    }
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/tolem.js', ...args], { env: { ...process.env, DATABASE_URL: older }, encoding: 'utf8', timeout: 60_000 });
    for (const args of [['ledger', 'verify'], ['ledger', 'report', '--from', '2026-12-01', '--to', '2026-12-02'], ['jobs'], ['apikey', 'create', '--role', 'admin', '--name', 'x']]) {
      const refused = run(...args);
      assert.equal(refused.status, 1, args.join(' '));
      assert.match(refused.stderr, /^error: the database's schema is older than this release \(\d+ migrations to apply, from 030-pending-refunds\): run `tolem migrate` first/, refused.stderr);
    }
    const reopened = await openStore(older);
    try {
      assert.deepEqual((await pendingMigrations(reopened)).pending.slice(0, 2), ['030-pending-refunds', '031-line-bars'], 'nothing migrated');
    } finally {
      await reopened.close();
    }
    const migrated = run('migrate');
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout.trim(), /^migrated: 030-pending-refunds, 031-line-bars, 032-/);
    assert.equal(run('ledger', 'verify').status, 0);
  });

  it('the checking commands refuse a DATABASE_URL that names no Tolem database (a mistyped path), and make none', () => {
    const typo = join(folder, 'typo', 'tolme.db');
    for (const args of [['ledger', 'verify'], ['ledger', 'report', '--from', '2026-12-01', '--to', '2026-12-02'], ['lifecycle', 'reindex']]) {
      const run = spawnSync(process.execPath, ['bin/tolem.js', ...args], { env: { ...process.env, DATABASE_URL: `sqlite:${typo}` }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /^error: sqlite:.*tolme\.db holds no Tolem database: check DATABASE_URL/);
      assert.equal(existsSync(typo), false, 'no database made at the mistyped path');
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

  it('tolem jobs beside a running server leaves it the jobs it holds, and the server gives its leases back when it stops', async () => {
    const fresh = `sqlite:${join(folder, 'leases.db')}`;
    const server = spawn(process.execPath, ['bin/tolem.js', 'serve'], { env: { ...process.env, DATABASE_URL: fresh, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TOLEM_SEED_DEMO: 'false' }, stdio: 'ignore' });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      // The renewal job runs every 10 s: the server holds its lease from its first run.
      const leaseOf = async (job: string) => {
        const app = await createApp({ ...loadSettings({}), databaseUrl: fresh, seedDemo: false }, { logLevel: 'silent' });
        try {
          return await app.ctx.db.selectFrom('job_leases').select('holder').where('job', '=', job).executeTakeFirst();
        } finally {
          await app.close();
        }
      };
      // A loaded machine (CI runs two test files at once) may take seconds to start the server and each look.
      const deadline = Date.now() + 60_000;
      let held = await leaseOf('packages.auto_renew').catch(() => undefined);
      while (!held && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        held = await leaseOf('packages.auto_renew').catch(() => undefined);
      }
      assert.ok(held, 'the server took the renewal job\'s lease');
      assert.match(held.holder, new RegExp(`/${server.pid}/`));
      const jobs = spawnSync(process.execPath, ['bin/tolem.js', 'jobs'], { env: { ...process.env, DATABASE_URL: fresh, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(jobs.status, 0, jobs.stderr);
      assert.match(jobs.stderr, new RegExp(`packages\\.auto_renew: left to [^ ]+/${server.pid}/\\w+, which holds its lease until `));
      const handled = JSON.parse(jobs.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      assert.equal(handled['packages.auto_renew'], undefined);
      assert.equal(handled['line-lifecycle'], 0, 'the jobs the server did not hold ran here');
      server.kill('SIGTERM');
      await exited;
      assert.equal(await leaseOf('packages.auto_renew'), undefined, 'given back at stop: another process takes the job at once');
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('serve with PORT=0: the demo banner\'s curl names the port it listens on, not 0', async () => {
    const fresh = `sqlite:${join(folder, 'any-port.db')}`;
    const server = spawn(process.execPath, ['bin/tolem.js', 'serve'], { env: { ...process.env, DATABASE_URL: fresh, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JOBS_ENABLED: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      let stdout = '';
      const serving = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'serving' line in 60 s: ${stdout}`)), 60_000);
        server.stdout.on('data', (chunk) => {
          stdout += chunk;
          const found = /Tolem is serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
          if (found) { clearTimeout(timer); resolve(found[1]!); }
        });
      });
      assert.notEqual(serving, '0');
      assert.match(stdout, new RegExp(`curl -H 'Authorization: Bearer tlm_[\\w-]+' http://localhost:${serving}/v1/lines/`));
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('serve on another HOST: the banner\'s URLs are well formed and its curl reaches the server', async () => {
    // ::1 is written [::1] in a URL; 127.0.0.2 is a loopback address that localhost does not name.
    for (const [host, written] of [['::1', '[::1]'], ['127.0.0.2', '127.0.0.2']] as const) {
      const fresh = `sqlite:${join(folder, `host-${host.replaceAll(/\W/g, '')}.db`)}`;
      const server = spawn(process.execPath, ['bin/tolem.js', 'serve'], { env: { ...process.env, DATABASE_URL: fresh, PORT: '0', HOST: host, LOG_LEVEL: 'info', JOBS_ENABLED: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise((resolve) => server.once('exit', resolve));
      try {
        let stdout = '';
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no 'serving' line in 60 s: ${stdout}`)), 60_000);
          server.stdout.on('data', (chunk) => {
            stdout += chunk;
            if (stdout.includes('Tolem is serving on')) { clearTimeout(timer); resolve(); }
          });
        });
        assert.match(stdout, new RegExp(`Tolem is serving on http://${written.replaceAll(/[[\].]/g, '\\$&')}:\\d+ `));
        const tried = /curl -H 'Authorization: Bearer (tlm_[\w-]+)' (\S+)/.exec(stdout);
        assert.ok(tried, stdout);
        const answer = await fetch(tried[2]!, { headers: { authorization: `Bearer ${tried[1]}` } });
        assert.equal(answer.status, 200, `${host}: ${tried[2]}`);
      } finally {
        server.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('stops quietly when its reader goes away (`tolem help | head -1`): no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, ['bin/tolem.js', 'help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const code = await new Promise((resolve) => child.once('close', resolve));
    assert.deepEqual([code, stderr], [0, '']);
  });

  it('explains itself on unknown commands', () => {
    const unknown = tolem('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Usage:/);
  });
});
