import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { loadSettings } from '../src/config.ts';
import { seedCatalog } from '../src/catalog/seed-catalog.ts';
import { runJobsOnce } from '../src/jobs/scheduler.ts';
import { autoRenewJob } from '../src/packages/auto-renew-job.ts';
import { expireBucketsJob } from '../src/packages/expire-buckets-job.ts';
import { expireBonusJob } from '../src/promotions/expire-bonus-job.ts';
import { creditJob } from '../src/credit/credit-job.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { remindersJob } from '../src/reminders/reminders-job.ts';
import { paymentExpiryJob, webhookInboxJob } from '../src/payments/payment-jobs.ts';
import { submitCard } from '../src/payments/payments-test-support.ts';

/**
 * A line terminated by an admin (POST /v1/lines/{msisdn}/terminate) is closed for every channel:
 * each refuses it with a 4xx (or its protocol's own refusal) and writes no money, the scheduler
 * jobs charge and renew nothing for it, its history stays readable, and its number goes to a new
 * line only once the quarantine is over.
 */

const DAY_MS = 86_400_000;
const GB = 1024 ** 3;
const LINE = '+77017770001';
const OTHER = '+77017770002';
const QIWI_AUTH = `Basic ${Buffer.from('qiwi:qiwi-secret-1').toString('base64')}`;
/** Outbox topics that say money moved (or was promised) for a line. */
const MONEY_TOPICS = [
  'topup.succeeded', 'topup.reversed', 'package.purchased', 'package.renewed', 'package.renewal_failed', 'credit.granted', 'credit.repaid',
  'transfer.completed', 'payment.refunded', 'bonus.granted', 'bonus.expired', 'balance.low',
];
/** The jobs that act on lines, packages, bonuses, credits and payments (not the SMS sender nor partner webhooks). */
const JOBS = [autoRenewJob, expireBucketsJob, expireBonusJob, creditJob, lifecycleJob, remindersJob, paymentExpiryJob];

