import type { FetchMessageObject, ImapFlow, SearchObject } from 'imapflow';
import {
  InvalidRequestError,
  UnsupportedOperationError,
  UpstreamUnavailableError,
} from '../../mail/errors.js';
import type { ListQuery, ListSort, MailboxRef, MessagePage, SortKey } from '../../mail/types.js';
import { parseHeaderDate } from '../../mime/header-date.js';
import { sortUids } from '../imapflow/index.js';
import type { ImapSession, OpenedMailbox } from '../session/imap-session.js';
import { parseUidSet, type UidRange } from '../wire/uid-set.js';
import { cursorScope } from './list-cursor.js';
import { fetchSummaryRows, isSummaryRow, toMessageSummary } from './message-summary.js';
import { resolveMailboxPath } from './resolve-mailbox.js';
import { buildSearchQuery } from './search-query.js';
import { decodeSortCursor, encodeSortCursor, SORT_CURSOR_ANCHORS } from './sort-cursor.js';

/** One page to fetch: UIDs in the page's order, or a sequence window of this session read in UID order. */
interface SortedPlan {
  uids: number[] | null;
  /** A sequence window `low:high` (unfiltered arrival order), its rows kept above `afterUid`. */
  window: { range: string; afterUid: number } | null;
  more: boolean;
  total: number;
}

/**
 * The criteria the SORT announced before connecting names: DISPLAYFROM for
 * `from`, which the session sends ahead only to a server with SORT=DISPLAY.
 */
const ANNOUNCED_WITH: ReadonlyMap<string, unknown> = new Map([['SORT=DISPLAY', true]]);

/**
 * The RFC 5256 sort criteria for a key. `from` is the sender's display name
 * (RFC 5957 DISPLAYFROM) where the server has SORT=DISPLAY, else the
 * mailbox part of the address (FROM), as RFC 5256 defines it.
 */
function sortCriteria(
  key: Exclude<SortKey, 'arrival'>,
  capabilities: ReadonlyMap<string, unknown>,
): string[] {
  switch (key) {
    case 'date':
      return ['DATE'];
    case 'from':
      return [capabilities.has('SORT=DISPLAY') ? 'DISPLAYFROM' : 'FROM'];
    case 'subject':
      return ['SUBJECT'];
    case 'size':
      return ['SIZE'];
  }
}

/**
 * A page of a list in an order other than the default (arrival, newest
 * first, list-messages.ts), with the same filters and page sizes.
 *
 * - `arrival` oldest first needs no extension: it is UID order, read the
 *   way the default list reads it, upwards (an unfiltered page is a
 *   sequence window found by one `UID SEARCH RETURN (COUNT)`; a filtered
 *   one a slice of the ESEARCH answer).
 * - `date`, `from`, `subject`, `size`: one `UID SORT` (RFC 5256) with the
 *   filter as its search part, then one `UID FETCH` of the page: the same
 *   commands as a filtered list. Descending is the ascending answer
 *   reversed, so ties (which SORT puts in mailbox order) run in reverse UID
 *   order, and each order is the exact reverse of the other. A server
 *   without SORT answers 501: a true date order cannot be had without
 *   reading every message's Date.
 *
 * SORT answers every matching UID on every page (about 7 bytes each; at
 * most MAX_SORTED_UIDS), since a cursor anchored on a message must find it
 * again in the fresh order.
 *
 * @throws UnsupportedOperationError (no SORT), InvalidRequestError (bad or foreign cursor), MailboxNotFoundError
 */
