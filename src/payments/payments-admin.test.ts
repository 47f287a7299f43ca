import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runSettlementImport } from './settlement-cli.ts';
import { paymentProviders } from './provider-registry.ts';
import { claimInboxEvent, dueInboxEvents, findPayment, findRefund, recordTransition } from './payments-repository.ts';
import { settlePaymentCommand } from './settle-payment-command.ts';
import { reverseRefund } from './recheck-paid-refunds.ts';
import { receiptToken } from '../receipts/receipt-link.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { expireBonusJob } from '../promotions/expire-bonus-job.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { addLine, bonusAvailable, createPayment, getPayment, mainAccount, processWebhooks, providerReferenceOf, sendWebhook, spend, startPaymentsApp, submitCard } from './payments-test-support.ts';

for (const dialect of DIALECTS) {
  describe(`payments: refunds, settlement files, limits, validation [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let n = 0;
    const msisdn = () => `+7705${3_000_000 + ++n}`;
    before(async () => {
      t = await startPaymentsApp(dialect.name);
    });
    after(async () => t?.close());

    async function paid(amount = 100_000) {
      const number = msisdn();
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount }, `key-${number}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const payment = await getPayment(t, created.body.id);
      assert.equal(payment.status, 'succeeded');
      return { number, payment };
    }
    const refund = (id: string, amount: number, key: string, token?: string) =>
      t.request('POST', `/v1/payments/${id}/refunds`, { body: { amount }, token, headers: { 'idempotency-key': key } });

    it('refunds part, then the rest; never more than was paid; replays by key', async () => {
      const { number, payment } = await paid();
      const first = await refund(payment.id, 30_000, 'r1');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.status, 'succeeded');
      assert.match(first.body.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.equal((await mainAccount(t, number)).available, 70_000);
      const replay = await refund(payment.id, 30_000, 'r1');
      assert.equal(replay.status, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body.id, first.body.id);
      const tooMuch = await refund(payment.id, 80_000, 'r2');
      assert.equal(tooMuch.status, 422);
      assert.equal(tooMuch.body.error.code, 'refund_exceeds_payment');
      assert.equal(tooMuch.body.error.details.refundable, 70_000);
      assert.equal((await refund(payment.id, 70_000, 'r3')).status, 201);
      const after = await getPayment(t, payment.id);
      assert.equal(after.refundedAmount, 100_000);
      assert.equal(after.refunds.length, 2);
      assert.equal((await mainAccount(t, number)).available, 0);
      const session = await t.app.ctx.db.selectFrom('sandbox_sessions').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
      assert.equal(Number(session.refunded_amount), 100_000);
      await t.verify();
    });

    it('a refund is an admin\'s action in the audit log, once, its replay not again; one refused is not', async () => {
      const { payment } = await paid();
      assert.equal((await refund(payment.id, 30_000, 'audited-1')).status, 201);
      assert.equal((await refund(payment.id, 30_000, 'audited-1')).headers['idempotent-replayed'], 'true');
      assert.equal((await refund(payment.id, 90_000, 'audited-2')).status, 422);
      const [row] = await t.app.ctx.db.selectFrom('payment_refunds').selectAll().where('payment_id', '=', payment.id).execute();
      const audit = await t.app.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'payment.refund').where('target', '=', payment.id).execute();
      assert.equal(audit.length, 1, 'audited once');
      assert.equal(audit[0]!.actor_role, 'admin');
      assert.deepEqual(JSON.parse(audit[0]!.details!), { refundId: row!.id, amount: 30_000, currency: 'KZT' });
    });

    it("tells a refund in the line's language as it is now, not the payment page's", async () => {
      const number = msisdn();
      await addLine(t, number);
      assert.equal((await t.request('PATCH', `/v1/lines/${encodeURIComponent(number)}`, { body: { language: 'ru' } })).status, 200);
      const created = await createPayment(t, { msisdn: number, amount: 100_000, language: 'zh' }, `key-${number}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      assert.equal((await refund(created.body.id, 40_000, `lang-${number}`)).status, 201);
      const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'payment.refunded').execute();
      const told = events.map((row) => JSON.parse(row.payload)).find((payload) => payload.paymentId === created.body.id);
      assert.equal(told?.language, 'ru');
    });

    it('refuses to refund more than the unspent part of the top-up', async () => {
      const { number, payment } = await paid();
      await spend(t, (await mainAccount(t, number)).lineId, 60_000n);
      const refused = await refund(payment.id, 50_000, 'spent-1');
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'refund_exceeds_unspent');
      assert.equal((await mainAccount(t, number)).available, 40_000);
      assert.equal((await refund(payment.id, 40_000, 'spent-2')).status, 201);
      assert.equal((await mainAccount(t, number)).available, 0);
      await t.verify();
    });

    it('a refund takes back the refunded share of the top-up bonus, and no more than is left of it', async () => {
      const { number, payment } = await paid(1_000_000); // 10,000 ₸ earns the 10 % top-up bonus: 1,000 ₸
      const { lineId } = await mainAccount(t, number);
      assert.equal(await bonusAvailable(t, lineId), 100_000);
      const first = await refund(payment.id, 400_000, 'bonus-1');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(await bonusAvailable(t, lineId), 60_000, '40 % of the payment back: 40 % of the bonus back');
      await spend(t, lineId, 50_000n, 'bonus');
      assert.equal((await refund(payment.id, 600_000, 'bonus-2')).status, 201);
      assert.equal(await bonusAvailable(t, lineId), 0, 'the rest of the share is taken; what was spent stays spent');
      assert.equal((await mainAccount(t, number)).available, 0);
      const grants = await t.app.ctx.db.selectFrom('bonus_grants').select('amount').where('line_id', '=', lineId).execute();
      assert.deepEqual(grants.map((g) => Number(g.amount)).sort((a, b) => a - b), [-40_000, -10_000, 100_000]);
      await t.verify();
    });

    it("a refund never takes a later top-up's bonus: not once its own has expired, nor what of it was spent (oldest first)", async () => {
      const payOn = async (number: string, key: string) => {
        const created = await createPayment(t, { msisdn: number, amount: 1_000_000 }, key);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        await submitCard(t, created.body.redirectUrl, '4242424242424242');
        await processWebhooks(t);
        return created.body.id as string;
      };
      /** A new line paid once (A, 1,000 ₸ of bonus), `between` run, then paid again (B); A's payment id and the line's id. */
      const olderThenNewer = async (between: (lineId: string, a: string) => Promise<void>) => {
        const number = msisdn();
        await addLine(t, number);
        const lineId = (await mainAccount(t, number)).lineId;
        const a = await payOn(number, `older-${number}`);
        await between(lineId, a);
        await payOn(number, `newer-${number}`);
        return { a, lineId, number };
      };
      // Expired: A's 1,000 ₸ of bonus forfeited by the expiry job, then B earns 1,000 ₸; refunding A takes none of B's.
      const expired = await olderThenNewer(async (lineId) => {
        t.clock.advance(31 * 86_400_000);
        await runJobsOnce(t.app.ctx, [expireBonusJob]);
        assert.equal(await bonusAvailable(t, lineId), 0);
      });
      assert.equal((await refund(expired.a, 1_000_000, `expired-${expired.number}`)).status, 201);
      assert.equal(await bonusAvailable(t, expired.lineId), 100_000, "B's bonus stays");
      // Spent: A's bonus spent, then B earns 1,000 ₸; refunding half of A takes none of B's.
      const spent = await olderThenNewer((lineId) => spend(t, lineId, 100_000n, 'bonus'));
      assert.equal((await refund(spent.a, 500_000, `spent-${spent.number}`)).status, 201);
      assert.equal(await bonusAvailable(t, spent.lineId), 100_000, "what was spent stays spent; B's bonus stays");
      // Partly spent: 600 ₸ of A's 1,000 ₸ spent, B earns 1,000 ₸; refunding all of A takes back A's 400 ₸ left, no more.
      const partly = await olderThenNewer((lineId) => spend(t, lineId, 60_000n, 'bonus'));
      assert.equal((await refund(partly.a, 1_000_000, `partly-${partly.number}`)).status, 201);
      assert.equal(await bonusAvailable(t, partly.lineId), 100_000);
      // Refunded in two parts around the spending: the first part's share taken, the rest spent, B's untouched.
      const parts = await olderThenNewer(async (lineId, a) => {
        assert.equal((await refund(a, 400_000, `parts-1-${a}`)).status, 201);
        assert.equal(await bonusAvailable(t, lineId), 60_000);
        await spend(t, lineId, 60_000n, 'bonus');
      });
      assert.equal((await refund(parts.a, 600_000, `parts-2-${parts.number}`)).status, 201);
      assert.equal(await bonusAvailable(t, parts.lineId), 100_000, "B's bonus stays whole");
      await t.verify();
    });

    it('a payment refunded in parts takes its whole bonus back: the share is rounded once, not per refund', async () => {
      const { number, payment } = await paid(1_000_000); // 1,000 ₸ of bonus
      const lineId = (await mainAccount(t, number)).lineId;
      for (const [amount, key] of [[333_333, 'thirds-1'], [666_667, 'thirds-2']] as const) assert.equal((await refund(payment.id, amount, key)).status, 201);
      assert.equal(await bonusAvailable(t, lineId), 0, '33,333.3 + 66,666.7 tiyn: rounded per refund, 1 tiyn stayed');
      await t.verify();
    });

    it('after a refund is reversed (paid back, then failed at the bank), later refunds take back only the rest of the bonus grant, never the line\'s other bonus', async () => {
      const { number, payment } = await paid(1_000_000); // 1,000 ₸ of bonus
      const again = await createPayment(t, { msisdn: number, amount: 1_000_000 }, `key-${number}-2`);
      await submitCard(t, again.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const lineId = (await mainAccount(t, number)).lineId;
      assert.equal(await bonusAvailable(t, lineId), 200_000, 'two top-ups, two grants');
      const first = await refund(payment.id, 400_000, 'reversed-bonus-1');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(await bonusAvailable(t, lineId), 160_000);
      // The bank returns the refund: the sandbox's session has the money again, and Tolem reverses the refund.
      await t.app.ctx.db.updateTable('sandbox_sessions').set((eb) => ({ refunded_amount: eb('refunded_amount', '-', 400_000n) })).where('payment_id', '=', payment.id).execute();
      await reverseRefund(t.app.ctx, (await findPayment(t.app.ctx, payment.id))!, (await findRefund(t.app.ctx, first.body.id))!);
      assert.equal((await mainAccount(t, number)).available, 2_000_000);
      assert.equal((await refund(payment.id, 100_000, 'reversed-bonus-2')).status, 201);
      assert.equal(await bonusAvailable(t, lineId), 160_000, '10 % of the payment back, and 40 % of its bonus already taken: nothing more');
      assert.equal((await refund(payment.id, 900_000, 'reversed-bonus-3')).status, 201);
      assert.equal(await bonusAvailable(t, lineId), 100_000, 'the rest of the first grant, and not a tiyn of the second');
      assert.equal((await mainAccount(t, number)).available, 1_000_000);
      await t.verify();
    });

    it('a refund\'s receipt names the receipt of the payment it refunds (PDF, slip, QR page), and a reversed refund\'s names its reversal', async () => {
      const { payment } = await paid(300_000);
      const done = await refund(payment.id, 100_000, 'receipt-link-1');
      assert.equal(done.status, 201, JSON.stringify(done.body));
      const token = receiptToken(t.app.ctx.settings.secretKey, done.body.receiptNumber);
      const json = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(json.body.kind, 'refund');
      assert.equal(json.body.refundOf, payment.receiptNumber);
      assert.ok((await t.request('GET', `/receipts/verify/${token}?language=kk`, { token: null })).text.includes(`<dd>${payment.receiptNumber}</dd>`));
      assert.ok((await t.request('GET', `/v1/receipts/${done.body.receiptNumber}/slip?language=en`)).text.includes(`<span>Refund of receipt</span><b>${payment.receiptNumber}</b>`));
      // Every other receipt says null: the payment's own.
      const paymentJson = await t.request('GET', `/receipts/verify/${receiptToken(t.app.ctx.settings.secretKey, payment.receiptNumber!)}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(paymentJson.body.refundOf, null);
      // The bank returns the refund: its receipt then names the reversal's, which names it.
      await t.app.ctx.db.updateTable('sandbox_sessions').set((eb) => ({ refunded_amount: eb('refunded_amount', '-', 100_000n) })).where('payment_id', '=', payment.id).execute();
      await reverseRefund(t.app.ctx, (await findPayment(t.app.ctx, payment.id))!, (await findRefund(t.app.ctx, done.body.id))!);
      const reversalNumber = (await t.app.ctx.db.selectFrom('receipts').select('number').where('kind', '=', 'refund_reversal').where('reference_id', '=', done.body.id).executeTakeFirstOrThrow()).number;
      assert.equal((await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { accept: 'application/json' } })).body.reversedBy, reversalNumber);
      const reversalJson = await t.request('GET', `/receipts/verify/${receiptToken(t.app.ctx.settings.secretKey, reversalNumber)}`, { token: null, headers: { accept: 'application/json' } });
      assert.deepEqual([reversalJson.body.reverses, reversalJson.body.refundOf], [done.body.receiptNumber, null]);
    });

    it("a refund gives back its share of the line's daily top-up limit on the day of the top-up, as a POS reversal does", async () => {
      const number = msisdn();
      await addLine(t, number);
      const payments: string[] = [];
      for (const i of [1, 2, 3]) {
        const created = await createPayment(t, { msisdn: number, amount: 10_000_000 }, `key-${number}-daily-${i}`);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        await submitCard(t, created.body.redirectUrl, '4242424242424242');
        payments.push(created.body.id);
      }
      await processWebhooks(t);
      const topUp = (amount: number, key: string) => t.request('POST', '/v1/topups', { body: { msisdn: number, amount, currency: 'KZT' }, headers: { 'idempotency-key': key } });
      const over = await topUp(50_000, `daily-${number}-1`);
      assert.equal(over.status, 422, JSON.stringify(over.body));
      assert.equal(over.body.error.code, 'daily_limit_exceeded');
      // The payer was charged twice by mistake: one 100,000 ₸ payment is refunded in full, another in part.
      assert.equal((await refund(payments[0]!, 10_000_000, `daily-refund-${number}-1`)).status, 201);
      assert.equal((await refund(payments[1]!, 3_000_000, `daily-refund-${number}-2`)).status, 201);
      assert.equal((await topUp(10_000_000, `daily-${number}-2`)).status, 201, 'what the refunds paid back may be topped up again today');
      const again = await topUp(5_000_000, `daily-${number}-3`);
      assert.equal(again.status, 422, JSON.stringify(again.body));
      assert.equal(again.body.error.details.remaining, 3_000_000);
      // The next Almaty day starts afresh, and a refund then of a payment of the day before gives that day nothing.
      t.clock.advanceDays(1);
      assert.equal((await topUp(10_000_000, `daily-${number}-4`)).status, 201);
      assert.equal((await refund(payments[2]!, 10_000_000, `daily-refund-${number}-3`)).status, 201);
      const next = await topUp(50_000, `daily-${number}-5`);
      assert.equal(next.status, 201, JSON.stringify(next.body));
      const line = await t.app.ctx.db.selectFrom('lines').select(['daily_topup_amount']).where('msisdn', '=', number).executeTakeFirstOrThrow();
      assert.equal(Number(line.daily_topup_amount), 10_050_000);
      await t.verify();
    });

    it('concurrent refunds cannot together exceed the payment', async () => {
      const { number, payment } = await paid();
      const answers = await Promise.all([refund(payment.id, 60_000, 'c1'), refund(payment.id, 60_000, 'c2'), refund(payment.id, 60_000, 'c3')]);
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [201, 422, 422], JSON.stringify(answers.map((a) => a.body)));
      assert.ok(answers.filter((a) => a.status === 422).every((a) => a.body.error.code === 'refund_exceeds_payment'));
      assert.equal((await mainAccount(t, number)).available, 40_000);
      await t.verify();
    });

    it('a refund whose provider answer is lost stays reserved, and a retry with the same key finishes it', async () => {
      const { number, payment } = await paid();
      const provider = paymentProviders(t.app.ctx).get('sandbox')!;
      const original = provider.refund;
      // The provider refunds the card, then the connection drops before Tolem hears the answer.
      provider.refund = async (...args) => {
        await original.apply(provider, args);
        throw new Error('socket hang up');
      };
      let lost;
      try {
        lost = await refund(payment.id, 30_000, 'lost-1');
      } finally {
        provider.refund = original;
      }
      assert.equal(lost.status, 502, JSON.stringify(lost.body));
      assert.equal(lost.body.error.details.code, 'provider_unreachable');
      // The card may have been paid back: the money stays reserved, and may not be refunded again.
      assert.equal((await mainAccount(t, number)).available, 70_000);
      const again = await refund(payment.id, 100_000, 'lost-2');
      assert.equal(again.status, 422, JSON.stringify(again.body));
      assert.equal(again.body.error.code, 'refund_exceeds_payment');
      const retried = await refund(payment.id, 30_000, 'lost-1');
      assert.equal(retried.status, 201, JSON.stringify(retried.body));
      assert.equal(retried.body.status, 'succeeded');
      assert.match(retried.body.receiptNumber, /^R-\d{4}-\d{8}$/);
      const after = await getPayment(t, payment.id);
      assert.equal(after.refundedAmount, 30_000);
      assert.equal((await mainAccount(t, number)).available, 70_000);
      assert.equal((await refund(payment.id, 30_000, 'lost-1')).body.status, 'succeeded');
      assert.equal((await getPayment(t, payment.id)).refundedAmount, 30_000);
      await t.verify();
    });

    it('a refund whose process died after posting it is finished by a repeat, and counted once in refundedAmount', async () => {
      const { number, payment } = await paid();
      const done = await refund(payment.id, 30_000, 'died-1');
      assert.equal(done.status, 201, JSON.stringify(done.body));
      // As a crash would leave it: the ledger posted the refund (with its receipt), the rows behind it not yet updated.
      await t.app.ctx.db.updateTable('payment_refunds').set({ status: 'pending', receipt_number: null }).where('id', '=', done.body.id).execute();
      await t.app.ctx.db.updateTable('payments').set({ refunded_amount: 0n }).where('id', '=', payment.id).execute();
      const repeated = await refund(payment.id, 30_000, 'died-1');
      assert.equal(repeated.status, 201, JSON.stringify(repeated.body));
      assert.equal(repeated.body.status, 'succeeded');
      assert.equal(repeated.body.receiptNumber, done.body.receiptNumber, 'the receipt the post took, not a second one');
      assert.equal((await getPayment(t, payment.id)).refundedAmount, 30_000);
      assert.equal((await refund(payment.id, 20_000, 'died-2')).status, 201);
      assert.equal((await getPayment(t, payment.id)).refundedAmount, 50_000);
      assert.equal((await mainAccount(t, number)).available, 50_000);
      await t.verify();
    });

    it('only admins refund, and only paid payments', async () => {
      const { payment } = await paid();
      const clerk = await t.keyFor('clerk');
      const denied = await refund(payment.id, 1_000, 'x1', clerk);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'forbidden');
      const number = msisdn();
      await addLine(t, number);
      const open = await createPayment(t, { msisdn: number, amount: 100_000 }, 'open-1');
      const refused = await refund(open.body.id, 1_000, 'x2');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'payment_state_invalid');
      assert.equal((await refund('pay_nothing', 1_000, 'x3')).body.error.code, 'payment_not_found');
      assert.equal((await refund(payment.id, 0, 'x4')).body.error.code, 'amount_invalid');
    });

    it('a settlement file is matched and every difference listed', async () => {
      const a = await paid(100_000);
      const b = await paid(50_000);
      const c = await paid(60_000);
      const refA = await providerReferenceOf(t, a.payment.id);
      const refB = await providerReferenceOf(t, b.payment.id);
      const number = msisdn();
      await addLine(t, number);
      const open = await createPayment(t, { msisdn: number, amount: 100_000 }, 'settle-open');
      const refOpen = await providerReferenceOf(t, open.body.id);
      const csv = ['reference,amount,currency,status', `${refA},100000,KZT,paid`, `"${refB}",55000,KZT,paid`, 'sbx_unknown_one,12345,KZT,paid', `${refOpen},100000,KZT,paid`].join('\n');
      const report = await t.request('POST', `/v1/admin/reconciliation/sandbox?from=${encodeURIComponent(a.payment.createdAt)}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.rows, 4);
      assert.equal(report.body.matched, 1);
      const kinds = Object.fromEntries(report.body.mismatches.map((m: { kind: string; reference: string }) => [m.reference, m.kind]));
      assert.equal(kinds[refB], 'amount_differs');
      assert.equal(kinds.sbx_unknown_one, 'missing_in_tolem');
      assert.equal(kinds[refOpen], 'status_differs');
      assert.equal(kinds[await providerReferenceOf(t, c.payment.id)], 'missing_at_provider');
      const folder = mkdtempSync(join(tmpdir(), 'tolem-settlement-'));
      writeFileSync(join(folder, 'file.csv'), csv);
      const log = console.log;
      console.log = () => {};
      try {
        assert.equal(await runSettlementImport(t.app.ctx, { provider: 'sandbox', file: join(folder, 'file.csv'), from: a.payment.createdAt }), 1, 'differences: exit 1');
        assert.equal(await runSettlementImport(t.app.ctx, { provider: 'sandbox', file: join(folder, 'missing.csv') }), 2);
      } finally {
        console.log = log;
        rmSync(folder, { recursive: true, force: true });
      }
      const broken = await t.request('POST', '/v1/admin/reconciliation/sandbox', { rawBody: 'ref,amt\nx,1', headers: { 'content-type': 'text/csv' } });
      assert.equal(broken.status, 422);
      assert.equal(broken.body.error.code, 'settlement_file_invalid');
      const badRow = await t.request('POST', '/v1/admin/reconciliation/sandbox', { rawBody: 'reference,amount,currency\nx,12.50,KZT', headers: { 'content-type': 'text/csv' } });
      assert.equal(badRow.body.error.code, 'settlement_file_invalid');
      // A period that is no time, or ends before it starts (answered 200 before, found by fuzzing).
      for (const query of ['from=garbage', 'to=9999-99-99', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=0000-01-01T00:00:00Z']) {
        const refused = await t.request('POST', `/v1/admin/reconciliation/sandbox?${query}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
        assert.equal(refused.status, 400, query);
        assert.equal(refused.body.error.code, 'validation_failed');
      }
      // A reference listed twice is matched once, and the repeat is a difference (matched twice before, found by fuzzing).
      const twice = await t.request('POST', `/v1/admin/reconciliation/sandbox?from=${encodeURIComponent(a.payment.createdAt)}`, {
        rawBody: ['reference,amount,currency', `${refA},100000,KZT`, `${refA},100000,KZT`, 'sbx_unknown_two,1,KZT', 'sbx_unknown_two,1,KZT'].join('\n'), headers: { 'content-type': 'text/csv' },
      });
      assert.equal(twice.status, 200, JSON.stringify(twice.body));
      assert.deepEqual([twice.body.rows, twice.body.matched], [4, 1]);
      const repeats = twice.body.mismatches.filter((m: { kind: string }) => m.kind === 'duplicate_in_settlement');
      assert.deepEqual(repeats.map((m: { reference: string; paymentId: string | null }) => [m.reference, m.paymentId]), [[refA, a.payment.id], ['sbx_unknown_two', null]]);
      assert.equal(twice.body.mismatches.filter((m: { reference: string; kind: string }) => m.reference === 'sbx_unknown_two' && m.kind === 'missing_in_tolem').length, 1);
      const anonymous = await t.request('POST', '/v1/admin/reconciliation/sandbox', { token: null, rawBody: csv, headers: { 'content-type': 'text/csv' } });
      assert.equal(anonymous.status, 401);
    });

    it('create: idempotent by key, validated with codes, nothing reserved on refusal', async () => {
      const number = msisdn();
      await addLine(t, number);
      const first = await createPayment(t, { msisdn: number, amount: 100_000 }, 'same');
      const again = await createPayment(t, { msisdn: number, amount: 100_000 }, 'same');
      assert.equal(again.status, 201);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.clientSecret, first.body.clientSecret);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal((await createPayment(t, { msisdn: number, amount: 200_000 }, 'same')).body.error.code, 'idempotency_key_reused');
      // A first request that died after reserving but before asking the provider: a retry finishes it.
      const crashed = await createPayment(t, { msisdn: number, amount: 60_000 }, 'crashed');
      await t.app.ctx.db.updateTable('payments').set({ status: 'created', provider_reference: null, redirect_url: null }).where('id', '=', crashed.body.id).execute();
      assert.equal((await createPayment(t, { msisdn: number, amount: 60_000 }, 'crashed')).body.status, 'created', 'too soon to tell it died');
      t.clock.advance(11_000);
      const resumed = await createPayment(t, { msisdn: number, amount: 60_000 }, 'crashed');
      assert.equal(resumed.body.id, crashed.body.id);
      assert.equal(resumed.body.status, 'requires_action');
      assert.ok(resumed.body.redirectUrl);
      await submitCard(t, resumed.body.redirectUrl, '4000000000000002');
      await processWebhooks(t);
      assert.equal((await mainAccount(t, number)).creditsPending, 100_000);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ msisdn: number, amount: 100_000, provider: 'stripe' }, 422, 'payment_provider_unknown'],
        [{ msisdn: number, amount: 100_000, purpose: 'purchase' }, 422, 'payment_purpose_invalid'],
        [{ msisdn: number, amount: 100_000, offering: 'DATA5' }, 422, 'payment_purpose_invalid'],
        [{ msisdn: number, amount: 100 }, 422, 'amount_below_minimum'],
        [{ msisdn: number, amount: 100_000, currency: 'USD' }, 422, 'currency_unsupported'],
        [{ msisdn: '+77019990000', amount: 100_000 }, 404, 'line_not_found'],
        [{ msisdn: 'abc', amount: 100_000 }, 422, 'msisdn_invalid'],
        [{ msisdn: number, amount: 100_000, cardNumber: '4242424242424242' }, 400, 'validation_failed'],
        [{ msisdn: number, amount: 100_000, purpose: 'gift' }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await createPayment(t, body, `case-${code}-${status}-${JSON.stringify(body).length}`);
        assert.equal(response.status, status, `${JSON.stringify(body)} → ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, code);
      }
      const noKey = await t.request('POST', '/v1/payments', { token: null, body: { msisdn: number, amount: 100_000, currency: 'KZT', purpose: 'topup' } });
      assert.equal(noKey.body.error.code, 'idempotency_key_missing');
      assert.equal((await mainAccount(t, number)).creditsPending, 100_000);
    });

    it('purpose=purchase tops up, then buys the offering once; a failed purchase leaves the money on the balance', async () => {
      await seedCatalog(t.app.ctx);
      const number = msisdn();
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount: 149_000, purpose: 'purchase', offering: 'DATA_1GB_7D' }, 'purchase-1');
      assert.equal(created.status, 201);
      assert.equal(created.body.offering, 'DATA_1GB_7D');
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const bought = await getPayment(t, created.body.id);
      assert.equal(bought.status, 'succeeded');
      assert.ok(bought.packageId, JSON.stringify(bought));
      assert.equal(bought.purchaseError, null);
      assert.equal((await mainAccount(t, number)).available, 0);
      // Paid once by card (by anyone, for any number): no renewal charges the line's balance later unless the subscriber turns it on.
      const packs = (await t.request('GET', `/v1/lines/${encodeURIComponent(number)}/packages`)).body.data;
      assert.deepEqual(packs.map((pack: { id: string; autoRenew: boolean }) => [pack.id, pack.autoRenew]), [[bought.packageId, false]]);
      // A package of 5,000 ₸ or more paid by card earns no top-up bonus: the money bought a package.
      const big = await createPayment(t, { msisdn: number, amount: 799_000, purpose: 'purchase', offering: 'DATA_20GB_30D' }, 'purchase-big');
      assert.equal(big.status, 201, JSON.stringify(big.body));
      await submitCard(t, big.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      assert.ok((await getPayment(t, big.body.id)).packageId);
      // (A bonus granted would have paid part of the package, leaving that much cash on the main balance.)
      assert.deepEqual((await t.request('GET', `/v1/lines/${number}`)).body.balance, { main: 0, bonus: 0 });
      const other = msisdn();
      await addLine(t, other);
      // Refused before the payer is charged: an unknown offering, an amount that is not the price.
      const reservedBefore = (await mainAccount(t, other)).creditsPending;
      const unknown = await createPayment(t, { msisdn: other, amount: 100_000, purpose: 'purchase', offering: 'NO_SUCH_PACK' }, 'purchase-2');
      assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'offering_not_found']);
      const short = await createPayment(t, { msisdn: other, amount: 100_000, purpose: 'purchase', offering: 'DATA_1GB_7D' }, 'purchase-3');
      assert.deepEqual([short.status, short.body.error.code, short.body.error.details.price], [409, 'price_changed', 149_000]);
      assert.equal((await mainAccount(t, other)).creditsPending, reservedBefore);
      // The price rises while the payer is on the card page: the package is not bought at the new
      // price out of the line's own money (it was, found by fuzzing); the payment stays on the balance.
      await t.request('POST', '/v1/topups', { body: { msisdn: other, amount: 1_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'purchase-own-money' } });
      const before = (await mainAccount(t, other)).available;
      const pending = await createPayment(t, { msisdn: other, amount: 149_000, purpose: 'purchase', offering: 'DATA_1GB_7D' }, 'purchase-4');
      assert.equal(pending.status, 201, JSON.stringify(pending.body));
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { price: 900_000 } })).status, 200);
      await submitCard(t, pending.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const failed = await getPayment(t, pending.body.id);
      assert.equal(failed.status, 'succeeded');
      assert.equal(failed.packageId, null);
      assert.equal(failed.purchaseError, 'price_changed');
      assert.equal((await mainAccount(t, other)).available, before + 149_000);
      await t.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { price: 149_000 } });
      await t.verify();
    });

    it('purpose=purchase: a process killed after recording the success and before buying the package buys it when the success is processed again', async () => {
      await seedCatalog(t.app.ctx);
      const ctx = t.app.ctx;
      const number = msisdn();
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount: 149_000, purpose: 'purchase', offering: 'DATA_1GB_7D' }, 'purchase-crash');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      // The inbox worker claims the success, credits the line and records the payment succeeded (transitionPayment), then the process dies.
      const [event] = (await dueInboxEvents(ctx, 100)).filter((row) => row.payment_id === created.body.id && row.event_status === 'succeeded');
      assert.ok(event);
      assert.ok(await claimInboxEvent(ctx, event, new Date(t.clock.now().getTime() + 60_000).toISOString()));
      const payment = (await findPayment(ctx, created.body.id))!;
      const settled = await ctx.writer.submit(settlePaymentCommand(payment, 'post', ctx.settings.topup, ctx.settings.lifecycle));
      assert.ok(settled.ok && settled.value.value.action === 'post', JSON.stringify(settled));
      assert.ok(await recordTransition(ctx, payment, 'succeeded', 'webhook', {}, { topup_id: settled.value.value.topUpId, receipt_number: settled.value.value.receiptNumber, settled_at: t.clock.now().toISOString() }));
      assert.equal((await mainAccount(t, number)).available, 149_000, 'credited, the package not bought');
      // Restarted: the claimed event is due again once its lease has run out.
      t.clock.set(new Date(t.clock.now().getTime() + 61_000));
      await processWebhooks(t);
      const bought = await getPayment(t, created.body.id);
      assert.deepEqual([bought.status, bought.purchaseError, typeof bought.packageId], ['succeeded', null, 'string'], JSON.stringify(bought));
      assert.equal((await mainAccount(t, number)).available, 0);
      // A success told once more buys nothing twice.
      await sendWebhook(t, { id: 'evt-crash-again', reference: await providerReferenceOf(t, created.body.id), status: 'succeeded', amount: 149_000 });
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).packageId, bought.packageId);
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(number)}/packages`)).body.data.length, 1);
      await t.verify();
    });

    it('admins list payments with a cursor; others may not', async () => {
      const first = await t.request('GET', '/v1/payments?limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.data.length, 2);
      const second = await t.request('GET', `/v1/payments?limit=2&cursor=${first.body.nextCursor}`);
      assert.ok(second.body.data[0].id < first.body.data[1].id);
      const succeeded = await t.request('GET', '/v1/payments?status=succeeded&limit=100');
      assert.ok(succeeded.body.data.every((p: { status: string }) => p.status === 'succeeded'));
      assert.equal((await t.request('GET', '/v1/payments', { token: null })).status, 401);
      assert.equal((await t.request('GET', '/v1/payments', { token: await t.keyFor('agent') })).status, 403);
    });

    it('confirms a number masked, without login, and limits it and payments per IP and line', async () => {
      const number = msisdn();
      await addLine(t, number);
      const confirmed = await t.request('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent('8 705 ' + number.slice(5))}`, { token: null });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.deepEqual(confirmed.body, { msisdn: `+7705***${number.slice(-4)}`, operator: 'Beeline', canTopUp: true, amountMin: 50_000, amountMax: 10_000_000 });
      assert.equal((await t.request('GET', '/v1/payments/confirm-line?msisdn=%2B77059990000', { token: null })).body.error.code, 'line_not_found');
      const settings = t.app.ctx.settings.payments;
      const saved = { ...settings };
      try {
        settings.confirmLinePerIpMax = 0;
        const limited = await t.request('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent(number)}`, { token: null });
        assert.equal(limited.status, 429);
        assert.equal(limited.body.error.code, 'rate_limited');
        settings.perLineMax = 1;
        assert.equal((await createPayment(t, { msisdn: number, amount: 50_000 }, 'v1')).status, 201);
        const perLine = await createPayment(t, { msisdn: number, amount: 50_000 }, 'v2');
        assert.equal(perLine.status, 429);
        assert.equal(perLine.body.error.details.scope, 'line');
        // A stranger's payments do not use up the owner's: per line and address, five times that over all addresses.
        assert.equal((await createPayment(t, { msisdn: number, amount: 50_000 }, 'v2-owner', '203.0.113.21')).status, 201);
        for (const [index, address] of ['203.0.113.22', '203.0.113.23'].entries()) assert.equal((await createPayment(t, { msisdn: number, amount: 50_000 }, `v2-${index}`, address)).status, 201);
        const overall = await createPayment(t, { msisdn: number, amount: 50_000 }, 'v2-sixth', '203.0.113.25');
        assert.deepEqual([overall.status, overall.body.error.details.scope], [429, 'line'], 'the sixth for the line (the refused v2 counted too): over 5 × 1');
        // A retry of a payment made (its answer lost) replays it, whatever the limits say now.
        for (let retry = 0; retry < 3; retry++) {
          const again = await createPayment(t, { msisdn: number, amount: 50_000 }, 'v1');
          assert.deepEqual([again.status, again.headers['idempotent-replayed']], [201, 'true'], JSON.stringify(again.body));
        }
        settings.perIpMax = 0;
        const replayed = await createPayment(t, { msisdn: number, amount: 50_000 }, 'v1');
        assert.equal(replayed.status, 201, 'not counted against the address either');
        // A key used for another payment counts against the address: here, over its limit of 0.
        assert.equal((await createPayment(t, { msisdn: number, amount: 60_000 }, 'v1')).body.error.code, 'payment_velocity_exceeded');
        settings.perIpMax = 10_000;
        assert.equal((await createPayment(t, { msisdn: number, amount: 60_000 }, 'v1')).body.error.code, 'idempotency_key_reused');
        settings.perIpMax = 0;
        const perIp = await createPayment(t, { msisdn: number, amount: 50_000 }, 'v3');
        assert.equal(perIp.status, 429);
        assert.equal(perIp.body.error.code, 'payment_velocity_exceeded');
        assert.equal(perIp.body.error.details.scope, 'ip');
        assert.ok(perIp.headers['retry-after']);
      } finally {
        Object.assign(settings, saved);
      }
    });

    it('limits payments per card at the sandbox checkout', async () => {
      const settings = t.app.ctx.settings.payments;
      const saved = settings.perPayerMax;
      settings.perPayerMax = 0;
      try {
        const number = msisdn();
        await addLine(t, number);
        const created = await createPayment(t, { msisdn: number, amount: 50_000 }, 'payer-1');
        const page = await submitCard(t, created.body.redirectUrl, '5555555555554444');
        assert.equal(page.status, 429);
        assert.equal((await getPayment(t, created.body.id)).status, 'requires_action');
      } finally {
        settings.perPayerMax = saved;
      }
    });
  });
}
