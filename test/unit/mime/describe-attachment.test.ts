import { describe, expect, it } from 'vitest';
import {
  decodeTransfer,
  describeAttachment,
  estimateDecodedSize,
  type MimeNode,
  truncateUtf8,
} from '../../../lib/mime/index.js';

function buildNode(overrides: Partial<MimeNode> = {}): MimeNode {
  return {
    part: '2',
    type: 'application/pdf',
    params: {},
    disposition: 'attachment',
    dispositionParams: {},
    contentId: null,
    encoding: 'base64',
    size: 0,
    children: [],
    ...overrides,
  };
}

describe('describeAttachment', () => {
  it('describes a part with its declared parameters and file name', () => {
    const node = buildNode({
      type: 'text/plain',
      params: { charset: 'ISO-8859-1', name: 'old name.txt' },
      dispositionParams: { filename: 'r\u00e9sum\u00e9.txt' },
      contentId: 'c1@x.test',
      encoding: '7bit',
      size: 123,
    });
    expect(describeAttachment(node)).toEqual({
      id: '2',
      filename: 'résumé.txt',
      contentType: 'text/plain; charset=ISO-8859-1; name="old name.txt"',
      size: 123,
      disposition: 'attachment',
      contentId: 'c1@x.test',
    });
  });

  it('falls back to the Content-Type name and encodes non-ASCII parameters per RFC 2231', () => {
    const node = buildNode({ params: { name: '\u00e9t\u00e9.pdf' }, disposition: 'INLINE-ish' });
    const meta = describeAttachment(node);
    expect(meta.filename).toBe('été.pdf');
    expect(meta.contentType).toBe("application/pdf; name*=utf-8''%C3%A9t%C3%A9.pdf");
    expect(meta.disposition).toBeNull();
  });

  it('uses an exact decoded size when the caller has one', () => {
    expect(describeAttachment(buildNode({ size: 1000 }), 731).size).toBe(731);
  });
});

describe('estimateDecodedSize', () => {
  const wrap = (b64: string, eol: string) => (b64.match(/.{1,76}/g) ?? []).join(eol);

  it.each([1_000, 4_097, 50_000, 1_000_001])(
    'is within 2%% for %i bytes of base64 with CRLF lines',
    (length) => {
      const data = Buffer.alloc(length, 7);
      const encoded = wrap(data.toString('base64'), '\r\n');
      const estimate = estimateDecodedSize(encoded.length, 'base64');
      expect(Math.abs(estimate - length) / length).toBeLessThan(0.02);
      expect(decodeTransfer(Buffer.from(encoded), 'base64').length).toBe(length);
    },
  );

  it('is within 2% for LF-only lines and a trailing line break', () => {
    const length = 30_000;
    const encoded = `${wrap(Buffer.alloc(length).toString('base64'), '\n')}\n`;
    const estimate = estimateDecodedSize(encoded.length, 'base64');
    expect(Math.abs(estimate - length) / length).toBeLessThan(0.02);
  });

  it('is exact for identity encodings and the encoded size for quoted-printable', () => {
    expect(estimateDecodedSize(500, '7bit')).toBe(500);
    expect(estimateDecodedSize(500, 'binary')).toBe(500);
    expect(estimateDecodedSize(500, 'quoted-printable')).toBe(500);
    expect(estimateDecodedSize(0, 'base64')).toBe(0);
  });
});

describe('truncateUtf8', () => {
  it.each([
    ['hello', 10, 'hello', false],
    ['hello', 3, 'hel', true],
    ['h\u00e9llo', 2, 'h', true],
    ['h\u00e9llo', 3, 'hé', true],
    ['\u20ac\u20ac', 5, '€', true],
    ['a\ud83d\ude00b', 4, 'a', true],
    ['a\ud83d\ude00b', 5, 'a😀', true],
    ['abc', 0, '', true],
    ['abc', null, 'abc', false],
  ])('%j to %j bytes', (text, max, expected, truncated) => {
    const result = truncateUtf8(text, max);
    expect(result).toEqual({ text: expected, truncated });
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(max ?? Number.POSITIVE_INFINITY);
  });
});