export async function listSortedMessages(
  session: ImapSession,
  ref: MailboxRef,
  query: ListQuery,
  sort: ListSort,
): Promise<MessagePage> {
  const search = buildSearchQuery(query.filter);
  const path = await resolveMailboxPath(session, ref);
  // The SORT travels with the EXAMINE (and LOGIN, cold); its answer is used after the cursor's UIDVALIDITY check.
  if (sort.key !== 'arrival') {
    session.afterOpen({ kind: 'sort', criteria: sortCriteria(sort.key, ANNOUNCED_WITH), search });
  }
  const mailbox = await session.open(path, 'read');
  const scope = cursorScope(path, query.filter);
  const anchors = query.cursor
    ? decodeSortCursor(query.cursor, scope, sort, mailbox.uidValidity).anchors
    : null;

  return session.run(async (client) => {
    let plan: SortedPlan;
    if (sort.key === 'arrival') {
      plan = search
        ? await planArrivalFiltered(client, search, anchors?.[0] ?? 0, query.limit)
        : await planArrivalUnfiltered(client, mailbox, anchors?.[0] ?? 0, query.limit);
    } else if (client.capabilities.has('SORT')) {
      plan = await planServerSort(client, sort, search, anchors, query.limit);
    } else if (sort.key === 'date') {
      plan = await planClientDateSort(client, sort, search, anchors, query.limit);
    } else {
      throw new UnsupportedOperationError(
        'This IMAP server cannot sort (no SORT, RFC 5256): it lists by arrival or date only.',
      );
    }
    const rows = await fetchRows(client, plan, query.fields);
    const messages = rows.map((row) => toMessageSummary(row, path, mailbox.uidValidity));
    const last = messages.slice(-SORT_CURSOR_ANCHORS).map((message) => message.uid!);
    const nextCursor =
      plan.more && last.length > 0
        ? encodeSortCursor({ uidValidity: mailbox.uidValidity, sort, anchors: last.reverse() }, scope)
        : null;
    return { messages, nextCursor, total: plan.total };
  });
}

async function fetchRows(
  client: ImapFlow,
  plan: SortedPlan,
  fields: ReadonlySet<string> | undefined,
): Promise<FetchMessageObject[]> {
  if (plan.window) {
    const { range, afterUid } = plan.window;
    const rows = await fetchSummaryRows(client, range, { uid: false, fields });
    return rows
      .filter((row) => row.uid > afterUid && isSummaryRow(row, fields))
      .sort((a, b) => a.uid - b.uid);
  }
  if (!plan.uids || plan.uids.length === 0) return [];
  const rows = await fetchSummaryRows(client, plan.uids.join(','), { uid: true, fields });
  const byUid = new Map(rows.filter((row) => isSummaryRow(row, fields)).map((row) => [row.uid, row]));
  return plan.uids.map((uid) => byUid.get(uid)).filter((row): row is FetchMessageObject => row !== undefined);
}

/** Oldest first, unfiltered: the sequence window just above the cursor's UID. */
async function planArrivalUnfiltered(
  client: ImapFlow,
  mailbox: OpenedMailbox,
  afterUid: number,
  limit: number,
): Promise<SortedPlan> {
  let below = 0;
  if (afterUid > 0) {
    const result = await client.search({ uid: `1:${afterUid}` }, { uid: true, returnOptions: ['COUNT'] });
    if (!result) throw new UpstreamUnavailableError('The mail server refused a search.');
    // Sequence numbers follow UID order: the count of UIDs up to the anchor is the anchor's place.
    below = Array.isArray(result) ? result.length : (result.count ?? 0);
  }
  const first = below + 1;
  const last = Math.min(mailbox.exists, below + limit);
  if (first > last) return { uids: [], window: null, more: false, total: mailbox.exists };
  return {
    uids: null,
    window: { range: `${first}:${last}`, afterUid },
    more: last < mailbox.exists,
    total: mailbox.exists,
  };
}

/** Oldest first, filtered: the matching UIDs above the cursor's, from the compact ESEARCH set. */
async function planArrivalFiltered(
  client: ImapFlow,
  search: SearchObject,
  afterUid: number,
  limit: number,
): Promise<SortedPlan> {
  const result = await client.search(search, { uid: true, returnOptions: ['ALL', 'COUNT'] });
  if (!result) throw new UpstreamUnavailableError('The mail server refused the search.');
  const ranges = Array.isArray(result) ? parseUidSet(result.join(',')) : parseUidSet(result.all);
  const total = Array.isArray(result) ? result.length : (result.count ?? 0);
  const { uids, more } = takeAbove(ranges, afterUid, limit);
  return { uids, window: null, more, total };
}

/**
 * Up to `limit` UIDs above `bound`, lowest first, walking the ranges from the
 * bottom: O(limit + ranges), never O(UIDs).
 */
