import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type AddressKind, classifyAddress, ipBytes } from '../../../lib/webhooks/address-ranges.js';
import { addressRefusal, checkAddress, WebhookUrlError } from '../../../lib/webhooks/url-guard.js';

/**
 * The reference the address rules are checked against: the ranges written
 * out again, matched by node:net's BlockList (which also matches an
 * IPv4-mapped IPv6 address against IPv4 rules), not by our byte parser.
 */
function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/') as [string, string];
    list.addSubnet(address, Number(prefix), address.includes(':') ? 'ipv6' : 'ipv4');
  }
  return list;
}

const ALWAYS_REFUSED_V4 = blockList([
  '169.254.169.0/24',
  '169.254.170.0/24',
  '100.100.100.200/32',
  '192.0.0.192/32',
  '168.63.129.16/32',
  '0.0.0.0/8',
  '224.0.0.0/4',
  '255.255.255.255/32',
]);
const PRIVATE_V4 = blockList([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
]);
const ALWAYS_REFUSED_V6 = blockList(['fd00:ec2::/64', 'fd20:ce::254/128', '::/128', 'ff00::/8']);
const PRIVATE_V6 = blockList([
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '3fff::/20',
]);
const GLOBAL_V6 = blockList(['2000::/3']);
/** Prefixes whose addresses carry an IPv4 address; the property below builds those from the IPv4 side. */
const EMBEDDING_V6 = blockList(['::ffff:0:0/96', '::ffff:0:0:0/96', '64:ff9b::/96', '2002::/16', '::/96']);

function referenceRefusesV4(address: string, allowPrivate: boolean): boolean {
  return ALWAYS_REFUSED_V4.check(address, 'ipv4') || (!allowPrivate && PRIVATE_V4.check(address, 'ipv4'));
}

function referenceRefusesV6(address: string, allowPrivate: boolean): boolean {
  if (ALWAYS_REFUSED_V6.check(address, 'ipv6')) return true;
  return !allowPrivate && (PRIVATE_V6.check(address, 'ipv6') || !GLOBAL_V6.check(address, 'ipv6'));
}

const refuses = (address: string, allowPrivate: boolean) =>
  addressRefusal(address, { allowPrivate }) !== null;

const hex = (high: number, low: number) => ((high << 8) | low).toString(16);

/** IPv4 addresses, half of them in or next to a special range. */
const ipv4 = fc.oneof(
  fc.ipV4(),
  fc
    .tuple(
      fc.constantFrom(
        [0, 0],
        [10, 0],
        [100, 64],
        [100, 100],
        [127, 0],
        [168, 63],
        [169, 254],
        [172, 16],
        [172, 31],
        [172, 32],
        [192, 0],
        [192, 88],
        [192, 168],
        [198, 18],
        [198, 51],
        [203, 0],
        [223, 255],
        [224, 0],
        [239, 255],
        [240, 0],
        [255, 255],
      ),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([[a, b], c, d, nudge]) => {
      // Sometimes step just outside the range's first two bytes.
      const second = nudge === 3 ? (b + 1) % 256 : b;
      return `${a}.${second}.${c}.${d}`;
    }),
  fc.constantFrom('169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', '168.63.129.16'),
);

/** Random 16-bit groups behind a prefix from the IPv6 table, written out in full with random case. */
const ipv6 = fc.oneof(
  fc.ipV6(),
  fc
    .tuple(
      fc.constantFrom(
        [0, 0],
        [0x64, 0xff9b],
        [0x100, 0],
        [0x2001, 0],
        [0x2001, 0x1ff],
        [0x2001, 0x200],
        [0x2001, 0xdb8],
        [0x2606, 0x4700],
        [0x3fff, 0],
        [0x3fff, 0x1000],
        [0x4000, 0],
        [0xfc00, 0],
        [0xfd00, 0xec2],
        [0xfd20, 0xce],
        [0xfe80, 0],
        [0xfec0, 0],
        [0xff02, 0],
      ),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 6, maxLength: 6 }),
      fc.integer({ min: 0, max: 5 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(0, 0x1, 0xf, 0xff, 0x1ff, 0xfff),
    )
    .map(([[first, second], rest, zeroes, upper, noise, mask]) => {
      // Vary the second group's low bits (prefixes of /20, /23, /28 end there) and zero out
      // some leading groups of the rest so /48, /64 and /128 prefixes are hit too.
      const groups = [first, second ^ (noise & mask), ...rest.map((group, i) => (i < zeroes ? 0 : group))];
      if (zeroes === 5) groups[7] = 0x254;
      const text = groups.map((group) => group.toString(16)).join(':');
      return upper ? text.toUpperCase() : text;
    }),
  fc.constantFrom('fd00:ec2::254', 'fd00:ec2::23', 'fd20:ce::254', '::1', '::', '64:ff9b:1::1'),
);

