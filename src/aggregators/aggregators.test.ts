import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { requestWhileClosing } from '../../test/support/raw-socket.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { hashPassword } from '../auth/secrets.ts';

const QIWI_SECRET = 'qiwi-secret-1';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const QIWI_AUTH = basic('qiwi', QIWI_SECRET);

interface CallOptions { auth?: string | null; method?: 'GET' | 'POST'; ip?: string; code?: string }

/** The OSMP answer's fields, read with patterns (the answer is one flat element). */
function parseOsmp(text: string) {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  return { txnId: field('osmp_txn_id'), prvTxn: field('prv_txn'), sum: field('sum'), result: Number(field('result')), comment: field('comment') };
}

for (const dialect of DIALECTS) {
  describe(`aggregators check/pay [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let txnSeq = 0;
    const nextTxn = () => String(1_000_000 + ++txnSeq);

    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of ['+77011234567', '+77051112233', '+77071112233', '+77771112233', '+77081112233']) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      }
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77071112233').execute();
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', name: 'QIWI terminals', password: QIWI_SECRET } })).status, 201);
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'kiosk', password: 'kiosk-secret-1', ipAllowlist: ['10.1.2.0/24', '192.0.2.7'] } })).status, 201);
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'byip', ipAllowlist: ['198.51.100.9'] } })).status, 201);
    });
    after(async () => t?.close());

    async function call(variant: 'osmp' | 'kaspi', params: Record<string, string>, options: CallOptions = {}) {
      const method = options.method ?? 'GET';
      const query = new URLSearchParams(params).toString();
      const headers: Record<string, string> = {};
      const auth = options.auth === undefined ? QIWI_AUTH : options.auth;
      if (auth !== null) headers.authorization = auth;
      let url = `/aggregators/${options.code ?? 'qiwi'}/${variant}`;
      let payload: string | undefined;
      if (method === 'GET') url += `?${query}`;
      else { payload = query; headers['content-type'] = 'application/x-www-form-urlencoded'; }
      const response = options.ip
        ? await t.app.server.inject({ method, url, headers, payload, remoteAddress: options.ip })
        : await t.request(method, url, { token: null, headers, rawBody: payload });
      const text = 'text' in response ? response.text : response.body;
      const status = 'status' in response ? response.status : response.statusCode;
      return { status, text, contentType: String(response.headers['content-type']), headers: response.headers, xml: parseOsmp(text) };
    }
    const osmp = (params: Record<string, string>, options?: CallOptions) => call('osmp', params, options);
    const pay = (txnId: string, account: string, sum: string, options?: CallOptions) =>
      osmp({ command: 'pay', txn_id: txnId, txn_date: '20260115110000', account, sum }, options);
    const balance = async (msisdn: string): Promise<number> => (await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.balance.main;
    const transferCount = async () => (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;

    it('check answers 0 for a payable account and credits nothing', async () => {
      const before = await balance('+77011234567');
      const response = await osmp({ command: 'check', txn_id: '42', account: '7011234567', sum: '1000' });
      assert.equal(response.status, 200);
      assert.equal(response.contentType, 'text/xml; charset=utf-8');
      assert.equal(response.text, '<?xml version="1.0" encoding="UTF-8"?><response><osmp_txn_id>42</osmp_txn_id><prv_txn></prv_txn><sum>1000.00</sum><result>0</result><comment>OK</comment></response>');
      assert.equal(await balance('+77011234567'), before);
    });

    it('pay credits the line once through the top-up rules, by GET and by form POST', async () => {
      const before = await balance('+77011234567');
      const first = await pay(nextTxn(), '8 701 123 45 67', '1000.00');
      assert.equal(first.xml.result, 0);
      assert.match(first.xml.prvTxn!, /^\d+$/);
      assert.equal(first.xml.sum, '1000.00');
      const second = await pay(nextTxn(), '+77011234567', '500.5', { method: 'POST' });
      assert.equal(second.status, 200);
      assert.equal(second.xml.result, 0);
      assert.equal(second.xml.sum, '500.50');
      assert.equal(BigInt(second.xml.prvTxn!), BigInt(first.xml.prvTxn!) + 1n);
      assert.equal(await balance('+77011234567') - before, 100_000 + 50_050);
      const topups = await t.app.ctx.db.selectFrom('topups').selectAll().where('channel', '=', 'aggregator').execute();
      assert.equal(topups.length, 2);
      assert.ok(topups.every((topup) => topup.source_account_id === 'clearing:agg:qiwi'));
      const row = await t.app.ctx.db.selectFrom('aggregator_payments').selectAll().where('prv_txn', '=', first.xml.prvTxn!).executeTakeFirstOrThrow();
      assert.equal(row.msisdn, '+77011234567');
      assert.equal(row.account, '8 701 123 45 67');
      assert.equal(BigInt(row.amount), 100_000n);
      assert.equal(Number(row.result), 0);
      assert.equal(row.txn_date, '20260115110000');
      await t.verify();
    });

    it('50 concurrent pays with one txn_id credit once and all answer the same prv_txn', async () => {
      const before = await balance('+77771112233');
      const txnId = nextTxn();
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => pay(txnId, i % 2 ? '7771112233' : '+7 777 111 22 33', '2500.00', { method: i % 3 ? 'GET' : 'POST' })));
      assert.ok(answers.every((a) => a.status === 200 && a.xml.result === 0), answers.find((a) => a.xml.result !== 0)?.text);
      assert.equal(new Set(answers.map((a) => a.xml.prvTxn)).size, 1);
      assert.equal(await balance('+77771112233') - before, 250_000);
      const rows = await t.app.ctx.db.selectFrom('aggregator_payments').select('id').where('txn_id', '=', txnId).execute();
      assert.equal(rows.length, 1);
      // A later retry still replays the first answer.
      const later = await pay(txnId, '+77771112233', '2500');
      assert.equal(later.xml.prvTxn, answers[0]!.xml.prvTxn);
      await t.verify();
    });

    it('the same txn_id with a different sum or account is refused with 300 and credits nothing', async () => {
      const txnId = nextTxn();
      assert.equal((await pay(txnId, '+77771112233', '600.00')).xml.result, 0);
      const before = await balance('+77771112233');
      const transfers = await transferCount();
      const otherSum = await pay(txnId, '+77771112233', '700.00');
      assert.equal(otherSum.status, 200);
      assert.equal(otherSum.xml.result, 300);
      assert.equal(otherSum.xml.prvTxn, '');
      const otherAccount = await pay(txnId, '+77011234567', '600.00');
      assert.equal(otherAccount.xml.result, 300);
      assert.equal(await balance('+77771112233'), before);
      assert.equal(await transferCount(), transfers);
    });

    it('answers each refusal with its result code', async () => {
      const transfers = await transferCount();
      const cases: [Record<string, string>, number][] = [
        [{ command: 'check', txn_id: '1', account: 'abc', sum: '1000' }, 4],
        [{ command: 'check', txn_id: '1', account: '+15551234567', sum: '1000' }, 4],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '12345', sum: '1000' }, 4],
        [{ command: 'check', txn_id: '1', account: '+77019998877', sum: '1000' }, 5],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '+77019998877', sum: '1000' }, 5],
        [{ command: 'check', txn_id: '1', account: '+77071112233', sum: '1000' }, 79],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '+77071112233', sum: '1000' }, 79],
        [{ command: 'check', txn_id: '1', account: '+77011234567', sum: '499.99' }, 241],
        [{ command: 'check', txn_id: '1', account: '+77011234567', sum: '0' }, 241],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '+77011234567', sum: '0.00' }, 241],
        [{ command: 'check', txn_id: '1', account: '+77011234567', sum: '100000.01' }, 242],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '+77011234567', sum: '999999999999' }, 242],
        [{ command: 'refund', txn_id: '1', account: '+77011234567', sum: '1000' }, 300],
        [{ txn_id: '1', account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'check', account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'check', txn_id: '', account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'check', txn_id: 'a b<c>', account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'pay', txn_id: nextTxn(), account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '20261345000000', account: '+77011234567', sum: '1000' }, 300],
        [{ command: 'pay', txn_id: nextTxn(), txn_date: '2026-01-15', account: '+77011234567', sum: '1000' }, 300],
      ];
      for (const [params, result] of cases) {
        const response = await osmp(params);
        assert.equal(response.status, 200, response.text);
        assert.equal(response.xml.result, result, `${JSON.stringify(params)} → ${response.text}`);
        assert.equal(response.xml.prvTxn, '');
      }
      assert.equal(await transferCount(), transfers);
    });

    it('refuses malformed sums with 300 and writes nothing', async () => {
      const transfers = await transferCount();
      const rows = (await t.app.ctx.db.selectFrom('aggregator_payments').select('id').execute()).length;
      for (const sum of ['10,5', '-1', '1e3', '1.001', '', ' 5', '5 ', '1.', '.5', '+5', '0x10', '1_000', 'Infinity', 'NaN', '1234567890123', '99999999999999999999999']) {
        for (const command of ['check', 'pay']) {
          const response = await osmp({ command, txn_id: nextTxn(), txn_date: '20260115110000', account: '+77011234567', sum });
          assert.equal(response.xml.result, 300, `${command} sum=${JSON.stringify(sum)} → ${response.text}`);
          assert.equal(response.xml.sum, '');
        }
      }
      const missing = await osmp({ command: 'pay', txn_id: nextTxn(), txn_date: '20260115110000', account: '+77011234567' });
      assert.equal(missing.xml.result, 300);
      // A field sent twice counts as absent, by GET and by form POST alike (never "the last one wins").
      const twice = `command=pay&txn_id=${nextTxn()}&txn_date=20260115110000&account=%2B77011234567&sum=500.00&sum=90000.00`;
      const byGet = await t.request('GET', `/aggregators/qiwi/osmp?${twice}`, { token: null, headers: { authorization: QIWI_AUTH } });
      const byPost = await t.request('POST', '/aggregators/qiwi/osmp', { token: null, rawBody: twice, headers: { authorization: QIWI_AUTH, 'content-type': 'application/x-www-form-urlencoded' } });
      for (const response of [byGet, byPost]) assert.equal(parseOsmp(response.text).result, 300, response.text);
      assert.equal(await transferCount(), transfers);
      assert.equal((await t.app.ctx.db.selectFrom('aggregator_payments').select('id').execute()).length, rows);
    });

    it('never echoes a malformed txn_id (the XML it does write is escaped: protocol.test.ts)', async () => {
      const response = await osmp({ command: 'check', txn_id: 'a&b', account: '+77011234567', sum: '1000' });
      assert.match(response.text, /<osmp_txn_id><\/osmp_txn_id>.*<result>300<\/result>/);
      const refused = await osmp({ command: 'check', txn_id: 'x', account: '+77011234567', sum: '1000' }, { auth: basic('qiwi', 'wrong') });
      assert.doesNotMatch(refused.text, /wrong/);
    });

    it('the daily limit is result 7 on check and pay, and a refused txn_id stays refused', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await pay(nextTxn(), '+77051112233', '100000.00')).xml.result, 0);
      const check = await osmp({ command: 'check', txn_id: '9', account: '+77051112233', sum: '500' });
      assert.equal(check.xml.result, 7);
      const txnId = nextTxn();
      const before = await balance('+77051112233');
      assert.equal((await pay(txnId, '+77051112233', '500')).xml.result, 7);
      // The next day the limit starts again, but this txn_id was answered finally: no credit.
      t.clock.advanceDays(1);
      const retry = await pay(txnId, '+77051112233', '500');
      assert.equal(retry.xml.result, 7);
      assert.equal(await balance('+77051112233'), before);
      assert.equal((await pay(nextTxn(), '+77051112233', '500')).xml.result, 0);
      await t.verify();
    });

    it('a terminated line refused once is not credited when the same txn_id comes back after reactivation', async () => {
      const txnId = nextTxn();
      assert.equal((await pay(txnId, '+77071112233', '1000')).xml.result, 79);
      await t.app.ctx.db.updateTable('lines').set({ status: 'active' }).where('msisdn', '=', '+77071112233').execute();
      const before = await balance('+77071112233');
      assert.equal((await pay(txnId, '+77071112233', '1000')).xml.result, 79);
      assert.equal(await balance('+77071112233'), before);
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77071112233').execute();
    });

    it('wrong or missing credentials are HTTP 401 with result 8', async () => {
      const params = { command: 'check', txn_id: '5', account: '+77011234567', sum: '1000' };
      for (const auth of [null, basic('qiwi', 'not-the-secret'), basic('kiosk', QIWI_SECRET), 'Bearer tlm_x', 'Basic !!!', basic('qiwi', '')]) {
        const response = await osmp(params, { auth });
        assert.equal(response.status, 401, String(auth));
        assert.equal(response.xml.result, 8);
        assert.equal(response.xml.txnId, '5');
        assert.match(String(response.headers['www-authenticate']), /^Basic /);
      }
      const unknown = await osmp(params, { code: 'nobody', auth: basic('nobody', 'whatever-1') });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.xml.result, 8);
      // An admin API key is not an aggregator credential.
      const bearer = await osmp(params, { auth: `Bearer ${t.adminKey}` });
      assert.equal(bearer.status, 401);
    });

    it('limits password guesses per address, without locking the aggregator out elsewhere', async () => {
      const params = { command: 'check', txn_id: '7', account: '+77011234567', sum: '1000' };
      t.clock.advance(60_000); // past the authentication cache: every check below is a fresh one
      for (let i = 0; i < 20; i++) assert.equal((await osmp(params, { auth: basic('qiwi', `guess-${i}`), ip: '203.0.113.66' })).status, 401);
      const spent = await osmp(params, { auth: QIWI_AUTH, ip: '203.0.113.66' });
      assert.deepEqual([spent.status, spent.xml.result], [401, 8], 'past its limit an address is refused, the right secret unchecked');
      assert.equal((await osmp(params, { auth: QIWI_AUTH, ip: '203.0.113.67' })).status, 200, 'the aggregator from its own address');
      // 64 terminals at once at a cold cache share one check: one attempt, not 64 guesses.
      t.clock.advance(60_000);
      const burst = await Promise.all(Array.from({ length: 64 }, () => osmp(params, { auth: QIWI_AUTH, ip: '203.0.113.68' })));
      assert.deepEqual([...new Set(burst.map((r) => r.status))], [200]);
      t.clock.advance(16 * 60_000);
    });

    it('echoes txn_id and sum only when well formed, and takes a JSON body\'s exact numbers as their text', async () => {
      const markup = await osmp({ command: 'foo', txn_id: '77', sum: '<b>]]>' });
      assert.deepEqual([markup.xml.result, markup.xml.sum, markup.xml.txnId], [300, '', '77']);
      const badBoth = await osmp({ command: 'check', txn_id: 'a b', sum: '<b>' });
      assert.deepEqual([badBoth.xml.result, badBoth.xml.sum, badBoth.xml.txnId], [300, '', '']);
      // Half an emoji at character 64 is not sent back either (strict JSON parsers refuse it).
      const kaspi = await call('kaspi', { command: 'check', txn_id: `${'a'.repeat(63)}😀`, account: '+77051112233', sum: '1000' });
      assert.equal(JSON.parse(kaspi.text).txn_id, '');
      const refused = await osmp({ command: 'check', txn_id: '78', account: '+77051112233', sum: '1000' }, { auth: basic('qiwi', 'wrong-secret-1') });
      assert.deepEqual([refused.status, refused.xml.sum], [401, '1000.00']);
      const json = await t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp', headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' },
        payload: '{"command":"check","txn_id":5,"account":"7051112233","sum":1000.5}' });
      assert.deepEqual([parseOsmp(json.body).result, parseOsmp(json.body).sum, parseOsmp(json.body).txnId], [0, '1000.50', '5']);
      const long = await t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp', headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' },
        payload: '{"command":"check","txn_id":12345678901234567890,"account":"7051112233","sum":1000}' });
      assert.deepEqual([parseOsmp(long.body).result, parseOsmp(long.body).txnId], [0, '12345678901234567890'], 'a txn_id past 2^53 is read as written, not rounded to another');
    });

    it('reads a JSON body\'s sum as written: more than two decimals or an exponent is malformed, never rounded and credited', async () => {
      const before = await balance('+77051112233');
      const transfers = await transferCount();
      for (const sum of ['1000.999999999999999', '999.9999999999999999', '500.00000000000001', '1e3', '0.1e4', '1000.001', '-1000']) {
        for (const variant of ['osmp', 'kaspi'] as const) {
          const response = await t.app.server.inject({ method: 'POST', url: `/aggregators/qiwi/${variant}`, headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' },
            payload: `{"command":"pay","txn_id":"${nextTxn()}","txn_date":"20260115110000","account":"7051112233","sum":${sum}}` });
          const [result, echoed] = variant === 'osmp' ? [parseOsmp(response.body).result, parseOsmp(response.body).sum] : [response.json().result, response.json().sum];
          assert.deepEqual([response.statusCode, result, echoed], [200, 300, variant === 'osmp' ? '' : null], `${variant} sum ${sum} → ${response.body}`);
        }
      }
      assert.equal(await balance('+77051112233'), before);
      assert.equal(await transferCount(), transfers);
      // Digits inside a JSON string are not touched, and a number with two decimals is paid as written.
      const paid = await t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp', headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' },
        payload: `{"command":"pay","txn_id":"${nextTxn()}","txn_date":"20260115110000","account":"7051112233","sum":1000.10,"note":"1e3 \\" 2"}` });
      assert.deepEqual([parseOsmp(paid.body).result, parseOsmp(paid.body).sum], [0, '1000.10']);
      assert.equal(await balance('+77051112233'), before + 100_010);
    });

    it('a field sent twice in a JSON body counts as absent, as in a form: neither of two sums is paid', async () => {
      const before = await balance('+77051112233');
      const jsonPay = (payload: string) => t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp?sum=500', headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' }, payload });
      const txn = nextTxn();
      const twice = await jsonPay(`{"command":"pay","txn_id":"${txn}","txn_date":"20260115110000","account":"7051112233","sum":"500","sum":"90000"}`);
      assert.deepEqual([parseOsmp(twice.body).result, parseOsmp(twice.body).sum], [300, ''], twice.body);
      const form = await pay(nextTxn(), '7051112233', '500', { method: 'POST' });
      const formTwice = await t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp', headers: { authorization: QIWI_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `command=pay&txn_id=${nextTxn()}&txn_date=20260115110000&account=7051112233&sum=500&sum=90000` });
      assert.equal(parseOsmp(formTwice.body).result, 300);
      assert.equal(form.xml.result, 0);
      // A key repeated inside a nested object, or spelled with an escape, is judged as JSON reads it.
      const nested = await jsonPay(`{"command":"pay","txn_id":"${nextTxn()}","txn_date":"20260115110000","account":"7051112233","sum":"600","extra":{"sum":1,"sum":2}}`);
      assert.equal(parseOsmp(nested.body).result, 0, nested.body);
      const escaped = await jsonPay(`{"command":"pay","txn_id":"${nextTxn()}","txn_date":"20260115110000","account":"7051112233","sum":"700","\\u0073um":"800"}`);
      assert.equal(parseOsmp(escaped.body).result, 300, escaped.body);
      assert.equal(await balance('+77051112233'), before + 50_000 + 60_000);
    });

    it('answers a request it cannot read in the protocol too: result 300 with HTTP 200, nothing paid', async () => {
      const before = await transferCount();
      const url = '/aggregators/qiwi/osmp';
      const cases: { method: string; url: string; headers?: Record<string, string>; payload?: string }[] = [
        { method: 'POST', url: `${url}?command=pay&txn_id=9001&account=7051112233&sum=1000` },
        { method: 'POST', url, headers: { 'content-type': 'application/json' } },
        { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '[1]' },
        { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"command":' },
        // A number where a key stands is no JSON (JSON.parse refuses it), however the numbers are read.
        { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"command":"check","txn_id":"9003","account":"7051112233","sum":"1000",1:"x"}' },
        { method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'command=pay' },
        { method: 'GET', url: `${url}?command=check&txn_id=9002&account=7051112233&sum=1000%00` },
        { method: 'GET', url: `/aggregators/${'q'.repeat(80)}/osmp?command=check` },
      ];
      for (const request of cases) {
        const response = await t.app.server.inject({ ...request, headers: { authorization: QIWI_AUTH, ...request.headers } } as never);
        assert.equal(response.statusCode, 200, `${request.method} ${request.url} ${request.payload ?? ''}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /^text\/xml/);
        assert.equal(parseOsmp(response.body).result, 300, response.body);
      }
      const kaspi = await t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/kaspi', headers: { authorization: QIWI_AUTH, 'content-type': 'application/json' }, payload: '[1]' });
      assert.deepEqual([kaspi.statusCode, kaspi.json().result], [200, 300]);
      assert.equal(await transferCount(), before);
      // The admin routes of the same plugin keep the API's error answers.
      const admin = await t.request('POST', '/v1/admin/aggregators', { rawBody: '[1]', headers: { 'content-type': 'application/json' } });
      assert.equal(admin.body.error.code, 'validation_failed');
    });

    it('answers a database failure during pay with result 1 (temporary, retry the same txn_id), not HTTP 500', async () => {
      const { writer } = t.app.ctx;
      const submit = writer.submit;
      const reported: unknown[] = [];
      const reportError = t.app.ctx.reportError;
      writer.submit = async () => { throw new Error('connection terminated unexpectedly'); };
      t.app.ctx.reportError = (error) => { reported.push(error); };
      const txnId = nextTxn();
      try {
        for (const variant of ['osmp', 'kaspi'] as const) {
          const failed = await call(variant, { command: 'pay', txn_id: txnId, txn_date: '20260115110000', account: '+77051112233', sum: '1000' });
          assert.equal(failed.status, 200, failed.text);
          assert.match(failed.text, variant === 'osmp' ? /<result>1<\/result>/ : /"result":1\b/);
        }
      } finally {
        writer.submit = submit;
        t.app.ctx.reportError = reportError;
      }
      assert.equal(reported.length, 2, 'each failure reported');
      // The terminal's retry with the same txn_id goes through once the database answers.
      const retried = await pay(txnId, '+77051112233', '1000');
      assert.equal(retried.xml.result, 0);
    });

    it('behind a load balancer named in TRUST_PROXY, the allowlist sees the client it forwards, and only from it', async () => {
      const behind = await startTestApp(dialect.name, { trustProxy: '10.0.0.0/8' });
      try {
        assert.equal((await behind.request('POST', '/v1/admin/aggregators', { body: { code: 'lb', ipAllowlist: ['203.0.113.9'] } })).status, 201);
        assert.equal((await behind.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } })).status, 201);
        const check = (peer: string, forwardedFor: string) => behind.app.server.inject({
          method: 'GET', url: '/aggregators/lb/osmp?command=check&txn_id=77&account=%2B77011234567&sum=1000', headers: { 'x-forwarded-for': forwardedFor }, remoteAddress: peer,
        });
        const through = await check('10.0.0.5', '203.0.113.9');
        assert.deepEqual([through.statusCode, parseOsmp(through.body).result], [200, 0]);
        // The header from a peer that is no named proxy is anyone's to write: not believed.
        const direct = await check('198.51.100.1', '203.0.113.9');
        assert.deepEqual([direct.statusCode, parseOsmp(direct.body).result], [403, 8]);
      } finally {
        await behind.close();
      }
    });

    it('an IP allowlist admits its networks and refuses others with 403 and result 8', async () => {
      const params = { command: 'check', txn_id: '6', account: '+77011234567', sum: '1000' };
      const auth = basic('kiosk', 'kiosk-secret-1');
      for (const ip of ['10.1.2.7', '192.0.2.7', '::ffff:10.1.2.200']) {
        const allowed = await osmp(params, { code: 'kiosk', auth, ip });
        assert.equal(allowed.status, 200, ip);
        assert.equal(allowed.xml.result, 0);
      }
      for (const ip of ['10.1.3.7', '192.0.2.8', '127.0.0.1', '2001:db8::1']) {
        const refused = await osmp(params, { code: 'kiosk', auth, ip });
        assert.equal(refused.status, 403, ip);
        assert.equal(refused.xml.result, 8);
      }
      // Right address, wrong secret: still 401.
      assert.equal((await osmp(params, { code: 'kiosk', auth: basic('kiosk', 'bad-secret-1'), ip: '10.1.2.7' })).status, 401);
      // From outside, a wrong secret is refused as the right one is: the answer does not tell a guess right.
      for (const guess of [basic('kiosk', 'bad-secret-1'), basic('kiosk', 'kiosk-secret-1'), null]) {
        const outside = await osmp(params, { code: 'kiosk', auth: guess, ip: '203.0.113.99' });
        assert.deepEqual([outside.status, outside.xml.result], [403, 8]);
      }
      // An aggregator without a password is admitted by address alone.
      const byIp = await pay(nextTxn(), '+77081112233', '1000', { code: 'byip', auth: null, ip: '198.51.100.9' });
      assert.equal(byIp.xml.result, 0);
      assert.equal((await pay(nextTxn(), '+77081112233', '1000', { code: 'byip', auth: null, ip: '198.51.100.10' })).status, 403);
    });

    it('a browser sent by a page of another site is refused (403, result 8), from inside the allowlist too: nothing is paid', async () => {
      // Someone in the aggregator's allowlisted network opens a page that loads an image, follows a
      // link or posts a form to the pay URL: the address is the aggregator's, and was its only credential.
      const query = (txn: string) => new URLSearchParams({ command: 'pay', txn_id: txn, txn_date: '20260115110000', account: '7081112233', sum: '90000' }).toString();
      const before = await balance('+77081112233');
      const browsers = [
        { method: 'GET', url: `/aggregators/byip/osmp?${query(nextTxn())}`, headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' } },
        { method: 'GET', url: `/aggregators/byip/kaspi?${query(nextTxn())}`, headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' } },
        { method: 'POST', url: '/aggregators/byip/osmp', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://prizes.example' }, payload: query(nextTxn()) },
      ] as const;
      for (const request of browsers) {
        const response = await t.app.server.inject({ ...request, remoteAddress: '198.51.100.9' } as never);
        assert.equal(response.statusCode, 403, request.url);
        const result = request.url.includes('kaspi') ? (JSON.parse(response.body) as { result: number }).result : parseOsmp(response.body).result;
        assert.equal(result, 8, request.url);
      }
      assert.equal(await balance('+77081112233'), before);
      // The aggregator's own server, which says no page (Node's fetch sends Sec-Fetch-Mode alone), is paid as before.
      const server = await t.app.server.inject({ method: 'GET', url: `/aggregators/byip/osmp?${query(nextTxn())}`, headers: { 'sec-fetch-mode': 'cors' }, remoteAddress: '198.51.100.9' });
      assert.equal(parseOsmp(server.body).result, 0);
      assert.equal(await balance('+77081112233'), before + 9_000_000);
    });

    it('a deactivated aggregator is refused with 403 and result 7 once the auth cache has expired', async () => {
      await t.app.ctx.db.updateTable('aggregators').set({ active: 0n }).where('code', '=', 'byip').execute();
      // A cached success is served for up to twice the TTL (re-checked in the background after one).
      t.clock.advance(2 * t.app.ctx.settings.auth.principalCacheTtlMs);
      const refused = await pay(nextTxn(), '+77081112233', '1000', { code: 'byip', auth: null, ip: '198.51.100.9' });
      assert.equal(refused.status, 403);
      assert.equal(refused.xml.result, 7);
      await t.app.ctx.db.updateTable('aggregators').set({ active: 1n }).where('code', '=', 'byip').execute();
    });

    it('a changed secret takes effect within twice the auth cache TTL', async () => {
      const params = { command: 'check', txn_id: '7', account: '+77011234567', sum: '1000' };
      const oldAuth = basic('kiosk', 'kiosk-secret-1');
      assert.equal((await osmp(params, { code: 'kiosk', auth: oldAuth, ip: '10.1.2.7' })).status, 200);
      const hash = await hashPassword('kiosk-secret-2', randomBytes(16));
      await t.app.ctx.db.updateTable('aggregators').set({ password_hash: hash }).where('code', '=', 'kiosk').execute();
      assert.equal((await osmp(params, { code: 'kiosk', auth: oldAuth, ip: '10.1.2.7' })).status, 200, 'still cached');
      t.clock.advance(2 * t.app.ctx.settings.auth.principalCacheTtlMs);
      assert.equal((await osmp(params, { code: 'kiosk', auth: oldAuth, ip: '10.1.2.7' })).status, 401);
      assert.equal((await osmp(params, { code: 'kiosk', auth: basic('kiosk', 'kiosk-secret-2'), ip: '10.1.2.7' })).status, 200);
    });

    it('the Kaspi-style variant answers JSON with the same semantics and shares the txn_id space', async () => {
      const check = await call('kaspi', { command: 'check', txn_id: '77', account: '87011234567', sum: '1500' });
      assert.equal(check.status, 200);
      assert.equal(check.contentType, 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(check.text), { txn_id: '77', prv_txn_id: '', result: 0, sum: 1500, comment: 'OK' });
      assert.match(check.text, /"sum":1500\.00/);
      const txnId = nextTxn();
      const paid = await call('kaspi', { command: 'pay', txn_id: txnId, txn_date: '20260116120000', account: '87011234567', sum: '1500' }, { method: 'POST' });
      const body = JSON.parse(paid.text);
      assert.equal(body.result, 0);
      assert.match(body.prv_txn_id, /^\d+$/);
      const replay = await osmp({ command: 'pay', txn_id: txnId, txn_date: '20260116120000', account: '+77011234567', sum: '1500.00' });
      assert.equal(replay.xml.prvTxn, body.prv_txn_id);
      const notFound = JSON.parse((await call('kaspi', { command: 'check', txn_id: '78', account: '+77019998877', sum: '1500' })).text);
      assert.equal(notFound.result, 5);
      const malformed = JSON.parse((await call('kaspi', { command: 'check', txn_id: '79', account: '+77011234567', sum: '1e3' })).text);
      assert.equal(malformed.result, 300);
      assert.equal(malformed.sum, null);
      const denied = await call('kaspi', { command: 'check', txn_id: '80', account: '+77011234567', sum: '1000' }, { auth: null });
      assert.equal(denied.status, 401);
      assert.equal(JSON.parse(denied.text).result, 8);
    });

    it('exports the paid txns of one Almaty day as CSV', async () => {
      // 2026-02-01 18:59:59Z is 23:59:59 in Almaty; one second later is the next Almaty day.
      t.clock.set('2026-02-01T18:59:59.000Z');
      const late = await pay('reg-1', '+77081112233', '700.00');
      await pay('reg-refused', '+77019998877', '700.00');
      t.clock.set('2026-02-01T19:00:00.000Z');
      // An account sent with a line break is paid and kept without it (it split the registry's CSV row, found by fuzzing).
      const next = await pay('reg-2', '7081112233\n', '800');
      const day = await t.request('GET', '/v1/admin/aggregators/qiwi/registry?date=2026-02-01');
      assert.equal(day.status, 200);
      assert.match(String(day.headers['content-type']), /^text\/csv/);
      assert.equal(day.text, `txn_id,txn_date,account,sum,prv_txn,paid_at\r\nreg-1,20260115110000,+77081112233,700.00,${late.xml.prvTxn},2026-02-01T23:59:59+05:00\r\n`);
      const nextDay = await t.request('GET', '/v1/admin/aggregators/qiwi/registry?date=2026-02-02');
      assert.equal(nextDay.text.split('\r\n')[1], `reg-2,20260115110000,7081112233,800.00,${next.xml.prvTxn},2026-02-02T00:00:00+05:00`);
      const empty = await t.request('GET', '/v1/admin/aggregators/kiosk/registry?date=2026-02-01');
      assert.equal(empty.text, 'txn_id,txn_date,account,sum,prv_txn,paid_at\r\n');
      assert.equal((await t.request('GET', '/v1/admin/aggregators/nobody/registry?date=2026-02-01')).body.error.code, 'aggregator_not_found');
      for (const date of ['2026-02-30', '2026-2-1', 'yesterday']) {
        const bad = await t.request('GET', `/v1/admin/aggregators/qiwi/registry?date=${date}`);
        assert.equal(bad.status, 400, date);
        assert.equal(bad.body.error.code, 'validation_failed');
      }
      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('GET', '/v1/admin/aggregators/qiwi/registry?date=2026-02-01', { token: clerk })).status, 403);
    });

    it('creates aggregators with a KZT clearing account; refuses duplicates, bad input and non-admins', async () => {
      const account = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', 'clearing:agg:qiwi').executeTakeFirstOrThrow();
      assert.equal(account.kind, 'clearing');
      assert.equal(account.unit, 'KZT');
      const stored = await t.app.ctx.db.selectFrom('aggregators').selectAll().where('code', '=', 'qiwi').executeTakeFirstOrThrow();
      assert.match(stored.password_hash!, /^scrypt\$/);
      assert.ok(!stored.password_hash!.includes(QIWI_SECRET));
      const cases: [unknown, number, string][] = [
        [{ code: 'qiwi', password: 'another-secret' }, 409, 'aggregator_exists'],
        [{ code: 'bad code', password: 'another-secret' }, 400, 'validation_failed'],
        [{ code: 'nopass' }, 400, 'validation_failed'],
        [{ code: 'short', password: 'short' }, 422, 'password_too_weak'],
        [{ code: 'badip', password: 'another-secret', ipAllowlist: ['10.0.0.300'] }, 400, 'validation_failed'],
        [{ code: 'badnet', password: 'another-secret', ipAllowlist: ['10.0.0.0/33'] }, 400, 'validation_failed'],
        [{ code: 'extra', password: 'another-secret', role: 'admin' }, 400, 'validation_failed'],
        // An allowlist as the only credential must name a network, not the internet.
        [{ code: 'anyone', ipAllowlist: ['0.0.0.0/0'] }, 400, 'validation_failed'],
        [{ code: 'anyone6', ipAllowlist: ['::/0'] }, 400, 'validation_failed'],
        [{ code: 'wide', ipAllowlist: ['198.51.100.9', '10.0.0.0/8'] }, 400, 'validation_failed'],
        [{ code: 'wide6', ipAllowlist: ['2001:db8::/16'] }, 400, 'validation_failed'],
        // IPv4 clients match the IPv6 networks that hold their mapped form (::ffff:a.b.c.d).
        [{ code: 'mapped', ipAllowlist: ['::ffff:0.0.0.0/96'] }, 400, 'validation_failed'],
        [{ code: 'mapped0', ipAllowlist: ['::ffff:0:0/96'] }, 400, 'validation_failed'],
        [{ code: 'zeros', ipAllowlist: ['::/32'] }, 400, 'validation_failed'],
        [{ code: 'mapped8', ipAllowlist: ['::ffff:10.0.0.0/104'] }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await t.request('POST', '/v1/admin/aggregators', { body });
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(response.body.error.code, code);
      }
      for (const body of [{ code: 'net16', ipAllowlist: ['10.20.0.0/16', '2001:db8::/32', '::ffff:10.20.0.0/112'] }, { code: 'widepass', password: 'another-secret', ipAllowlist: ['10.0.0.0/8'] }]) {
        assert.equal((await t.request('POST', '/v1/admin/aggregators', { body })).status, 201, JSON.stringify(body));
      }
      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'clerks', password: 'another-secret' }, token: clerk })).status, 403);
    });

    it('documents the endpoints in the OpenAPI document and offers no HEAD route', async () => {
      const document = await t.request('GET', '/openapi.json');
      assert.equal(document.status, 200);
      for (const path of ['/aggregators/{code}/osmp', '/aggregators/{code}/kaspi', '/v1/admin/aggregators', '/v1/admin/aggregators/{code}/registry']) assert.ok(document.body.paths[path], path);
      const head = await t.request('HEAD', '/aggregators/qiwi/osmp?command=pay&txn_id=head-1&txn_date=20260115110000&account=7011234567&sum=1000', { token: null, headers: { authorization: QIWI_AUTH } });
      assert.deepEqual([head.status, head.headers.allow], [405, 'GET, POST'], 'HEAD is not one of its methods');
      assert.equal((await t.app.ctx.db.selectFrom('aggregator_payments').select('id').where('txn_id', '=', 'head-1').execute()).length, 0);
    });

    it('a failure inside the ledger command is result 90 and a database failure on check is 243; neither writes', async () => {
      const { ctx } = t.app;
      const transfers = await transferCount();
      const quiet = ctx.reportError;
      ctx.reportError = () => {};
      const validityDays = ctx.settings.topup.validityDays;
      try {
        // An impossible validity makes applyTopUp throw inside the command: a bug, caught by the writer.
        ctx.settings.topup.validityDays = Number.NaN;
        const txnId = nextTxn();
        const failed = await pay(txnId, '+77011234567', '1000');
        assert.equal(failed.status, 200);
        assert.equal(failed.xml.result, 90);
        ctx.settings.topup.validityDays = validityDays;
        // Not recorded: the same txn_id goes through once the fault is gone.
        assert.equal((await pay(txnId, '+77011234567', '1000')).xml.result, 0);
        await ctx.db.schema.alterTable('lines').renameTo('lines_away').execute();
        try {
          const check = await osmp({ command: 'check', txn_id: '243', account: '+77011234567', sum: '1000' });
          assert.equal(check.status, 200);
          assert.equal(check.xml.result, 243);
        } finally {
          await ctx.db.schema.alterTable('lines_away').renameTo('lines').execute();
        }
      } finally {
        ctx.settings.topup.validityDays = validityDays;
        ctx.reportError = quiet;
      }
      assert.equal(await transferCount(), transfers + 1);
      await t.verify();
    });

    it('a closed ledger writer is result 1 (temporary): nothing is written and a retry is safe', async () => {
      await t.app.ctx.writer.close();
      const response = await pay(nextTxn(), '+77011234567', '1000');
      assert.equal(response.status, 200);
      assert.equal(response.xml.result, 1);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`aggregators check/pay while the server shuts down [${dialect.name}]`, { skip: dialect.skip }, () => {
    it('a pay whose request is read after the close began is result 1 (retry the same txn_id), not 300, a final refusal', async () => {
      const t = await startTestApp(dialect.name);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', password: QIWI_SECRET } })).status, 201);
      // The server reads the request while it is shutting down.
      const text = await requestWhileClosing(t,
        'GET /aggregators/qiwi/osmp?command=pay&txn_id=77&txn_date=20260115110000&account=7011234567&sum=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n',
        `Authorization: ${QIWI_AUTH}\r\n\r\n`);
      assert.match(text, /^HTTP\/1\.1 200 /);
      assert.equal(parseOsmp(text.slice(text.indexOf('<?xml'))).result, 1);
    });
  });
}