for (const dialect of DIALECTS) {
  describe(`a terminated line through every channel [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keySeq = 0;
    let lineId = '';
    let packageId = '';
    let bucketId = '';
    let terminatedAt = 0;
    let posTopUpId = '';
    let paymentRedirect = '';
    let paymentId = '';
    let paidPaymentId = '';
    let pins: string[] = [];
    let agentKey = '';
    let clerkKey = '';
    let identificationId = '';
    let networkKey = '';
    let gatewayKey = '';
    const key = (prefix: string) => ({ 'idempotency-key': `${prefix}-${++keySeq}` });

    before(async () => {
      const defaults = loadSettings({}).payments;
      t = await startTestApp(dialect.name, {
        // Webhooks are processed when the test says so; no velocity limit gets in the way of the many refusals.
        payments: { ...defaults, processWebhooksInline: false, perIpMax: 10_000, perLineMax: 10_000, perPayerMax: 10_000, confirmLinePerIpMax: 10_000, sandbox: { ...defaults.sandbox, duplicatePercent: 0, reorderPercent: 0 } },
      });
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    const db = () => t.app.ctx.db;
    const topUp = (msisdn: string, amount: number) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: key('tu') });
    const expectError = (response: { status: number; body: any }, status: number, code: string, label: string) => {
      assert.equal(response.status, status, `${label}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, code, label);
    };
    const accountsOfLine = async (id: string) => (await db().selectFrom('ledger_accounts')
      .select(['id', 'debits_posted', 'credits_posted', 'debits_pending', 'credits_pending']).where('owner_id', '=', id).orderBy('id').execute())
      .map((a) => `${a.id}:${a.debits_posted}/${a.credits_posted}/${a.debits_pending}/${a.credits_pending}`);
    const count = async (table: 'ledger_transfers' | 'payments' | 'topups' | 'packages' | 'package_periods' | 'balance_transfers' | 'credits' | 'usage_events'
      | 'agent_topups' | 'agent_topup_reversals' | 'store_topups' | 'voucher_redemptions' | 'receipts' | 'payment_refunds') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const outboxOfLine = async (id: string) => (await db().selectFrom('outbox').select(['topic', 'payload']).orderBy('id').execute())
      .filter((row) => { const p = JSON.parse(row.payload); return p.lineId === id || p.msisdn === LINE || p.from === LINE || p.to === LINE; })
      .map((row) => row.topic);
    /** Everything a refused request must leave as it was. */
    const snapshot = async () => ({
      transfers: await count('ledger_transfers'),
      accounts: await accountsOfLine(lineId),
      payments: await count('payments'),
      paymentStates: (await db().selectFrom('payments').select(['id', 'status']).orderBy('id').execute()).map((p) => `${p.id}:${p.status}`),
      moneyOutbox: Number((await db().selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('topic', 'in', MONEY_TOPICS).executeTakeFirstOrThrow()).n),
      outboxOfLine: await outboxOfLine(lineId),
      rows: {
        topups: await count('topups'), packages: await count('packages'), periods: await count('package_periods'), balanceTransfers: await count('balance_transfers'),
        credits: await count('credits'), usage: await count('usage_events'), agentTopups: await count('agent_topups'), reversals: await count('agent_topup_reversals'),
        storeTopups: await count('store_topups'), redemptions: await count('voucher_redemptions'), receipts: await count('receipts'), refunds: await count('payment_refunds'),
      },
      line: await db().selectFrom('lines').select(['msisdn', 'status', 'language', 'valid_until', 'daily_topup_amount', 'last_topup_at']).where('id', '=', lineId).executeTakeFirstOrThrow(),
      pkg: await db().selectFrom('packages').select(['auto_renew', 'renewal_retry_at', 'renewal_failed_period']).where('id', '=', packageId).executeTakeFirstOrThrow(),
      events: (await db().selectFrom('line_events').select('id').where('line_id', '=', lineId).execute()).length,
    });

    it('sets up a line with money, bonus, a promised payment, an auto-renewing package, a POS top-up and a card payment in flight', async () => {
      const created = await t.request('POST', '/v1/lines', { body: { msisdn: LINE, language: 'ru', ownerName: 'Aigerim Serikova' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      lineId = created.body.id;
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: OTHER } })).status, 201);
      // 20,000 ₸ earns a 10% bonus; the promised payment needs 30 days of tenure and a recent top-up.
      assert.equal((await topUp(LINE, 2_000_000)).status, 201);
      assert.equal((await topUp(OTHER, 2_000_000)).status, 201);
      t.clock.advanceDays(31);
      assert.equal((await topUp(LINE, 500_000)).status, 201);
      assert.equal((await topUp(OTHER, 500_000)).status, 201);

      const agent = await t.request('POST', '/v1/admin/agents', { body: { name: 'Kiosk Dostyk', commissionBasisPoints: 150 } });
      assert.equal(agent.status, 201, JSON.stringify(agent.body));
      assert.equal((await t.request('POST', `/v1/admin/agents/${agent.body.id}/deposits`, { body: { amount: 10_000_000, reference: 'bank 1' }, headers: key('dep') })).status, 201);
      agentKey = await t.keyFor('agent', agent.body.floatAccountId);
      const store = await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty Dostyk 1' } });
      assert.equal(store.status, 201, JSON.stringify(store.body));
      clerkKey = await t.keyFor('clerk', store.body.cashAccountId);
      const identified = await t.request('POST', '/v1/counter/identifications', { token: clerkKey, body: { documentType: 'passport', documentNumber: 'N12345678' } });
      assert.equal(identified.status, 201, JSON.stringify(identified.body));
      identificationId = identified.body.id;
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', name: 'QIWI terminals', password: 'qiwi-secret-1' } })).status, 201);
      const batch = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 2, expiresAt: '2027-01-01T00:00:00.000Z' } });
      assert.equal(batch.status, 201, JSON.stringify(batch.body));
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${batch.body.id}/sell`, { body: { dealer: 'Dealer LLP' } })).body.soldCount, 2);
      pins = (batch.body.csv as string).trim().split('\n').slice(1).map((l) => l.split(',')[1]!);
      networkKey = await t.keyFor('network');
      gatewayKey = await t.keyFor('partner');

      // A cashier's top-up, still reversible when the line is terminated (before the promised payment, which it would repay).
      const pos = await t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn: LINE, amount: 50_000 }, headers: key('pos') });
      assert.equal(pos.status, 201, JSON.stringify(pos.body));
      posTopUpId = pos.body.topUp.id;
      // A card top-up paid before the termination (refundable until then).
      const card = await t.request('POST', '/v1/payments', { token: null, body: { msisdn: LINE, amount: 100_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }, headers: key('pay') });
      assert.equal(card.status, 201, JSON.stringify(card.body));
      paidPaymentId = card.body.id;
      assert.equal((await submitCard(t, card.body.redirectUrl, '4242 4242 4242 4242')).status, 200);
      await runJobsOnce(t.app.ctx, [webhookInboxJob]);
      assert.equal((await t.request('GET', `/v1/payments/${paidPaymentId}`)).body.status, 'succeeded');
      const credit = await t.request('POST', `/v1/lines/${LINE}/promised-payment`, { body: { amount: 100_000 }, headers: key('cr') });
      assert.equal(credit.status, 201, JSON.stringify(credit.body));
      assert.equal(credit.body.owed, 110_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: LINE, offering: 'DATA_20GB_30D', autoRenew: true }, headers: key('buy') });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      // The first top-up's 2,000 ₸ bonus expired on day 30 (no job has run since): only the second's pays.
      assert.deepEqual([bought.body.autoRenew, bought.body.paidFromBonus, bought.body.paidFromMain], [true, 50_000, 749_000]);
      packageId = bought.body.id;
      bucketId = bought.body.allowances[0].bucketId;
      // A card payment waiting at the checkout: its top-up is reserved on the line's main balance.
      const payment = await t.request('POST', '/v1/payments', { token: null, body: { msisdn: LINE, amount: 100_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }, headers: key('pay') });
      assert.equal(payment.status, 201, JSON.stringify(payment.body));
      assert.equal(payment.body.status, 'requires_action');
      paymentId = payment.body.id;
      paymentRedirect = payment.body.redirectUrl;

      const line = (await t.request('GET', `/v1/lines/${LINE}`)).body;
      assert.equal(line.status, 'active');
      assert.deepEqual([line.balance.main, line.balance.bonus], [2_000_000 + 500_000 + 50_000 + 100_000 + 100_000 - 749_000, 0]);
      await t.verify();
    });

    it('terminates the line through the admin route: balances and buckets to breakage, the credit repaid, the number quarantined', async () => {
      const done = await t.request('POST', `/v1/lines/${LINE}/terminate`, { body: { reason: 'SIM handed back' } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      terminatedAt = t.clock.now().getTime();
      assert.deepEqual([done.body.from, done.body.to, done.body.reason], ['active', 'terminated', 'terminate: SIM handed back']);
      assert.deepEqual(done.body.forfeited, {
        main: 2_001_000 - 110_000, bonus: 0, creditRepaid: 110_000, creditWrittenOff: 0, buckets: [{ accountId: bucketId, unit: 'DATA_BYTES', units: 20 * GB }],
      });
      const quarantine = await db().selectFrom('number_quarantine').select(['msisdn', 'line_id', 'quarantined_until']).where('line_id', '=', lineId).execute();
      assert.deepEqual(quarantine, [{ msisdn: LINE, line_id: lineId, quarantined_until: new Date(terminatedAt + 180 * DAY_MS).toISOString() }]);
      await t.verify();
    });

    it('refuses the line on every channel with a 4xx and writes nothing', async () => {
      const base = await snapshot();
      assert.equal(base.line.status, 'terminated');
      assert.ok(base.accounts.length >= 4, 'main, bonus, credit and the bucket');
      const unchanged = async (label: string) => assert.deepEqual(await snapshot(), base, `${label} wrote nothing`);

      // Top-ups, purchases, renewals and auto-renewal.
      expectError(await topUp(LINE, 50_000), 409, 'line_terminated', 'POST /v1/topups');
      expectError(await t.request('POST', '/v1/purchases', { body: { msisdn: LINE, offering: 'DATA_1GB_7D' }, headers: key('buy') }), 409, 'line_terminated', 'POST /v1/purchases');
      expectError(await t.request('POST', `/v1/lines/${LINE}/packages/${packageId}/renew`, { headers: key('renew') }), 409, 'line_terminated', 'renew');
      for (const autoRenew of [false, true]) {
        expectError(await t.request('PATCH', `/v1/lines/${LINE}/packages/${packageId}`, { body: { autoRenew } }), 409, 'line_terminated', `auto-renew ${autoRenew}`);
      }
      await unchanged('top-up, purchase, renewal, auto-renew');

      // Balance transfers, both ways; the promised payment; the line's language.
      const sent = await t.request('POST', '/v1/transfers', { body: { from: LINE, to: OTHER, amount: 100_000 }, headers: key('tr') });
      expectError(sent, 409, 'line_terminated', 'transfer from the line');
      assert.deepEqual(sent.body.error.details, { field: 'from' });
      const received = await t.request('POST', '/v1/transfers', { body: { from: OTHER, to: LINE, amount: 100_000 }, headers: key('tr') });
      expectError(received, 409, 'line_terminated', 'transfer to the line');
      assert.deepEqual(received.body.error.details, { field: 'to' });
      const credit = await t.request('POST', `/v1/lines/${LINE}/promised-payment`, { body: { amount: 50_000 }, headers: key('cr') });
      expectError(credit, 422, 'credit_not_eligible', 'promised payment');
      assert.deepEqual(credit.body.error.details, { reason: 'line_not_active', status: 'terminated' });
      expectError(await t.request('PATCH', `/v1/lines/${LINE}`, { body: { language: 'en' } }), 409, 'line_terminated', 'language');
      await unchanged('transfers, promised payment, language');

      // Usage from the network: the event is rejected, nothing rated.
      const usage = await t.request('POST', '/v1/usage', { token: networkKey, body: { events: [{ id: 'ev-terminated-1', msisdn: LINE, service: 'data', units: 1_000, at: t.clock.now().toISOString() }] } });
      assert.equal(usage.status, 200, JSON.stringify(usage.body));
      assert.deepEqual(usage.body, { results: [{ id: 'ev-terminated-1', status: 'rejected', consumed: 0, charged: 0, uncovered: 0, code: 'line_terminated' }], recorded: 0, duplicates: 0, rejected: 1 });
      await unchanged('usage');

      // Card payments: refused before anything is reserved; the number check says it cannot be topped up.
      for (const body of [{ purpose: 'topup' }, { purpose: 'purchase', offering: 'DATA_1GB_7D', amount: 149_000 }]) {
        const payment = await t.request('POST', '/v1/payments', { token: null, body: { msisdn: LINE, amount: 100_000, currency: 'KZT', provider: 'sandbox', ...body }, headers: key('pay') });
        expectError(payment, 409, 'line_terminated', `POST /v1/payments ${body.purpose}`);
      }
      const confirmed = await t.request('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent(LINE)}`, { token: null });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.canTopUp, false);
      assert.equal(confirmed.body.msisdn, '+7701***0001');
      // The card top-up paid before the termination cannot be refunded: its money went to breakage with the rest.
      const refund = await t.request('POST', `/v1/payments/${paidPaymentId}/refunds`, { body: { amount: 100_000 }, headers: key('rf') });
      expectError(refund, 422, 'refund_exceeds_unspent', 'refund');
      await unchanged('payments');

      // The agent's point of sale: the lookup shows the status, the top-up is refused, and the top-up
      // made before the termination cannot be reversed: its money went to breakage with the rest.
      const lookup = await t.request('GET', `/v1/pos/lookup?msisdn=${encodeURIComponent(LINE)}`, { token: agentKey });
      assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
      assert.deepEqual(lookup.body, { msisdn: LINE, operator: 'Kcell', status: 'terminated', barred: false, ownerName: 'A*** S***' });
      expectError(await t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn: LINE, amount: 50_000 }, headers: key('pos') }), 409, 'line_terminated', 'POS top-up');
      const reversal = await t.request('POST', `/v1/pos/topups/${posTopUpId}/reverse`, { token: agentKey });
      expectError(reversal, 409, 'line_terminated', 'POS reversal');
      await unchanged('POS');

      // The store counter.
      expectError(await t.request('POST', '/v1/counter/topups', { token: clerkKey, body: { msisdn: LINE, amount: 50_000, tender: 'cash', identificationId }, headers: key('ct') }), 409, 'line_terminated', 'counter top-up');
      expectError(await t.request('POST', '/v1/counter/packages', { token: clerkKey, body: { msisdn: LINE, offering: 'DATA_1GB_7D', tender: 'card', identificationId }, headers: key('cp') }), 409, 'line_terminated', 'counter package');
      await unchanged('counter');

      // Vouchers, by API and by USSD (a text in the line's language).
      expectError(await t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: LINE, pin: pins[0] } }), 409, 'line_terminated', 'voucher');
      const ussd = await t.request('POST', '/v1/ussd', { token: gatewayKey, body: { msisdn: LINE, input: `*111*${pins[1]}#` } });
      expectError(ussd, 409, 'line_terminated', 'USSD');
      assert.equal(ussd.body.error.message, 'Этот номер закрыт.');
      await unchanged('vouchers');

      // The aggregators' check/pay protocol: result 79 (account not active), the pay refusal recorded under its txn_id.
      const osmp = async (params: Record<string, string>) => {
        const response = await t.request('GET', `/aggregators/qiwi/osmp?${new URLSearchParams(params)}`, { token: null, headers: { authorization: QIWI_AUTH } });
        assert.equal(response.status, 200, response.text);
        const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(response.text)?.[1];
        return { result: Number(field('result')), prvTxn: field('prv_txn'), comment: field('comment') };
      };
      assert.deepEqual(await osmp({ command: 'check', txn_id: '5001', account: '7017770001', sum: '1000' }), { result: 79, prvTxn: '', comment: 'account is not active' });
      for (let attempt = 0; attempt < 2; attempt++) {
        assert.deepEqual(await osmp({ command: 'pay', txn_id: '5002', txn_date: '20260215110000', account: '7017770001', sum: '1000' }), { result: 79, prvTxn: '', comment: 'account is not active' });
      }
      const recorded = await db().selectFrom('aggregator_payments').select(['txn_id', 'result', 'topup_id']).execute();
      assert.deepEqual(recorded.map((r) => [r.txn_id, Number(r.result), r.topup_id]), [['5002', 79, null]]);
      await unchanged('aggregator');

      // Status changes: terminated is final.
      for (const action of ['suspend', 'reactivate', 'terminate']) {
        expectError(await t.request('POST', `/v1/lines/${LINE}/${action}`, { body: { reason: 'try' } }), 409, 'line_terminated', action);
      }
      await unchanged('status changes');

      // The vouchers were not used up by the refusals: they still top up another line.
      for (const pin of pins) {
        const redeemed = await t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: OTHER, pin } });
        assert.equal(redeemed.status, 201, JSON.stringify(redeemed.body));
      }
      await t.verify();
    });

    it('fails the card payment that was in flight at termination: the reservation is voided and the card refunded', async () => {
      const before = await accountsOfLine(lineId);
      const paid = await submitCard(t, paymentRedirect, '4242 4242 4242 4242');
      assert.equal(paid.status, 200);
      await runJobsOnce(t.app.ctx, [webhookInboxJob]);
      const payment = await t.request('GET', `/v1/payments/${paymentId}`);
      assert.equal(payment.body.status, 'failed', JSON.stringify(payment.body));
      assert.equal(payment.body.failureReason, 'credit_refused:line_terminated');
      assert.equal(payment.body.topUpId, null);
      const main = await db().selectFrom('ledger_accounts').selectAll().where('id', '=', `${lineId}.main`).executeTakeFirstOrThrow();
      assert.deepEqual([main.credits_pending, main.credits_posted - main.debits_posted], [0n, 0n]);
      assert.equal((await accountsOfLine(lineId)).filter((a) => !before.includes(a)).length, 1, 'only the main account changed: its reservation voided');
      const session = await db().selectFrom('sandbox_sessions').selectAll().where('payment_id', '=', paymentId).executeTakeFirstOrThrow();
      assert.equal(Number(session.refunded_amount), 100_000);
      await t.verify();
    });

    it('still lets the line be read: terminated, zero balances, its history', async () => {
      const line = await t.request('GET', `/v1/lines/${LINE}`);
      assert.equal(line.status, 200);
      assert.deepEqual([line.body.id, line.body.status, line.body.balance.main, line.body.balance.bonus], [lineId, 'terminated', 0, 0]);
      const balance = await t.request('GET', `/v1/lines/${LINE}/balance`);
      assert.equal(balance.status, 200);
      assert.deepEqual([balance.body.status, balance.body.main, balance.body.bonus], ['terminated', 0, 0]);
      const transactions = await t.request('GET', `/v1/lines/${LINE}/transactions?limit=100`);
      assert.equal(transactions.status, 200);
      const moves = transactions.body.data.map((tx: { code: string; amount: number; account: string }) => `${tx.code}:${tx.account}:${tx.amount}`);
      for (const move of ['forfeit:line_main:-1891000', 'expiry:line_bonus:-200000', 'credit_repayment:line_main:-110000', `forfeit:bucket:${-20 * GB}`]) assert.ok(moves.includes(move), `${move} in ${moves}`);
      const events = await t.request('GET', `/v1/lines/${LINE}/events`);
      assert.equal(events.status, 200);
      assert.deepEqual(events.body.data.map((e: { from: string; to: string; reason: string }) => `${e.from}>${e.to}:${e.reason}`), ['preactive>active:topup', 'active>terminated:terminate: SIM handed back']);
      const packages = await t.request('GET', `/v1/lines/${LINE}/packages`);
      assert.equal(packages.status, 200);
      assert.deepEqual(packages.body.data.map((p: any) => [p.id, p.status, p.autoRenew, p.allowances.map((a: any) => a.remaining)]), [[packageId, 'active', true, [0]]]);
      const credit = await t.request('GET', `/v1/lines/${LINE}/promised-payment`);
      assert.equal(credit.status, 200);
      assert.equal(credit.body.owed, 0);
      const listed = await t.request('GET', '/v1/lines?status=terminated&limit=100');
      assert.deepEqual(listed.body.data.map((l: { id: string; msisdn: string }) => [l.id, l.msisdn]), [[lineId, LINE]]);
    });

    it('the scheduler jobs charge, renew and announce nothing for the line, before and after its package ends', async () => {
      const transfersOfLine = async () => {
        const ids = (await db().selectFrom('ledger_accounts').select('id').where('owner_id', '=', lineId).execute()).map((a) => a.id);
        return (await db().selectFrom('ledger_transfers').select('id').where((eb) => eb.or([eb('debit_account_id', 'in', ids), eb('credit_account_id', 'in', ids)])).execute()).length;
      };
      const transfers = await transfersOfLine();
      const accounts = await accountsOfLine(lineId);
      const outbox = await outboxOfLine(lineId);
      const periods = (await db().selectFrom('package_periods').select('id').where('package_id', '=', packageId).execute()).length;
      const packageEnd = new Date(terminatedAt + 30 * DAY_MS).getTime();
      // Within a day of the package's end (its reminder window), just after it, after the renewal
      // retry window, and after the line's validity would have ended.
      for (const at of [packageEnd - 12 * 3_600_000, packageEnd + 60_000, packageEnd + 8 * DAY_MS, terminatedAt + 61 * DAY_MS, terminatedAt + 91 * DAY_MS]) {
        t.clock.set(new Date(at));
        const handled = await runJobsOnce(t.app.ctx, JOBS);
        assert.equal(handled['packages.auto_renew'], 0, `nothing renewed at ${new Date(at).toISOString()}`);
        assert.equal(await transfersOfLine(), transfers, `no transfer at ${new Date(at).toISOString()}`);
        assert.deepEqual(await accountsOfLine(lineId), accounts);
        assert.deepEqual(await outboxOfLine(lineId), outbox, `no event for the line at ${new Date(at).toISOString()}`);
        assert.equal((await db().selectFrom('package_periods').select('id').where('package_id', '=', packageId).execute()).length, periods);
        const line = await db().selectFrom('lines').select(['status', 'msisdn']).where('id', '=', lineId).executeTakeFirstOrThrow();
        assert.deepEqual(line, { status: 'terminated', msisdn: LINE });
      }
      // The ended period was looked at once and left alone: no failure recorded, no retry queued, not "awaiting funds".
      const pkg = await db().selectFrom('packages').select(['auto_renew', 'renewal_retry_at', 'renewal_failed_period']).where('id', '=', packageId).executeTakeFirstOrThrow();
      assert.deepEqual(pkg, { auto_renew: 1n, renewal_retry_at: null, renewal_failed_period: null });
      const examined = await db().selectFrom('package_periods').select('renewal_examined_at').where('package_id', '=', packageId).executeTakeFirstOrThrow();
      assert.notEqual(examined.renewal_examined_at, null);
      const listed = await t.request('GET', `/v1/lines/${LINE}/packages?include=all`);
      assert.deepEqual(listed.body.data.map((p: { id: string; status: string }) => [p.id, p.status]), [[packageId, 'expired']]);
      const reminders = await db().selectFrom('reminders').select('key').where('line_id', '=', lineId).execute();
      assert.deepEqual(reminders, []);
      // The promised payment repaid by the termination is closed by the collection job, without a transfer.
      const credits = await db().selectFrom('credits').select('status').where('line_id', '=', lineId).execute();
      assert.deepEqual(credits, [{ status: 'closed' }]);
      await t.verify();
    });

    it('keeps the number quarantined until LIFECYCLE_QUARANTINE_DAYS have passed, then gives it to a new line', async () => {
      const quarantineEnds = terminatedAt + t.app.ctx.settings.lifecycle.quarantineDays * DAY_MS;
      t.clock.set(new Date(quarantineEnds - 60_000));
      const refused = await t.request('POST', '/v1/lines', { body: { msisdn: LINE } });
      expectError(refused, 409, 'number_quarantined', 'new line in quarantine');
      assert.deepEqual(refused.body.error.details, { until: new Date(quarantineEnds).toISOString() });
      assert.equal((await t.request('GET', `/v1/lines/${LINE}`)).body.id, lineId);
      t.clock.set(new Date(quarantineEnds));
      const reissued = await t.request('POST', '/v1/lines', { body: { msisdn: LINE } });
      assert.equal(reissued.status, 201, JSON.stringify(reissued.body));
      assert.notEqual(reissued.body.id, lineId);
      const now = await t.request('GET', `/v1/lines/${LINE}`);
      assert.deepEqual([now.body.id, now.body.status, now.body.balance.main], [reissued.body.id, 'preactive', 0]);
      assert.equal((await topUp(LINE, 50_000)).status, 201, 'the new line takes top-ups');
      const old = await db().selectFrom('lines').select(['msisdn', 'status']).where('id', '=', lineId).executeTakeFirstOrThrow();
      assert.deepEqual(old, { msisdn: `${LINE}#${lineId}`, status: 'terminated' });
      await t.verify();
    });
  });
}
