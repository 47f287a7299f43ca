import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApp } from '../app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { main } from '../cli/main.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { loadSettings } from '../config.ts';
import { almatyDate } from '../domain/time.ts';
import { verifyLedger } from '../ledger/verify-ledger.ts';

const folder = mkdtempSync(join(tmpdir(), 'tolem-agg-cli-'));
const databaseUrl = `sqlite:${join(folder, 'tolem.db')}`;

function tolem(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tolem.js', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, TOLEM_SEED_DEMO: 'false', LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

describe('tolem aggregator (CLI, sqlite file)', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('creates an aggregator that pays with HTTP Basic CODE:SECRET, then exports its registry', async () => {
    const created = await tolem('aggregator', 'create', 'acme', '--password', 'acme-secret-1', '--name', 'Acme Pay');
    assert.equal(created.code, 0, created.stderr);
    const printed = JSON.parse(created.stdout.trim().split('\n').at(-1)!);
    assert.equal(printed.code, 'acme');
    assert.equal(printed.clearingAccountId, 'clearing:agg:acme');
    assert.deepEqual(printed.ipAllowlist, []);

    const app = await createApp(loadSettings({ DATABASE_URL: databaseUrl, TOLEM_SEED_DEMO: 'false' }), { logLevel: 'silent' });
    let prvTxn: string;
    try {
      const key = await createApiKey(app.ctx, SYSTEM_ACTOR, { name: 'cli test', role: 'admin' });
      assert.ok(key.ok);
      const line = await app.server.inject({ method: 'POST', url: '/v1/lines', headers: { authorization: `Bearer ${key.value.key}` }, payload: { msisdn: '+77011234567' } });
      assert.equal(line.statusCode, 201);
      const auth = `Basic ${Buffer.from('acme:acme-secret-1').toString('base64')}`;
      const paid = await app.server.inject({
        method: 'POST', url: '/aggregators/acme/osmp', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'command=pay&txn_id=555&txn_date=20260115110000&account=7011234567&sum=1000.00', remoteAddress: '203.0.113.50',
      });
      assert.equal(paid.statusCode, 200);
      assert.match(paid.body, /<result>0<\/result>/);
      prvTxn = /<prv_txn>(\d+)<\/prv_txn>/.exec(paid.body)![1]!;
      const wrong = await app.server.inject({ method: 'GET', url: '/aggregators/acme/osmp?command=check&txn_id=1&account=7011234567&sum=1000', headers: { authorization: `Basic ${Buffer.from('acme:nope').toString('base64')}` } });
      assert.equal(wrong.statusCode, 401);
      assert.deepEqual((await verifyLedger(app.store)).problems, []);
    } finally {
      await app.close();
    }

    const registry = await tolem('aggregator', 'registry', 'acme', '--date', almatyDate(new Date()));
    assert.equal(registry.code, 0, registry.stderr);
    const rows = registry.stdout.trim().split('\r\n');
    assert.equal(rows[0], 'txn_id,txn_date,account,sum,prv_txn,paid_at');
    assert.match(rows[1]!, new RegExp(`^555,20260115110000,7011234567,1000\\.00,${prvTxn},\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+05:00$`));

  });

  it('refuses a duplicate code and usage errors with exit codes 1 and 2 (in process: spawning costs seconds)', async () => {
    process.env.DATABASE_URL = databaseUrl;
    const quiet = silenceConsole();
    try {
      assert.equal(await main(['aggregator', 'create', 'acme', '--password', 'acme-secret-2']), 1);
      assert.match(quiet.errors.join('\n'), /aggregator_exists/);
      assert.equal(await main(['aggregator', 'create', 'other']), 2);
      assert.equal(await main(['aggregator', 'create', 'other', '--password', 'x-secret-1', '--bogus']), 2);
      assert.equal(await main(['aggregator', 'registry', 'acme']), 2);
      assert.equal(await main(['aggregator', 'registry', 'acme', '--date', '2026-13-01']), 1);
      assert.equal(await main(['aggregator']), 2);
    } finally {
      quiet.restore();
    }
  });
});

function silenceConsole() {
  const errors: string[] = [];
  const original = { error: console.error, log: console.log };
  console.error = (...args: unknown[]) => { errors.push(args.join(' ')); };
  console.log = () => {};
  return { errors, restore: () => Object.assign(console, original) };
}
