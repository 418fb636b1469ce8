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

/**
 * The compact set text for UIDs in any order, duplicates dropped:
 * `[5, 1, 2, 3, 9]` → `1:3,5,9`.
 */
export function formatUidSet(uids: Iterable<number>): string {
  return toRanges(uids)
    .map(([a, b]) => (a === b ? String(a) : `${a}:${b}`))
    .join(',');
}

const MAX_SET_CHARS = 7000;

/**
 * Set texts of at most `maxChars` each, covering `uids`. RFC 7162 §4 asks
 * clients to keep command lines to about 8192 octets; a sparse set of
 * 10,000 UIDs would otherwise make a line of 100 kB that servers refuse.
 */
export function chunkUidSet(uids: Iterable<number>, maxChars = MAX_SET_CHARS): string[] {
  return splitUids(uids, maxChars).map((chunk) => formatUidSet(chunk));
}

/** The same split as chunkUidSet, as ascending UID lists. */
export function splitUids(uids: Iterable<number>, maxChars = MAX_SET_CHARS): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let length = 0;
  for (const [a, b] of toRanges(uids)) {
    const itemLength = (a === b ? String(a) : `${a}:${b}`).length;
    if (current.length > 0 && length + 1 + itemLength > maxChars) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    length += (length === 0 ? 0 : 1) + itemLength;
    for (let uid = a; uid <= b; uid++) current.push(uid);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The UIDs of a set in the order the server wrote them, each range expanded
 * (`3:1` counts down). COPYUID pairs source and destination UIDs by position
 * (RFC 4315 §3), so unlike parseUidSet this must neither sort nor merge.
 * Refuses sets larger than `limit`.
 */
export function expandUidSequence(text: string, limit = 1_000_000): number[] {
  const uids: number[] = [];
  for (const item of text.split(',')) {
    const match = /^([0-9]{1,10})(?::([0-9]{1,10}))?$/.exec(item.trim());
    if (!match) throw new Error(`malformed UID set item "${item}"`);
    const a = Number(match[1]);
    const b = match[2] === undefined ? a : Number(match[2]);
    const step = a <= b ? 1 : -1;
    if (uids.length + Math.abs(b - a) + 1 > limit) throw new Error('UID set too large');
    for (let uid = a; uid !== b + step; uid += step) uids.push(uid);
  }
  return uids;
}

function toRanges(uids: Iterable<number>): UidRange[] {
  const sorted = [...new Set(uids)].sort((x, y) => x - y);
  const ranges: [number, number][] = [];
  for (const uid of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && uid === last[1] + 1) last[1] = uid;
    else ranges.push([uid, uid]);
  }
  return ranges;
}
