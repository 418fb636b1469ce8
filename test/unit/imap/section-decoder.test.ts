import { describe, expect, it } from 'vitest';
import { createSectionDecoder } from '../../../lib/imap/read/section-decoder.js';
import { createChunkDecoder } from '../../../lib/mime/transfer-decoding.js';

/** A small deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** Feeds `input` in the given cuts to a decoder; returns all it gave. */
function decode(decoder: ReturnType<typeof createChunkDecoder>, input: Buffer, cuts: number[]): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(Buffer.from(decoder.write(input.subarray(at, cut))));
    at = cut;
  }
  out.push(Buffer.from(decoder.end()));
  return Buffer.concat(out);
}

function base64Lines(bytes: Buffer, width: number, lineBreak: string): Buffer {
  const text = bytes.toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width));
  return Buffer.from(lines.join(lineBreak), 'latin1');
}

describe('createSectionDecoder', () => {
  it('gives what the tolerant decoder gives, byte for byte, however the input is cut and whatever it holds', () => {
    const next = random(7);
    const oddities = ['=', '==', '*', ' ', '\t', '-', '_', '\r', '\n', '\u00ff', 'A=B', '===='];
    for (let round = 0; round < 400; round++) {
      const bytes = Buffer.alloc(Math.floor(next() * 3000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      const width = [76, 64, 73, 1, 5][round % 5]!;
      const lineBreak = ['\r\n', '\n', '\r', '\r\n\r\n'][Math.floor(next() * 4)]!;
      let input = base64Lines(bytes, width, lineBreak);
      // Half the rounds carry something a clean chunk never holds, somewhere.
      if (round % 2 === 1) {
        const at = Math.floor(next() * (input.length + 1));
        const odd = Buffer.from(oddities[Math.floor(next() * oddities.length)]!, 'latin1');
        input = Buffer.concat([input.subarray(0, at), odd, input.subarray(at)]);
      }
      const cuts = Array.from({ length: Math.floor(next() * 6) }, () =>
        Math.floor(next() * input.length),
      ).sort((a, b) => a - b);
      const expected = decode(createChunkDecoder('base64'), input, cuts);
      const actual = decode(createSectionDecoder('base64'), input, cuts);
      expect(actual.equals(expected), `round ${round}`).toBe(true);
      if (round % 2 === 0) expect(actual.equals(bytes), `round ${round}`).toBe(true);
    }
  });

  it('leaves other encodings to the tolerant decoder', () => {
    const input = Buffer.from('a=3Db=\r\nc', 'latin1');
    expect(decode(createSectionDecoder('quoted-printable'), input, [3])).toEqual(
      decode(createChunkDecoder('quoted-printable'), input, [3]),
    );
    expect(decode(createSectionDecoder(null), input, [3])).toEqual(input);
  });
});
