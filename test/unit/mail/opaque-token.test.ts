import { describe, expect, it } from 'vitest';
import {
  decodeFieldsToken,
  decodeToken,
  encodeFieldsToken,
  encodeToken,
  MAX_TOKEN_CHARS,
} from '../../../lib/mail/opaque-token.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64url');

describe('opaque tokens', () => {
  it('round-trip any bytes behind their prefix, URL-safe', () => {
    const payload = Buffer.from([0, 1, 0xfe, 0xff, 0x2e, 0x20, 0x0d, 0x0a]);
    const token = encodeToken('x1.', payload);
    expect(token).toMatch(/^x1\.[A-Za-z0-9_-]+$/);
    expect(decodeToken('x1.', token)).toEqual(payload);
  });

  it.each([
    ['another prefix', 'y1.AQID'],
    ['no prefix', 'AQID'],
    ['an empty payload', 'x1.'],
    ['padding', 'x1.AQI='],
    ['standard base64 characters', 'x1.+/8A'],
    ['a percent-encoded character', 'x1.AQ%3D'],
    ['stray bits in the last character (non-canonical)', 'x1.AQJ'],
    ['an impossible length', 'x1.AQIDB'],
    ['more than MAX_TOKEN_CHARS', `x1.${'A'.repeat(MAX_TOKEN_CHARS)}`],
  ])('refuse %s', (_label, token) => {
    expect(decodeToken('x1.', token)).toBeNull();
  });

  it('take a smaller length limit from the caller', () => {
    const token = encodeToken('x1.', Buffer.alloc(30));
    expect(decodeToken('x1.', token, token.length)).not.toBeNull();
    expect(decodeToken('x1.', token, token.length - 1)).toBeNull();
  });
});

describe('field tokens', () => {
  it('round-trip dotted fields, and space-separated ones that contain dots', () => {
    expect(decodeFieldsToken('c1.', encodeFieldsToken('c1.', ['17', '4711', 'abc_-']))).toEqual([
      '17',
      '4711',
      'abc_-',
    ]);
    const uidls = ['a.b', '~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}', 'x'.repeat(140)];
    expect(decodeFieldsToken('p1.', encodeFieldsToken('p1.', uidls, ' '), ' ')).toEqual(uidls);
  });

  it('decode tokens laid out before this module existed', () => {
    expect(decodeFieldsToken('s1.', `s1.${b64('1795689758.42.7')}`)).toEqual(['1795689758', '42', '7']);
    expect(decodeFieldsToken('p1.', `p1.${b64('abcdefghij 12 uid.1 uid.2')}`, ' ')).toEqual([
      'abcdefghij',
      '12',
      'uid.1',
      'uid.2',
    ]);
  });

  it.each([
    ['an empty field', b64('1..3')],
    ['a trailing separator', b64('1.2.')],
    ['a space when dots separate', b64('1.2 3')],
    ['a control byte', b64('1.2\x003')],
    ['a byte above 0x7E', b64('1.caf\xe9')],
    ['UTF-8', Buffer.from('1.é').toString('base64url')],
  ])('refuse %s', (_label, body) => {
    expect(decodeFieldsToken('c1.', `c1.${body}`)).toBeNull();
  });

  it.each([[['']], [['a', '']], [['a.b']], [['a\r\nb']], [['café']]])(
    'will not encode %j (a bug in the caller, not input)',
    (fields) => {
      expect(() => encodeFieldsToken('c1.', fields)).toThrow();
    },
  );
});