export function takeAbove(
  ranges: readonly UidRange[],
  bound: number,
  limit: number,
): { uids: number[]; more: boolean } {
  const uids: number[] = [];
  for (const [low, high] of ranges) {
    for (let uid = Math.max(low, bound + 1); uid <= high; uid++) {
      if (uids.length === limit) return { uids, more: true };
      uids.push(uid);
    }
  }
  return { uids, more: false };
}

/**
 * Most matching messages sorted by date where the server has no SORT: each
 * page reads every one's Date header (about 60 bytes a message).
 */
export const MAX_CLIENT_DATE_SORT = 20_000;

/**
 * `date` without SORT, as RFC 5256 defines it: the Date header's time,
 * else (missing or not a date) INTERNALDATE; ties in UID order. The
 * matching UIDs (one SEARCH), then their Date headers and INTERNALDATEs
 * (one FETCH), ordered here: one round trip more than with SORT.
 * @throws UnsupportedOperationError past MAX_CLIENT_DATE_SORT matching messages
 */
async function planClientDateSort(
  client: ImapFlow,
  sort: ListSort,
  search: SearchObject | null,
  anchors: number[] | null,
  limit: number,
): Promise<SortedPlan> {
  const result = await client.search(search ?? { all: true }, { uid: true, returnOptions: ['ALL', 'COUNT'] });
  if (!result) throw new UpstreamUnavailableError('The mail server refused the search.');
  const ranges = Array.isArray(result) ? parseUidSet(result.join(',')) : parseUidSet(result.all);
  const total = Array.isArray(result) ? result.length : (result.count ?? 0);
  if (total > MAX_CLIENT_DATE_SORT) {
    throw new UnsupportedOperationError(
      `This IMAP server cannot sort (no SORT, RFC 5256), and ${total} messages match: more than the ${MAX_CLIENT_DATE_SORT} sorted by date here. Narrow the filter, or sort by arrival.`,
    );
  }
  const dated: Array<{ uid: number; time: number }> = [];
  if (total > 0) {
    const set = ranges.map(([low, high]) => (low === high ? `${low}` : `${low}:${high}`)).join(',');
    const rows = await client.fetchAll(
      set,
      { uid: true, internalDate: true, headers: ['date'] },
      { uid: true },
    );
    for (const row of rows) {
      const header = row.headers
        ? /^date:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(row.headers.toString('latin1'))
        : null;
      const sent = parseHeaderDate(header?.[1]?.replace(/\r?\n/g, ' ') ?? null);
      const internal = row.internalDate ? new Date(row.internalDate).getTime() : Number.NaN;
      const time = sent === null ? internal : Date.parse(sent);
      dated.push({ uid: row.uid, time: Number.isFinite(time) ? time : 0 });
    }
  }
  dated.sort((a, b) => a.time - b.time || a.uid - b.uid);
  return pageOfOrdered(
    dated.map((entry) => entry.uid),
    sort,
    anchors,
    limit,
  );
}

async function planServerSort(
  client: ImapFlow,
  sort: ListSort,
  search: SearchObject | null,
  anchors: number[] | null,
  limit: number,
): Promise<SortedPlan> {
  const ordered = await sortUids(
    client,
    sortCriteria(sort.key as Exclude<SortKey, 'arrival'>, client.capabilities),
    search,
  );
  return pageOfOrdered(ordered, sort, anchors, limit);
}

/** A page of UIDs in ascending sort order: reversed for `desc`, continued after the cursor's first anchor still there. */
function pageOfOrdered(
  ordered: number[],
  sort: ListSort,
  anchors: number[] | null,
  limit: number,
): SortedPlan {
  if (sort.order === 'desc') ordered.reverse();
  let start = 0;
  if (anchors) {
    const position = new Map(ordered.map((uid, index) => [uid, index]));
    const found = anchors.map((uid) => position.get(uid)).find((index) => index !== undefined);
    if (found === undefined) {
      throw new InvalidRequestError(
        'The messages this cursor continues from were all removed; list again without a cursor.',
      );
    }
    start = found + 1;
  }
  const uids = ordered.slice(start, start + limit);
  return { uids, window: null, more: start + limit < ordered.length, total: ordered.length };
}
