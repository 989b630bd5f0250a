import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';

/**
 * Which network addresses the http store may connect to. Image locations are URLs chosen by API
 * callers: without a check, a member could point an image at a service that only the image host can
 * reach (a metadata service on 169.254.169.254, an admin port on loopback, the storage network) and
 * read it back through the image's data (SSRF). Glance filters web-download URLs by name only
 * (`[import_filtering_opts]`); glance-ts also refuses every address that is not public, checked on
 * the addresses the name resolves to at connect time, for every connection (redirects included),
 * so a name that resolves differently later (DNS rebinding) is caught too.
 */

/** The ranges that are not the public Internet (IANA special-purpose registries). */
const NOT_PUBLIC_IPV4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

const NOT_PUBLIC_IPV6: ReadonlyArray<[string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/** An address refused by the guard; the message names the address (for operators' logs). */
export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      `${host} resolves to ${address}, which is not a public address ([import_filtering_opts] allowed_networks)`,
    );
    this.name = 'AddressNotAllowedError';
  }
}

export class AddressGuard {
  private readonly restricted = new BlockList();
  private readonly allowed = new BlockList();

  /** `allowedNetworks`: CIDRs (or single addresses) to let through although they are not public. */
  constructor(allowedNetworks: readonly string[] = []) {
    for (const [address, prefix] of NOT_PUBLIC_IPV4) this.restricted.addSubnet(address, prefix, 'ipv4');
    for (const [address, prefix] of NOT_PUBLIC_IPV6) this.restricted.addSubnet(address, prefix, 'ipv6');
    for (const network of allowedNetworks) {
      const [address, prefix] = network.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      this.allowed.addSubnet(
        address,
        prefix === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefix),
        family,
      );
    }
  }

  /** True when the http store may connect to `address` (an IP literal). */
  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (family === 6) {
      const embedded = embeddedIpv4(address);
      if (embedded !== null) return this.allows(embedded);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, type)) return true;
    return !this.restricted.check(address, type);
  }

  /**
   * A dns.lookup that fails with AddressNotAllowedError when any address the name resolves to is
   * refused (an attacker's name may mix a public and a private address), so sockets only ever
   * connect to checked addresses and the name is resolved once per connection.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !this.allows(entry.address));
      if (refused) return callback(new AddressNotAllowedError(hostname, refused.address), '', 0);
      if ((options as { all?: boolean }).all) {
        return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      }
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  /**
   * An undici connector that applies the guard: IP literals are checked before connecting, names
   * through `lookup`.
   */
  connector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector({ ...options, lookup: this.lookup } as buildConnector.BuildOptions);
    return (target, callback) => {
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0 && !this.allows(host)) {
        callback(new AddressNotAllowedError(host, host), null);
        return;
      }
      connect(target, callback);
    };
  }
}

/**
 * The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible, NAT64 (`64:ff9b::/96`)
 * or 6to4 (`2002::/16`) IPv6 address: such an address reaches that IPv4 host, so it is judged as it.
 */
function embeddedIpv4(address: string): string | null {
  const words = expandIpv6(address);
  if (words === null) return null;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6], words[7]);
  if (zeros(0, 6) && (words[6] !== 0 || words[7] > 1)) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return null;
}

/** The eight 16-bit words of an IPv6 address (a dotted IPv4 tail included), or null. */
function expandIpv6(address: string): number[] | null {
  let text = address.split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const first = parse(head);
  const last = parse(tail);
  const words =
    tail === undefined ? first : [...first, ...Array(8 - first.length - last.length).fill(0), ...last];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff)
    ? words
    : null;
}
