import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { createContext } from '../app-context.ts';
import { ROLES, SYSTEM_ACTOR, isRole } from '../auth/actor.ts';
import { aggregatorCommand, AGGREGATOR_USAGE } from '../aggregators/aggregators-cli.ts';
import { developmentDefaultsIn, loadSettings, type Settings } from '../config.ts';
import type { DemoCredentials } from '../seed/seed-demo.ts';
import { isDatabaseUnavailable } from '../store/database-unavailable.ts';
import { SettingError } from '../platform/env.ts';
import { voucherCommand, VOUCHER_USAGE } from '../vouchers/vouchers-cli.ts';
import { INSTANT_YEARS, parseAlmatyDayOrInstant } from '../domain/time.ts';

// Each command imports what it runs when it runs (`await import`): through tsx the whole server
// takes over a second to load, and `tolem help`, `tolem apikey create` or `tolem ledger verify`
// need none of its routes, a command without a database none of the store.

const USAGE = `tolem — top-ups and packages on a double-entry ledger

Usage:
  tolem serve                         start the HTTP server (PORT, HOST, DATABASE_URL)
  tolem migrate                       bring the database schema up to date
  tolem seed                          add demo data (admin, API key, lines) to an empty database
  tolem user create --login L --password P --role ROLE [--name N]
  tolem apikey create --role ROLE --name NAME [--source ACCOUNT]
                                      prints the new key alone on the last line
  tolem catalog import FILE.json|yaml  add or update offerings (a price change makes a new version)
  tolem payments reconcile --provider P --file REPORT.csv [--from DATE --to DATE]
                                      match a provider's settlement report; list every mismatch
                                      (Almaty days, YYYY-MM-DD, or ISO instants; --to excluded)
  tolem jobs                          run every scheduled job now until nothing is due (for cron or a catch-up)
  tolem ledger verify                 check the ledger's invariants; exit 1 on any broken one
  tolem ledger report --from DATE --to DATE [--json]
                                      trial balance of [from, to) (Almaty days, YYYY-MM-DD, or ISO
                                      instants): each account's opening, debits, credits, closing
  tolem backup FILE                   a consistent copy of the running database, checked (SQLite:
                                      VACUUM INTO, then the copy's ledger verified; PostgreSQL: pg_dump)
  tolem lifecycle reindex             copy every line's validity into the lifecycle index (after
                                      processes older than migration 013 have stopped)
  tolem smsc [--port 2775] [--host 127.0.0.1] [--user tolem] [--password tolem]
                                      a development SMSC: prints the SMS Tolem sends over SMPP
                                      (start Tolem with the SMPP_URL it prints) and answers receipts
${AGGREGATOR_USAGE}${VOUCHER_USAGE}`;

/** Commands that take no options: how many words name them, and whether a FILE follows (backup's, catalog import's). */
const NO_OPTIONS = new Map<string, { words: number; file: boolean }>([
  ['serve', { words: 1, file: false }], ['migrate', { words: 1, file: false }], ['seed', { words: 1, file: false }], ['jobs', { words: 1, file: false }],
  ['backup', { words: 1, file: true }], ['ledger verify', { words: 2, file: false }], ['lifecycle reindex', { words: 2, file: false }],
  ['catalog import', { words: 2, file: true }],
]);

