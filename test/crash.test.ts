import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createTestDatabase as createDatabase, DIALECTS, type TestDatabase } from './support/databases.ts';

/**
 * Crash safety: top-ups are in flight when the server is killed with SIGKILL. After a restart,
 * every answered top-up is there (durability), retrying every request with its key credits
 * nothing twice, and the ledger verifies.
 */
for (const dialect of DIALECTS) {
  describe(`crash during top-ups [${dialect.name}]`, { skip: dialect.skip }, () => {
    let database: TestDatabase;
    let server: ChildProcess | null = null;
    const port = 3700 + Math.floor(Math.random() * 200) + (dialect.name === 'postgres' ? 200 : 0);
    const baseUrl = `http://127.0.0.1:${port}`;
    after(async () => {
      server?.kill('SIGKILL');
      await database?.drop();
    });

    const env = () => ({ ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', TOLEM_SEED_DEMO: 'false' });
    const start = async () => {
      server = spawn(process.execPath, ['bin/tolem.js', 'serve'], { env: env(), stdio: 'ignore' });
      for (let attempt = 0; attempt < 1200; attempt++) {
        try { if ((await fetch(`${baseUrl}/readyz`)).ok) return; } catch { /* not up yet */ }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('server did not start');
    };

    it('keeps every answered top-up and credits none twice', async () => {
      database = await createDatabase(dialect.name);
      const created = spawnSync(process.execPath, ['bin/tolem.js', 'apikey', 'create', '--role', 'admin', '--name', 'crash'], { env: env(), encoding: 'utf8' });
      const key = created.stdout.trim().split('\n').at(-1)!;
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      await start();
      const msisdns = Array.from({ length: 8 }, (_, i) => `+7701000${String(1000 + i)}`);
      for (const msisdn of msisdns) assert.equal((await fetch(`${baseUrl}/v1/lines`, { method: 'POST', headers, body: JSON.stringify({ msisdn }) })).status, 201);

      const requests = Array.from({ length: 600 }, (_, i) => ({ key: randomUUID(), msisdn: msisdns[i % msisdns.length]!, amount: 50_000 + i }));
      const send = (r: (typeof requests)[number]) => fetch(`${baseUrl}/v1/topups`, {
        method: 'POST', headers: { ...headers, 'idempotency-key': r.key }, body: JSON.stringify({ msisdn: r.msisdn, amount: r.amount, currency: 'KZT' }),
      }).then(async (response) => ({ status: response.status, body: await response.json() as { id: string } }));
      // A steady stream from 24 clients (as terminals send): however fast the machine, requests are
      // on their way when the server dies. Requests not yet sent then are only sent on the retry.
      const answered = new Map<string, string>();
      const pending = new Set<string>();
      let next = 0;
      let killed = false;
      let inFlightAtKill = 0;
      const client = async () => {
        while (!killed && next < requests.length) {
          const r = requests[next++]!;
          pending.add(r.key);
          try {
            const answer = await send(r);
            if (answer.status === 201) answered.set(r.key, answer.body.id);
          } catch { /* the server died under this request */ }
          pending.delete(r.key);
        }
      };
      const clients = Array.from({ length: 24 }, client);
      // Kill once some top-ups have been answered and others are still on their way.
      while (answered.size < 50 && next < requests.length) await new Promise((resolve) => setTimeout(resolve, 1));
      inFlightAtKill = pending.size;
      killed = true;
      server!.kill('SIGKILL');
      await Promise.all(clients);
      assert.ok(inFlightAtKill > 0 && answered.size < requests.length, 'the crash happened mid-flight');

      await start();
      // Every client retries with its key, as a terminal or app would (in groups, concurrently).
      for (let start = 0; start < requests.length; start += 50) {
        await Promise.all(requests.slice(start, start + 50).map(async (r) => {
          const retry = await send(r);
          assert.equal(retry.status, 201);
          if (answered.has(r.key)) assert.equal(retry.body.id, answered.get(r.key), 'an answered top-up survived and replays');
        }));
      }
      let expected = 0;
      for (const r of requests) expected += r.amount;
      let total = 0;
      for (const msisdn of msisdns) {
        const line = await (await fetch(`${baseUrl}/v1/lines/${encodeURIComponent(msisdn)}`, { headers })).json() as { balance: { main: number } };
        total += line.balance.main;
      }
      assert.equal(total, expected, 'every request credited exactly once');
      server!.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
      server = null;
      const verify = spawnSync(process.execPath, ['bin/tolem.js', 'ledger', 'verify'], { env: env(), encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stdout);
    });
  });
}
