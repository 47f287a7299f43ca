import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../src/app.ts';
import { seedCatalog } from '../src/catalog/seed-catalog.ts';
import { loadSettings } from '../src/config.ts';
import { lineCreditAccountId } from '../src/credit/credit-accounts.ts';
import { runJobsOnce } from '../src/jobs/scheduler.ts';
import { BREAKAGE_ACCOUNT_ID, lineMainAccountId, PROMOTIONS_EXPENSE_ACCOUNT_ID, revenueAccountId } from '../src/ledger/accounts.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { accountBalance, grantTestBucket } from '../src/usage/test-buckets.ts';
import { paymentProviders } from '../src/payments/provider-registry.ts';
import { addLine, createPayment, getPayment, mainAccount, processWebhooks, providerReferenceOf, startPaymentsApp, submitCard } from '../src/payments/payments-test-support.ts';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Adversarial review of money and allowance safety under concurrency and retries (both
 * databases): every probe races requests and checks exact sums, exactly-one outcomes and codes.
 */

const DAY = 86_400_000;
const NO_BONUS = { thresholdMin: 0n, percent: 0n, validityDays: 30 };

type Response = Awaited<ReturnType<TestApp['request']>>;
const codes = (responses: Response[]) => responses.filter((r) => r.status >= 300).map((r) => r.body?.error?.code ?? `status ${r.status}`);
const statuses = (responses: Response[]) => responses.map((r) => r.status);

