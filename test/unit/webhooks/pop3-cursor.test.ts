import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UnsupportedOperationError } from '../../../lib/mail/errors.js';
import {
  decodePop3Cursor,
  encodePop3Cursor,
  MAX_POP3_CURSOR_CHARS,
  MAX_POP3_WATCHED_MESSAGES,
  POP3_CURSOR_PREFIX,
  Pop3CursorTooLargeError,
  sortUidls,
} from '../../../lib/webhooks/pop3-cursor.js';

/** Dovecot's default `%08Xu%08Xv`. */
const dovecotUidl = (uid: number) => `${uid.toString(16).toUpperCase().padStart(8, '0')}6750A1B2`;

/** Deterministic UIDLs that do not compress: `length` characters from 0x21–0x7E, made from a hash chain. */
function noisyUidls(count: number, length: number, seed = 'seed'): string[] {
  const uidls: string[] = [];
  let state = createHash('sha256').update(seed).digest();
  for (let i = 0; i < count; i += 1) {
    let text = '';
    while (text.length < length) {
      state = createHash('sha256').update(state).digest();
      for (const byte of state) if (text.length < length) text += String.fromCharCode(0x21 + (byte % 94));
    }
    uidls.push(text);
  }
  return uidls;
}

/** A cursor over a hand-made front-coded payload (what a damaged or hostile cursor could hold). */
function cursorOf(payload: number[] | Buffer): string {
  return POP3_CURSOR_PREFIX + deflateRawSync(Buffer.from(payload)).toString('base64url');
}

/** The payload bytes of one front-coded entry. */
function entry(shared: number, rest: string): number[] {
  return [shared, rest.length, ...Buffer.from(rest, 'latin1')];
}

const uidlArbitrary = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 140 })
  .map((codes) => String.fromCharCode(...codes));

