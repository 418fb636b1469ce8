import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which kind of address an IP literal is, for the webhook SSRF rules. Pure:
 * parsing to bytes and prefix tables, no I/O. An IPv6 form that carries an
 * IPv4 address (mapped, compatible, NAT64, 6to4, translated) is the kind of
 * that IPv4 address, since that is where a connection to it can end up.
 */

export type AddressKind =
  | 'public'
  /** Cloud instance metadata and credential endpoints: refused in every setting. */
  | 'metadata'
  /** Never a receiver: unspecified/"this network", multicast, limited broadcast. Refused in every setting. */
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  /** Refused unless private addresses are allowed. */
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'reserved';

export interface AddressClass {
  kind: AddressKind;
  /** The IPv4 address an IPv6 form carries, when that decided the kind. */
  embedded?: string;
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
  kind: AddressKind;
}

function range(cidr: string, kind: AddressKind): Range {
  const [address, prefix] = cidr.split('/') as [string, string];
  return { bytes: ipBytes(address)!, prefix: Number(prefix), kind };
}

// First match wins: metadata before link-local and private. Sources: the
// IANA IPv4 and IPv6 special-purpose address registries; the providers'
// documentation for the metadata endpoints.
const IPV4_RANGES: readonly Range[] = [
  // AWS IMDS, DNS and NTP; the GCP, Azure, Oracle and OpenStack metadata services (.254).
  range('169.254.169.0/24', 'metadata'),
  // AWS ECS task credentials (.2) and the EKS Pod Identity agent (.23).
  range('169.254.170.0/24', 'metadata'),
  range('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  range('192.0.0.192/32', 'metadata'), // Oracle Cloud (legacy)
  range('168.63.129.16/32', 'metadata'), // Azure WireServer
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'reserved'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'reserved'),
  range('203.0.113.0/24', 'reserved'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
  range('0.0.0.0/0', 'public'),
];

const IPV6_RANGES: readonly Range[] = [
  range('fd00:ec2::/64', 'metadata'), // AWS IMDS, DNS, NTP, EKS Pod Identity over IPv6
  range('fd20:ce::254/128', 'metadata'), // GCP
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'private'), // local-use NAT64 (RFC 8215)
  range('100::/64', 'reserved'), // discard-only
  range('2001::/23', 'reserved'), // IETF protocol assignments, Teredo
  range('2001:db8::/32', 'reserved'), // documentation
  range('3fff::/20', 'reserved'), // documentation (RFC 9637)
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private'), // deprecated site-local
  range('ff00::/8', 'multicast'),
  range('2000::/3', 'public'),
  // Everything else is unassigned or special.
  range('::/0', 'reserved'),
];

/** IPv6 prefixes that carry an IPv4 address, and where its four bytes are. */
const EMBEDDING: readonly { range: Range; offset: number }[] = [
  { range: range('::ffff:0:0/96', 'reserved'), offset: 12 }, // IPv4-mapped
  { range: range('::ffff:0:0:0/96', 'reserved'), offset: 12 }, // IPv4-translated (RFC 2765)
  { range: range('64:ff9b::/96', 'reserved'), offset: 12 }, // NAT64 well-known prefix
  { range: range('2002::/16', 'reserved'), offset: 2 }, // 6to4
  { range: range('::/96', 'reserved'), offset: 12 }, // IPv4-compatible (deprecated)
];

function inRange(bytes: Uint8Array, { bytes: base, prefix }: Range): boolean {
  if (bytes.length !== base.length) return false;
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i += 1) if (bytes[i] !== base[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole]! & mask) === (base[whole]! & mask);
}

/**
 * The bytes of an IPv4 (4) or IPv6 (16) literal as node:net accepts it
 * (dotted quad without leading zeros; any IPv6 text form, a zone ignored);
 * null for anything else, host names included.
 */
export function ipBytes(text: string): Uint8Array | null {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) return null;
  let address = text.split('%')[0]!.toLowerCase();
  const groups: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    address = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  groups.push(...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back);
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function kindOf(bytes: Uint8Array, table: readonly Range[]): AddressKind {
  // Both tables end with a range covering every address.
  return table.find((entry) => inRange(bytes, entry))!.kind;
}

/**
 * The kind of an IP literal, or null when `text` is not one.
 * @example classifyAddress('::ffff:7f00:1') → {kind: 'loopback', embedded: '127.0.0.1'}
 */
export function classifyAddress(text: string): AddressClass | null {
  const bytes = ipBytes(text);
  if (bytes === null) return null;
  if (bytes.length === 4) return { kind: kindOf(bytes, IPV4_RANGES) };
  const own = kindOf(bytes, IPV6_RANGES);
  // `::` and `::1` lie inside the compatible prefix but are their own addresses.
  if (own === 'unspecified' || own === 'loopback') return { kind: own };
  const carrier = EMBEDDING.find((entry) => inRange(bytes, entry.range));
  if (carrier === undefined) return { kind: own };
  const v4 = bytes.subarray(carrier.offset, carrier.offset + 4);
  return { kind: kindOf(v4, IPV4_RANGES), embedded: Array.from(v4).join('.') };
}
