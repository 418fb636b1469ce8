import { describe, expect, it } from 'vitest';
import { createChunkDecoder, decodeTransfer, normalizeTransferEncoding } from '../../../lib/mime/index.js';

const text = (b: Buffer) => b.toString('latin1');

describe('decodeTransfer base64', () => {
  it.each([
    ['plain', 'SGVsbG8sIHdvcmxkIQ==', 'Hello, world!'],
    ['76-char lines with CRLF', 'SGVsbG8s\r\nIHdvcmxk\r\nIQ==\r\n', 'Hello, world!'],
    ['LF lines and tabs', 'SGVs\n\tbG8s IHdv\ncmxkIQ==', 'Hello, world!'],
    ['garbage characters', 'SGV*sbG8!sIH~dvcmx\u00e9kIQ==', 'Hello, world!'],
    ['missing padding (two left)', 'SGVsbG8sIHdvcmxkIQ', 'Hello, world!'],
    ['missing padding (three left)', 'SGk', 'Hi'],
    ['a lone trailing character', 'SGk=Q', 'Hi'],
    ['concatenated padded blocks', 'SGk=IHRoZXJl', 'Hi there'],
    ['empty', '', ''],
    ['only whitespace', '\r\n \r\n', ''],
  ])('%s', (_name, input, expected) => {
    expect(text(decodeTransfer(Buffer.from(input, 'latin1'), 'base64'))).toBe(expected);
  });

  it('keeps binary bytes exactly', () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const wrapped = binary.toString('base64').replace(/.{76}/g, '$&\r\n');
    expect(decodeTransfer(Buffer.from(wrapped), 'BASE64').equals(binary)).toBe(true);
  });
});

describe('decodeTransfer quoted-printable', () => {
  it.each([
    ['escapes', 'caf=C3=A9', 'caf\xc3\xa9'],
    ['lower-case hex', 'caf=c3=a9', 'caf\xc3\xa9'],
    ['soft break CRLF', 'long=\r\nline', 'longline'],
    ['soft break LF', 'long=\nline', 'longline'],
    ['soft break with trailing blanks', 'long= \t\r\nline', 'longline'],
    ['hard breaks kept as CRLF', 'a\r\nb\r\n', 'a\r\nb\r\n'],
    ['hard breaks kept as LF', 'a\nb\n', 'a\nb\n'],
    ['trailing whitespace removed', 'a  \r\nb\t\nc ', 'a\r\nb\nc'],
    ['inner whitespace kept', 'a  b', 'a  b'],
    ['encoded trailing space kept', 'a=20\r\n', 'a \r\n'],
    ['bad escape literal', '1=ZZ2', '1=ZZ2'],
    ['half escape literal', '=4G', '=4G'],
    ['= before text', 'a=b', 'a=b'],
    ['= at the very end', 'end=', 'end'],
    ['=X at the very end', 'end=4', 'end=4'],
    ['8-bit bytes pass', 'caf\xe9', 'caf\xe9'],
    ['bare CR kept', 'a\rb', 'a\rb'],
  ])('%s', (_name, input, expected) => {
    expect(text(decodeTransfer(Buffer.from(input, 'latin1'), 'quoted-printable'))).toBe(expected);
  });
});

describe('decodeTransfer identity encodings', () => {
  it.each(['7bit', '8bit', 'binary', 'x-uuencode', null, ''])('passes %s through unchanged', (encoding) => {
    const input = Buffer.from('a=20\r\nSGk=\n\xff', 'latin1');
    expect(decodeTransfer(input, encoding).equals(input)).toBe(true);
  });

  it.each([
    [' Base64 ', 'base64'],
    ['"quoted-printable"', 'quoted-printable'],
    [undefined, '7bit'],
    ['8BIT (comment)', '8bit'],
  ])('normalises %j to %s', (value, expected) => {
    expect(normalizeTransferEncoding(value)).toBe(expected);
  });
});

/** Decodes `input` fed to one chunk decoder in pieces cut at `cuts`, as a streamed download does. */
async function streamed(input: Buffer, encoding: string, cuts: number[]): Promise<Buffer> {
  const decoder = createChunkDecoder(encoding);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(decoder.write(input.subarray(from, cut)));
    from = cut;
  }
  out.push(decoder.end());
  return Buffer.concat(out);
}

describe('createChunkDecoder', () => {
  const samples: Array<[string, string]> = [
    ['base64', 'SGVs\r\nbG8s*IHdv\r\ncmxkIQ==SGk\r\n'],
    ['base64', 'SGk=IHRoZXJl=Q'],
    [
      'quoted-printable',
      'caf=C3=A9 =\r\nsoft= \r\nbad=ZZ and=4 \t\r\ntrail  \nlast=3D=\n\xe9 =c3=a9=\r\nx=20 \r\n= ',
    ],
    ['quoted-printable', 'a \r\r\n= \r b=\r'],
    ['7bit', 'a\r\nb'],
  ];

  it.each(samples)('%s: every two-way split gives the buffered result', async (encoding, input) => {
    const raw = Buffer.from(input, 'latin1');
    const expected = decodeTransfer(raw, encoding);
    for (let cut = 0; cut <= raw.length; cut++) {
      expect((await streamed(raw, encoding, [cut])).equals(expected), `cut at ${cut}`).toBe(true);
    }
  });

  it.each(samples)('%s: every three-way split gives the buffered result', async (encoding, input) => {
    const raw = Buffer.from(input, 'latin1');
    const expected = decodeTransfer(raw, encoding);
    for (let a = 0; a <= raw.length; a += 4) {
      for (let b = a; b <= raw.length; b++) {
        expect((await streamed(raw, encoding, [a, b])).equals(expected), `cuts ${a},${b}`).toBe(true);
      }
    }
  });

  it.each(samples)('%s: one byte at a time gives the buffered result', async (encoding, input) => {
    const raw = Buffer.from(input, 'latin1');
    const cuts = Array.from({ length: raw.length }, (_, i) => i);
    expect((await streamed(raw, encoding, cuts)).equals(decodeTransfer(raw, encoding))).toBe(true);
  });

  it('decodes a large attachment in arbitrary chunks', async () => {
    const binary = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    const encoded = Buffer.from(binary.toString('base64').replace(/.{76}/g, '$&\r\n'));
    const cuts = [1, 77, 1000, 1001, 65_536, 99_999];
    expect((await streamed(encoded, 'base64', cuts)).equals(binary)).toBe(true);
  });
});