describe('checkAddress against the reference', () => {
  test('IPv4: refused exactly when the reference refuses, with and without allowPrivate', () => {
    fc.assert(
      fc.property(ipv4, fc.boolean(), (address, allowPrivate) => {
        expect(refuses(address, allowPrivate)).toBe(referenceRefusesV4(address, allowPrivate));
      }),
      { numRuns: 20_000 },
    );
  });

  test('IPv6 outside the IPv4-carrying prefixes: refused exactly when the reference refuses', () => {
    fc.assert(
      fc.property(ipv6, fc.boolean(), (address, allowPrivate) => {
        fc.pre(!EMBEDDING_V6.check(address, 'ipv6') || address === '::' || address === '::1');
        expect(refuses(address, allowPrivate)).toBe(referenceRefusesV6(address, allowPrivate));
      }),
      { numRuns: 20_000 },
    );
  });

  test('every IPv6 form carrying an IPv4 address is judged as that address', () => {
    const forms = (a: number, b: number, c: number, d: number, spare: number[]) => {
      const dotted = `${a}.${b}.${c}.${d}`;
      const tail = `${hex(a, b)}:${hex(c, d)}`;
      return [
        `::ffff:${dotted}`,
        `::FFFF:${tail}`,
        `0:0:0:0:0:ffff:${tail}`,
        `0000:0000:0000:0000:0000:ffff:${dotted}`,
        `::ffff:0:${tail}`,
        `64:ff9b::${dotted}`,
        `64:FF9B::${tail}`,
        `2002:${tail}::`,
        `2002:${tail}:${spare.map((group) => group.toString(16)).join(':')}`,
        ...(a === 0 && b === 0 && c === 0 && d < 2 ? [] : [`::${dotted}`, `::${tail}`]),
      ];
    };
    fc.assert(
      fc.property(
        ipv4,
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (v4, spare, allowPrivate) => {
          const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
          const expected = referenceRefusesV4(v4, allowPrivate);
          for (const form of forms(a, b, c, d, spare)) {
            expect(refuses(form, allowPrivate), form).toBe(expected);
            expect(classifyAddress(form)?.embedded, form).toBe(v4);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  test('ipBytes agrees with a WHATWG URL parser on every IPv6 text form', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
        expect(ipBytes(address)).toEqual(ipBytes(canonical));
        expect(ipBytes(address)).toHaveLength(16);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('checkAddress, named cases', () => {
  const cases: [string, AddressKind][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['fec0::1', 'private'],
    ['64:ff9b:1::a00:1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd20:ce::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::8.8.8.8', 'public'],
  ];

  test.each(cases)('%s is %s', (address, kind) => {
    expect(classifyAddress(address)?.kind).toBe(kind);
  });

  test('loopback, private, shared, link-local and reserved are admitted by allowPrivate; the rest never', () => {
    const admitted = cases.filter(([address]) => addressRefusal(address, { allowPrivate: true }) === null);
    expect(new Set(admitted.map(([, kind]) => kind))).toEqual(
      new Set(['loopback', 'private', 'shared', 'link-local', 'reserved', 'public']),
    );
    const public_ = cases.filter(([address]) => addressRefusal(address, { allowPrivate: false }) === null);
    expect(new Set(public_.map(([, kind]) => kind))).toEqual(new Set(['public']));
  });

  test('a refusal is an invalid_request naming the address, what it is and what it carries', () => {
    expect(() => checkAddress('169.254.169.254', { allowPrivate: true })).toThrow(
      'The webhook address 169.254.169.254 is a cloud metadata address, which webhooks may never call.',
    );
    try {
      checkAddress('::ffff:7f00:1', { allowPrivate: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookUrlError);
      expect(error).toMatchObject({
        code: 'invalid_request',
        reason: 'loopback',
        detail:
          'The webhook address ::ffff:7f00:1 is a loopback address (it carries 127.0.0.1); webhooks may only call public addresses.',
      });
    }
  });

  test.each(['localhost', '127.1', '0127.0.0.1', '1.2.3', '::g', '[::1]', ''])(
    '%j is not an address',
    (text) => {
      expect(classifyAddress(text)).toBeNull();
      expect(addressRefusal(text, { allowPrivate: true })?.reason).toBe('not_an_address');
    },
  );
});
