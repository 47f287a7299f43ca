import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { addLine, createPayment, startPaymentsApp } from '../payments/payments-test-support.ts';
import { addressKeyOf } from './address-key.ts';

describe('addressKeyOf (pure)', () => {
  it('counts an IPv4 address as itself, a mapped one as its IPv4, and an IPv6 one by its /64 however written', () => {
    assert.equal(addressKeyOf('198.51.100.7'), '198.51.100.7');
    assert.equal(addressKeyOf('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(addressKeyOf('::FFFF:c633:6407'), '198.51.100.7');
    assert.equal(addressKeyOf('2001:db8:7:1::5'), '2001:db8:7:1::/64');
    assert.equal(addressKeyOf('2001:0DB8:0007:0001:ffff:ffff:ffff:fffe'), '2001:db8:7:1::/64');
    assert.equal(addressKeyOf('2001:db8::7:1:2:3'), '2001:db8:0:0::/64');
    assert.equal(addressKeyOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.notEqual(addressKeyOf('2001:db8:7:1::5'), addressKeyOf('2001:db8:7:2::5'));
  });
});

for (const dialect of DIALECTS) {
  describe(`per-address limits of the anonymous routes count an IPv6 /64 as one address [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startPaymentsApp(dialect.name, { confirmLinePerIpMax: 3, perIpMax: 3 });
      await addLine(t, '+77011234567');
    });
    after(async () => t?.close());

    it('stops a number walk from new addresses of one /64 at the per-IP limit', async () => {
      const confirm = (remoteAddress: string) => t.request('GET', '/v1/payments/confirm-line?msisdn=%2B77011234567', { token: null, remoteAddress });
      for (let i = 1; i <= 3; i++) assert.equal((await confirm(`2001:db8:9:1::${i}`)).status, 200);
      const fourth = await confirm('2001:db8:9:1:aaaa::4');
      assert.deepEqual([fourth.status, fourth.body.error?.code], [429, 'rate_limited']);
      assert.equal((await confirm('2001:db8:9:2::1')).status, 200, 'another network is not limited');
    });

    it('stops payments created from new addresses of one /64 at the per-IP limit', async () => {
      for (let i = 1; i <= 3; i++) assert.equal((await createPayment(t, { msisdn: '+77011234567', amount: 100_000 }, `v6-${i}`, `2001:db8:a:1::${i}`)).status, 201);
      const fourth = await createPayment(t, { msisdn: '+77011234567', amount: 100_000 }, 'v6-4', '2001:db8:a:1::4');
      assert.deepEqual([fourth.status, fourth.body.error?.code, fourth.body.error?.details?.scope], [429, 'payment_velocity_exceeded', 'ip']);
    });

    it("stops guesses at an aggregator's password from new addresses of one /64 at the per-address limit", async () => {
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'v6agg', password: 'v6-aggregator-secret' } })).status, 201);
      const check = (password: string, remoteAddress: string) => t.app.server.inject({
        method: 'GET', url: '/aggregators/v6agg/osmp?command=check&txn_id=1&account=%2B77011234567&sum=1000', remoteAddress,
        headers: { authorization: `Basic ${Buffer.from(`v6agg:${password}`).toString('base64')}` },
      });
      for (let i = 1; i <= 20; i++) assert.equal((await check(`guess-${i}`, `2001:db8:b:1::${i.toString(16)}`)).statusCode, 401);
      assert.equal((await check('v6-aggregator-secret', '2001:db8:b:1::ff')).statusCode, 401, 'past its limit the /64 is refused, the right secret unchecked');
      assert.equal((await check('v6-aggregator-secret', '2001:db8:b:2::1')).statusCode, 200, 'the aggregator itself, elsewhere, is not');
    });

    it('stops voucher PIN guesses from new addresses of one /64 at the per-address limit', async () => {
      t.app.ctx.settings.vouchers = { ...t.app.ctx.settings.vouchers, pinAttemptsMax: 10, pinAttemptsPerAddressMax: 2 };
      const redeem = (remoteAddress: string) => t.request('POST', '/v1/vouchers/redeem', { remoteAddress, body: { msisdn: '+77011234567', pin: '12345678901234' } });
      for (let i = 1; i <= 2; i++) assert.equal((await redeem(`2001:db8:c:1::${i}`)).body.error?.code, 'voucher_pin_invalid');
      assert.deepEqual([(await redeem('2001:db8:c:1::3')).status, (await redeem('2001:db8:c:1::4')).body.error?.code], [429, 'rate_limited']);
      assert.equal((await redeem('2001:db8:c:2::1')).body.error?.code, 'voucher_pin_invalid', 'another network is not limited');
    });
  });
}
