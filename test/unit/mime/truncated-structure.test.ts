import { describe, expect, it } from 'vitest';
import { parseMimeTree } from '../../../lib/mime/parse-structure.js';
import { selectBodies } from '../../../lib/mime/select-bodies.js';
import { isStructureTruncated } from '../../../lib/mime/truncated-structure.js';

function nested(depth: number, leaf: string): Buffer {
  let body = leaf;
  for (let i = depth; i > 0; i -= 1) {
    body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  }
  return Buffer.from(`Subject: x\r\n${body}`);
}

const LEAF = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';

describe('the MIME parser at its depth limit', () => {
  it('marks the part it stops at and describes what lies above', () => {
    const tree = parseMimeTree(nested(100, LEAF));
    expect(isStructureTruncated(tree)).toBe(true);
    expect(selectBodies(tree).textBody).toEqual([]);
  });

  it('marks nothing in a message within the limit', () => {
    const tree = parseMimeTree(nested(20, LEAF));
    expect(isStructureTruncated(tree)).toBe(false);
    expect(selectBodies(tree).textBody).toHaveLength(1);
  });
});
