import { describe, expect, test } from 'vitest';
import { chunkUidSet, parseUidSet, takeBelow } from '../../../lib/imap/wire/uid-set.js';

describe('parseUidSet', () => {
  test.each([
    ['', []],
    ['7', [[7, 7]]],
    [
      '1:5,7,9:12',
      [
        [1, 5],
        [7, 7],
        [9, 12],
      ],
    ],
    [
      '12:9,3,4',
      [
        [3, 4],
        [9, 12],
      ],
    ],
    [
      '1:3,2:6,8',
      [
        [1, 6],
        [8, 8],
      ],
    ],
  ] as const)('%j', (text, ranges) => {
    expect(parseUidSet(text)).toEqual(ranges);
  });

  test('rejects anything that is not a UID set', () => {
    expect(() => parseUidSet('1:*')).toThrow();
    expect(() => parseUidSet('1,,2')).toThrow();
    expect(() => parseUidSet('a')).toThrow();
  });
});

describe('takeBelow', () => {
  const ranges = parseUidSet('1:5,7,9:12');

  test('newest first below the bound, and says whether more remain', () => {
    expect(takeBelow(ranges, Number.POSITIVE_INFINITY, 3)).toEqual({ uids: [12, 11, 10], more: true });
    expect(takeBelow(ranges, 10, 3)).toEqual({ uids: [9, 7, 5], more: true });
    expect(takeBelow(ranges, 4, 3)).toEqual({ uids: [3, 2, 1], more: false });
    expect(takeBelow(ranges, 1, 3)).toEqual({ uids: [], more: false });
  });

  test('a page that ends exactly at the oldest UID has no more', () => {
    expect(takeBelow(parseUidSet('1:3'), 4, 3)).toEqual({ uids: [3, 2, 1], more: false });
  });

  test('is O(page) on a huge range', () => {
    const started = performance.now();
    expect(takeBelow(parseUidSet('1:4000000000'), 4_000_000_001, 2)).toEqual({
      uids: [4_000_000_000, 3_999_999_999],
      more: true,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('chunkUidSet', () => {
  test('compacts runs, drops duplicates and sorts', () => {
    expect(chunkUidSet([9, 1, 2, 3, 5, 3])).toEqual(['1:3,5,9']);
    expect(chunkUidSet([])).toEqual([]);
  });

  test('keeps every chunk under the line limit without losing a UID', () => {
    const sparse = Array.from({ length: 3000 }, (_, i) => i * 2 + 1);
    const chunks = chunkUidSet(sparse, 1000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(1000);
    expect(chunks.join(',').split(',').map(Number)).toEqual(sparse);
  });
});