/** The database the command works on, for its one-line error. */
let databaseInUse: string | undefined;

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    // What an operator can mend gets one line, not a stack trace: a setting found unusable only
    // while the server is built (exit 2), a malformed option (2), a database that cannot be opened (1).
    if (error instanceof SettingError) { console.error(`error: ${error.message}`); return 2; }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { console.error(`error: ${(error as Error).message} (tolem help lists the commands)`); return 2; }
    const { displayUrl, MigrationError, StoreOpenError } = await import('../store/open-store.ts');
    if (error instanceof StoreOpenError || error instanceof MigrationError) { console.error(`error: ${error.message}`); return 1; }
    // A database that opened but cannot be written (a read-only file, a full disk) or went away.
    if (isDatabaseUnavailable(error)) {
      console.error(`error: cannot use the database${databaseInUse ? ` ${displayUrl(databaseInUse)}` : ''}: ${String((error as Error).message).split('\n')[0]}`);
      return 1;
    }
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  // Needs no database and no settings: a bad setting elsewhere does not stop it.
  if (command === 'smsc') return runDevSmsc(argv.slice(1));
  let settings: Settings;
  try {
    settings = loadSettings();
    databaseInUse = settings.databaseUrl;
  } catch (error) {
    // A malformed setting: its one-line message, not a stack trace.
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  // The commands that take no options refuse any, and any argument past theirs, before they touch
  // the database: `tolem seed --help` made demo data, `tolem jobs --dry-run` ran every job and
  // `tolem backup --help` wrote a backup named --help. (parseArgs throws: one line, exit 2.)
  const bare = NO_OPTIONS.get(command === 'ledger' || command === 'lifecycle' || command === 'catalog' ? `${command} ${sub ?? ''}` : command ?? '');
  let file: string | undefined;
  if (bare) {
    const { positionals } = parseArgs({ args: argv.slice(bare.words), options: {}, allowPositionals: bare.file, strict: true });
    if (positionals.length > 1) {
      console.error(`error: unexpected argument '${positionals[1]}' (tolem help lists the commands)`);
      return 2;
    }
    file = positionals[0];
  }
  if (command === 'backup') return backup(settings, file);
  if (command === 'aggregator') return aggregatorCommand(sub, rest, (run) => withContext(settings, run));
  if (command === 'vouchers') return voucherCommand(sub, rest, (run) => withContext(settings, run));
  switch (`${command ?? ''} ${command === 'user' || command === 'apikey' || command === 'ledger' || command === 'payments' || command === 'lifecycle' ? sub ?? '' : ''}`.trim()) {
    case 'serve': return serve(settings);
    case 'migrate': return withContext(settings, async (_ctx, migrated) => {
      // withContext has just run them: report what it applied.
      console.log('migrated:', migrated.join(', ') || 'already up to date');
      return 0;
    }, true);
    case 'seed': return withContext(settings, async (ctx) => {
      const { demoSeedDue, seedDemo } = await import('../seed/seed-demo.ts');
      const demo = (await demoSeedDue(ctx)) ? await seedDemo(ctx) : null;
      if (!demo) { console.error('the database already has users; seed skipped'); return 1; }
      printDemo(demo, reachableHost(settings.host), settings.port);
      return 0;
    });
    case 'user create': {
      // Options are read before the database is opened: a mistyped one makes no database.
      const { values } = parseArgs({ args: rest, options: { login: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } } });
      if (values.role !== undefined && !isRole(values.role)) { console.error(`error: --role must be one of ${ROLES.join(', ')}`); return 2; }
      if (!values.login || !values.password || !values.role || !isRole(values.role)) { console.error(USAGE); return 2; }
      const { login, password, role, name } = values;
      return withContext(settings, async (ctx) => {
        const { createUser } = await import('../auth/create-user.ts');
        const result = await createUser(ctx, SYSTEM_ACTOR, { login, password, role, displayName: name });
        if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
        console.log(JSON.stringify(result.value));
        return 0;
      });
    }
    case 'apikey create': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string' }, name: { type: 'string' }, source: { type: 'string' } } });
      if (values.role !== undefined && !isRole(values.role)) { console.error(`error: --role must be one of ${ROLES.join(', ')}`); return 2; }
      if (!values.role || !values.name || !isRole(values.role)) { console.error(USAGE); return 2; }
      const { role, name, source } = values;
      return withContext(settings, async (ctx) => {
        const { createApiKey } = await import('../auth/create-api-key.ts');
        const result = await createApiKey(ctx, SYSTEM_ACTOR, { name, role, sourceAccountId: source ?? null });
        if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
        console.log(`created API key ${result.value.id} (${result.value.role}) — it is shown once:`);
        console.log(result.value.key);
        return 0;
      });
    }
    case 'catalog': return sub === 'import' && file ? withContext(settings, async (ctx) => (await import('../catalog/catalog-cli.ts')).runCatalogImport(ctx, file)) : (console.error(USAGE), 2);
    case 'payments reconcile': {
      const { values } = parseArgs({ args: rest, options: { provider: { type: 'string' }, file: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
      if (!values.provider || !values.file) { console.error(USAGE); return 2; }
      const { provider, file: report, from, to } = values;
      return withExistingContext(settings, WRITES, async (ctx) => (await import('../payments/settlement-cli.ts')).runSettlementImport(ctx, { provider, file: report, from, to }));
    }
    case 'jobs': return withContext(settings, async (ctx) => {
      const [{ paymentProviders }, { JOBS }, { JobsFailedError, runJobsUntilCaughtUp }, { databaseLeases }] = await Promise.all([
        import('../payments/provider-registry.ts'), import('../jobs/jobs.ts'), import('../jobs/scheduler.ts'), import('../jobs/job-leases.ts')]);
      // The payment providers' settings are checked before any job runs, not when the payment jobs' turn comes.
      paymentProviders(ctx);
      // A job a running server holds is left to it; the leases this run takes are given up at its end.
      try {
        const handled = await runJobsUntilCaughtUp(ctx, JOBS, databaseLeases(ctx), (job, lease) => {
          if (!lease.taken) console.error(`${job.name}: left to ${lease.holder}, which holds its lease until ${lease.heldUntil}`);
        });
        console.log(JSON.stringify(handled));
        return 0;
      } catch (error) {
        if (!(error instanceof JobsFailedError)) throw error;
        // The other jobs ran: what they handled, and which failed (each error above).
        console.log(JSON.stringify(error.handled));
        console.error(`error: ${error.message} (their errors above); the other jobs ran`);
        return 1;
      }
    });
    case 'ledger verify': return withExistingContext(settings, READS_ONLY, async (ctx) => {
      const { verifyLedger } = await import('../ledger/verify-ledger.ts');
      const report = await verifyLedger(ctx.store);
      for (const problem of report.problems) console.log(`BROKEN ${problem.check} ${problem.subject} ${JSON.stringify(problem.details)}`);
      console.log(`${report.ok ? 'ledger ok' : 'ledger BROKEN'}: ${report.accounts} accounts, ${report.transfers} transfers, ${report.problems.length} problems`);
      return report.ok ? 0 : 1;
    });
    case 'ledger report': {
      const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } } });
      const from = reportInstant(values.from);
      const to = reportInstant(values.to);
      if (!from || !to || from >= to) { console.error(`error: --from and --to are dates (YYYY-MM-DD, Almaty) or ISO instants of the years ${INSTANT_YEARS.min}-${INSTANT_YEARS.max}, --from before --to`); return 2; }
      return withExistingContext(settings, READS_ONLY, async (ctx) => {
        const { trialBalance } = await import('../ledger/trial-balance.ts');
        const report = await trialBalance(ctx, from, to);
        if (values.json) {
          console.log(JSON.stringify(report, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
          return 0;
        }
        console.log(`trial balance ${report.from} .. ${report.to} (balance = credits - debits; KZT in tenge, units as counted)`);
        const amount = (value: bigint, unit: string) => (unit === 'KZT' ? (Number(value) / 100).toFixed(2) : value.toString());
        console.log(['account', 'unit', 'opening', 'debits', 'credits', 'closing'].join('\t'));
        for (const row of report.rows) console.log([row.account, row.unit, ...[row.opening, row.debits, row.credits, row.closing].map((v) => amount(v, row.unit))].join('\t'));
        for (const total of report.totals) console.log(['TOTAL', total.unit, '', amount(total.debits, total.unit), amount(total.credits, total.unit), ''].join('\t'));
        return 0;
      });
    }
    case 'lifecycle reindex': return withExistingContext(settings, WRITES, async (ctx) => {
      const { reindexLineValidity } = await import('../lifecycle/catch-up-indexed-validity.ts');
      console.log(`lifecycle index: ${await reindexLineValidity(ctx)} lines caught up`);
      return 0;
    });
    default: {
      // Asked for, the usage is the answer (stdout, exit 0); after a mistyped command it is the error's text.
      const asked = command === undefined || command === 'help' || command === '--help' || command === '-h';
      (asked ? console.log : console.error)(USAGE);
      return asked ? 0 : 2;
    }
  }
}

