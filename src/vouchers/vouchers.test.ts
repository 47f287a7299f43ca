import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { voucherCommand } from './vouchers-cli.ts';

const LINE = '+77051230001';
const OTHER = '+77051230002';
const THIRD = '+77051230003';

for (const dialect of DIALECTS) {
  describe(`vouchers [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let subscriber: string;
    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of [LINE, OTHER, THIRD, '+77051230004', '+77051230005']) await t.request('POST', '/v1/lines', { body: { msisdn, language: 'ru' } });
      await t.request('POST', '/v1/users', { body: { login: LINE, password: 'subscriber-pass', role: 'subscriber' } });
      subscriber = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: LINE, password: 'subscriber-pass' } })).body.token;
    });
    beforeEach(async () => { await t.app.ctx.db.deleteFrom('rate_limits').execute(); });
    after(async () => t?.close());

    async function batch(count: number, faceValue = 100_000, expiresAt = '2026-06-01T00:00:00.000Z', sell = true) {
      const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue, count, expiresAt } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      if (sell) assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${created.body.id}/sell`, { body: { dealer: 'Dealer LLP' } })).body.soldCount, count);
      const rows = (created.body.csv as string).trim().split('\n').slice(1).map((l) => l.split(','));
      return { id: created.body.id as string, serials: rows.map((r) => r[0]!), pins: rows.map((r) => r[1]!) };
    }
    const redeem = (msisdn: string, pin: string, token?: string) => t.request('POST', '/v1/vouchers/redeem', { body: { msisdn, pin }, token });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;

    it('generates a batch whose PINs are stored only as keyed hashes; sells it once', async () => {
      const b = await batch(20, 100_000, '2026-06-01T00:00:00.000Z', false);
      assert.equal(b.pins.length, 20);
      assert.ok(b.pins.every((p) => /^[1-9]\d{13}$/.test(p)), 'no PIN starts with 0');
      assert.equal(new Set(b.pins).size, 20);
      const stored = JSON.stringify(await t.app.ctx.db.selectFrom('vouchers').selectAll().where('batch_id', '=', b.id).execute(), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      assert.ok(b.pins.every((p) => !stored.includes(p)));
      assert.equal((await redeem(OTHER, b.pins[0]!)).body.error.code, 'voucher_not_active');
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${b.id}/sell`, { body: { dealer: 'D' } })).body.soldCount, 20);
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${b.id}/sell`, { body: { dealer: 'D' } })).body.error.code, 'voucher_batch_not_sellable');
      const view = await t.request('GET', `/v1/admin/voucher-batches/${b.id}`);
      assert.deepEqual(view.body.counts, { generated: 0, sold: 20, redeemed: 0, blocked: 0, expired: 0 });
    });

    it('a subscriber redeems onto their own line once; a second redemption is refused', async () => {
      const b = await batch(2);
      const before = await main(LINE);
      const done = await redeem(LINE, b.pins[0]!.replace(/(\d{4})/g, '$1 '), subscriber);
      assert.equal(done.status, 201, JSON.stringify(done.body));
      assert.equal(done.body.topUp.channel, 'voucher');
      assert.equal(await main(LINE), before + 100_000);
      assert.equal((await redeem(LINE, b.pins[0]!, subscriber)).body.error.code, 'voucher_already_redeemed');
      assert.equal((await redeem(OTHER, b.pins[1]!, subscriber)).body.error.code, 'line_not_found');
      await t.verify();
    });

    it('a PIN in full-width digits or with any dash is the card\'s PIN, as the number beside it is', async () => {
      const b = await batch(2);
      const fullWidth = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
      const before = await main(LINE);
      const typed = [fullWidth(b.pins[0]!), b.pins[1]!.replace(/(\d{4})(?=\d)/g, '$1\u2013')];
      for (const pin of typed) {
        const done = await redeem(fullWidth('87051230001'), pin, subscriber);
        assert.equal(done.status, 201, JSON.stringify([pin, done.body]));
      }
      assert.equal(await main(LINE), before + 200_000);
      await t.verify();
    });

    it('concurrent redemptions of one voucher credit once', async () => {
      const b = await batch(1);
      const before = (await main(OTHER)) + (await main(THIRD));
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i % 2 ? OTHER : THIRD, b.pins[0]!)));
      assert.equal(responses.filter((r) => r.status === 201).length, 1);
      // The others: already redeemed, or over the attempts of one IP (counted before the PIN is checked).
      assert.ok(responses.filter((r) => r.status !== 201).every((r) => ['voucher_already_redeemed', 'rate_limited'].includes(r.body.error.code)), JSON.stringify(responses.map((r) => r.body)));
      assert.equal((await main(OTHER)) + (await main(THIRD)) - before, 100_000);
      const redemptions = await t.app.ctx.db.selectFrom('voucher_redemptions').innerJoin('vouchers', 'vouchers.id', 'voucher_redemptions.voucher_id').select('voucher_id').where('vouchers.batch_id', '=', b.id).execute();
      assert.equal(redemptions.length, 1);
      await t.verify();
    });

    it('guesses sent all at once get no more PIN checks than the limit', async () => {
      const b = await batch(1);
      const msisdn = '+77051230005';
      const guesses = Array.from({ length: 40 }, (_, i) => `9${String(i).padStart(13, '0')}`);
      const responses = await Promise.all([...guesses, b.pins[0]!].map((pin) => redeem(msisdn, pin)));
      const checked = responses.filter((r) => r.status === 201 || r.body.error.code !== 'rate_limited');
      assert.ok(checked.length <= t.app.ctx.settings.vouchers.pinAttemptsMax, `${checked.length} PINs were checked`);
      await t.verify();
    });

    it('wrong PINs lock the line for the window (even the right PIN), then it opens again', async () => {
      const b = await batch(1);
      for (let i = 0; i < 5; i++) {
        const wrong = await redeem('+77051230004', `0000000000000${i}`);
        assert.equal(wrong.body.error.code, 'voucher_pin_invalid');
      }
      const locked = await redeem('+77051230004', b.pins[0]!);
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error.code, 'rate_limited');
      t.clock.advance(61 * 60_000);
      await t.app.ctx.db.deleteFrom('rate_limits').where('key', 'like', 'voucher-pin:ip:%').execute();
      assert.equal((await redeem('+77051230004', b.pins[0]!)).status, 201);
    });

    it('wrong PINs from one caller at one IP across many lines lock that caller there', async () => {
      const b = await batch(1);
      const lines = [LINE, OTHER, THIRD, '+77051230004', '+77051230005'];
      for (const msisdn of lines) assert.equal((await redeem(msisdn, 'not-a-pin')).body.error.code, 'voucher_pin_invalid');
      assert.equal((await redeem(OTHER, b.pins[0]!)).body.error.code, 'rate_limited');
    });

    it('expired and blocked vouchers are refused and credit nothing; the batch counts them apart', async () => {
      const soon = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
      const b = await batch(3, 100_000, soon);
      assert.equal((await t.request('POST', `/v1/admin/vouchers/${b.serials[1]}/block`)).status, 200);
      assert.equal((await redeem(OTHER, b.pins[1]!)).body.error.code, 'voucher_not_active');
      assert.equal((await redeem(OTHER, b.pins[2]!)).status, 201);
      const unsold = await batch(2, 100_000, soon, false);
      t.clock.advance(2 * 3_600_000);
      const before = await main(OTHER);
      const expired = await redeem(OTHER, b.pins[0]!);
      assert.equal(expired.status, 410);
      assert.equal(expired.body.error.code, 'voucher_expired');
      assert.equal(await main(OTHER), before);
      const view = (await t.request('GET', `/v1/admin/voucher-batches/${b.id}`)).body;
      assert.deepEqual([view.expired, view.counts], [true, { generated: 0, sold: 0, redeemed: 1, blocked: 1, expired: 1 }]);
      // An expired batch is sold to no dealer: no one could redeem its cards.
      const sell = await t.request('POST', `/v1/admin/voucher-batches/${unsold.id}/sell`, { body: { dealer: 'Late Dealer' } });
      assert.deepEqual([sell.status, sell.body.error?.code, sell.body.error?.details?.reason], [409, 'voucher_batch_not_sellable', 'expired']);
      const unsoldView = (await t.request('GET', `/v1/admin/voucher-batches/${unsold.id}`)).body;
      assert.deepEqual([unsoldView.dealer, unsoldView.counts], [null, { generated: 0, sold: 0, redeemed: 0, blocked: 0, expired: 2 }]);
      await t.verify();
    });

    it('a block that lands while a redemption is queued wins: the blocked voucher credits nothing', async () => {
      const b = await batch(2);
      const writer = t.app.ctx.writer;
      const submit = writer.submit.bind(writer);
      let blocked: Awaited<ReturnType<TestApp['request']>> | undefined;
      // The redemption has read the voucher (sold) and is about to enter the ledger; the admin blocks it now.
      writer.submit = (async (command: Parameters<typeof submit>[0]) => {
        if (command.name === 'voucher_redemption' && !blocked) {
          writer.submit = submit;
          blocked = await t.request('POST', `/v1/admin/vouchers/${b.serials[0]}/block`);
        }
        return submit(command);
      }) as typeof writer.submit;
      const before = await main(THIRD);
      let redeemed;
      try {
        redeemed = await redeem(THIRD, b.pins[0]!);
      } finally {
        writer.submit = submit;
      }
      assert.equal(blocked?.status, 200, JSON.stringify(blocked?.body));
      assert.equal(redeemed.body.error?.code, 'voucher_not_active', JSON.stringify(redeemed.body));
      assert.equal(await main(THIRD), before);
      // And the other way round: a voucher already redeemed cannot be reported blocked.
      assert.equal((await redeem(THIRD, b.pins[1]!)).status, 201);
      assert.equal((await t.request('POST', `/v1/admin/vouchers/${b.serials[1]}/block`)).body.error.code, 'voucher_already_redeemed');
      await t.verify();
    });

    it('the line\'s daily limit still applies and leaves the voucher unused', async () => {
      const b = await batch(4, 10_000_000);
      const msisdn = '+77051230005';
      for (const pin of b.pins.slice(0, 3)) assert.equal((await redeem(msisdn, pin)).status, 201);
      const refused = await redeem(msisdn, b.pins[3]!);
      assert.equal(refused.body.error.code, 'daily_limit_exceeded');
      t.clock.advanceDays(1);
      assert.equal((await redeem(msisdn, b.pins[3]!)).status, 201);
      await t.verify();
    });

    it('USSD *111*PIN# redeems with a text in the line\'s language; other strings are refused', async () => {
      const b = await batch(1);
      const gateway = await t.keyFor('partner');
      const ussd = (input: string, token = gateway) => t.request('POST', '/v1/ussd', { token, body: { msisdn: '8 705 123 00 03', input } });
      const bad = await ussd('*111#');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.code, 'ussd_input_invalid');
      assert.match(bad.body.error.message, /Наберите/);
      assert.equal((await ussd(`*111*${b.pins[0]}#`, subscriber)).body.error.code, 'forbidden');
      const done = await ussd(`*111*${b.pins[0]}#`);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.match(done.body.message, /Баланс пополнен/);
      assert.equal(done.body.topUp.channel, 'ussd');
      const again = await ussd(`*111*${b.pins[0]}#`);
      assert.equal(again.body.error.code, 'voucher_already_redeemed');
      assert.match(again.body.error.message, /уже использована/);
    });

    it('tolem vouchers generate creates its file before the batch: no file, no batch; a failed write voids the batch', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'tolem-vouchers-'));
      const batchIds = async () => (await t.app.ctx.db.selectFrom('voucher_batches').select('id').execute()).map((b) => b.id);
      const generate = (out: string, count = '2', writeCsv?: (fd: number, csv: string) => void) => voucherCommand('generate',
        ['--face-value', '100000', '--count', count, '--expires-at', '2026-06-01T00:00:00Z', '--out', out], (run) => run(t.app.ctx), writeCsv);
      const errors: string[] = [];
      const [error, log] = [console.error, console.log];
      console.error = (...parts: unknown[]) => { errors.push(parts.join(' ')); };
      console.log = () => {};
      try {
        const before = await batchIds();
        assert.equal(await generate(join(folder, 'missing', 'x.csv')), 1);
        writeFileSync(join(folder, 'taken.csv'), 'keep');
        assert.equal(await generate(join(folder, 'taken.csv')), 1);
        assert.equal(readFileSync(join(folder, 'taken.csv'), 'utf8'), 'keep', 'an existing file is left as it was');
        assert.equal(await generate(join(folder, 'refused.csv'), '0'), 1);
        assert.equal(existsSync(join(folder, 'refused.csv')), false, 'refused input leaves no empty file');
        // Decimal digits only: Number() would read 1e3 as 1000 and 0x186A0 as 100000.
        const typo = (option: string, value: string) => voucherCommand('generate', ['--face-value', '100000', '--count', '2', '--expires-at', '2026-06-01T00:00:00Z', '--out', join(folder, 'typo.csv'), `--${option}`, value], (run) => run(t.app.ctx));
        assert.equal(await typo('count', '1e3'), 2);
        assert.equal(await typo('face-value', '0x186A0'), 2);
        assert.equal(await typo('count', ' 2'), 2);
        assert.equal(existsSync(join(folder, 'typo.csv')), false);
        assert.deepEqual(await batchIds(), before, 'no batch was generated');
        assert.match(errors.splice(3, 3).join('\n'), /^error: --count must be decimal digits, got 1e3\nerror: --face-value must be decimal digits \(tiyn\), got 0x186A0\nerror: --count/);
        assert.equal(errors.length, 3);
        assert.ok(errors.every((line) => !line.includes('\n')), 'one line each');
        assert.match(errors[0]!, /ENOENT/);
        assert.match(errors[1]!, /EEXIST/);
        // The file was made but writing it fails after generating (a full disk): the batch is voided.
        const full = () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };
        assert.equal(await generate(join(folder, 'full.csv'), '2', full), 1);
        assert.equal(existsSync(join(folder, 'full.csv')), false);
        const [voided] = (await batchIds()).filter((id) => !before.includes(id));
        assert.ok(voided);
        assert.match(errors[3]!, /ENOSPC/);
        assert.deepEqual((await t.request('GET', `/v1/admin/voucher-batches/${voided}`)).body.counts, { generated: 0, sold: 0, redeemed: 0, blocked: 2, expired: 0 });
        assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${voided}/sell`, { body: { dealer: 'D' } })).body.error.code, 'voucher_batch_not_sellable');
        assert.equal((await t.request('GET', `/v1/admin/voucher-batches/${voided}`)).body.dealer, null, 'no dealer recorded for a voided batch');
        // And when all goes well: the PINs in a file only its owner reads, the batch sellable.
        assert.equal(await generate(join(folder, 'good.csv')), 0);
        assert.equal(statSync(join(folder, 'good.csv')).mode & 0o777, 0o600);
        const [header, ...rows] = readFileSync(join(folder, 'good.csv'), 'utf8').trim().split('\n');
        assert.equal(header, 'serial,pin,face_value,currency,expires_at');
        assert.equal(rows.length, 2);
        const [good] = (await batchIds()).filter((id) => !before.includes(id) && id !== voided);
        assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${good}/sell`, { body: { dealer: 'D' } })).body.soldCount, 2);
        assert.equal((await redeem(OTHER, rows[0]!.split(',')[1]!)).status, 201);
        await t.verify();
      } finally {
        [console.error, console.log] = [error, log];
        rmSync(folder, { recursive: true, force: true });
      }
    });

    it('a PIN drawn again that an earlier batch\'s card already has is drawn anew, not a 500 for the whole batch', async () => {
      const random = t.app.ctx.random;
      const draws: Buffer[] = [];
      // The first batch's PIN draw is recorded, and the second batch's first draw replays it.
      t.app.ctx.random = (size) => { const bytes = random(size); if (size === 7) draws.push(bytes); return bytes; };
      let first: Awaited<ReturnType<typeof batch>>;
      try {
        first = await batch(1);
        let replayed = false;
        t.app.ctx.random = (size) => { if (size === 7 && !replayed) { replayed = true; return Buffer.from(draws[0]!); } return random(size); };
        const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 3, expiresAt: '2026-06-01T00:00:00.000Z' } });
        assert.ok(replayed);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const pins = (created.body.csv as string).trim().split('\n').slice(1).map((l) => l.split(',')[1]!);
        assert.equal(pins.length, 3);
        assert.equal(new Set(pins).size, 3);
        assert.ok(!pins.includes(first.pins[0]!), 'no card of the new batch has the earlier card\'s PIN');
      } finally {
        t.app.ctx.random = random;
      }
      // The earlier card still redeems as itself.
      const before = await main(THIRD);
      assert.equal((await redeem(THIRD, first.pins[0]!)).status, 201);
      assert.equal(await main(THIRD), before + 100_000);
    });

    it('bad input gets 4xx codes and writes nothing', async () => {
      const before = (await t.app.ctx.db.selectFrom('voucher_batches').select('id').execute()).length;
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const cases: [unknown, number, string][] = [
        [{ faceValue: 0, count: 1, expiresAt: '2026-06-01T00:00:00Z' }, 422, 'amount_invalid'],
        [{ faceValue: 100, count: 1, expiresAt: '2026-06-01T00:00:00Z' }, 422, 'amount_below_minimum'],
        [{ faceValue: 100_000, count: 0, expiresAt: '2026-06-01T00:00:00Z' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 20_000, expiresAt: '2026-06-01T00:00:00Z' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 1, expiresAt: '2020-01-01T00:00:00Z' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 1, expiresAt: 'next tuesday' }, 400, 'validation_failed'],
        // No offset: Date.parse would read it in the server's own time zone.
        [{ faceValue: 100_000, count: 1, expiresAt: '2026-06-01T00:00:00' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 1, expiresAt: '+275760-09-13T00:00:00.000Z' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 1, expiresAt: '2026-02-30T00:00:00Z' }, 400, 'validation_failed'],
        [{ faceValue: 100_000, count: 1, expiresAt: '2026-06-01T00:00:00Z', pin: '1' }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await t.request('POST', '/v1/admin/voucher-batches', { body });
        assert.equal(response.status, status, JSON.stringify([body, response.body]));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await t.request('POST', '/v1/admin/voucher-batches/vb_nope/sell', { body: { dealer: 'D' } })).body.error.code, 'voucher_batch_not_found');
      assert.equal((await t.request('POST', '/v1/admin/vouchers/nope/block')).body.error.code, 'voucher_not_found');
      assert.equal((await t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: 'abc', pin: '1' } })).body.error.code, 'msisdn_invalid');
      assert.equal((await t.request('POST', '/v1/admin/voucher-batches', { token: subscriber, body: { faceValue: 100_000, count: 1, expiresAt: '2026-06-01T00:00:00Z' } })).body.error.code, 'forbidden');
      assert.equal((await t.app.ctx.db.selectFrom('voucher_batches').select('id').execute()).length, before);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
    });
  });

  describe(`vouchers under a line's daily limit below the top-up maximum [${dialect.name}]`, { skip: dialect.skip }, () => {
    // TOPUP_LINE_DAILY_MAX_KZT 50,000 under TOPUP_AMOUNT_MAX_KZT 100,000: a setting the start accepts.
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, lineDailyMax: 5_000_000n } }); });
    after(async () => t?.close());

    it('refuses a face value no line could ever redeem in one day, and makes cards of the daily limit', async () => {
      const refused = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 8_000_000, count: 5, expiresAt: '2026-06-01T00:00:00Z' } });
      assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details?.maximum], [422, 'amount_above_maximum', 5_000_000], JSON.stringify(refused.body));
      assert.equal((await t.app.ctx.db.selectFrom('voucher_batches').select('id').execute()).length, 0);
      const made = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 5_000_000, count: 1, expiresAt: '2026-06-01T00:00:00Z' } });
      assert.equal(made.status, 201);
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${made.body.id}/sell`, { body: { dealer: 'Dealer LLP' } })).status, 200);
      await t.request('POST', '/v1/lines', { body: { msisdn: LINE, language: 'ru' } });
      const pin = (made.body.csv as string).trim().split('\n')[1]!.split(',')[1]!;
      assert.equal((await t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: LINE, pin } })).status, 201);
      await t.verify();
    });
  });
}
