import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodedSizeFromPrefix,
  decodeTransfer,
  estimateDecodedSize,
  type ParsedMimeNode,
  parseMimeTree,
  selectBodies,
} from '../../../lib/mime/index.js';

/**
 * The size paths for servers without BINARY, over every attachment of the
 * MIME fixtures: `decodedSizeFromPrefix` (the 2 KiB prefix the text FETCH
 * carries) and `estimateDecodedSize` (BODYSTRUCTURE's size and line count
 * only, when nothing is fetched). Exact sizes come from decoding the part.
 */
const DIR = join(import.meta.dirname, '../../fixtures/messages');
const PREFIX_BYTES = 2048;

interface Case {
  name: string;
  part: string;
  encoding: string;
  encoded: Buffer;
  /** As BODYSTRUCTURE states it: the CRLF count of a text/* part, else absent. */
  lines: number | undefined;
  exact: number;
}

const CASES: Case[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.eml'))
  .sort()
  .flatMap((file) => {
    const raw = readFileSync(join(DIR, file));
    return (selectBodies(parseMimeTree(raw)).attachments as ParsedMimeNode[]).map((node) => {
      const encoded = raw.subarray(node.bodyStart, node.bodyEnd);
      return {
        name: `${file} part ${node.part} (${node.encoding})`,
        part: node.part,
        encoding: node.encoding,
        encoded,
        lines: node.type.startsWith('text/') ? encoded.toString('latin1').split('\n').length - 1 : undefined,
        exact: decodeTransfer(encoded, node.encoding).length,
      };
    });
  });
const ENCODED = CASES.filter((c) => c.encoding === 'base64' || c.encoding === 'quoted-printable');
const WELL_FORMED = ENCODED.filter((c) => !c.name.startsWith('broken.eml'));

const error = (estimate: number, exact: number) => Math.abs(estimate - exact) / exact;

it('the fixtures hold long and short lines of both encodings, small and large', () => {
  const qp = ENCODED.filter((c) => c.encoding === 'quoted-printable');
  const base64 = ENCODED.filter((c) => c.encoding === 'base64');
  expect(qp.length).toBeGreaterThanOrEqual(5);
  expect(base64.length).toBeGreaterThanOrEqual(8);
  expect(qp.some((c) => c.encoded.length > PREFIX_BYTES)).toBe(true);
  expect(base64.some((c) => c.encoded.length > PREFIX_BYTES)).toBe(true);
  expect(base64.some((c) => c.encoded.length <= PREFIX_BYTES)).toBe(true);
});

describe('decodedSizeFromPrefix', () => {
  it.each(ENCODED)('$name: exact within one prefix, else within 1%', (c) => {
    const size = decodedSizeFromPrefix(c.encoded.subarray(0, PREFIX_BYTES), c.encoded.length, c.encoding);
    if (c.encoded.length <= PREFIX_BYTES) expect(size).toBe(c.exact);
    else expect(error(size, c.exact)).toBeLessThan(0.01);
  });

  it('leaves other encodings at their encoded size', () => {
    expect(decodedSizeFromPrefix(Buffer.from('abc'), 500, '8bit')).toBe(500);
  });
});

describe('estimateDecodedSize from size and line count', () => {
  // Without a stated line count (not text/*) 76-character lines are assumed:
  // 40-character lines (base64-short-lines.eml part 3) come out 2.4% too big.
  const base64 = WELL_FORMED.filter((c) => c.encoding === 'base64' && c.exact >= 1000);
  it.each(base64)('$name: base64 over 1 KB is within 2%, 3% with short lines of no stated count', (c) => {
    const lineLength = c.encoded.length / c.encoded.toString('latin1').split('\n').length;
    const bound = c.lines === undefined && lineLength < 60 ? 0.03 : 0.02;
    expect(error(estimateDecodedSize(c.encoded.length, 'base64', c.lines), c.exact)).toBeLessThan(bound);
  });

  it('base64 with a stated line count is within one byte whatever the line length', () => {
    for (const width of [40, 60, 64, 76]) {
      for (const length of [10, 1_000, 3_001]) {
        const encoded = (
          Buffer.alloc(length, 0xa5)
            .toString('base64')
            .match(new RegExp(`.{1,${width}}`, 'g')) ?? []
        ).join('\r\n');
        const lines = encoded.split('\n').length - 1;
        expect(Math.abs(estimateDecodedSize(encoded.length, 'base64', lines) - length)).toBeLessThanOrEqual(
          1,
        );
      }
    }
  });

  it.each(WELL_FORMED.filter((c) => c.encoding === 'quoted-printable'))(
    '$name: quoted-printable is never below the exact size and never above the encoded one',
    (c) => {
      const estimate = estimateDecodedSize(c.encoded.length, 'quoted-printable', c.lines);
      expect(estimate).toBeGreaterThanOrEqual(c.exact);
      expect(estimate).toBeLessThanOrEqual(c.encoded.length);
    },
  );

  it('quoted-printable ASCII prose with soft line breaks is within 2%', () => {
    const c = WELL_FORMED.find((x) => x.name.startsWith('qp-long-lines.eml part 4'))!;
    expect(error(estimateDecodedSize(c.encoded.length, 'quoted-printable', c.lines), c.exact)).toBeLessThan(
      0.02,
    );
  });
});
