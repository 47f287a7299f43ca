import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import type { PromotionTable } from '../packages/packages-tables.ts';
import { createPromotion } from './create-promotion.ts';
import { expireBonus, expireBonusJob, expiryCommand } from './expire-bonus-job.ts';
import { findUnexaminedExpiredGrantsOf, sumExpiredGrants } from './promotions-repository.ts';
import { bestQuote, discountOf } from './promotion.ts';
import { applyTopUpBonus, takeBackTopUpBonus, topUpBonusLocks } from './top-up-bonus.ts';

const promo = (kind: string, value: number, id = 'p1'): PromotionTable => ({
  id, code: null, offering_codes: null, discount_kind: kind, discount_value: BigInt(value), starts_at: '2026-01-01T00:00:00.000Z',
  ends_at: '2027-01-01T00:00:00.000Z', uses_max: null, uses_per_line_max: null, created_at: '2026-01-01T00:00:00.000Z',
});

describe('promotion rules', () => {
  it('rounds percent discounts down, caps fixed ones at the price, and picks the single largest', () => {
    assert.equal(discountOf(promo('percent', 33), 149_999n), 49_499n);
    assert.equal(discountOf(promo('fixed', 500_000), 149_000n), 149_000n);
    const quote = bestQuote(100_000n, [promo('percent', 10, 'a'), promo('fixed', 15_000, 'b'), promo('percent', 12, 'c')]);
    assert.deepEqual([quote.price, quote.discount, quote.promotion?.id], [85_000n, 15_000n, 'b']);
  });
});

