import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, parseContentType, parseStructuredHeader } from '../../../lib/mime/index.js';

describe('decodeHeaderValue (RFC 2047)', () => {
  it.each([
    ['Q with underscores', '=?ISO-8859-1?Q?Caf=E9_cr=E8me?=', 'Café crème'],
    ['B', '=?UTF-8?B?w6l0w6k=?=', 'été'],
    ['lower-case b and q', '=?utf-8?b?w6k=?= =?utf-8?q?=C3=A9?=', 'éé'],
    ['adjacent words lose the whitespace between them', '=?UTF-8?Q?a?= \r\n =?UTF-8?Q?b?=', 'ab'],
    ['encoded space survives joining', '=?UTF-8?Q?a_?= =?UTF-8?Q?b?=', 'a b'],
    ['text between words is kept', '=?UTF-8?Q?a?= and =?UTF-8?Q?b?=', 'a and b'],
    ['plain text around', 'Re: =?UTF-8?Q?caf=C3=A9?= today', 'Re: café today'],
    ['mixed charsets', '=?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?_caf=C3=A9?=', 'café café'],
    ['multi-byte split across Q words', '=?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=', '€'],
    ['multi-byte split across B words', '=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=', '€'],
    ['base64 split mid-quantum', '=?UTF-8?B?4oK?= =?UTF-8?B?s=?=', '€'],
    ['ISO-2022-JP', '=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=', 'テスト'],
    ['windows-1251', '=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=', 'Привет'],
    ['KOI8-R', '=?koi8-r?B?8NLJ18XU?=', 'Привет'],
    ['RFC 2231 language suffix', '=?UTF-8*en?Q?hello?=', 'hello'],
    ['unknown charset decoded best-effort', '=?x-unknown?Q?caf=E9?=', 'café'],
    ['invalid bytes decoded best-effort', '=?UTF-8?Q?caf=E9?=', 'café'],
    ['unclosed word stays as written', '=?UTF-8?Q?broken', '=?UTF-8?Q?broken'],
    ['unknown encoding stays as written', '=?UTF-8?X?abc?=', '=?UTF-8?X?abc?='],
    ['bad Q escape stays literal', '=?UTF-8?Q?100=ZZ?=', '100=ZZ'],
    ['no encoded words', 'Hello world', 'Hello world'],
  ])('%s', (_name, input, expected) => {
    expect(decodeHeaderValue(input)).toBe(expected);
  });

  it('reads raw 8-bit UTF-8 header bytes', () => {
    expect(decodeHeaderValue(Buffer.from('Grüße =?UTF-8?Q?=E2=82=AC?=', 'utf8'))).toBe('Grüße €');
  });

  it('reads raw 8-bit Latin-1 header bytes', () => {
    expect(decodeHeaderValue(Buffer.from('Gr\xfc\xdfe', 'latin1'))).toBe('Grüße');
  });
});

describe('parseStructuredHeader (RFC 2045 / 2183 / 2231)', () => {
  it.each([
    [
      'continuations with charset',
      'attachment; filename*0*=UTF-8\'\'%E2%82%AC; filename*1="-rate.txt"',
      '€-rate.txt',
    ],
    ['percent-encoding with language', "attachment; filename*=iso-8859-1'fr'%E9t%E9.txt", 'été.txt'],
    [
      'plain continuations',
      'attachment; filename*0="very long "; filename*1="name.pdf"',
      'very long name.pdf',
    ],
    ['out-of-order continuations', 'attachment; filename*1="b.txt"; filename*0="a"', 'ab.txt'],
    [
      'extended value wins over the fallback',
      "attachment; filename=fallback.txt; filename*=UTF-8''r%C3%A9el.txt",
      'réel.txt',
    ],
    ['non-standard RFC 2047 in quotes', 'attachment; filename="=?UTF-8?B?w6l0w6kucGRm?="', 'été.pdf'],
    ['quoted with escapes', 'attachment; filename="a \\"q\\".txt"', 'a "q".txt'],
    ['unquoted with parentheses', 'attachment; filename=Invoice(1).pdf', 'Invoice(1).pdf'],
    [
      'RFC 2231 value keeps a literal encoded word',
      "attachment; filename*=UTF-8''x%3D%3FUTF-8%3FQ%3F%3D2Eexe%3F%3D",
      'x=?UTF-8?Q?=2Eexe?=',
    ],
  ])('%s', (_name, input, expected) => {
    expect(parseStructuredHeader(input).params.filename).toBe(expected);
  });

  it('lower-cases the value and parameter names and drops comments', () => {
    expect(parseStructuredHeader('TEXT/Plain (body); CHARSET="UTF-8"; Format=flowed')).toEqual({
      value: 'text/plain',
      params: { charset: 'UTF-8', format: 'flowed' },
    });
  });
});

describe('parseContentType', () => {
  it.each([
    [null, 'text/plain', { charset: 'us-ascii' }],
    ['', 'text/plain', { charset: 'us-ascii' }],
    ['text', 'text/plain', { charset: 'us-ascii' }],
    ['/plain; charset=utf-8', 'text/plain', { charset: 'us-ascii' }],
    ['Multipart/Mixed; boundary="b 1"', 'multipart/mixed', { boundary: 'b 1' }],
  ])('%j', (value, type, params) => {
    expect(parseContentType(value)).toEqual({ type, params });
  });

  it('defaults to message/rfc822 where told (multipart/digest)', () => {
    expect(parseContentType(null, 'message/rfc822')).toEqual({ type: 'message/rfc822', params: {} });
  });
});