async function backup(settings: Settings, target: string | undefined): Promise<number> {
  if (!target) { console.error(USAGE); return 2; }
  const startedAt = Date.now();
  const { backupDatabase, BackupError } = await import('../store/backup.ts');
  try {
    const made = await backupDatabase(settings.databaseUrl, target);
    const ledger = made.ledger ? `; its ledger ${made.ledger.ok ? 'ok' : 'BROKEN'}: ${made.ledger.accounts} accounts, ${made.ledger.transfers} transfers, ${made.ledger.problems} problems`
      : made.unchecked ? `; its ledger not checked: ${made.unchecked}` : '';
    console.log(`backup written to ${made.file} (${(made.bytes / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s${ledger}`);
    return made.ledger && !made.ledger.ok ? 1 : 0;
  } catch (error) {
    if (error instanceof BackupError) { console.error(`error: ${error.message}`); return 1; }
    throw error;
  }
}

/**
 * Opens the database for a command. `tolem migrate` (and `serve`, in createApp) bring an older
 * schema up to date; every other command makes a new database's schema but refuses an older one:
 * a check run with the new release (`ledger verify`) while the old one still serves must not
 * migrate under it (migration 021, for one, needs every old process stopped first).
 */
async function withContext(
  settings: ReturnType<typeof loadSettings>, run: (ctx: ReturnType<typeof createContext>, migrated: string[]) => Promise<number>, upgrade = false, existing = false, readsOnly = false,
): Promise<number> {
  const [{ displayUrl, migrateToLatest, openStore, pendingMigrations }, { createContext }, { ensureAccounts }] = await Promise.all([
    import('../store/open-store.ts'), import('../app-context.ts'), import('../ledger/ensure-system-accounts.ts')]);
  const noDatabase = `error: ${displayUrl(settings.databaseUrl)} holds no Tolem database: check DATABASE_URL (\`tolem migrate\` makes a new one)`;
  const file = sqliteFileOf(settings.databaseUrl);
  if (existing && file !== null && !existsSync(file)) {
    console.error(noDatabase);
    return 1;
  }
  const store = await openStore(settings.databaseUrl);
  try {
    const { pending, anyApplied } = await pendingMigrations(store);
    if (existing && !anyApplied) {
      console.error(noDatabase);
      return 1;
    }
    if (!upgrade && anyApplied && pending.length > 0) {
      console.error(`error: the database's schema is older than this release (${pending.length} migration${pending.length === 1 ? '' : 's'} to apply, from ${pending[0]}): `
        + 'run `tolem migrate` first, with every process of the release before stopped (docs/architecture.md, Storage)');
      return 1;
    }
    const migrated = await migrateToLatest(store);
    const ctx = createContext(settings, store);
    // A check writes nothing: it runs on a read-only database too (a PostgreSQL hot standby).
    if (!readsOnly) await ensureAccounts(store, undefined, ctx.clock.now());
    return await run(ctx, migrated);
  } finally {
    await store.close();
  }
}

