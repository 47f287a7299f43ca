import { BlockList, isIP } from 'node:net';

/** An IP allowlist entry: an address (1.2.3.4, ::1) or a network in CIDR form (10.0.0.0/8). */
export function isAllowlistEntry(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * The narrowest network an allowlist may name when it is an aggregator's only credential (no
 * password): a /16 of IPv4 (65,536 addresses) or a /32 of IPv6 (an ISP's allocation). A wider one,
 * let alone 0.0.0.0/0 or ::/0, would let most of the internet pay onto any line without a password.
 */
const PREFIX_MIN_WITHOUT_PASSWORD = { 4: 16, 6: 32 } as const;

/** IPv4 addresses as IPv6 (`::ffff:a.b.c.d`): an IPv4 client matches an IPv6 network that holds its form. */
const MAPPED_IPV4 = new BlockList();
MAPPED_IPV4.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * The first entry too wide to stand alone as a credential (see PREFIX_MIN_WITHOUT_PASSWORD), or
 * undefined. An IPv6 network that holds IPv4 addresses in their mapped form is judged as the IPv4
 * network it is: `::ffff:0.0.0.0/96` and `::/32` hold every IPv4 address, `::ffff:10.0.0.0/104` a /8.
 */
export function tooWideAlone(allowlist: readonly string[]): string | undefined {
  return allowlist.find((entry) => {
    const [address, prefixText] = entry.split('/');
    if (prefixText === undefined) return false;
    const prefix = Number(prefixText);
    if (isIP(address!) === 4) return prefix < PREFIX_MIN_WITHOUT_PASSWORD[4];
    if (prefix < PREFIX_MIN_WITHOUT_PASSWORD[6]) return true;
    const network = new BlockList();
    network.addSubnet(address!, prefix, 'ipv6');
    // A network of at most /96 either holds all of ::ffff:0:0/96 or none of it.
    if (prefix <= 96) return network.check('::ffff:0:0', 'ipv6');
    return MAPPED_IPV4.check(address!, 'ipv6') && prefix - 96 < PREFIX_MIN_WITHOUT_PASSWORD[4];
  });
}

/** Whether `ip` is allowed: an empty list allows any address. IPv4-mapped IPv6 counts as IPv4. */
export function ipAllowed(allowlist: readonly string[], ip: string): boolean {
  if (allowlist.length === 0) return true;
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(address);
  if (version === 0) return false;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [network, prefix] = entry.split('/');
    const type = isIP(network!) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(network!, type);
    else list.addSubnet(network!, Number(prefix), type);
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
