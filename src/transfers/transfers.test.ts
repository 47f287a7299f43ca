import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createUser } from '../auth/create-user.ts';
import { linkUserLine } from '../auth/auth-repository.ts';
import { accountBalance } from '../usage/test-buckets.ts';
import { runTransfer, transferRefusal } from './transfer-balance.ts';
import { loadSettings } from '../config.ts';
import { takeCodeTry } from './transfers-repository.ts';

describe('transfer rules (pure)', () => {
  it('a day that sent more than the limit of now (lowered at a restart during the day) has nothing remaining, not less than nothing', () => {
    const rules = loadSettings({ TRANSFER_SENDER_DAILY_MAX_KZT: '1000' }).transfers;
    const state = { senderStatus: 'active', senderValidUntil: null, at: '2027-03-01T06:00:00.000Z', receiverStatus: 'active', receiverTerminatesAt: null, owed: 0n, sentToday: 150_000n, available: 10_000_000n };
    const refused = transferRefusal(rules, 10_000n, state);
    assert.deepEqual(refused && !refused.ok && [refused.error.code, refused.error.details], ['transfer_daily_limit_exceeded', { limit: 100_000, remaining: 0 }]);
  });
});

for (const dialect of DIALECTS) {
  describe(`balance transfers [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keyCount = 0;
    const [A, B, C, D] = ['+77014000001', '+77014000002', '+77014000003', '+77014000004'] as const;
    const ids = new Map<string, string>();
    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of [A, B, C, D]) ids.set(msisdn, (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id);
      for (const msisdn of [A, C]) await topUp(msisdn, 10_000_000);
    });
    after(async () => t?.close());

    const topUp = (msisdn: string, amount: number) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `tt-${++keyCount}` } });
    /** A new line with 10,000 ₸ on it and its subscriber's login: the line's id and a session token. */
    const subscriberWithBalance = async (msisdn: string): Promise<{ lineId: string; token: string }> => {
      const line = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(line.status, 201, JSON.stringify(line.body));
      await topUp(msisdn, 1_000_000);
      const user = await createUser(t.app.ctx, SYSTEM_ACTOR, { login: msisdn, password: 'long-enough-1', role: 'subscriber' });
      assert.ok(user.ok, JSON.stringify(user));
      const token = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: msisdn, password: 'long-enough-1' } })).body.token as string;
      return { lineId: line.body.id as string, token };
    };
    const send = (body: unknown, key = `tr-${++keyCount}`, token?: string) => t.request('POST', '/v1/transfers', { body, token, headers: { 'idempotency-key': key } });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;

    it('moves amount + fee out of the sender, amount into the receiver and the fee to revenue, once per key', async () => {
      const fees = await accountBalance(t.app.ctx, 'revenue:fees');
      const response = await send({ from: A, to: '8 701 400 00 02', amount: 100_000 }, 'same');
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.deepEqual([response.body.amount, response.body.fee, response.body.to], [100_000, 2_000, B]);
      assert.equal(await main(A), 10_000_000 - 102_000);
      assert.equal(await main(B), 100_000);
      assert.equal(await accountBalance(t.app.ctx, 'revenue:fees') - fees, 2_000n);
      const replay = await send({ from: A, to: B, amount: 100_000 }, 'same');
      assert.equal(replay.body.id, response.body.id);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await send({ from: A, to: B, amount: 200_000 }, 'same')).body.error.code, 'idempotency_key_reused');
      assert.equal(await main(B), 100_000);
      await t.verify();
    });

    it("tells the sender once when a transfer takes the balance below the low-balance threshold", async () => {
      const sender = '+77014000009';
      const lineId = (await t.request('POST', '/v1/lines', { body: { msisdn: sender, language: 'ru' } })).body.id;
      await topUp(sender, 100_000);
      const lows = async () => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'balance.low').execute())
        .map((row) => JSON.parse(row.payload)).filter((payload) => payload.lineId === lineId);
      assert.equal((await send({ from: sender, to: B, amount: 50_000 })).status, 201);
      assert.deepEqual(await lows(), [], '480 ₸ left: above 300 ₸');
      assert.equal((await send({ from: sender, to: B, amount: 20_000 })).status, 201);
      assert.deepEqual(await lows(), [{ lineId, msisdn: sender, balance: 26_000, threshold: 30_000, language: 'ru' }]);
      assert.equal((await send({ from: sender, to: B, amount: 10_000 })).status, 201);
      assert.equal((await lows()).length, 1, 'once per crossing');
      await t.verify();
    });

    it('holds each sender to its daily limit, which starts again the next day', async () => {
      // 50,000 ₸ a day: 1,000 ₸ sent above, then 2 × 20,000 ₸; 10,000 ₸ more would pass the limit, 9,000 ₸ fits.
      assert.equal((await send({ from: A, to: B, amount: 2_000_000 })).status, 201);
      assert.equal((await send({ from: A, to: B, amount: 2_000_000 })).status, 201);
      const over = await send({ from: A, to: B, amount: 1_000_000 });
      assert.equal(over.status, 422);
      assert.equal(over.body.error.code, 'transfer_daily_limit_exceeded');
      assert.equal(over.body.error.details.remaining, 900_000);
      assert.equal((await send({ from: A, to: B, amount: 900_000 })).status, 201);
      assert.equal((await send({ from: C, to: B, amount: 1_000_000 })).status, 201, 'the limit is per sender');
      t.clock.advanceDays(1);
      assert.equal((await send({ from: A, to: B, amount: 1_000_000 })).status, 201);
      await t.verify();
    });

    it('lets racing requests of one sender pass the daily limit only as far as it goes', async () => {
      const F = '+77014000006';
      await t.request('POST', '/v1/lines', { body: { msisdn: F } });
      await topUp(F, 10_000_000);
      const responses = await Promise.all(Array.from({ length: 5 }, () => send({ from: F, to: B, amount: 2_000_000 })));
      assert.deepEqual(responses.map((r) => r.status).sort(), [201, 201, 422, 422, 422]);
      assert.equal(await main(F), 10_000_000 - 2 * 2_002_000);
      await t.verify();
    });

    it('refuses bad amounts, unknown or equal lines, inactive senders, terminated receivers and short balances, writing nothing', async () => {
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', D).execute();
      const transfersBefore = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const cases: [unknown, number, string][] = [
        [{ from: A, to: B, amount: 0 }, 422, 'amount_invalid'],
        [{ from: A, to: B, amount: 1.5 }, 422, 'amount_invalid'],
        [{ from: A, to: B, amount: 9_999 }, 422, 'amount_below_minimum'],
        [{ from: A, to: B, amount: 2_000_001 }, 422, 'amount_above_maximum'],
        [{ from: A, to: B, amount: '100000' }, 400, 'validation_failed'],
        [{ from: A, to: B }, 400, 'validation_failed'],
        [{ from: A, to: B, amount: 100_000, fee: 0 }, 400, 'validation_failed'],
        [{ from: A, to: '+77019999999', amount: 100_000 }, 404, 'line_not_found'],
        [{ from: A, to: 'abc', amount: 100_000 }, 422, 'msisdn_invalid'],
        [{ from: A, to: A, amount: 100_000 }, 422, 'transfer_same_line'],
        [{ from: A, to: D, amount: 100_000 }, 409, 'line_terminated'],
        [{ from: D, to: A, amount: 100_000 }, 409, 'line_terminated'],
        [{ from: B, to: A, amount: 1_950_000 }, 422, 'line_status_invalid'],
      ];
      // B is preactive (never topped up): it may receive but not send.
      cases[cases.length - 1]![1] = 409;
      for (const [body, status, code] of cases) {
        const response = await send(body);
        assert.equal(response.status, status, `${JSON.stringify(body)} → ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, code);
      }
      const E = '+77014000005';
      await t.request('POST', '/v1/lines', { body: { msisdn: E } });
      await topUp(E, 50_000);
      const short = await send({ from: E, to: A, amount: 50_000 });
      assert.equal(short.body.error.code, 'balance_insufficient');
      const noKey = await t.request('POST', '/v1/transfers', { body: { from: A, to: B, amount: 100_000 } });
      assert.equal(noKey.body.error.code, 'idempotency_key_missing');
      const agent = await send({ from: A, to: B, amount: 100_000 }, 'agent', await t.keyFor('agent'));
      assert.equal(agent.body.error.code, 'forbidden');
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfersBefore + 1, 'only the top-up of E');
    });

    it("holds a subscriber's transfer until the sender's code, sent by SMS to the sending line, confirms it, once", async () => {
      const user = await createUser(t.app.ctx, SYSTEM_ACTOR, { login: '+77014000003', password: 'long-enough-1', role: 'subscriber' });
      assert.ok(user.ok, JSON.stringify(user));
      await linkUserLine(t.app.ctx, (user.value as { id: string }).id, ids.get(C)!);
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77014000003', password: 'long-enough-1' } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const token = login.body.token as string;
      const [senderBefore, receiverBefore] = [await main(C), await main(B)];
      const codeOf = async (confirmationId: string) => {
        const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute();
        const mine = events.map((event) => JSON.parse(event.payload)).filter((payload) => payload.lineId === ids.get(C));
        return { count: mine.length, code: mine.at(-1)?.code as string, payload: mine.at(-1), confirmationId };
      };
      const confirm = (id: string, code: string, as = token) => t.request('POST', `/v1/transfers/confirmations/${id}`, { body: { code }, token: as });

      const asked = await send({ from: C, to: B, amount: 100_000 }, 'own', token);
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      assert.deepEqual([asked.body.status, asked.body.from, asked.body.to, asked.body.amount, asked.body.fee], ['awaiting_confirmation', C, B, 100_000, 2_000]);
      assert.deepEqual([await main(C), await main(B)], [senderBefore, receiverBefore], 'nothing moves before the code');
      const sent = await codeOf(asked.body.confirmationId);
      assert.match(sent.code, /^\d{6}$/);
      assert.equal(sent.payload.msisdn, C, 'the code goes to the sending line');
      // The same request again: the same confirmation, no second code; another body under the key is refused.
      const again = await send({ from: C, to: B, amount: 100_000 }, 'own', token);
      assert.deepEqual([again.status, again.body.confirmationId, again.headers['idempotent-replayed']], [202, asked.body.confirmationId, 'true']);
      assert.equal((await codeOf(asked.body.confirmationId)).count, 1);
      assert.equal((await send({ from: C, to: B, amount: 200_000 }, 'own', token)).body.error.code, 'idempotency_key_reused');

      const wrong = sent.code === '000000' ? '111111' : '000000';
      const first = await confirm(asked.body.confirmationId, wrong);
      assert.deepEqual([first.status, first.body.error.code, first.body.error.details], [422, 'transfer_confirmation_code_invalid', { attemptsLeft: 2 }]);
      assert.equal((await confirm(asked.body.confirmationId, sent.code, await t.keyFor('admin'))).body.error.code, 'forbidden', 'only the sender confirms');
      // The right code, twice at once: one transfer, both answers alike.
      const [done, twin] = await Promise.all([confirm(asked.body.confirmationId, sent.code), confirm(asked.body.confirmationId, sent.code)]);
      assert.deepEqual([done.status, twin.status], [201, 201], JSON.stringify([done.body, twin.body]));
      assert.equal(done.body.id, twin.body.id);
      assert.deepEqual([await main(C), await main(B)], [senderBefore - 102_000, receiverBefore + 100_000]);
      assert.equal((await confirm(asked.body.confirmationId, sent.code)).body.id, done.body.id, 'a later repeat answers the same transfer');
      // Its stored answer purged (idempotency retention) while the confirmation stays: never run again.
      await t.app.ctx.db.deleteFrom('idempotency_keys').where('key', 'like', 'transfer:%:own').execute();
      assert.equal((await confirm(asked.body.confirmationId, sent.code)).body.error.code, 'transfer_confirmation_expired');
      assert.deepEqual([await main(C), await main(B)], [senderBefore - 102_000, receiverBefore + 100_000], 'moved once');

      // Three wrong codes end a confirmation; so does time.
      const locked = await send({ from: C, to: B, amount: 50_000 }, 'locked', token);
      const lockedCode = (await codeOf(locked.body.confirmationId)).code;
      const bad = lockedCode === '000000' ? '111111' : '000000';
      assert.equal((await confirm(locked.body.confirmationId, bad)).status, 422);
      assert.equal((await confirm(locked.body.confirmationId, bad)).status, 422);
      assert.deepEqual([(await confirm(locked.body.confirmationId, bad)).body.error.code, (await confirm(locked.body.confirmationId, lockedCode)).status], ['transfer_confirmation_expired', 410]);
      const late = await send({ from: C, to: B, amount: 50_000 }, 'late', token);
      const lateCode = (await codeOf(late.body.confirmationId)).code;
      t.clock.set(new Date(t.clock.now().getTime() + 6 * 60_000));
      assert.equal((await confirm(late.body.confirmationId, lateCode)).body.error.code, 'transfer_confirmation_expired');
      assert.deepEqual([await main(C), await main(B)], [senderBefore - 102_000, receiverBefore + 100_000], 'refused codes moved nothing');
      assert.equal((await confirm('tc_nothing', lateCode)).body.error.code, 'transfer_confirmation_not_found');
      assert.equal((await confirm(late.body.confirmationId, '12345')).body.error.code, 'validation_failed');

      assert.equal((await send({ from: A, to: C, amount: 100_000 }, 'not-own', token)).body.error.code, 'line_not_found');

      // A transfer the ledger is bound to refuse is refused at the request, and no code is sent.
      const codesBefore = (await codeOf('')).count;
      for (const key of ['counter-1', 'counter-2']) assert.equal((await send({ from: C, to: B, amount: 2_000_000 }, key)).status, 201, 'staff at the counter');
      const tooMuch = await send({ from: C, to: B, amount: 1_000_000 }, 'too-much', token);
      assert.deepEqual([tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.details.remaining], [422, 'transfer_daily_limit_exceeded', 900_000], JSON.stringify(tooMuch.body));
      assert.equal((await t.request('POST', `/v1/lines/${C}/suspend`, { body: { reason: 'test' } })).status, 200);
      const suspended = await send({ from: C, to: B, amount: 10_000 }, 'suspended', token);
      assert.deepEqual([suspended.body.error.code, suspended.body.error.details], ['line_status_invalid', { field: 'from', status: 'suspended' }]);
      assert.equal((await t.request('POST', `/v1/lines/${C}/reactivate`, { body: { reason: 'test' } })).status, 200);
      const E = '+77014000017';
      const lineE = await t.request('POST', '/v1/lines', { body: { msisdn: E } });
      assert.equal(lineE.status, 201, JSON.stringify(lineE.body));
      await linkUserLine(t.app.ctx, (user.value as { id: string }).id, lineE.body.id);
      await topUp(E, 50_000);
      const broke = await send({ from: E, to: B, amount: 49_000 }, 'broke', token);
      assert.deepEqual([broke.status, broke.body.error.code, broke.body.error.details], [422, 'balance_insufficient', { required: 51_000 }]);
      assert.equal((await codeOf('')).count, codesBefore, 'no code for a refused request');

      // A stolen session cannot guess its way through: 5 codes an hour for a sending line, 10 tries a day over all of them.
      const asks = [];
      for (let i = 0; i < 5; i++) asks.push(await send({ from: E, to: B, amount: 10_000 }, `guess-${i}`, token));
      assert.deepEqual(asks.map((r) => r.status), [202, 202, 202, 202, 202]);
      const sixth = await send({ from: E, to: B, amount: 10_000 }, 'guess-5', token);
      assert.deepEqual([sixth.status, sixth.body.error.code], [429, 'rate_limited']);
      const codesOfE = (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute())
        .map((event) => JSON.parse(event.payload)).filter((payload) => payload.lineId === lineE.body.id).map((payload) => payload.code as string);
      const notACode = ['000000', '111111', '222222'].find((code) => !codesOfE.includes(code))!;
      const guesses = [];
      for (const ask of asks.slice(0, 4)) for (let i = 0; i < 3 && guesses.length < 10; i++) guesses.push((await confirm(ask.body.confirmationId, notACode)).body.error.code);
      assert.equal(guesses.filter((code) => code !== 'rate_limited').length, 10);
      const [last, lastCode] = [asks[4]!.body.confirmationId, codesOfE.at(-1)!];
      const stopped = await confirm(last, lastCode);
      assert.deepEqual([stopped.status, stopped.body.error.code], [429, 'rate_limited'], 'the right code too, once the tries are spent');
      await t.verify();
    });

    it('gives guesses sent at once no more than the tries left: the right code is refused once a wrong one took the last', async () => {
      const F = '+77014000021';
      const { lineId: lineFId, token } = await subscriberWithBalance(F);
      const confirm = (id: string, code: string) => t.request('POST', `/v1/transfers/confirmations/${id}`, { body: { code }, token });
      const ask = async (key: string) => {
        const asked = await send({ from: F, to: B, amount: 50_000 }, key, token);
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute();
        const code = events.map((event) => JSON.parse(event.payload)).filter((payload) => payload.lineId === lineFId).at(-1).code as string;
        return { id: asked.body.confirmationId as string, code, wrong: code === '000000' ? '111111' : '000000' };
      };
      const before = [await main(F), await main(B)];

      // Two tries spent, then five guesses at once, the right code last among them.
      const raced = await ask('raced');
      for (const left of [2, 1]) assert.deepEqual((await confirm(raced.id, raced.wrong)).body.error.details, { attemptsLeft: left });
      const burst = await Promise.all([raced.wrong, raced.wrong, raced.wrong, raced.wrong, raced.code].map((code) => confirm(raced.id, code)));
      const row = await t.app.ctx.db.selectFrom('transfer_confirmations').select(['attempts', 'status']).where('id', '=', raced.id).executeTakeFirstOrThrow();
      let moved = 0;
      // Whichever took the last try, every wrong code is refused (a wrong code is never answered the transfer).
      assert.deepEqual(burst.slice(0, 4).map((r) => r.body.error?.code), Array(4).fill('transfer_confirmation_expired'));
      if (burst[4]!.status === 201) {
        // The right code took the last try, held it through the transfer, and gave it back with the confirmation.
        assert.deepEqual([Number(row.attempts), row.status], [2, 'confirmed']);
        moved = 1;
      } else {
        assert.deepEqual([burst[4]!.status, burst[4]!.body.error.code, Number(row.attempts), row.status], [410, 'transfer_confirmation_expired', 3, 'pending'], JSON.stringify(burst.map((r) => r.body)));
      }
      assert.deepEqual([await main(F), await main(B)], [before[0]! - moved * 51_000, before[1]! + moved * 50_000]);

      // The last try held by a guess not answered yet: the right code is refused, nothing moves.
      const held = await ask('held');
      for (let i = 0; i < 2; i++) await confirm(held.id, held.wrong);
      assert.notEqual(await takeCodeTry(t.app.ctx, held.id, 3), null);
      assert.deepEqual([(await confirm(held.id, held.code)).status, await main(F)], [410, before[0]! - moved * 51_000]);
      // Confirmed, its right code replays the transfer; a wrong one does not.
      const done = await ask('done');
      const sent = await confirm(done.id, done.code);
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      assert.equal((await confirm(done.id, done.code)).body.id, sent.body.id);
      assert.equal((await confirm(done.id, done.wrong)).body.error.code, 'transfer_confirmation_expired');
      await t.verify();
    });

    it('answers the right code sent twice at once on the last try with the transfer, both times, and moves the money once', async () => {
      const L = '+77014000022';
      const { lineId: lineLId, token } = await subscriberWithBalance(L);
      const confirm = (id: string, code: string) => t.request('POST', `/v1/transfers/confirmations/${id}`, { body: { code }, token });
      const asked = await send({ from: L, to: B, amount: 50_000 }, 'twice-on-last', token);
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute();
      const code = events.map((event) => JSON.parse(event.payload)).filter((payload) => payload.lineId === lineLId).at(-1).code as string;
      const wrong = code === '000000' ? '111111' : '000000';
      const before = [await main(L), await main(B)];
      // Two typos, then the right code sent twice (a double tap, a retry after a timeout): one try left for the two.
      for (const left of [2, 1]) assert.deepEqual((await confirm(asked.body.confirmationId, wrong)).body.error.details, { attemptsLeft: left });
      const [first, second] = await Promise.all([confirm(asked.body.confirmationId, code), confirm(asked.body.confirmationId, code)]);
      assert.deepEqual([first.status, second.status], [201, 201], JSON.stringify([first.body, second.body]));
      assert.equal(second.body.id, first.body.id);
      assert.deepEqual([await main(L), await main(B)], [before[0]! - 52_000, before[1]! + 50_000], 'moved once, with its fee');
      await t.verify();
    });

    it('answers the right code with the transfer after a crash between its transfer and the confirmation, on the last try or past the time, and moves the money once', async () => {
      const P = '+77014000029';
      const { lineId: linePId, token } = await subscriberWithBalance(P);
      const confirm = (id: string, code: string) => t.request('POST', `/v1/transfers/confirmations/${id}`, { body: { code }, token });
      const codeOf = async () => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').orderBy('id').execute())
        .map((event) => JSON.parse(event.payload)).filter((payload) => payload.lineId === linePId).at(-1).code as string;
      /** What a process killed after the transfer's commit and before the confirmation's update leaves: the try taken, the money moved. */
      const crashAfterTransfer = async (id: string) => {
        const row = await t.app.ctx.db.selectFrom('transfer_confirmations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.notEqual(await takeCodeTry(t.app.ctx, id, 3), null);
        const moved = await runTransfer(t.app.ctx, row.actor_id, { sourceId: row.source_line_id, targetId: row.target_line_id, amount: BigInt(row.amount), fingerprint: row.fingerprint }, row.idempotency_key);
        assert.ok(moved.ok, JSON.stringify(moved));
        return moved.value.transfer.id;
      };
      const before = [await main(P), await main(B)];

      // On the last try: two typos, then the right code, and the process dies.
      const last = await send({ from: P, to: B, amount: 50_000 }, 'crash-last', token);
      const lastCode = await codeOf();
      const wrong = lastCode === '000000' ? '111111' : '000000';
      for (let i = 0; i < 2; i++) assert.equal((await confirm(last.body.confirmationId, wrong)).status, 422);
      const lastTransfer = await crashAfterTransfer(last.body.confirmationId);
      const retried = await confirm(last.body.confirmationId, lastCode);
      assert.deepEqual([retried.status, retried.body.id], [201, lastTransfer], JSON.stringify(retried.body));
      assert.equal((await confirm(last.body.confirmationId, wrong)).body.error.code, 'transfer_confirmation_expired', 'a wrong code is never answered the transfer');
      assert.equal((await send({ from: P, to: B, amount: 50_000 }, 'crash-last', token)).body.status, 'confirmed');

      // Past the code's time: the process died on the right code and came back minutes later.
      const slow = await send({ from: P, to: B, amount: 50_000 }, 'crash-slow', token);
      const slowCode = await codeOf();
      const slowTransfer = await crashAfterTransfer(slow.body.confirmationId);
      t.clock.set(new Date(t.clock.now().getTime() + 6 * 60_000));
      const late = await confirm(slow.body.confirmationId, slowCode);
      assert.deepEqual([late.status, late.body.id], [201, slowTransfer], JSON.stringify(late.body));
      const sent = (retried.body.amount + retried.body.fee) + (late.body.amount + late.body.fee);
      assert.deepEqual([await main(P), await main(B)], [before[0]! - sent, before[1]! + 2 * 50_000], 'moved once each');
      await t.verify();
    });

    it('counts a request sent twice at once (a double tap) as one code against the hourly limit, and answers both with its confirmation', async () => {
      const M = '+77014000023';
      const { lineId: lineMId, token } = await subscriberWithBalance(M);
      // TRANSFER_CODES_PER_HOUR_MAX (5) requests, each sent twice at once under its key: five codes, none refused.
      for (let i = 0; i < 5; i++) {
        const pair = await Promise.all([0, 1].map(() => send({ from: M, to: B, amount: 10_000 }, `double-tap-${i}`, token)));
        assert.deepEqual(pair.map((r) => r.status), [202, 202], `request ${i + 1}: ${JSON.stringify(pair.map((r) => r.body))}`);
        assert.equal(pair[1]!.body.confirmationId, pair[0]!.body.confirmationId);
      }
      const codes = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute();
      assert.equal(codes.filter((event) => JSON.parse(event.payload).lineId === lineMId).length, 5, 'one code a request');
      assert.equal((await send({ from: M, to: B, amount: 10_000 }, 'double-tap-5', token)).status, 429, 'the sixth code within the hour');
    });

    it("sends the code in the sending line's language and never lists it back", async () => {
      const { subscriberMessage } = await import('../lifecycle/subscriber-messages.ts');
      const payload = { code: '493817', amount: 100_000, fee: 2_000, to: B, expiresAt: '2026-12-06T10:05:00.000Z' };
      for (const language of ['en', 'ru', 'kk', 'zh']) {
        const text = subscriberMessage('transfer.confirmation_requested', { ...payload, language }, { now: '2026-12-06T10:00:00.000Z' })!;
        assert.ok(text.includes('493817') && text.includes('5') && text.includes(B), `${language}: ${text}`);
      }
      const { listLineMessages } = await import('../sms/list-line-messages.ts');
      await t.app.ctx.db.insertInto('sms_messages').values({
        id: 'sms_01TESTCODE0000000000000000', event_id: 'evt_code', line_id: ids.get(C)!, msisdn: C, topic: 'transfer.confirmation_requested', language: 'en',
        text: subscriberMessage('transfer.confirmation_requested', { ...payload, language: 'en' }, { now: '2026-12-06T10:00:00.000Z' })!,
        status: 'sent', segments: 1n, attempts: 1n, next_attempt_at: payload.expiresAt, lease_until: null, last_error: null, created_at: payload.expiresAt, sent_at: payload.expiresAt, delivered_at: null,
      }).execute();
      const listed = await listLineMessages(t.app.ctx, SYSTEM_ACTOR, C, { limit: 10 });
      assert.ok(listed.ok);
      const shown = listed.value.data.find((message) => message.topic === 'transfer.confirmation_requested')!;
      assert.ok(!shown.text.includes('493817') && shown.text.includes('••••••'), shown.text);
    });

    it('refuses a sender whose validity has ended as in grace, before the lifecycle job records it, at the counter and before a code is sent', async () => {
      const [G, H] = ['+77014000031', '+77014000032'];
      const lineG = (await t.request('POST', '/v1/lines', { body: { msisdn: G } })).body.id as string;
      await t.request('POST', '/v1/lines', { body: { msisdn: H } });
      await topUp(G, 1_000_000);
      // A minute past the validity's end (30 days after the top-up): the line's row still says active.
      t.clock.set(new Date(Date.parse((await t.request('GET', `/v1/lines/${G}`)).body.validUntil) + 60_000));
      assert.equal((await t.request('GET', `/v1/lines/${G}`)).body.status, 'active');
      const transfersBefore = (await t.app.ctx.db.selectFrom('balance_transfers').select('id').execute()).length;
      const staff = await send({ from: G, to: H, amount: 100_000 });
      assert.deepEqual([staff.status, staff.body.error?.code, staff.body.error?.details], [409, 'line_status_invalid', { field: 'from', status: 'grace' }], JSON.stringify(staff.body));
      const user = await createUser(t.app.ctx, SYSTEM_ACTOR, { login: '+77014000099', password: 'long-enough-1', role: 'subscriber' });
      assert.ok(user.ok, JSON.stringify(user));
      await linkUserLine(t.app.ctx, (user.value as { id: string }).id, lineG);
      const token = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77014000099', password: 'long-enough-1' } })).body.token as string;
      const own = await send({ from: G, to: H, amount: 100_000 }, 'grace-own', token);
      assert.deepEqual([own.status, own.body.error?.code, own.body.error?.details], [409, 'line_status_invalid', { field: 'from', status: 'grace' }], JSON.stringify(own.body));
      const codes = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'transfer.confirmation_requested').execute();
      assert.equal(codes.filter((event) => JSON.parse(event.payload).lineId === lineG).length, 0, 'no code sent');
      assert.equal((await t.app.ctx.db.selectFrom('balance_transfers').select('id').execute()).length, transfersBefore, 'nothing sent');
      assert.equal(await main(G), 1_000_000);
      // A top-up brings the validity back: the line sends again.
      await topUp(G, 100_000);
      assert.equal((await send({ from: G, to: H, amount: 100_000 })).status, 201);
      await t.verify();
    });

    it('refuses a receiver whose schedule has reached termination, before the lifecycle job terminates it and forfeits what it received', async () => {
      const [J, K] = ['+77014000033', '+77014000034'];
      await t.request('POST', '/v1/lines', { body: { msisdn: J } });
      await t.request('POST', '/v1/lines', { body: { msisdn: K } });
      await topUp(K, 50_000);
      // 30 days' validity, 30 of grace and 60 suspended: a minute past its termination, the receiver's row still says active.
      t.clock.set(new Date(Date.parse((await t.request('GET', `/v1/lines/${K}`)).body.validUntil) + 90 * 86_400_000 + 60_000));
      assert.equal((await t.request('GET', `/v1/lines/${K}`)).body.status, 'active');
      await topUp(J, 1_000_000);
      const refused = await send({ from: J, to: K, amount: 100_000 });
      assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details], [409, 'line_terminated', { field: 'to' }], JSON.stringify(refused.body));
      assert.equal(await main(J), 1_000_000, 'nothing sent');
      const { runJobsOnce } = await import('../jobs/scheduler.ts');
      const { lifecycleJob } = await import('../lifecycle/lifecycle-job.ts');
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', `/v1/lines/${K}`)).body.status, 'terminated');
      assert.equal((await send({ from: J, to: K, amount: 100_000 })).body.error.code, 'line_terminated');
      await t.verify();
    });
  });
}
