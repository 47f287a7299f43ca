import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBasic } from './authenticate-aggregator.ts';
import { ipAllowed, isAllowlistEntry } from './ip-allowlist.ts';
import { isTxnDate, isTxnId, parseSum } from './protocol.ts';
import { escapeXml, renderKaspiJson, renderOsmpXml } from './render-answer.ts';

describe('aggregator protocol pieces', () => {
  it('parses sums strictly into minor units', () => {
    const accepted: [string, bigint][] = [['1000', 100_000n], ['1000.00', 100_000n], ['1000.5', 100_050n], ['0.01', 1n], ['0', 0n], ['007', 700n], ['999999999999.99', 99_999_999_999_999n]];
    for (const [text, minor] of accepted) assert.equal(parseSum(text), minor, text);
    for (const text of ['10,5', '-1', '1e3', '1.001', '', ' 5', '5 ', '1.', '.5', '+5', '0x10', '1_000', 'Infinity', '1234567890123', '٣']) {
      assert.equal(parseSum(text), null, JSON.stringify(text));
    }
    assert.equal(parseSum(undefined), null);
  });

  it('accepts txn ids and real txn dates only', () => {
    assert.ok(isTxnId('12345678901234567890'));
    assert.ok(isTxnId('kaspi-2026.01_x'));
    for (const id of ['', 'a b', 'x'.repeat(65), 'a&b', undefined]) assert.ok(!isTxnId(id));
    assert.ok(isTxnDate('20260115235959'));
    assert.ok(isTxnDate('20240229000000'));
    for (const date of ['20250229000000', '20261301000000', '20260115240000', '2026011523595', '2026-01-15', undefined]) assert.ok(!isTxnDate(date), date);
  });

  it('renders escaped XML and JSON with a two-place sum', () => {
    const answer = { result: 0 as const, txnId: '1<2', prvTxn: '7', sum: '10.00', comment: 'a & "b"' };
    assert.equal(renderOsmpXml(answer), '<?xml version="1.0" encoding="UTF-8"?><response><osmp_txn_id>1&lt;2</osmp_txn_id><prv_txn>7</prv_txn><sum>10.00</sum><result>0</result><comment>a &amp; &quot;b&quot;</comment></response>');
    assert.equal(renderKaspiJson(answer), '{"txn_id":"1<2","prv_txn_id":"7","result":0,"sum":10.00,"comment":"a & \\"b\\""}');
    assert.equal(JSON.parse(renderKaspiJson({ ...answer, sum: '' })).sum, null);
    assert.equal(escapeXml('a\u0000b\u0007c'), 'abc');
  });

  it('checks IP allowlists, CIDR and IPv4-mapped addresses', () => {
    assert.ok(ipAllowed([], '203.0.113.1'));
    assert.ok(ipAllowed(['10.0.0.0/8'], '10.200.1.1'));
    assert.ok(ipAllowed(['10.0.0.0/8'], '::ffff:10.200.1.1'));
    assert.ok(!ipAllowed(['10.0.0.0/8'], '11.0.0.1'));
    assert.ok(ipAllowed(['2001:db8::/32'], '2001:db8::5'));
    assert.ok(!ipAllowed(['192.0.2.1'], 'not-an-ip'));
    for (const entry of ['1.2.3.4', '10.0.0.0/8', '::1', '2001:db8::/32']) assert.ok(isAllowlistEntry(entry), entry);
    for (const entry of ['1.2.3', '10.0.0.0/33', '::1/129', '1.2.3.4/8/1', '', 'localhost', '1.2.3.4/x']) assert.ok(!isAllowlistEntry(entry), entry);
  });

  it('reads HTTP Basic credentials, with colons allowed in the password', () => {
    assert.deepEqual(parseBasic(`Basic ${Buffer.from('qiwi:a:b').toString('base64')}`), { user: 'qiwi', password: 'a:b' });
    assert.deepEqual(parseBasic(`basic ${Buffer.from('qiwi:').toString('base64')}`), { user: 'qiwi', password: '' });
    for (const header of [undefined, '', 'Bearer x', 'Basic', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':pw').toString('base64')}`]) {
      assert.equal(parseBasic(header), null, header);
    }
  });
});