describe('POP3 cursor codec', () => {
  test('round trip: the UIDLs come back sorted, once each', () => {
    const uidls = ['b', 'a', 'abc', 'ab', 'b', '~~', '!', dovecotUidl(7), dovecotUidl(12)];
    const cursor = encodePop3Cursor(uidls);
    expect(cursor.startsWith(POP3_CURSOR_PREFIX)).toBe(true);
    expect(cursor).toMatch(/^pop3:v1:[A-Za-z0-9_-]+$/);
    expect(decodePop3Cursor(cursor)).toEqual([
      '!',
      '000000076750A1B2',
      '0000000C6750A1B2',
      'a',
      'ab',
      'abc',
      'b',
      '~~',
    ]);
  });

  test('the empty set is a cursor too', () => {
    const cursor = encodePop3Cursor([]);
    expect(decodePop3Cursor(cursor)).toEqual([]);
  });

  test('the same set gives the same cursor whatever the order or repetition', () => {
    expect(encodePop3Cursor(['x', 'y', 'z'])).toBe(encodePop3Cursor(['z', 'x', 'y', 'x']));
  });

  test('a UIDL no message id accepts is refused when encoding', () => {
    for (const bad of ['', 'with space', 'tab\t', '\x7f', 'é', 'x'.repeat(141)]) {
      expect(() => encodePop3Cursor(['ok', bad])).toThrow(RangeError);
    }
  });

  test('Dovecot UIDLs cost well under a byte each; the message cap holds them', () => {
    const uidls = Array.from({ length: MAX_POP3_WATCHED_MESSAGES }, (_, i) => dovecotUidl(i + 1));
    const cursor = encodePop3Cursor(uidls);
    expect(cursor.length).toBeLessThan(MAX_POP3_WATCHED_MESSAGES / 4);
    expect(decodePop3Cursor(cursor)).toEqual(sortUidls(uidls));
    const more = [...uidls, dovecotUidl(MAX_POP3_WATCHED_MESSAGES + 1)];
    expect(() => encodePop3Cursor(more)).toThrow(Pop3CursorTooLargeError);
  });

  test('at the size cap: the largest set that fits is written and decodes; one UIDL more is refused', () => {
    const pool = noisyUidls(2_000, 140);
    // The most of these that fit (incompressible, 140 characters each: the worst case).
    let low = 1;
    let high = pool.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      try {
        encodePop3Cursor(pool.slice(0, middle));
        low = middle;
      } catch (error) {
        expect(error).toBeInstanceOf(Pop3CursorTooLargeError);
        high = middle - 1;
      }
    }
    expect(low).toBeGreaterThan(1_500);
    expect(low).toBeLessThan(pool.length);
    const cursor = encodePop3Cursor(pool.slice(0, low));
    expect(cursor.length).toBeLessThanOrEqual(MAX_POP3_CURSOR_CHARS);
    expect(cursor.length).toBeGreaterThan(MAX_POP3_CURSOR_CHARS - 300);
    expect(decodePop3Cursor(cursor)).toEqual(sortUidls(pool.slice(0, low)));

    let refused: unknown;
    try {
      encodePop3Cursor(pool.slice(0, low + 1));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(Pop3CursorTooLargeError);
    expect(refused).toBeInstanceOf(UnsupportedOperationError);
    expect((refused as UnsupportedOperationError).code).toBe('unsupported_operation');
    expect((refused as Error).message).toContain(`${low + 1} messages`);
  });

  describe('a cursor that is not one of this version decodes to null', () => {
    const valid = encodePop3Cursor(['alpha', 'beta', 'gamma']);
    const cases: Array<[string, string]> = [
      ['empty', ''],
      ['an IMAP state', 'c1.eyJ2IjoxLCJtIjo0Mn0'],
      ['another version', valid.replace('pop3:v1:', 'pop3:v2:')],
      ['the prefix alone, no stream', POP3_CURSOR_PREFIX],
      ['not base64url', `${valid}=`],
      ['a character outside base64url', `${POP3_CURSOR_PREFIX}ab+c`],
      ['cut short', valid.slice(0, -3)],
      [
        'bytes after the stream',
        POP3_CURSOR_PREFIX +
          Buffer.concat([
            Buffer.from(valid.slice(POP3_CURSOR_PREFIX.length), 'base64url'),
            Buffer.from([1, 2, 3]),
          ]).toString('base64url'),
      ],
      ['not DEFLATE', `${POP3_CURSOR_PREFIX}${Buffer.from('hello world').toString('base64url')}`],
      ['out of order', cursorOf([...entry(0, 'b'), ...entry(0, 'a')])],
      ['a repeated UIDL', cursorOf([...entry(0, 'a'), ...entry(1, '')])],
      ['sharing more than the previous has', cursorOf([...entry(0, 'a'), ...entry(2, 'b')])],
      ['an entry cut short', cursorOf([...entry(0, 'abc'), 0, 5, 0x61])],
      ['a lone byte', cursorOf([0])],
      ['a space in a UIDL', cursorOf(entry(0, 'a b'))],
      ['a control byte in a UIDL', cursorOf(entry(0, 'a\x01'))],
      ['a UIDL over 140 characters', cursorOf([...entry(0, 'x'.repeat(140)), ...entry(140, 'y')])],
      ['longer than any cursor written', POP3_CURSOR_PREFIX + 'A'.repeat(MAX_POP3_CURSOR_CHARS)],
      // 16 MiB of zeros deflate to about 16 KB: decoding stops at its cap instead of inflating them.
      ['a compression bomb', cursorOf(Buffer.alloc(16 * 1024 * 1024))],
    ];
    test.each(cases)('%s', (_name, cursor) => {
      expect(decodePop3Cursor(cursor)).toBeNull();
    });
  });

  test('property: any set of accepted UIDLs round-trips to itself, sorted', () => {
    fc.assert(
      fc.property(fc.array(uidlArbitrary, { maxLength: 200 }), (uidls) => {
        const decoded = decodePop3Cursor(encodePop3Cursor(uidls));
        expect(decoded).toEqual([...new Set(uidls)].sort());
      }),
      { numRuns: 300 },
    );
  });

  test('property: shared prefixes (as real UIDLs have) round-trip too', () => {
    const prefixed = fc
      .tuple(fc.constantFrom('', 'UID', 'GmailId18c', '0000'), uidlArbitrary)
      .map(([prefix, rest]) => (prefix + rest).slice(0, 140));
    fc.assert(
      fc.property(fc.array(prefixed, { maxLength: 300 }), (uidls) => {
        expect(decodePop3Cursor(encodePop3Cursor(uidls))).toEqual(sortUidls(uidls));
      }),
      { numRuns: 200 },
    );
  });

  test('property: a damaged cursor never throws; it decodes to null or to a valid, sorted set', () => {
    fc.assert(
      fc.property(
        fc.array(uidlArbitrary, { minLength: 1, maxLength: 50 }),
        fc.nat(),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
        (uidls, at, character) => {
          const cursor = encodePop3Cursor(uidls);
          const position = POP3_CURSOR_PREFIX.length + (at % (cursor.length - POP3_CURSOR_PREFIX.length));
          const damaged = cursor.slice(0, position) + character + cursor.slice(position + 1);
          const decoded = decodePop3Cursor(damaged);
          if (decoded === null) return;
          expect(decoded).toEqual(sortUidls(decoded));
          expect(new Set(decoded).size).toBe(decoded.length);
          for (const uidl of decoded) expect(uidl).toMatch(/^[\x21-\x7e]{1,140}$/);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(() => decodePop3Cursor(text)).not.toThrow();
        expect(() => decodePop3Cursor(POP3_CURSOR_PREFIX + text)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
