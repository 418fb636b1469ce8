import { describe, expect, test } from 'vitest';
import { type ChangedRow, latestPerUid, planChangePage } from '../../../lib/imap/sync/change-page.js';

function buildRow(overrides: { uid: number; modseq: number; flags?: string[] }): ChangedRow {
  return { flags: [], ...overrides, modseq: BigInt(overrides.modseq) };
}

/** Rows as [uid, modseq] pairs. */
function rows(...pairs: Array<[number, number]>): ChangedRow[] {
  return pairs.map(([uid, modseq]) => buildRow({ uid, modseq }));
}

const uids = (list: ChangedRow[]) => list.map((row) => row.uid);

describe('planChangePage', () => {
  test.each([
    { name: 'everything fits', rows: rows([1, 5], [2, 6]), removed: 0, max: 10, taken: [1, 2], more: false },
    {
      name: 'oldest mod-sequence first',
      rows: rows([1, 9], [2, 6], [3, 7]),
      removed: 0,
      max: 2,
      taken: [2, 3],
      more: true,
    },
    {
      name: 'a group is never split',
      rows: rows([1, 5], [2, 6], [3, 6], [4, 6]),
      removed: 0,
      max: 2,
      taken: [1],
      more: true,
    },
    {
      name: 'one oversized group still makes progress',
      rows: rows([1, 6], [2, 6], [3, 6]),
      removed: 0,
      max: 2,
      taken: [1, 2, 3],
      more: false,
    },
    {
      name: 'removals use the budget',
      rows: rows([1, 5], [2, 6], [3, 7]),
      removed: 2,
      max: 3,
      taken: [1],
      more: true,
    },
    {
      name: 'removals beyond the budget still let one group through',
      rows: rows([1, 5], [2, 6]),
      removed: 5,
      max: 3,
      taken: [1],
      more: true,
    },
    { name: 'nothing changed', rows: [], removed: 3, max: 3, taken: [], more: false },
  ])('$name', ({ rows: input, removed, max, taken, more }) => {
    const page = planChangePage(input, removed, max);
    expect(uids(page.taken)).toEqual(taken);
    expect(page.hasMore).toBe(more);
  });

  test('the page ends at the highest mod-sequence it took, so a state there claims only what was sent', () => {
    const page = planChangePage(rows([1, 5], [2, 6], [3, 7], [4, 7]), 0, 3);
    expect(page.throughModseq).toBe(6n);
    expect(planChangePage([], 0, 3).throughModseq).toBeNull();
  });

  test('paging page by page over the rest returns every row exactly once', () => {
    const all = rows([1, 4], [2, 4], [3, 5], [4, 6], [5, 6], [6, 6], [7, 8], [8, 9]);
    const seen: number[] = [];
    let state = 0n;
    for (let round = 0; round < 10; round++) {
      const rest = all.filter((row) => row.modseq > state);
      const page = planChangePage(rest, 0, 2);
      seen.push(...uids(page.taken));
      if (!page.hasMore) break;
      state = page.throughModseq!;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('latestPerUid', () => {
  test('keeps the report with the highest mod-sequence of each message', () => {
    const latest = latestPerUid([
      buildRow({ uid: 1, modseq: 5, flags: ['\\Seen'] }),
      buildRow({ uid: 1, modseq: 7, flags: ['\\Seen', '\\Flagged'] }),
      buildRow({ uid: 2, modseq: 6 }),
      buildRow({ uid: 1, modseq: 6, flags: [] }),
    ]);
    expect(latest).toEqual([
      buildRow({ uid: 1, modseq: 7, flags: ['\\Seen', '\\Flagged'] }),
      buildRow({ uid: 2, modseq: 6 }),
    ]);
  });
});
