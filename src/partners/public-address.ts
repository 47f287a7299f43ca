import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a partner's webhook may not point (server-side request forgery): this host, the operator's
 * private networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast
 * and reserved ranges. Checked for an address written in the URL when the endpoint is registered,
 * and for every address its name resolves to when a delivery connects (so a name that resolves
 * elsewhere later, DNS rebinding, is caught too). PARTNER_WEBHOOK_ALLOW_PRIVATE=true lifts it
 * (tests and development, where the receiver runs on this machine).
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['100::', 64],
  // IPv4 inside IPv6, which some stacks route to the IPv4 address: IPv4-compatible (::7f00:1 is
  // 127.0.0.1), 6to4 and Teredo; no webhook needs them. (An IPv4-mapped one, ::ffff:7f00:1 too, BlockList checks by its IPv4 rules.)
  ['::', 96], ['2002::', 16], ['2001::', 32],
] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address (v4 or v6, an IPv4-mapped v6 by its v4 part) is one a webhook may reach. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !PRIVATE.check(mapped[1]!, 'ipv4');
  return !PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A URL host that names this machine or a private address outright (`localhost`, `10.0.0.5`, `[::1]`).
 * A fully qualified name's trailing dot (`localhost.`, the same host to DNS) is dropped first.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && !isPublicAddress(host);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup for `http.request`'s `lookup` option that refuses a name resolving to any private
 * address: the connection is never opened, whatever the name resolved to when it was registered.
 */
export function publicOnlyLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = list.find((entry) => !isPublicAddress(entry.address));
    if (refused || list.length === 0) {
      return callback(Object.assign(new Error(`webhook host ${hostname} resolves to a private address (${refused?.address ?? 'none'})`), { code: 'EPRIVATEADDRESS' }), []);
    }
    if ((options as LookupAllOptions).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}
