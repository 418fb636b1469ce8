import { describe, expect, it } from 'vitest';
import { decodeText, resolveCharset } from '../../../lib/mime/index.js';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

describe('decodeText', () => {
  it.each([
    ['iso-8859-1', '636166e9', 'café'],
    ['ISO-8859-1', '4772fc df65', 'Grüße'],
    ['iso-8859-2', 'a3f364bc', 'Łódź'],
    ['iso-8859-15', 'a4 20 bd', '€ œ'],
    ['windows-1250', 'a3f3649f', 'Łódź'],
    ['windows-1251', 'cff0e8e2e5f2', 'Привет'],
    ['windows-1252', '80 93 78 94', '€“x”'],
    ['cp1252', '80', '€'],
    ['ISO-2022-JP', '1b2442 2546 2539 2548 1b2842', 'テスト'],
    ['iso-2022-jp-2', '1b2442 2546 2539 2548 1b2842', 'テスト'],
    ['Shift_JIS', '8365 8358 8367', 'テスト'],
    ['x-sjis', '8365 8358 8367', 'テスト'],
    ['cp932', '8365 8358 8367', 'テスト'],
    ['GB2312', 'd6d0 cec4', '中文'],
    ['gbk', 'd6d0 cec4', '中文'],
    ['cp936', 'd6d0 cec4', '中文'],
    ['ks_c_5601-1987', 'c7d1 b1b9', '한국'],
    ['euc-kr', 'c7d1 b1b9', '한국'],
    ['KOI8-R', 'f0d2c9d7c5d4', 'Привет'],
    ['iso-8859-8-i', 'f9ec e5ed', 'שלום'],
    ['utf-8', 'e282ac 20 f09f9880', '€ 😀'],
    ['UTF8', 'c3a9', 'é'],
    ['"utf-8"', 'c3a9', 'é'],
    ['unicode-1-1-utf-7', Buffer.from('Hi +ZeVnLIqe- a+-b').toString('hex'), 'Hi 日本語 a+b'],
    ['us-ascii', '6869', 'hi'],
    [null, '6869', 'hi'],
  ])('decodes %s', (charset, hex, expected) => {
    expect(decodeText(bytes(hex), charset)).toEqual({ text: expected, problem: false });
  });

  it('flags invalid UTF-8 and keeps the valid characters', () => {
    const result = decodeText(bytes('c3a9 ff 20 e282ac'), 'utf-8');
    expect(result.problem).toBe(true);
    expect(result.text).toBe('é\ufffd €');
  });

  it('reads Latin-1 mislabelled as UTF-8 as windows-1252', () => {
    expect(decodeText(bytes('636166e9'), 'utf-8')).toEqual({ text: 'café', problem: true });
  });

  it.each([
    ['x-unknown-charset', 'c3a9', 'é'],
    ['x-unknown-charset', 'e9', 'é'],
    ['iso-8859-16', '41', 'A'],
    ['', 'c3a9', 'é'],
    ['us-ascii', 'e9', 'é'],
  ])('decodes %s best-effort with a problem flag', (charset, hex, expected) => {
    expect(decodeText(bytes(hex), charset)).toEqual({ text: expected, problem: true });
  });

  it('never throws on hostile labels', () => {
    for (const label of ['replacement', '__proto__', 'x'.repeat(10_000), 'utf-16\u0000']) {
      expect(() => decodeText(bytes('41'), label)).not.toThrow();
    }
    expect(decodeText(bytes('41'), 'replacement').problem).toBe(true);
  });
});

describe('resolveCharset', () => {
  it.each([
    ['latin1', 'windows-1252'],
    ['x-gbk', 'gbk'],
    ['windows-31j', 'shift_jis'],
    ['ms949', 'euc-kr'],
    ['win-1251', 'windows-1251'],
    ['iso_8859-2', 'iso-8859-2'],
    ['nonsense', null],
  ])('%s → %s', (label, expected) => {
    expect(resolveCharset(label)).toBe(expected);
  });
});
