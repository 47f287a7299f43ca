import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { addLine, createPayment, startPaymentsApp } from './payments-test-support.ts';

const DAY_MS = 86_400_000;

/**
 * A line past the end of its validity schedule is terminated, recorded by the lifecycle job yet or
 * not (after downtime): its top-up is refused. A card payment for it was created all the same, so
 * the payer was charged, the credit refused and the money refunded.
 */
for (const dialect of DIALECTS) {
  describe(`a card payment for a line whose termination fell due while the jobs were down [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    it('is refused line_terminated before the payer is charged', async () => {
      t = await startPaymentsApp(dialect.name);
      const msisdn = '+77013330073';
      await addLine(t, msisdn);
      const first = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 200_000, currency: 'KZT' }, headers: { 'idempotency-key': 'due-1' } });
      assert.equal(first.status, 201);
      const { graceDays, suspendedDays } = t.app.ctx.settings.lifecycle;
      t.clock.set(new Date(Date.parse(first.body.line.validUntil) + (graceDays + suspendedDays) * DAY_MS));
      // The public top-up page's number check says so first.
      const confirmed = await t.request('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent(msisdn)}`, { token: null });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.canTopUp, false);
      const created = await createPayment(t, { msisdn, amount: 100_000 }, 'pay-due-1');
      assert.equal(created.status, 409, JSON.stringify(created.body));
      assert.equal(created.body.error.code, 'line_terminated');
      assert.equal((await t.app.ctx.db.selectFrom('payments').select('id').execute()).length, 0);
    });
  });
}
