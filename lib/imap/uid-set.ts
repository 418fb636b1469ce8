/** An inclusive range of UIDs. */
export type UidRange = readonly [number, number];

/**
 * Parses an IMAP sequence set of UIDs (`1:5,7,9:12`, as ESEARCH ALL returns
 * it, RFC 4731) into ascending, non-overlapping ranges. `*` is not expected
 * in a server's answer and is rejected with the rest of anything malformed.
 */
export function parseUidSet(text: string | undefined): UidRange[] {
  if (!text) return [];
  const ranges: [number, number][] = [];
  for (const item of text.split(',')) {
    const match = /^([0-9]{1,10})(?::([0-9]{1,10}))?$/.exec(item.trim());
    if (!match) throw new Error(`malformed UID set item "${item}"`);
    const a = Number(match[1]);
    const b = match[2] === undefined ? a : Number(match[2]);
    ranges.push(a <= b ? [a, b] : [b, a]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

export function countUids(ranges: readonly UidRange[]): number {
  return ranges.reduce((sum, [a, b]) => sum + (b - a + 1), 0);
}

/**
 * Up to `limit` UIDs below `bound`, highest first, walking the ranges from
 * the top so the cost is O(limit + ranges), never O(UIDs). `more` says
 * whether any UID below the last one taken remains.
 */
export function takeBelow(
  ranges: readonly UidRange[],
  bound: number,
  limit: number,
): { uids: number[]; more: boolean } {
  const uids: number[] = [];
  for (let i = ranges.length - 1; i >= 0; i--) {
    const [low, high] = ranges[i]!;
    for (let uid = Math.min(high, bound - 1); uid >= low; uid--) {
      if (uids.length === limit) return { uids, more: true };
      uids.push(uid);
    }
  }
  return { uids, more: false };
}
