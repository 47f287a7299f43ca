import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ok } from '../domain/result.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';

// The POS reversal's spent check holds under a race: what happens between its unlocked read of the
// line's history and its command's lock is caught under the lock.
for (const dialect of DIALECTS) describe(`POS reversal racing a spend [${dialect.name}]`, { skip: dialect.skip }, () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(dialect.name); });
  after(async () => t?.close());

  /** Runs `work` once, when the writer is next handed a command named `name`: after the use case's unlocked reads, before its lock. */
  function beforeCommand(name: string, work: () => Promise<void>): void {
    const writer = t.app.ctx.writer;
    const submit = writer.submit.bind(writer);
    (writer as any).submit = async (command: any) => {
      if (command.name === name) {
        (writer as any).submit = submit;
        await work();
      }
      return submit(command);
    };
  }

  it('a reservation voided and the same amount spent between the read and the lock: refused as spent', async () => {
    const msisdn = '+77051240009';
    await t.request('POST', '/v1/lines', { body: { msisdn } });
    assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'pre' } })).status, 201);
    const agent = (await t.request('POST', '/v1/admin/agents', { body: { name: 'K', commissionBasisPoints: 100 } })).body;
    await t.request('POST', `/v1/admin/agents/${agent.id}/deposits`, { body: { amount: 1_000_000, reference: 'b' }, headers: { 'idempotency-key': 'dep' } });
    const key = (await t.request('POST', `/v1/admin/agents/${agent.id}/staff`, { body: { apiKeyName: 'pos' } })).body.apiKey.key;
    const line = (await t.request('GET', `/v1/lines/${msisdn}`)).body;
    const main = lineMainAccountId(line.id);
    // A reservation on main before the top-up (as a refund reserves).
    const reserved = await t.app.ctx.writer.submit({ name: 'reserve', lock: { accounts: [main, 'clearing:api'] }, execute: (tx) => {
      const r = tx.transfer({ debitAccountId: main, creditAccountId: 'clearing:api', amount: 50_000n, unit: 'KZT', code: 'refund', pending: true }); assert.ok(r.ok); return ok(r.id); } });
    assert.ok(reserved.ok);
    const pendingId = reserved.value.value as string;
    const topUp = await t.request('POST', '/v1/pos/topups', { token: key, body: { msisdn, amount: 100_000 }, headers: { 'idempotency-key': 'pos' } });
    assert.equal(topUp.status, 201);
    // Between debitsSince's read and the reversal's lock: the refund is voided, then the line buys something of the same price.
    beforeCommand('pos_topup_reversal', async () => {
      const r = await t.app.ctx.writer.submit({ name: 'void_then_spend', lock: { accounts: [main, 'clearing:api', 'revenue:fees'], pending: [pendingId] }, execute: (tx: any) => {
        assert.ok(tx.resolvePending(pendingId, 'void', 'refund').ok);
        assert.ok(tx.transfer({ debitAccountId: main, creditAccountId: 'revenue:fees', amount: 50_000n, unit: 'KZT', code: 'package_purchase' }).ok);
        return ok(null); } });
      assert.ok(r.ok);
    });
    const reversed = await t.request('POST', `/v1/pos/topups/${topUp.body.topUp.id}/reverse`, { token: key });
    assert.deepEqual([reversed.status, reversed.body.error?.code], [409, 'topup_already_spent']);
    assert.equal((await t.app.ctx.db.selectFrom('agent_topup_reversals').select('topup_id').execute()).length, 0);
    await t.verify();
  });
  it('a promised payment granted between the read and the lock: refused, the payment stands on the sale', async () => {
    const msisdn = '+77051240019';
    await t.request('POST', '/v1/lines', { body: { msisdn } });
    // Valid for 60 days: active 40 days on, with no top-up in the last 30 but the sale.
    for (const key of ['grant-a', 'grant-b']) assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
    t.clock.advanceDays(40);
    const agent = (await t.request('POST', '/v1/admin/agents', { body: { name: 'K2', commissionBasisPoints: 100 } })).body;
    await t.request('POST', `/v1/admin/agents/${agent.id}/deposits`, { body: { amount: 1_000_000, reference: 'b' }, headers: { 'idempotency-key': 'grant-dep' } });
    const key = (await t.request('POST', `/v1/admin/agents/${agent.id}/staff`, { body: { apiKeyName: 'pos' } })).body.apiKey.key;
    const sale = await t.request('POST', '/v1/pos/topups', { token: key, body: { msisdn, amount: 100_000 }, headers: { 'idempotency-key': 'grant-pos' } });
    assert.equal(sale.status, 201);
    beforeCommand('pos_topup_reversal', async () => {
      const granted = await t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'grant-credit' } });
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
    });
    const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: key });
    assert.deepEqual([reversed.status, reversed.body.error?.code, reversed.body.error?.details], [409, 'topup_already_spent', { reason: 'promised_payment' }]);
    await t.verify();
  });
});