/**
 * For the commands that check or report on what a database holds (ledger verify and report,
 * payments reconcile, lifecycle reindex): a DATABASE_URL naming no Tolem database (a mistyped
 * SQLite path, an empty PostgreSQL database) is refused, not made anew and reported sound.
 */
function withExistingContext(settings: ReturnType<typeof loadSettings>, readsOnly: boolean, run: (ctx: ReturnType<typeof createContext>) => Promise<number>): Promise<number> {
  return withContext(settings, run, false, true, readsOnly);
}

/** Whether a checking command only reads (ledger verify and report), or writes too (payments reconcile, lifecycle reindex). */
const READS_ONLY = true;
const WRITES = false;

/** The file of a `sqlite:` URL (null for PostgreSQL and an in-memory database). */
function sqliteFileOf(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? null : resolve(path);
}

async function serve(settings: ReturnType<typeof loadSettings>): Promise<number> {
  const [{ createApp }, { demoSeedDue, isEmpty, seedDemo }, { JOBS }, { startScheduler }, { databaseLeases }] = await Promise.all([
    import('../app.ts'), import('../seed/seed-demo.ts'), import('../jobs/jobs.ts'), import('../jobs/scheduler.ts'), import('../jobs/job-leases.ts')]);
  const app = await createApp(settings);
  try {
    await app.server.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    // Before any demo data is made: a second `npm start` on a taken port leaves the database as it was.
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    console.error(`error: cannot listen on ${settings.host}:${settings.port}: ${code === 'EADDRINUSE' ? 'the port is in use (PORT picks another)' : (error as Error).message}`);
    return 1;
  }
  // The port listened on: PORT=0 takes any free one.
  const { port } = app.server.server.address() as { port: number };
  try {
    if (settings.seedDemo ? await demoSeedDue(app.ctx) : await isEmpty(app.ctx)) {
      if (settings.seedDemo) {
        const demo = await seedDemo(app.ctx);
        if (demo) printDemo(demo, reachableHost(settings.host), port);
        else app.server.log.info('another process started on this database at the same time made the demo data; its log shows the demo logins');
      } else app.server.log.info('the database has no users yet: create the first admin with `tolem user create --login NAME --password PASSWORD --role admin`');
    }
  } catch (error) {
    // Listening already: closed, or the process would stay up (its /healthz answering) with no jobs.
    await app.close().catch(() => {});
    throw error;
  }
  const stopJobs = settings.jobsEnabled ? startScheduler(app.ctx, JOBS, { observer: app.metrics.jobObserver, leases: databaseLeases(app.ctx) }) : async () => {};
  app.server.log.info(`Tolem is serving on http://${hostInUrl(settings.host)}:${port} (${app.store.dialect.name}); API docs at /docs`);
  const defaults = developmentDefaultsIn(process.env, settings.payments.providers);
  if (defaults.length > 0) app.server.log.warn(`development defaults in use, not for a deployment: ${defaults.join('; ')} (docs: README, Configuration)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  app.server.log.info('shutting down: finishing running jobs and queued ledger writes');
  await stopJobs();
  await app.close();
  return 0;
}

/** `tolem smsc`: a development SMSC in the foreground until Ctrl-C. No database. */
async function runDevSmsc(args: string[]): Promise<number> {
  let values: { port?: string; host?: string; user?: string; password?: string };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string', default: '2775' }, host: { type: 'string', default: '127.0.0.1' }, user: { type: 'string', default: 'tolem' }, password: { type: 'string', default: 'tolem' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be a port number, got ${values.port}`);
    return 2;
  }
  // SMPP's system_id holds 15 characters and its password 8 (SMPP_URL refuses longer ones too).
  if (!/^[\x21-\x7e]{1,15}$/.test(values.user!) || !/^[\x21-\x7e]{1,8}$/.test(values.password!)) {
    console.error('--user must be 1-15 and --password 1-8 printable ASCII characters (SMPP 3.4 system_id and password)');
    return 2;
  }
  const { startDevSmsc } = await import('../sms/dev-smsc.ts');
  let smsc: Awaited<ReturnType<typeof startDevSmsc>>;
  try {
    smsc = await startDevSmsc({
      host: values.host!, port, systemId: values.user!, password: values.password!,
      onSms: (sms) => console.log(`${new Date().toISOString()}  → +${sms.to}  from ${sms.from}  (${sms.dataCoding === 0x08 ? 'UCS-2' : 'GSM 03.38'}, ${sms.messageIds.length} part${sms.messageIds.length > 1 ? 's' : ''})\n    ${sms.text}`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(`error: cannot listen on ${values.host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (--port picks another)' : (error as Error).message}`);
    return 1;
  }
  const host = values.host!.includes(':') ? `[${values.host}]` : values.host;
  console.log(`Development SMSC listening on ${host}:${smsc.port}. Start Tolem with:\n  SMPP_URL=smpp://${encodeURIComponent(values.user!)}:${encodeURIComponent(values.password!)}@${host}:${smsc.port} npm start`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await smsc.close();
  return 0;
}

/** A host as a URL writes it: an IPv6 address in brackets (`[::1]`). */
function hostInUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Where a curl on this machine reaches a server listening on `host`: localhost for every interface
 * or the loopback address localhost names, else the address itself (`[::1]`, which localhost may
 * not reach, 127.0.0.2, an interface's own address).
 */
function reachableHost(host: string): string {
  return ['0.0.0.0', '::', 'localhost', '127.0.0.1'].includes(host) ? 'localhost' : hostInUrl(host);
}

function printDemo(demo: DemoCredentials, host: string, port: number): void {
  console.log([
    '',
    '  Demo data created. These secrets are shown once:',
    `    admin login     ${demo.adminLogin} / ${demo.adminPassword}`,
    `    admin API key   ${demo.adminApiKey}`,
    `    subscriber      ${demo.subscriberLogin} / ${demo.subscriberPassword}`,
    `    demo lines      ${demo.msisdns.join(', ')}`,
    '  Try:',
    `    curl -H 'Authorization: Bearer ${demo.adminApiKey}' http://${host}:${port}/v1/lines/${encodeURIComponent(demo.msisdns[0]!)}`,
    '',
  ].join('\n'));
}

/** A report's bound: a date is that Almaty day's start (UTC+5), else an ISO instant. */
function reportInstant(text: string | undefined): Date | null {
  if (!text) return null;
  // Held to the years every instant is (a day before 1970 made ids no range reads).
  const ms = parseAlmatyDayOrInstant(text);
  return ms === null || Number.isNaN(ms) ? null : new Date(ms);
}
