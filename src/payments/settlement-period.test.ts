import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { runSettlementImport } from './settlement-cli.ts';
import { addLine, createPayment, getPayment, processWebhooks, providerReferenceOf, startPaymentsApp, submitCard } from './payments-test-support.ts';

for (const dialect of DIALECTS) {
  describe(`settlement files: the period in Almaty days, bytes no database takes [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await startPaymentsApp(dialect.name);
    });
    after(async () => t?.close());

    async function paidAt(at: string) {
      t.clock.set(at);
      const number = `+7705${4_000_000 + ++n}`;
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount: 100_000 }, `period-${number}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      return { id: created.body.id as string, reference: await providerReferenceOf(t, created.body.id) };
    }

    it('from=2026-02-01&to=2026-03-01 is February in Almaty: its first hours are in, the first hours of March are not', async () => {
      const lastOfJanuary = await paidAt('2026-01-31T18:30:00.000Z'); // 23:30 Almaty, January
      const firstOfFebruary = await paidAt('2026-01-31T19:30:00.000Z'); // 00:30 Almaty, 1 February
      const lastOfFebruary = await paidAt('2026-02-28T18:30:00.000Z'); // 23:30 Almaty, 28 February
      const firstOfMarch = await paidAt('2026-02-28T19:30:00.000Z'); // 00:30 Almaty, 1 March
      const csv = ['reference,amount,currency', `${lastOfFebruary.reference},100000,KZT`].join('\r\n');
      const report = await t.request('POST', '/v1/admin/reconciliation/sandbox?from=2026-02-01&to=2026-03-01', { rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.matched, 1);
      const missing = (report.body.mismatches as { kind: string; paymentId: string }[]).map((m) => [m.kind, m.paymentId]);
      assert.deepEqual(missing, [['missing_at_provider', firstOfFebruary.id]], `not ${lastOfJanuary.id} nor ${firstOfMarch.id}`);
      const instants = await t.request('POST', `/v1/admin/reconciliation/sandbox?from=${encodeURIComponent('2026-02-01T00:00:00+05:00')}&to=${encodeURIComponent('2026-03-01T00:00:00Z')}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.deepEqual((instants.body.mismatches as { paymentId: string }[]).map((m) => m.paymentId), [firstOfFebruary.id, firstOfMarch.id], 'an instant is still that instant');
      const notADay = await t.request('POST', '/v1/admin/reconciliation/sandbox?from=2026-02-30', { rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.deepEqual([notADay.status, notADay.body.error.code], [400, 'validation_failed']);
    });

    it('tolem payments reconcile refuses a file with a NUL in a reference (exit 2, one line), on either database', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'tolem-settlement-'));
      const errors: string[] = [];
      const error = console.error;
      console.error = (...args: unknown[]) => { errors.push(args.join(' ')); };
      try {
        writeFileSync(join(folder, 'nul.csv'), 'reference,amount,currency\r\nsbx_a\u0000b,100000,KZT\r\n');
        assert.equal(await runSettlementImport(t.app.ctx, { provider: 'sandbox', file: join(folder, 'nul.csv') }), 2);
      } finally {
        console.error = error;
        rmSync(folder, { recursive: true, force: true });
      }
      assert.match(errors.join('\n'), /^error: settlement_file_invalid \{"reason":"row","line":2\}$/);
    });
  });
}
