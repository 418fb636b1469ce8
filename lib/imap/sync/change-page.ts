/** One message that changed after a mod-sequence: its UID, its MODSEQ now and its flags now. */
export interface ChangedRow {
  uid: number;
  modseq: bigint;
  flags: string[];
}

export interface ChangePage {
  /** The rows to report now, oldest mod-sequence first. */
  taken: ChangedRow[];
  /** Rows remain for a later page. */
  hasMore: boolean;
  /** The highest mod-sequence taken; null when nothing was taken. */
  throughModseq: bigint | null;
}

/**
 * Picks the rows one page of `changes` reports, so that paging with the
 * returned state loses nothing.
 *
 * A state is a mod-sequence M meaning "every change up to M was reported".
 * Rows are therefore taken in mod-sequence order, whole mod-sequence groups
 * at a time: a server may give many messages one mod-sequence (Dovecot
 * does for every message one STORE or APPEND transaction touches), and
 * stopping inside a group would leave a state that claims the rest. So a
 * page holds as many whole groups as fit in `maxChanges` after the
 * `removedCount` removals it also carries, and always at least one group,
 * even when that one group alone is larger: a page may exceed `maxChanges`,
 * and every page makes progress.
 */
export function planChangePage(
  rows: readonly ChangedRow[],
  removedCount: number,
  maxChanges: number,
): ChangePage {
  const ordered = [...rows].sort((a, b) =>
    a.modseq === b.modseq ? a.uid - b.uid : a.modseq < b.modseq ? -1 : 1,
  );
  const budget = maxChanges - removedCount;
  let end = 0;
  while (end < ordered.length) {
    const modseq = ordered[end]!.modseq;
    let groupEnd = end;
    while (groupEnd < ordered.length && ordered[groupEnd]!.modseq === modseq) groupEnd++;
    if (end > 0 && groupEnd > budget) break;
    end = groupEnd;
  }
  const taken = ordered.slice(0, end);
  return {
    taken,
    hasMore: end < ordered.length,
    throughModseq: taken.length > 0 ? taken[taken.length - 1]!.modseq : null,
  };
}

/** Keeps each UID's latest report (a server may send a message's FETCH more than once). */
export function latestPerUid(rows: Iterable<ChangedRow>): ChangedRow[] {
  const byUid = new Map<number, ChangedRow>();
  for (const row of rows) {
    const known = byUid.get(row.uid);
    if (!known || row.modseq >= known.modseq) byUid.set(row.uid, row);
  }
  return [...byUid.values()];
}
