import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPrivateHost, isPublicAddress, publicOnlyLookup } from './public-address.ts';

describe('public addresses for partner webhooks', () => {
  it('tells public addresses from this machine, private networks, link-local and reserved ranges', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '2a00:1450:4001::1', '::ffff:8.8.8.8']) assert.ok(isPublicAddress(address), address);
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '::ffff:7f00:1', '::7f00:1', '2002:7f00:1::', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'not an address']) {
      assert.ok(!isPublicAddress(address), address);
    }
    assert.ok(isPublicAddress('172.32.0.1') && isPublicAddress('100.128.0.1'), 'just outside the private ranges');
    for (const host of ['localhost', 'api.localhost', '[::1]', '[::7f00:1]', '[2002:7f00:1::]', '[::ffff:7f00:1]', '10.0.0.5', '127.1.2.3', 'localhost.', 'LOCALHOST..', 'api.localhost.']) assert.ok(isPrivateHost(host), host);
    for (const host of ['partner.example.kz', 'partner.example.kz.', '8.8.8.8', '[2a00:1450::1]']) assert.ok(!isPrivateHost(host), host);
  });

  it('refuses to connect to a name that resolves to a private address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', {}, (failure) => resolve(failure)));
    assert.equal(error?.code, 'EPRIVATEADDRESS');
    const all = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', { all: true }, (failure) => resolve(failure)));
    assert.equal(all?.code, 'EPRIVATEADDRESS');
  });
});
