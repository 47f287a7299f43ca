import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { SettingError } from '../platform/env.ts';
import { USSD_GATEWAY_SOURCE_ID } from '../ussd/ussd-gateway.ts';

// Who may redeem, and how wrong PINs are limited: per line, per caller at an address, per address.
const LINES = Array.from({ length: 8 }, (_, i) => `+7705124000${i}`);
const ADDRESS = '203.0.113.7';
const ADDRESS_MAX = 10;

describe('voucher PIN limit settings', () => {
  it('refuses PIN settings that would turn the lock off or refuse every redemption', () => {
    for (const name of ['VOUCHER_PIN_ATTEMPTS_MAX', 'VOUCHER_PIN_WINDOW_MINUTES', 'VOUCHER_PIN_ATTEMPTS_PER_ADDRESS_MAX']) {
      assert.throws(() => loadSettings({ [name]: '0' }), SettingError, name);
      assert.equal(typeof loadSettings({ [name]: '1' }).vouchers, 'object');
    }
  });

  it('refuses a batch size above what POST /v1/admin/voucher-batches takes (100,000), which the route would refuse whatever the setting', () => {
    assert.throws(() => loadSettings({ VOUCHER_BATCH_COUNT_MAX: '100001' }), (error: Error) => error instanceof SettingError && error.message.startsWith('setting VOUCHER_BATCH_COUNT_MAX '));
    assert.equal(loadSettings({ VOUCHER_BATCH_COUNT_MAX: '100000' }).vouchers.batchCountMax, 100_000);
  });
});