for (const dialect of DIALECTS) {
  describe(`promotions [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    const grant = async (lineId: string, amount: bigint, topUpId: string) => {
      const result = await t.app.ctx.writer.submit({ name: 'bonus', lock: topUpBonusLocks(lineId), execute: (tx) => applyTopUpBonus(tx, { lineId, topUpId, amount }) });
      assert.ok(result.ok);
      return result.value.value;
    };

    it('automatic promotions lower the listed and charged price; the quote names no code', async () => {
      const now = t.clock.now().getTime();
      const created = await t.request('POST', '/v1/admin/promotions', { body: {
        offerings: ['TOURIST_COMBO_15D'], discountKind: 'fixed', discountValue: 100_000,
        startsAt: new Date(now).toISOString(), endsAt: new Date(now + 86_400_000).toISOString(),
      } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const list = await t.request('GET', '/v1/offerings', { token: null });
      const combo = list.body.data.find((o: { code: string }) => o.code === 'TOURIST_COMBO_15D');
      assert.deepEqual([combo.listPrice, combo.price], [599_000, 499_000]);
      const quote = await t.request('GET', '/v1/offerings/TOURIST_COMBO_15D/quote', { token: null });
      assert.deepEqual([quote.body.price, quote.body.promoCode], [499_000, null]);
      assert.equal((await t.request('POST', '/v1/admin/promotions', { body: { discountKind: 'percent', discountValue: 101, startsAt: 'x', endsAt: 'y' } })).body.error.code, 'promotion_invalid');
      // A window already over (a mistyped year) is refused, not made unusable.
      const past = await t.request('POST', '/v1/admin/promotions', { body: { code: 'OLD10', discountKind: 'percent', discountValue: 10, startsAt: '2020-01-01T00:00:00Z', endsAt: '2020-02-01T00:00:00Z' } });
      assert.deepEqual([past.status, past.body.error.code, past.body.error.details.field], [422, 'promotion_invalid', 'endsAt']);
      t.clock.advanceDays(2);
      assert.equal((await t.request('GET', '/v1/offerings/TOURIST_COMBO_15D/quote', { token: null })).body.price, 599_000);
      t.clock.advanceDays(-2);
    });

    it('a promotion names at least one offering, each known; without the list it is for all', async () => {
      const now = t.clock.now().getTime();
      const window = { discountKind: 'percent', discountValue: 10, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 86_400_000).toISOString() };
      const count = async () => (await t.request('GET', '/v1/admin/promotions?limit=100')).body.data.length;
      const before = await count();
      const empty = await t.request('POST', '/v1/admin/promotions', { body: { ...window, code: 'EMPTY10', offerings: [] } });
      assert.deepEqual([empty.status, empty.body.error.code], [400, 'validation_failed']);
      const unknown = await t.request('POST', '/v1/admin/promotions', { body: { ...window, code: 'NOPE10', offerings: ['DATA_1GB_7D', 'NOPE'] } });
      assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.details?.code], [404, 'offering_not_found', 'NOPE']);
      const direct = await createPromotion(t.app.ctx, SYSTEM_ACTOR, { ...window, code: 'EMPTY10', offerings: [] });
      assert.ok(!direct.ok && direct.error.code === 'promotion_invalid' && direct.error.details?.field === 'offerings');
      assert.equal(await count(), before);
      const all = await t.request('POST', '/v1/admin/promotions', { body: { ...window, code: 'ALL10' } });
      assert.equal(all.status, 201, JSON.stringify(all.body));
      assert.equal(all.body.offerings, null);
      assert.equal((await t.request('GET', '/v1/offerings/DATA_20GB_30D/quote?promoCode=ALL10', { token: null })).body.promoCode, 'ALL10');
      // As people type a code off a poster: small letters, spaces around it.
      assert.equal((await t.request('GET', `/v1/offerings/DATA_20GB_30D/quote?promoCode=${encodeURIComponent(' all10 ')}`, { token: null })).body.promoCode, 'ALL10');
      // As a Chinese or Japanese keyboard types it (full-width letters and digits, an ideographic space), as a number or a PIN is read.
      const fullWidth = await t.request('GET', `/v1/offerings/DATA_20GB_30D/quote?promoCode=${encodeURIComponent('ａｌｌ１０\u3000')}`, { token: null });
      assert.equal(fullWidth.body.promoCode, 'ALL10', JSON.stringify(fullWidth.body));
    });

    it('a top-up bonus is granted from 5,000 ₸, spent first, and what is left expires once, back to the promotions expense', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77013330001' } });
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77013330001').executeTakeFirstOrThrow();
      assert.equal((await grant(line.id, 499_999n, 'tu_small')).bonus, 0);
      assert.equal((await grant(line.id, 1_000_000n, 'tu_1')).bonus, 100_000);
      t.clock.advanceDays(20);
      assert.equal((await grant(line.id, 600_000n, 'tu_2')).bonus, 60_000);
      // Spend 149,000: the older grant's 100,000 and 49,000 of the newer one.
      await t.request('POST', '/v1/topups', { body: { msisdn: '+77013330001', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'b-tu' } });
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77013330001', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'b-buy' } });
      assert.equal(bought.body.paidFromBonus, 149_000);
      t.clock.advanceDays(11); // the first grant has expired, the second has not: nothing to forfeit
      await runJobsOnce(t.app.ctx, [expireBonusJob]);
      assert.equal((await t.request('GET', '/v1/lines/+77013330001')).body.balance.bonus, 11_000);
      t.clock.advanceDays(20); // now the second has expired too
      await Promise.all([runJobsOnce(t.app.ctx, [expireBonusJob]), runJobsOnce(t.app.ctx, [expireBonusJob])]);
      assert.equal((await t.request('GET', '/v1/lines/+77013330001')).body.balance.bonus, 0);
      // Back to the promotions expense that paid for it, not to breakage (the subscribers' own money given up).
      const forfeits = await t.app.ctx.db.selectFrom('ledger_transfers').select('amount').where('code', '=', 'expiry').where('credit_account_id', '=', 'expense:promotions').execute();
      assert.deepEqual(forfeits.map((f) => Number(f.amount)), [11_000]);
      t.clock.advanceDays(-51);
    });

    it('a purchase never spends expired bonus, though the expiry job has not run since it expired (jobs down)', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77013330009' } });
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77013330009').executeTakeFirstOrThrow();
      assert.equal((await grant(line.id, 1_000_000n, 'tu_lapsed')).bonus, 100_000);
      t.clock.advanceDays(20);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: '+77013330009', amount: 200_000, currency: 'KZT' }, headers: { 'idempotency-key': 'lapsed-tu' } })).status, 201);
      t.clock.advanceDays(11); // the grant expired a day ago; no job has run
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77013330009', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'lapsed-buy' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.equal(bought.body.paidFromBonus, 0);
      assert.deepEqual(bought.body.balanceAfter, { main: 51_000, bonus: 0 });
      // Forfeited once, to the promotions expense; the job finds nothing left to do.
      await runJobsOnce(t.app.ctx, [expireBonusJob]);
      const forfeits = await t.app.ctx.db.selectFrom('ledger_transfers').select('amount').where('code', '=', 'expiry').where('debit_account_id', '=', `${line.id}.bonus`).execute();
      assert.deepEqual(forfeits.map((f) => Number(f.amount)), [100_000]);
      t.clock.advanceDays(-31);
    });

    it('a quote and the catalog for a line count no expired bonus, though the expiry job has not run: what they say is payable, the purchase pays', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77013330010' } });
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77013330010').executeTakeFirstOrThrow();
      assert.equal((await grant(line.id, 1_000_000n, 'tu_quoted')).bonus, 100_000);
      t.clock.advanceDays(20);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: '+77013330010', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'quoted-tu' } })).status, 201);
      t.clock.advanceDays(11); // the grant expired a day ago; no job has run
      const quote = await t.request('GET', '/v1/offerings/DATA_1GB_7D/quote?msisdn=%2B77013330010');
      assert.equal(quote.status, 200, JSON.stringify(quote.body));
      assert.deepEqual(quote.body.payment, { fromBonus: 0, fromMain: 149_000, shortfall: 49_000 });
      const listed = await t.request('GET', '/v1/offerings?msisdn=%2B77013330010');
      assert.equal(listed.body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D').affordable, false);
      assert.equal(listed.body.data.find((o: { code: string }) => o.code === 'MESSENGERS_30D').affordable, true);
      // The line's page, the lines list and *102# show the bonus it can spend, as the quote does.
      assert.equal((await t.request('GET', '/v1/lines/%2B77013330010')).body.balance.bonus, 0);
      // One read of expired grants for the whole page, not one per line holding bonus (another line holds some).
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77013330011' } });
      const other = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77013330011').executeTakeFirstOrThrow();
      assert.ok((await grant(other.id, 1_000_000n, 'tu_quoted_other')).bonus > 0);
      const store = t.app.ctx.store;
      const keyedRows = store.keyedRows;
      const grantReads: number[] = [];
      store.keyedRows = (async (query: { name: string }, keys: readonly string[], ...rest: unknown[]) => {
        if (query.name.startsWith('promotions-') && query.name.includes('unexamined-expired-grants')) grantReads.push(keys.length);
        return (keyedRows as (...args: unknown[]) => Promise<unknown[]>).call(store, query, keys, ...rest);
      }) as typeof store.keyedRows;
      let page: { msisdn: string; balance: { bonus: number } }[];
      try {
        page = (await t.request('GET', '/v1/lines?limit=100')).body.data;
      } finally {
        store.keyedRows = keyedRows;
        // The other line's grant is left out of the expiry job's later counts (the tests below).
        await t.app.ctx.db.updateTable('bonus_grants').set({ expiry_examined_at: t.clock.now().toISOString() }).where('line_id', '=', other.id).execute();
      }
      assert.equal(grantReads.length, 1, `grant reads for the page: ${JSON.stringify(grantReads)}`);
      const listedLine = page.find((l) => l.msisdn === '+77013330010')!;
      assert.deepEqual(listedLine.balance, { main: 100_000, bonus: 0 });
      assert.equal((await t.request('POST', '/v1/ussd', { body: { msisdn: '+77013330010', input: '*102#' } })).body.balance.bonus, 0);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77013330010', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'quoted-buy' } });
      assert.deepEqual([bought.status, bought.body.error?.details?.shortfall], [422, quote.body.payment.shortfall]);
      t.clock.advanceDays(-31);
    });

    it('purchases asking at once for expired grants share one read, and each gets its own line\'s grants expired by its own instant', async () => {
      const ids: string[] = [];
      for (const msisdn of ['+77013330020', '+77013330021']) {
        await t.request('POST', '/v1/lines', { body: { msisdn } });
        ids.push((await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', msisdn).executeTakeFirstOrThrow()).id);
      }
      const [first, second] = ids as [string, string];
      await grant(first, 1_000_000n, 'tu_shared_read_1');
      await grant(second, 1_000_000n, 'tu_shared_read_2');
      const expiresAt = (await t.app.ctx.db.selectFrom('bonus_grants').select('expires_at').where('topup_id', '=', 'tu_shared_read_1').executeTakeFirstOrThrow()).expires_at;
      const before = new Date(Date.parse(expiresAt) - 1).toISOString();
      const store = t.app.ctx.store;
      const keyedRows = store.keyedRows;
      let reads = 0;
      store.keyedRows = (async (query: { name: string }, ...rest: unknown[]) => {
        if (query.name === 'promotions-unexamined-expired-grants') reads++;
        return (keyedRows as (...args: unknown[]) => Promise<unknown[]>).call(store, query, ...rest);
      }) as typeof store.keyedRows;
      try {
        const found = await Promise.all([
          findUnexaminedExpiredGrantsOf(t.app.ctx, first, before),
          findUnexaminedExpiredGrantsOf(t.app.ctx, first, expiresAt),
          findUnexaminedExpiredGrantsOf(t.app.ctx, second, before),
        ]);
        assert.deepEqual(found.map((grants) => grants.length), [0, 1, 0], 'a millisecond before the expiry nothing is due; at it, only the line asked about');
        assert.equal(reads, 1);
      } finally {
        store.keyedRows = keyedRows;
        await t.app.ctx.db.updateTable('bonus_grants').set({ expiry_examined_at: t.clock.now().toISOString() }).where('line_id', 'in', ids).execute();
      }
    });

    it('bonus expiry reads only grants not yet examined, works a backlog through a bounded number per run, and examines a late take-back once', async () => {
      const lines: string[] = [];
      for (let index = 0; index < 7; index++) {
        const msisdn = `+7701444000${index}`;
        await t.request('POST', '/v1/lines', { body: { msisdn } });
        const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', msisdn).executeTakeFirstOrThrow();
        lines.push(line.id);
        await grant(line.id, 1_000_000n, `tu_backlog_${index}`);
      }
      const bonusOf = async (lineId: string) => BigInt((await t.app.ctx.db.selectFrom('ledger_accounts').select(['credits_posted', 'debits_posted']).where('id', '=', `${lineId}.bonus`).executeTakeFirstOrThrow()).credits_posted)
        - BigInt((await t.app.ctx.db.selectFrom('ledger_accounts').select('debits_posted').where('id', '=', `${lineId}.bonus`).executeTakeFirstOrThrow()).debits_posted);
      // Expired grants the job has not examined yet.
      const unexamined = async () => (await t.app.ctx.db.selectFrom('bonus_grants').select('id').where('line_id', 'in', lines)
        .where('expires_at', '<=', t.clock.now().toISOString()).where('expiry_examined_at', 'is', null).execute()).length;
      t.clock.advanceDays(31);
      const limits = { linesPerRunMax: 3, grantsPerQueryMax: 2, queriesPerRunMax: 5 };
      // Three lines a run, read two grants at a time: 3, then 3, then the last one; a run stopped at its limit says more is due.
      assert.deepEqual(await expireBonus(t.app.ctx, limits), { handled: 3, more: true });
      assert.equal(await unexamined(), 4);
      assert.deepEqual(await expireBonus(t.app.ctx, limits), { handled: 3, more: true });
      assert.deepEqual(await expireBonus(t.app.ctx, limits), { handled: 1, more: false });
      assert.equal(await unexamined(), 0);
      for (const lineId of lines) assert.equal(await bonusOf(lineId), 0n);
      assert.equal((await expireBonus(t.app.ctx, limits)).handled, 0);
      // A refund takes back an expired grant's bonus after the job forfeited it: the take-back is a
      // negative grant with that grant's (past) expiry, examined once, and nothing more is forfeited.
      const lineId = lines[2]!;
      await grant(lineId, 1_000_000n, 'tu_refunded');
      t.clock.advanceDays(20);
      await grant(lineId, 600_000n, 'tu_kept');
      t.clock.advanceDays(11);
      assert.equal((await expireBonus(t.app.ctx, limits)).handled, 1);
      assert.equal(await bonusOf(lineId), 60_000n);
      const refunded = await t.app.ctx.db.selectFrom('bonus_grants').select(['amount', 'expires_at']).where('topup_id', '=', 'tu_refunded').executeTakeFirstOrThrow();
      const taken = await t.app.ctx.writer.submit({ name: 'take-back', lock: topUpBonusLocks(lineId), execute: (tx) => takeBackTopUpBonus(tx, { lineId, topUpId: 'tu_refunded', amount: 100_000n, grant: refunded, strict: false }) });
      assert.ok(taken.ok && taken.value.value === 60_000n);
      assert.equal(await unexamined(), 1);
      assert.equal((await expireBonus(t.app.ctx, limits)).handled, 0);
      assert.equal(await unexamined(), 0);
      t.clock.advanceDays(20);
      assert.equal((await expireBonus(t.app.ctx, limits)).handled, 0);
      assert.equal(await bonusOf(lineId), 0n);
      assert.equal(await unexamined(), 0);
      t.clock.advanceDays(-82);
    });

    it('bonus expiry summed before a take-back does nothing, and the next run forfeits only what has expired', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77014450001' } });
      const lineId = (await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77014450001').executeTakeFirstOrThrow()).id;
      await grant(lineId, 1_000_000n, 'tu_race_old'); // 100,000 of bonus
      t.clock.advanceDays(20);
      await grant(lineId, 600_000n, 'tu_race_new'); // 60,000, still live when the first has expired
      t.clock.advanceDays(11);
      const summed = (await sumExpiredGrants(t.app.ctx, [lineId], t.clock.now().toISOString())).get(lineId)!;
      assert.deepEqual(summed, { expired: 100_000n, granted: 160_000n });
      // A refund takes back half of the expired grant's bonus between the sum and the command.
      const old = await t.app.ctx.db.selectFrom('bonus_grants').select(['amount', 'expires_at']).where('topup_id', '=', 'tu_race_old').executeTakeFirstOrThrow();
      assert.ok((await t.app.ctx.writer.submit({ name: 'take-back', lock: topUpBonusLocks(lineId), execute: (tx) => takeBackTopUpBonus(tx, { lineId, topUpId: 'tu_race_old', amount: 50_000n, grant: old, strict: true }) })).ok);
      const stale = await t.app.ctx.writer.submit(expiryCommand(lineId, summed));
      assert.ok(stale.ok && stale.value.value < 0n, 'the command sees the granted total moved and does nothing');
      const bonus = async () => {
        const account = await t.app.ctx.db.selectFrom('ledger_accounts').select(['credits_posted', 'debits_posted']).where('id', '=', `${lineId}.bonus`).executeTakeFirstOrThrow();
        return Number(BigInt(account.credits_posted) - BigInt(account.debits_posted));
      };
      const shown = async () => (await t.request('GET', '/v1/lines/+77014450001')).body.balance.bonus as number;
      assert.equal(await bonus(), 110_000);
      assert.equal(await shown(), 60_000, 'the line shows what it can spend before the job has run');
      assert.equal((await expireBonus(t.app.ctx, { linesPerRunMax: 100, grantsPerQueryMax: 100, queriesPerRunMax: 1 })).handled, 1);
      assert.equal(await bonus(), 60_000, 'the live grant stays whole');
      assert.equal(await shown(), 60_000);
      t.clock.advanceDays(-31);
    });
  });
}