for (const dialect of DIALECTS) {
  describe(`race review [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let seq = 0;
    let numberSeq = 0;
    let start = 0;
    const creditLines: string[] = [];
    const key = (prefix = 'k') => `${prefix}-${++seq}`;
    const topUp = (msisdn: string, amount: number, idem = key('tu'), token?: string) =>
      t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, token, headers: { 'idempotency-key': idem } });
    const buy = (body: Record<string, unknown>, idem = key('buy'), token?: string) => t.request('POST', '/v1/purchases', { body, token, headers: { 'idempotency-key': idem } });
    const transfer = (from: string, to: string, amount: number, idem = key('bt')) => t.request('POST', '/v1/transfers', { body: { from, to, amount }, headers: { 'idempotency-key': idem } });
    const promise = (msisdn: string, amount: number, idem = key('pp')) => t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount }, headers: { 'idempotency-key': idem } });
    const line = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body;
    const main = async (msisdn: string) => (await line(msisdn)).balance.main as number;
    const balanceOf = async (accountId: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
      return row ? Number(row.credits_posted) - Number(row.debits_posted) - Number(row.debits_pending) : 0;
    };
    const debitsOf = async (accountId: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
      return row ? Number(row.debits_posted) : 0;
    };
    /** A new line; `amount` > 0 tops it up (and so activates it). */
    const newLine = async (amount = 0) => {
      const msisdn = `+7702${String(++numberSeq).padStart(7, '0')}`;
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      if (amount > 0) assert.equal((await topUp(msisdn, amount)).status, 201);
      return { msisdn, id: created.body.id as string };
    };

    before(async () => {
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: NO_BONUS } });
      await seedCatalog(t.app.ctx);
      start = t.clock.now().getTime();
      // Lines eligible for a promised payment: first topped up 31 days ago, and again today.
      for (let i = 0; i < 3; i++) creditLines.push((await newLine(50_000)).msisdn);
      t.clock.set(new Date(start + 31 * DAY));
      for (const msisdn of creditLines) assert.equal((await topUp(msisdn, 50_000)).status, 201);
    });
    after(async () => t?.close());

    it('a promo code with a total limit of 1 and 1 per line, 20 concurrent purchases: exactly one discount', async () => {
      const lines: { msisdn: string; id: string }[] = [];
      for (let i = 0; i < 10; i++) lines.push(await newLine(400_000));
      const now = t.clock.now().getTime();
      const promo = await t.request('POST', '/v1/admin/promotions', { body: {
        code: 'RACE1', discountKind: 'fixed', discountValue: 50_000, usesMax: 1, usesPerLineMax: 1,
        startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + DAY).toISOString(),
      } });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      const expenseBefore = await debitsOf(PROMOTIONS_EXPENSE_ACCOUNT_ID);
      const responses = await Promise.all(lines.flatMap((l) => [0, 1].map(() => buy({ msisdn: l.msisdn, offering: 'DATA_1GB_7D', promoCode: 'RACE1' }))));
      const okOnes = responses.filter((r) => r.status === 201);
      assert.equal(okOnes.length, 1, JSON.stringify(statuses(responses)));
      assert.equal(okOnes[0]!.body.discount, 50_000);
      assert.equal(okOnes[0]!.body.pricePaid, 149_000 - 50_000);
      for (const code of codes(responses)) assert.ok(['promo_code_exhausted', 'promo_code_line_limit'].includes(code), code);
      assert.equal(await debitsOf(PROMOTIONS_EXPENSE_ACCOUNT_ID) - expenseBefore, 50_000);
      let total = 0;
      for (const l of lines) total += await main(l.msisdn);
      assert.equal(total, 10 * 400_000 - 99_000);
      const counter = await t.app.ctx.db.selectFrom('counters').select('value').where('key', '=', `promo:${promo.body.id}:uses`).executeTakeFirst();
      assert.equal(Number(counter?.value), 1);
      await t.verify();
    });

    it('concurrent balance transfers beyond the daily limit: exactly the limit moves, the rest transfer_daily_limit_exceeded', async () => {
      // 100,000 ₸ on the sender; 10 × 20,000 ₸ transfers against a 50,000 ₸ daily limit: two fit.
      const from = await newLine(10_000_000);
      const to = await newLine(50_000);
      const feesBefore = await balanceOf(revenueAccountId('fees'));
      const responses = await Promise.all(Array.from({ length: 10 }, () => transfer(from.msisdn, to.msisdn, 2_000_000)));
      const okCount = responses.filter((r) => r.status === 201).length;
      assert.equal(okCount, 2, JSON.stringify(statuses(responses)));
      assert.deepEqual(new Set(codes(responses)), new Set(['transfer_daily_limit_exceeded']));
      assert.equal(await main(from.msisdn), 10_000_000 - 2 * 2_002_000);
      assert.equal(await main(to.msisdn), 50_000 + 2 * 2_000_000);
      assert.equal(await balanceOf(revenueAccountId('fees')) - feesBefore, 2 * 2_000);
    });

    it('concurrent balance transfers beyond the balance: never below zero, the rest balance_insufficient', async () => {
      // 30,000 ₸ on the sender: one 20,000 ₸ transfer (+20 ₸ fee) fits, a second does not.
      const from = await newLine(3_000_000);
      const to = await newLine(50_000);
      const responses = await Promise.all(Array.from({ length: 10 }, () => transfer(from.msisdn, to.msisdn, 2_000_000)));
      assert.equal(responses.filter((r) => r.status === 201).length, 1, JSON.stringify(statuses(responses)));
      assert.deepEqual(new Set(codes(responses)), new Set(['balance_insufficient']));
      assert.equal(await main(from.msisdn), 3_000_000 - 2_002_000);
      assert.equal(await main(to.msisdn), 50_000 + 2_000_000);
    });

    it('a promised payment requested twice at once (distinct keys): one credit, the other credit_open', async () => {
      const msisdn = creditLines[0]!;
      const before = await main(msisdn);
      const responses = await Promise.all([promise(msisdn, 50_000), promise(msisdn, 100_000), promise(msisdn, 50_000)]);
      const granted = responses.filter((r) => r.status === 201);
      assert.equal(granted.length, 1, JSON.stringify(statuses(responses)));
      assert.deepEqual(codes(responses), ['credit_open', 'credit_open']);
      assert.equal(await main(msisdn), before + granted[0]!.body.amount);
      const lineId = (await line(msisdn)).id;
      assert.equal(-(await balanceOf(lineCreditAccountId(lineId))), granted[0]!.body.owed);
      assert.equal((await t.app.ctx.db.selectFrom('credits').select('id').where('line_id', '=', lineId).execute()).length, 1);
    });

    it('a transfer racing a promised payment: no transfer commits while the credit is open', async () => {
      const msisdn = creditLines[1]!;
      const target = await newLine(50_000);
      const responses = await Promise.all([
        transfer(msisdn, target.msisdn, 10_000), promise(msisdn, 50_000), transfer(msisdn, target.msisdn, 10_000), transfer(msisdn, target.msisdn, 10_000),
      ]);
      const credit = responses[1]!;
      assert.equal(credit.status, 201, JSON.stringify(credit.body));
      const transfers = [responses[0]!, responses[2]!, responses[3]!];
      for (const r of transfers) assert.ok(r.status === 201 || r.body.error.code === 'credit_open', JSON.stringify(r.body));
      // Every committed transfer was ordered before the credit (its ledger transfer is older).
      const lineId = (await line(msisdn)).id;
      const rows = await t.app.ctx.db.selectFrom('ledger_transfers').select(['id', 'code']).where('debit_account_id', 'in', [lineMainAccountId(lineId), lineCreditAccountId(lineId)])
        .where('code', 'in', ['balance_transfer', 'promised_payment']).orderBy('id').execute();
      const creditAt = rows.findIndex((r) => r.code === 'promised_payment');
      assert.ok(rows.slice(creditAt).every((r) => r.code !== 'balance_transfer'), JSON.stringify(rows));
      assert.equal(rows.filter((r) => r.code === 'balance_transfer').length, transfers.filter((r) => r.status === 201).length);
      // While it is open, no transfer at all.
      const later = await Promise.all(Array.from({ length: 5 }, () => transfer(msisdn, target.msisdn, 10_000)));
      assert.deepEqual(codes(later), Array(5).fill('credit_open'));
    });

    it('one Idempotency-Key on two routes at once (top-up and purchase): each operation once', async () => {
      const l = await newLine(200_000);
      const responses = await Promise.all([
        topUp(l.msisdn, 100_000, 'shared-key'), buy({ msisdn: l.msisdn, offering: 'DATA_1GB_7D' }, 'shared-key'),
        topUp(l.msisdn, 100_000, 'shared-key'), buy({ msisdn: l.msisdn, offering: 'DATA_1GB_7D' }, 'shared-key'),
      ]);
      assert.deepEqual(statuses(responses), [201, 201, 201, 201], JSON.stringify(responses.map((r) => r.body)));
      assert.equal(responses[0]!.body.id, responses[2]!.body.id);
      assert.equal(responses[1]!.body.id, responses[3]!.body.id);
      assert.equal(await main(l.msisdn), 200_000 + 100_000 - 149_000);
      const packages = await t.app.ctx.db.selectFrom('packages').select('id').where('line_id', '=', l.id).execute();
      assert.equal(packages.length, 1);
    });

    it('one Idempotency-Key with different bodies at once: one body wins, the others 409, credited once', async () => {
      const l = await newLine(0);
      const bodies = Array.from({ length: 12 }, (_, i) => 50_000 + (i % 3) * 1_000);
      const responses = await Promise.all(bodies.map((amount) => topUp(l.msisdn, amount, 'contested-key')));
      const winners = responses.filter((r) => r.status === 201);
      assert.ok(winners.length >= 1);
      assert.equal(new Set(winners.map((r) => r.body.id)).size, 1);
      const amount = winners[0]!.body.amount;
      responses.forEach((r, i) => {
        if (bodies[i] === amount) assert.equal(r.status, 201, JSON.stringify(r.body));
        else assert.deepEqual([r.status, r.body.error.code], [409, 'idempotency_key_reused']);
      });
      assert.equal(await main(l.msisdn), amount);
      // Purchases: same.
      await topUp(l.msisdn, 500_000);
      const purchases = await Promise.all(['DATA_1GB_7D', 'VOICE_100MIN_30D', 'DATA_1GB_7D', 'VOICE_100MIN_30D'].map((offering) => buy({ msisdn: l.msisdn, offering }, 'contested-buy')));
      const bought = purchases.filter((r) => r.status === 201);
      assert.equal(new Set(bought.map((r) => r.body.id)).size, 1);
      assert.equal(bought.length, 2, JSON.stringify(statuses(purchases)));
      assert.deepEqual(codes(purchases), ['idempotency_key_reused', 'idempotency_key_reused']);
      assert.equal(await main(l.msisdn), amount + 500_000 - bought[0]!.body.pricePaid);
    });

    it('usage of a line racing a purchase for it: units and money add up, nothing negative', async () => {
      // Enough for the pack and all the pay-as-you-go (100 MB at 10 ₸), in whichever order they run.
      const l = await newLine(300_000);
      const network = await t.keyFor('network');
      const MB = 1_048_576;
      const events = Array.from({ length: 20 }, (_, i) => ({ id: `race-ev-${l.id}-${i}`, msisdn: l.msisdn, service: 'data', units: 5 * MB, at: t.clock.now().toISOString() }));
      const usage = (slice: typeof events) => t.request('POST', '/v1/usage', { body: { events: slice }, token: network });
      const [u1, purchase, u2, u3] = await Promise.all([usage(events.slice(0, 5)), buy({ msisdn: l.msisdn, offering: 'DATA_1GB_7D' }), usage(events.slice(5, 12)), usage(events.slice(12))]);
      assert.equal(purchase.status, 201, JSON.stringify(purchase.body));
      const results = [u1!, u2!, u3!].flatMap((r) => { assert.equal(r.status, 200, JSON.stringify(r.body)); return r.body.results; });
      assert.ok(results.every((r: any) => r.status === 'recorded'));
      const consumed = results.reduce((s: number, r: any) => s + r.consumed, 0);
      const charged = results.reduce((s: number, r: any) => s + r.charged, 0);
      const uncovered = results.reduce((s: number, r: any) => s + r.uncovered, 0);
      assert.equal(consumed + uncovered + charged / 1_000 * MB, 20 * 5 * MB);
      assert.equal(await main(l.msisdn), 300_000 - 149_000 - charged);
      const bucket = purchase.body.allowances[0].bucketId as string;
      assert.equal(await balanceOf(bucket), 1024 * MB - consumed);
    });

    it('two usage requests sharing event ids: each event is rated once', async () => {
      const l = await newLine(100_000);
      const network = await t.keyFor('network');
      const bucket = await grantTestBucket(t.app.ctx, l.id, 'SMS', 100n, new Date(t.clock.now().getTime() + DAY).toISOString());
      const events = Array.from({ length: 30 }, (_, i) => ({ id: `shared-${l.id}-${i}`, msisdn: l.msisdn, service: 'sms', units: 1, at: t.clock.now().toISOString() }));
      const responses = await Promise.all([
        t.request('POST', '/v1/usage', { body: { events: events.slice(0, 20) }, token: network }),
        t.request('POST', '/v1/usage', { body: { events: events.slice(10) }, token: network }),
        t.request('POST', '/v1/usage', { body: { events }, token: network }),
      ]);
      assert.deepEqual(statuses(responses), [200, 200, 200], JSON.stringify(responses.map((r) => r.body)));
      const recorded = responses.reduce((s, r) => s + r.body.recorded, 0);
      assert.equal(recorded, 30);
      assert.equal(await accountBalance(t.app.ctx, bucket), 70n);
      assert.equal(await main(l.msisdn), 100_000);
    });

    it('a voucher PIN redeemed 20 times at once (one line and several): credits once', async () => {
      const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 2, expiresAt: '2027-01-01T00:00:00.000Z' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${created.body.id}/sell`, { body: { dealer: 'D' } })).status, 200);
      const pins = (created.body.csv as string).trim().split('\n').slice(1).map((row) => row.split(',')[1]!);
      const lines: { msisdn: string; id: string }[] = [];
      for (let i = 0; i < 5; i++) lines.push(await newLine(0));
      const redeem = (msisdn: string, pin: string) => t.request('POST', '/v1/vouchers/redeem', { body: { msisdn, pin } });
      // Same line, 20 times.
      await t.app.ctx.db.deleteFrom('rate_limits').execute();
      const same = await Promise.all(Array.from({ length: 20 }, () => redeem(lines[0]!.msisdn, pins[0]!)));
      assert.equal(same.filter((r) => r.status === 201).length, 1, JSON.stringify(codes(same)));
      for (const code of codes(same)) assert.ok(['voucher_already_redeemed', 'rate_limited'].includes(code), code);
      assert.equal(await main(lines[0]!.msisdn), 100_000);
      // Several lines, 20 times.
      await t.app.ctx.db.deleteFrom('rate_limits').execute();
      const spread = await Promise.all(Array.from({ length: 20 }, (_, i) => redeem(lines[1 + (i % 4)]!.msisdn, pins[1]!)));
      assert.equal(spread.filter((r) => r.status === 201).length, 1, JSON.stringify(codes(spread)));
      for (const code of codes(spread)) assert.ok(['voucher_already_redeemed', 'rate_limited'].includes(code), code);
      let total = 0;
      for (const l of lines.slice(1)) total += await main(l.msisdn);
      assert.equal(total, 100_000);
    });

    it('a voucher redemption racing its block: one of the two, never both', async () => {
      const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 6, expiresAt: '2027-01-01T00:00:00.000Z' } });
      await t.request('POST', `/v1/admin/voucher-batches/${created.body.id}/sell`, { body: { dealer: 'D' } });
      const rows = (created.body.csv as string).trim().split('\n').slice(1).map((row) => row.split(','));
      for (const [serial, pin] of rows) {
        await t.app.ctx.db.deleteFrom('rate_limits').execute();
        const l = await newLine(0);
        const [redeemed, blocked] = await Promise.all([
          t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: l.msisdn, pin } }),
          t.request('POST', `/v1/admin/vouchers/${serial}/block`),
        ]);
        assert.ok((redeemed.status === 201) !== (blocked.status === 200), JSON.stringify([redeemed.body, blocked.body]));
        if (redeemed.status === 201) {
          assert.equal(blocked.body.error.code, 'voucher_already_redeemed');
          assert.equal(await main(l.msisdn), 100_000);
        } else {
          assert.equal(redeemed.body.error.code, 'voucher_not_active');
          assert.equal(await main(l.msisdn), 0);
        }
      }
    });

    it('two purchases of a non-stacking pack at once (distinct keys): one pack, one charge', async () => {
      const l = await newLine(500_000);
      const responses = await Promise.all(Array.from({ length: 6 }, () => buy({ msisdn: l.msisdn, offering: 'MESSENGERS_30D' })));
      assert.equal(responses.filter((r) => r.status === 201).length, 1, JSON.stringify(statuses(responses)));
      assert.deepEqual(new Set(codes(responses)), new Set(['package_already_active']));
      assert.equal(await main(l.msisdn), 500_000 - 99_000);
    });

    it('top-ups of one line through the API, a POS and vouchers at once stay within the daily limit', async () => {
      const l = await newLine(0);
      const agent = await t.request('POST', '/v1/admin/agents', { body: { name: `Race kiosk ${++seq}`, commissionBasisPoints: 0 } });
      await t.request('POST', `/v1/admin/agents/${agent.body.id}/deposits`, { body: { amount: 100_000_000, reference: 'bank' }, headers: { 'idempotency-key': key('dep') } });
      const agentKey = await t.keyFor('agent', agent.body.floatAccountId);
      const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 5_000_000, count: 4, expiresAt: '2027-01-01T00:00:00.000Z' } });
      await t.request('POST', `/v1/admin/voucher-batches/${created.body.id}/sell`, { body: { dealer: 'D' } });
      const pins = (created.body.csv as string).trim().split('\n').slice(1).map((row) => row.split(',')[1]!);
      await t.app.ctx.db.deleteFrom('rate_limits').execute();
      const responses = await Promise.all([
        ...Array.from({ length: 4 }, () => topUp(l.msisdn, 10_000_000)),
        ...Array.from({ length: 4 }, () => t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn: l.msisdn, amount: 5_000_000 }, headers: { 'idempotency-key': key('pos') } })),
        ...pins.map((pin) => t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: l.msisdn, pin } })),
      ]);
      for (const code of codes(responses)) assert.equal(code, 'daily_limit_exceeded');
      const credited = [10_000_000, 10_000_000, 10_000_000, 10_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000]
        .reduce((sum, amount, i) => sum + (responses[i]!.status === 201 ? amount : 0), 0);
      assert.ok(credited <= 30_000_000 && credited >= 25_000_000, String(credited));
      assert.equal(await main(l.msisdn), credited);
    });

    it('POS top-ups raced against the agent float: exactly what the float holds, commission exact', async () => {
      const agent = await t.request('POST', '/v1/admin/agents', { body: { name: `Race kiosk ${++seq}`, commissionBasisPoints: 150 } });
      assert.equal(agent.status, 201, JSON.stringify(agent.body));
      const dep = await t.request('POST', `/v1/admin/agents/${agent.body.id}/deposits`, { body: { amount: 250_000, reference: 'bank' }, headers: { 'idempotency-key': key('dep') } });
      assert.equal(dep.status, 201, JSON.stringify(dep.body));
      const agentKey = await t.keyFor('agent', agent.body.floatAccountId);
      const lines: { msisdn: string; id: string }[] = [];
      for (let i = 0; i < 4; i++) lines.push(await newLine(0));
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn: lines[i % 4]!.msisdn, amount: 50_000 }, headers: { 'idempotency-key': key('pos') } })));
      assert.equal(responses.filter((r) => r.status === 201).length, 5, JSON.stringify(statuses(responses)));
      assert.deepEqual(new Set(codes(responses)), new Set(['balance_insufficient']));
      assert.equal(await balanceOf(`agent:${agent.body.id}.float`), 0);
      assert.equal(await balanceOf(`agent:${agent.body.id}.commission`), 5 * 750);
      let total = 0;
      for (const l of lines) total += await main(l.msisdn);
      assert.equal(total, 250_000);
    });

    it('a POS reversal racing a purchase that spends the money: one of the two', async () => {
      const agent = await t.request('POST', '/v1/admin/agents', { body: { name: `Race kiosk ${++seq}`, commissionBasisPoints: 100 } });
      await t.request('POST', `/v1/admin/agents/${agent.body.id}/deposits`, { body: { amount: 1_000_000, reference: 'bank' }, headers: { 'idempotency-key': key('dep') } });
      const agentKey = await t.keyFor('agent', agent.body.floatAccountId);
      const l = await newLine(0);
      const pos = await t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn: l.msisdn, amount: 150_000 }, headers: { 'idempotency-key': key('pos') } });
      assert.equal(pos.status, 201, JSON.stringify(pos.body));
      const [reversal, purchase, reversal2] = await Promise.all([
        t.request('POST', `/v1/pos/topups/${pos.body.topUp.id}/reverse`, { token: agentKey }),
        buy({ msisdn: l.msisdn, offering: 'DATA_1GB_7D' }),
        t.request('POST', `/v1/pos/topups/${pos.body.topUp.id}/reverse`, { token: agentKey }),
      ]);
      const reversed = reversal!.status < 300 || reversal2!.status < 300;
      assert.ok(reversed !== (purchase!.status === 201), JSON.stringify([reversal!.body, purchase!.body, reversal2!.body]));
      if (reversed) {
        assert.equal(purchase!.body.error.code, 'balance_insufficient');
        assert.equal(await main(l.msisdn), 0);
        assert.equal(await balanceOf(`agent:${agent.body.id}.float`), 1_000_000);
        assert.equal(await balanceOf(`agent:${agent.body.id}.commission`), 0);
      } else {
        // Refused as spent, whether the purchase committed before the reversal read the line's history or between that read and its command.
        assert.equal(reversal!.body.error.code, 'topup_already_spent');
        assert.equal(await main(l.msisdn), 1_000);
      }
    });
  });

  describe(`race review: top-ups racing the lifecycle job [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: NO_BONUS } }); });
    after(async () => t?.close());

    it('each line ends either topped up and active, or terminated with the top-up refused and its balance forfeited', async () => {
      const start = t.clock.now().getTime();
      const lines: { msisdn: string; id: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const msisdn = `+7705${String(i).padStart(7, '0')}`;
        const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
        lines.push({ msisdn, id: created.body.id });
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 70_000, currency: 'KZT' }, headers: { 'idempotency-key': `lc-${i}` } })).status, 201);
      }
      const breakageBefore = await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID);
      // Validity 30 days + grace 30 + suspended 60: at day 125 every step up to termination is due.
      t.clock.set(new Date(start + 125 * DAY));
      const [, ...answers] = await Promise.all([
        runJobsOnce(t.app.ctx, [lifecycleJob]),
        ...lines.map((l, i) => t.request('POST', '/v1/topups', { body: { msisdn: l.msisdn, amount: 60_000, currency: 'KZT' }, headers: { 'idempotency-key': `lc-race-${i}` } })),
      ]);
      let forfeited = 0n;
      for (const [i, l] of lines.entries()) {
        const answer = answers[i]!;
        const view = (await t.request('GET', `/v1/lines/${l.msisdn}`)).body;
        if (answer.status === 201) {
          assert.equal(view.status, 'active', `${l.msisdn}: ${JSON.stringify(view)}`);
          assert.equal(view.balance.main, 130_000);
          assert.equal(view.validUntil, new Date(start + 155 * DAY).toISOString());
        } else {
          assert.equal(answer.body.error.code, 'line_terminated', JSON.stringify(answer.body));
          assert.equal(view.status, 'terminated');
          assert.equal(view.balance.main, 0);
          forfeited += 70_000n;
        }
      }
      assert.equal((await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID)) - breakageBefore, forfeited);
      // A second run at the same instant changes nothing.
      assert.equal((await runJobsOnce(t.app.ctx, [lifecycleJob]))['line-lifecycle'], 0);
    });
  });

  describe(`race review: two processes on one database [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let other: App;
    before(async () => {
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: NO_BONUS } });
      await seedCatalog(t.app.ctx);
      other = await createApp(t.app.ctx.settings, { clock: t.clock, logLevel: 'silent' });
    });
    after(async () => {
      await other?.close();
      await t?.close();
    });
    const via = (app: App, method: string, url: string, body: unknown, idem?: string) =>
      app.server.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...(idem ? { 'idempotency-key': idem } : {}) }, payload: JSON.stringify(body) })
        .then((r) => ({ status: r.statusCode, body: r.json() }));

    it('a promo code with a limit of 1, transfers beyond the daily limit and one top-up key, split over two processes', async () => {
      const msisdns = Array.from({ length: 8 }, (_, i) => `+7708${String(i).padStart(7, '0')}`);
      for (const msisdn of msisdns) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 10_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `mp-${msisdn}` } })).status, 201);
      }
      const now = t.clock.now().getTime();
      const promo = await t.request('POST', '/v1/admin/promotions', { body: {
        code: 'TWOPROC', discountKind: 'fixed', discountValue: 40_000, usesMax: 1, startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + DAY).toISOString(),
      } });
      assert.equal(promo.status, 201);
      const apps = [t.app, other];
      const purchases = await Promise.all(Array.from({ length: 16 }, (_, i) => via(apps[i % 2]!, 'POST', '/v1/purchases', { msisdn: msisdns[i % 8], offering: 'DATA_1GB_7D', promoCode: 'TWOPROC' }, `mp-buy-${i}`)));
      assert.equal(purchases.filter((r) => r.status === 201).length, 1, JSON.stringify(purchases.map((r) => r.status)));
      for (const r of purchases.filter((r) => r.status !== 201)) assert.equal(r.body.error.code, 'promo_code_exhausted');
      const transfers = await Promise.all(Array.from({ length: 10 }, (_, i) => via(apps[i % 2]!, 'POST', '/v1/transfers', { from: msisdns[0], to: msisdns[1], amount: 2_000_000 }, `mp-bt-${i}`)));
      assert.equal(transfers.filter((r) => r.status === 201).length, 2, JSON.stringify(transfers.map((r) => [r.status, r.body.error?.code])));
      for (const r of transfers.filter((r) => r.status !== 201)) assert.equal(r.body.error.code, 'transfer_daily_limit_exceeded');
      const topUps = await Promise.all(Array.from({ length: 10 }, (_, i) => via(apps[i % 2]!, 'POST', '/v1/topups', { msisdn: msisdns[2], amount: 50_000, currency: 'KZT' }, 'mp-same-key')));
      assert.deepEqual(topUps.map((r) => r.status), Array(10).fill(201), JSON.stringify(topUps.map((r) => r.body)));
      assert.equal(new Set(topUps.map((r) => r.body.id)).size, 1);
      const view = async (m: string) => (await t.request('GET', `/v1/lines/${m}`)).body.balance.main;
      let total = 0;
      for (const m of msisdns) total += await view(m);
      // 8 × 100,000 ₸ in, 16 purchases refused but one, one discounted, 2 transfers' fees, one top-up.
      assert.equal(total, 8 * 10_000_000 - 109_000 - 2 * 2_000 + 50_000);
    });
  });
  describe(`race review: refunds [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let n = 0;
    before(async () => { t = await startPaymentsApp(dialect.name); });
    after(async () => t?.close());

    async function paid(amount: number) {
      const msisdn = `+7707${String(++n).padStart(7, '0')}`;
      await addLine(t, msisdn);
      const created = await createPayment(t, { msisdn, amount }, `pay-${msisdn}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await submitCard(t, created.body.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const payment = await getPayment(t, created.body.id);
      assert.equal(payment.status, 'succeeded');
      return { msisdn, payment, reference: await providerReferenceOf(t, payment.id) };
    }
    const refund = (id: string, amount: number, idem: string) => t.request('POST', `/v1/payments/${id}/refunds`, { body: { amount }, headers: { 'idempotency-key': idem } });
    const providerRefunded = async (reference: string) =>
      Number((await t.app.ctx.db.selectFrom('sandbox_sessions').select('refunded_amount').where('id', '=', reference).executeTakeFirstOrThrow()).refunded_amount);

    it('concurrent refunds with distinct keys: never more than was paid, here or at the provider', async () => {
      const { msisdn, payment, reference } = await paid(100_000);
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => refund(payment.id, 30_000, `distinct-${i}`)));
      assert.equal(responses.filter((r) => r.status === 201).length, 3, JSON.stringify(statuses(responses)));
      assert.deepEqual(new Set(codes(responses)), new Set(['refund_exceeds_payment']));
      assert.equal((await mainAccount(t, msisdn)).available, 10_000);
      assert.equal((await getPayment(t, payment.id)).refundedAmount, 90_000);
      assert.equal(await providerRefunded(reference), 90_000);
    });

    it('one refund request sent twice at once (same key, same body): refunded once, both answered alike', async () => {
      const { msisdn, payment, reference } = await paid(100_000);
      const responses = await Promise.all([refund(payment.id, 30_000, 'same'), refund(payment.id, 30_000, 'same')]);
      assert.deepEqual(statuses(responses), [201, 201], JSON.stringify(responses.map((r) => r.body)));
      assert.equal(responses[0]!.body.id, responses[1]!.body.id);
      assert.equal((await mainAccount(t, msisdn)).available, 70_000);
      assert.equal(await providerRefunded(reference), 30_000);
    });

    it('a full refund sent twice at once (same key): the card and the ledger agree', async () => {
      const { msisdn, payment, reference } = await paid(100_000);
      const responses = await Promise.all([refund(payment.id, 100_000, 'full'), refund(payment.id, 100_000, 'full')]);
      assert.deepEqual(statuses(responses), [201, 201], JSON.stringify(responses.map((r) => r.body)));
      assert.equal(await providerRefunded(reference), 100_000);
      assert.equal((await mainAccount(t, msisdn)).available, 0);
      assert.equal((await getPayment(t, payment.id)).refundedAmount, 100_000);
    });
    it('a refund repeat while the provider is still answering the first: it waits for the first, calls nobody, answers alike; no money made', async () => {
      const { msisdn, payment, reference } = await paid(100_000);
      const sandbox = paymentProviders(t.app.ctx).sandbox!;
      const original = sandbox.refund.bind(sandbox);
      let calls = 0;
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      let entered!: () => void;
      const reached = new Promise<void>((resolve) => { entered = resolve; });
      // The provider refunds the card, then takes its time to answer.
      sandbox.refund = async (ref: string, amount: bigint, idempotencyKey: string): ReturnType<typeof original> => {
        calls++;
        const result = await original(ref, amount, idempotencyKey);
        entered();
        await held;
        return result;
      };
      try {
        const first = refund(payment.id, 100_000, 'in-flight');
        await reached;
        const second = refund(payment.id, 100_000, 'in-flight');
        release();
        const answers = [await first, await second];
        assert.deepEqual(statuses(answers), [201, 201], JSON.stringify(answers.map((r) => r.body)));
        assert.equal(answers[0]!.body.id, answers[1]!.body.id);
        assert.equal(calls, 1, 'the repeat called the provider no second time');
        assert.equal(await providerRefunded(reference), 100_000);
        assert.equal((await mainAccount(t, msisdn)).available, 0);
      } finally {
        release();
        sandbox.refund = original;
      }
    });
  });
}
