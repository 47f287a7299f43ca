import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { importSettlement, SETTLEMENT_READ_LIMITS, type SettlementReport } from './import-settlement.ts';
import { addLine, createPayment, getPayment, processWebhooks, providerReferenceOf, startPaymentsApp, submitCard } from './payments-test-support.ts';
import { explainPlan } from '../../test/support/query-plans.ts';
import { paidRefundsDueQuery } from './payments-repository.ts';

const MINUTE_MS = 60_000;

for (const dialect of DIALECTS) {
  describe(`payments: bounded reads for settlement files, lists and the sandbox [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let n = 0;
    const paid: { id: string; reference: string; createdAt: string }[] = [];
    let open = { id: '', reference: '' };
    before(async () => {
      t = await startPaymentsApp(dialect.name);
      // Six succeeded payments, two at each of three minutes (pages must not lose a payment that shares its creation time), and one left open.
      for (let index = 0; index < 6; index++) {
        const number = `+7705${4_000_000 + ++n}`;
        await addLine(t, number);
        const created = await createPayment(t, { msisdn: number, amount: 100_000 + index * 1_000 }, `reads-${number}`);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        await submitCard(t, created.body.redirectUrl, '4242424242424242');
        await processWebhooks(t);
        assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
        paid.push({ id: created.body.id, reference: await providerReferenceOf(t, created.body.id), createdAt: created.body.createdAt });
        if (index % 2 === 1) t.clock.advance(MINUTE_MS);
      }
      const number = `+7705${4_000_000 + ++n}`;
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount: 100_000 }, 'reads-open');
      open = { id: created.body.id, reference: await providerReferenceOf(t, created.body.id) };
    });
    after(async () => t?.close());

    const report = async (csv: string, period: { from?: string; to?: string }, limits = SETTLEMENT_READ_LIMITS): Promise<SettlementReport> => {
      const result = await importSettlement(t.app.ctx, SYSTEM_ACTOR, 'sandbox', csv, period, limits);
      assert.ok(result.ok);
      return result.value;
    };

    it('a settlement report is the same whatever the chunk and page sizes, within the period given', async () => {
      const [a, b, c, d, e] = paid as [typeof paid[0], typeof paid[0], typeof paid[0], typeof paid[0], typeof paid[0]];
      const csv = ['reference,amount,currency', `${a.reference},100000,KZT`, `${b.reference},1,KZT`, 'sbx_nowhere,500,KZT', `${open.reference},100000,KZT`, `${d.reference},103000,KZT`, `${a.reference},100000,KZT`].join('\n');
      for (const period of [{}, { from: b.createdAt }, { from: c.createdAt, to: e.createdAt }, { to: c.createdAt }]) {
        const whole = await report(csv, period);
        for (const [referencesPerQueryMax, paymentsPerPageMax] of [[1, 1], [2, 2], [3, 1]] as const) {
          assert.deepEqual(await report(csv, period, { referencesPerQueryMax, paymentsPerPageMax }), whole, JSON.stringify({ period, referencesPerQueryMax, paymentsPerPageMax }));
        }
      }
      const bounded = await report(csv, { from: c.createdAt, to: e.createdAt });
      // a's second row is a difference of its own, not a second match.
      assert.deepEqual([bounded.rows, bounded.matched], [6, 2]);
      assert.deepEqual(bounded.mismatches.map((m) => [m.kind, m.reference]), [
        ['amount_differs', b.reference], ['missing_in_tolem', 'sbx_nowhere'], ['status_differs', open.reference], ['duplicate_in_settlement', a.reference], ['missing_at_provider', c.reference],
      ]);
      // Without a period every succeeded payment absent from the file is listed, by payment id.
      const all = await report(csv, {});
      assert.deepEqual(all.mismatches.filter((m) => m.kind === 'missing_at_provider').map((m) => m.paymentId), [paid[2]!.id, paid[4]!.id, paid[5]!.id]);
    });

    it('reads a settlement period in keyset pages and the file\'s references by the unique index', async () => {
      const db = t.app.ctx.db;
      const page = db.selectFrom('payments').selectAll().where('provider', '=', 'sandbox').where('status', '=', 'succeeded')
        .where('created_at', '>=', paid[0]!.createdAt).where('created_at', '<', paid[5]!.createdAt)
        .where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(paid[1]!.createdAt, paid[1]!.id))).orderBy('created_at').orderBy('id').limit(1000);
      const pagePlan = await explainPlan(t.app.ctx, page);
      assert.match(pagePlan, /payments_provider_status_created/, pagePlan);
      assert.doesNotMatch(pagePlan, /TEMP B-TREE|Sort/, pagePlan);
      const byReference = db.selectFrom('payments').selectAll().where('provider', '=', 'sandbox').where('provider_reference', 'in', paid.map((p) => p.reference).slice(0, 2));
      // On a table of one page PostgreSQL finds every index as cheap as the other; SQLite shows the one its rules pick.
      if (dialect.name === 'sqlite') {
        const referencePlan = await explainPlan(t.app.ctx, byReference);
        assert.match(referencePlan, /payments_provider_reference/, referencePlan);
      }
    });

    it('an admin list filtered by status reads one page through (status, id)', async () => {
      const first = await t.request('GET', '/v1/payments?status=succeeded&limit=2');
      assert.deepEqual(first.body.data.map((p: { id: string }) => p.id), [paid[5]!.id, paid[4]!.id]);
      const second = await t.request('GET', `/v1/payments?status=succeeded&limit=2&cursor=${first.body.nextCursor}`);
      assert.deepEqual(second.body.data.map((p: { id: string }) => p.id), [paid[3]!.id, paid[2]!.id]);
      assert.equal((await t.request('GET', '/v1/payments?status=requires_action&limit=5')).body.data[0].id, open.id);
      const db = t.app.ctx.db;
      for (const [table, index] of [['payments', 'payments_status_id'], ['webhook_inbox', 'webhook_inbox_status_id']] as const) {
        const query = db.selectFrom(table).selectAll().where('status', '=', 'processed').where('id', '<', 'zzz').orderBy('id', 'desc').limit(51);
        const plan = await explainPlan(t.app.ctx, query);
        assert.match(plan, new RegExp(index), plan);
        assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
      }
      // The inbox list filtered by status, through HTTP: every processed event, newest first.
      const events = await t.request('GET', '/v1/admin/webhook-events?status=processed&limit=100');
      assert.equal(events.status, 200);
      assert.ok(events.body.data.length >= 6 && events.body.data.every((e: { status: string }) => e.status === 'processed'));
      const ids = events.body.data.map((e: { id: string }) => e.id);
      assert.deepEqual(ids, [...ids].sort().reverse());
    });

    it('the refund recheck reads the last days of paid-back refunds through payment_refunds_paid', async () => {
      const now = t.clock.now().getTime();
      const query = paidRefundsDueQuery(t.app.ctx, ['stripe'], new Date(now - 30 * 86_400_000).toISOString(), new Date(now - 86_400_000).toISOString(), 100);
      const plan = await explainPlan(t.app.ctx, query);
      assert.match(plan, /payment_refunds_paid/, plan);
    });

    it('the sandbox resolver reads only its due processing sessions, through (status, resolve_at)', async () => {
      const query = t.app.ctx.db.selectFrom('sandbox_sessions').selectAll().where('status', '=', 'processing').where('resolve_at', '<=', t.clock.now().toISOString())
        .orderBy('resolve_at').limit(100);
      const plan = await explainPlan(t.app.ctx, query);
      assert.match(plan, /sandbox_sessions_status_resolve/, plan);
      assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
    });
  });
}