for (const dialect of DIALECTS) {
  describe(`voucher redemption: access and PIN limits [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let pins: string[] = [];
    let nextPin = 0;
    before(async () => {
      t = await startTestApp(dialect.name, { vouchers: { ...loadSettings({}).vouchers, pinAttemptsPerAddressMax: ADDRESS_MAX } });
      for (const msisdn of LINES) await t.request('POST', '/v1/lines', { body: { msisdn, language: 'ru' } });
      const created = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 20, expiresAt: '2026-06-01T00:00:00.000Z' } });
      assert.equal((await t.request('POST', `/v1/admin/voucher-batches/${created.body.id}/sell`, { body: { dealer: 'Dealer LLP' } })).status, 200);
      pins = (created.body.csv as string).trim().split('\n').slice(1).map((row) => row.split(',')[1]!);
    });
    beforeEach(async () => { await t.app.ctx.db.deleteFrom('rate_limits').execute(); });
    after(async () => t?.close());

    const pin = () => pins[nextPin++]!;
    const wrong = (i: number) => `9${String(i).padStart(13, '0')}`;
    const redeem = (msisdn: string, pinText: string, token?: string, remoteAddress = ADDRESS) => t.request('POST', '/v1/vouchers/redeem', { body: { msisdn, pin: pinText }, token, remoteAddress });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;
    const pinCounters = async () => (await t.app.ctx.db.selectFrom('rate_limits').select('key').where('key', 'like', 'voucher-pin:%').execute()).length;
    async function subscriberOf(msisdn: string) {
      await t.request('POST', '/v1/users', { body: { login: msisdn, password: 'subscriber-pass', role: 'subscriber' } });
      return (await t.request('POST', '/v1/auth/login', { token: null, body: { login: msisdn, password: 'subscriber-pass' } })).body.token as string;
    }

    it('staff of a deactivated agent or a closed store, or not linked to one, are refused as at the POS and counter, before any attempt is counted', async () => {
      const agent = (await t.request('POST', '/v1/admin/agents', { body: { name: 'Kiosk', commissionBasisPoints: 100 } })).body;
      const agentKey = await t.keyFor('agent', agent.floatAccountId);
      const store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty 1' } })).body;
      const clerkKey = await t.keyFor('clerk', store.cashAccountId);
      assert.equal((await t.request('PATCH', `/v1/admin/agents/${agent.id}`, { body: { active: false } })).status, 200);
      assert.equal((await t.request('PATCH', `/v1/admin/stores/${store.id}`, { body: { active: false } })).status, 200);
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'former.cashier', password: 'long-password-1', role: 'agent' } })).status, 201);
      const unlinkedUser = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'former.cashier', password: 'long-password-1' } })).body.token;
      const card = pin();
      const before = await main(LINES[0]!);
      const refusals: [string, number, string][] = [
        [agentKey, 409, 'agent_inactive'], [clerkKey, 409, 'store_inactive'],
        [unlinkedUser, 403, 'agent_not_linked'], [await t.keyFor('agent'), 403, 'agent_not_linked'], [await t.keyFor('clerk'), 403, 'clerk_not_linked'],
      ];
      for (const [token, status, code] of refusals) {
        const refused = await redeem(LINES[0]!, card, token);
        assert.deepEqual([refused.status, refused.body.error?.code], [status, code], JSON.stringify(refused.body));
      }
      assert.equal(await main(LINES[0]!), before);
      assert.equal(await pinCounters(), 0, 'no attempt was counted');
      // Open again, the same staff redeem the same card.
      assert.equal((await t.request('PATCH', `/v1/admin/stores/${store.id}`, { body: { active: true } })).status, 200);
      assert.equal((await redeem(LINES[0]!, card, clerkKey)).status, 201);
      assert.equal(await main(LINES[0]!), before + 100_000);
      await t.verify();
    });

    it('one caller\'s wrong PINs lock neither others at the same address nor, when refused, their lines', async () => {
      const [a, b, c] = [await subscriberOf(LINES[1]!), await subscriberOf(LINES[2]!), await subscriberOf(LINES[3]!)];
      for (let i = 0; i < 5; i++) assert.equal((await redeem(LINES[1]!, wrong(i), a)).body.error.code, 'voucher_pin_invalid');
      assert.equal((await redeem(LINES[1]!, pin(), a)).status, 429, 'the guesser is locked at that address');
      // Another subscriber behind the same address (carrier NAT) with a valid PIN is not.
      const card = pin();
      const done = await redeem(LINES[2]!, card, b);
      assert.equal(done.status, 201, JSON.stringify(done.body));
      // The address as a whole is limited far higher: filled up, it refuses everyone there ...
      for (let i = 0; i < 5; i++) await redeem(LINES[3]!, wrong(10 + i), c);
      const card2 = pin();
      for (let i = 0; i < 6; i++) assert.equal((await redeem(LINES[2]!, card2, b)).body.error.code, 'rate_limited');
      // ... and those refusals were not counted against the line: from elsewhere its owner redeems.
      assert.equal((await redeem(LINES[2]!, card2, b, '198.51.100.20')).status, 201);
      assert.equal(t.app.ctx.settings.vouchers.pinAttemptsPerAddressMax, ADDRESS_MAX);
      assert.equal(loadSettings({}).vouchers.pinAttemptsPerAddressMax, 20 * loadSettings({}).vouchers.pinAttemptsMax);
      await t.verify();
    });

    it('a guesser refused at its own limit counts toward nothing else: keeping on does not lock its address', async () => {
      const [guesser, honest] = [await t.keyFor('partner'), await t.keyFor('partner')];
      const codes: string[] = [];
      for (let i = 0; i < 3 * ADDRESS_MAX; i++) codes.push((await redeem(LINES[4]!, wrong(100 + i), guesser)).body.error.code);
      assert.deepEqual([codes.filter((c) => c === 'voucher_pin_invalid').length, codes.filter((c) => c === 'rate_limited').length], [5, 3 * ADDRESS_MAX - 5]);
      const done = await redeem(LINES[5]!, pin(), honest);
      assert.equal(done.status, 201, JSON.stringify(done.body));
    });

    it('a right PIN sent many times at once (a double-tapping till) leaves its caller free to redeem the next card', async () => {
      const till = await t.keyFor('partner');
      const card = pin();
      const answers = await Promise.all(Array.from({ length: 10 }, () => redeem(LINES[6]!, card, till)));
      assert.equal(answers.filter((a) => a.status === 201).length, 1, JSON.stringify(answers.map((a) => a.body.error?.code ?? a.status)));
      assert.ok(answers.every((a) => a.status === 201 || ['voucher_already_redeemed', 'rate_limited'].includes(a.body.error?.code)));
      const next = await redeem(LINES[7]!, pin(), till);
      assert.equal(next.status, 201, JSON.stringify(next.body));
      // Refused guesses still lock: five wrong ones, then even a right one waits out the window.
      for (let i = 0; i < 5; i++) assert.equal((await redeem(LINES[7]!, wrong(500 + i), till)).body.error.code, 'voucher_pin_invalid');
      assert.equal((await redeem(LINES[7]!, pin(), till)).body.error.code, 'rate_limited');
    });

    it('on /v1/ussd only the USSD gateway skips the address limits; its per-line limit stays', async () => {
      const ussd = (msisdn: string, input: string, token: string) => t.request('POST', '/v1/ussd', { token, body: { msisdn, input }, remoteAddress: ADDRESS });
      // A partner key that is not the gateway is one caller at its address, like any other.
      const partner = await t.keyFor('partner');
      for (let i = 0; i < 5; i++) assert.equal((await ussd(LINES[4 + (i % 4)]!, `*111*${wrong(20 + i)}#`, partner)).body.error.code, 'voucher_pin_invalid');
      assert.equal((await ussd(LINES[4]!, `*111*${pin()}#`, partner)).body.error.code, 'rate_limited');
      assert.equal((await ussd(LINES[4]!, `*111*${wrong(29)}#`, t.adminKey)).body.error.code, 'voucher_pin_invalid');
      // The gateway relays many subscribers from one address: more wrong PINs than the address takes.
      const gateway = await t.keyFor('partner', USSD_GATEWAY_SOURCE_ID);
      await t.app.ctx.db.deleteFrom('rate_limits').where('key', 'like', 'voucher-pin:line:%').execute();
      for (let i = 0; i < 2 * ADDRESS_MAX; i++) {
        const answer = await ussd(LINES[4 + (i % 4)]!, `*111*${wrong(30 + i)}#`, gateway);
        assert.equal(answer.body.error.code, 'voucher_pin_invalid', `attempt ${i}`);
      }
      // Every line has now had five wrong PINs: the sixth attempt on one is refused, the right PIN too.
      assert.equal((await ussd(LINES[4]!, `*111*${pin()}#`, gateway)).body.error.code, 'rate_limited');
      assert.equal((await ussd(LINES[5]!, `*111*${pin()}#`, gateway)).body.error.code, 'rate_limited');
      await t.app.ctx.db.deleteFrom('rate_limits').where('key', 'like', 'voucher-pin:line:%').execute();
      const done = await ussd(LINES[5]!, `*111*${pin()}#`, gateway);
      assert.equal(done.status, 200, JSON.stringify(done.body));
    });

    it('the USSD gateway\'s key credits a line only with a card\'s PIN: a direct top-up from clearing:ussd is refused and moves nothing', async () => {
      const gateway = await t.keyFor('partner', USSD_GATEWAY_SOURCE_ID);
      const before = await main(LINES[6]!);
      const transfers = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const direct = await t.request('POST', '/v1/topups', { token: gateway, body: { msisdn: LINES[6], amount: 10_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'gateway-direct' } });
      assert.equal(direct.status, 422, JSON.stringify(direct.body));
      assert.equal(direct.body.error.code, 'source_account_invalid');
      assert.equal(await main(LINES[6]!), before);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers);
      // An admin key given clearing:ussd as its source likewise.
      const admin = await t.keyFor('admin', USSD_GATEWAY_SOURCE_ID);
      assert.equal((await t.request('POST', '/v1/topups', { token: admin, body: { msisdn: LINES[6], amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'admin-ussd' } })).body.error.code, 'source_account_invalid');
      // A partner key funded by its own clearing account tops up as before.
      const partner = await t.keyFor('partner', 'clearing:partner-x');
      assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: LINES[6], amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'partner-own' } })).status, 201);
    });
  });
}
