import type { FetchMessageObject, ImapFlow, SearchObject } from 'imapflow';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import { isDefaultSort, type ListQuery, type MailboxRef, type MessagePage } from '../../mail/types.js';
import type { ImapSession, OpenedMailbox } from '../session/imap-session.js';
import { parseUidSet, takeBelow } from '../wire/uid-set.js';
import { cursorScope, decodeListCursor, encodeListCursor, peekListCursor } from './list-cursor.js';
import { fetchSummaryRows, isSummaryRow, toMessageSummary } from './message-summary.js';
import { resolveMailboxPath } from './resolve-mailbox.js';
import { buildSearchQuery } from './search-query.js';
import { listSortedMessages } from './sorted-list.js';

/** Which messages one page fetches: a sequence window of this session, or UIDs. */
interface PagePlan {
  /** Null when nothing is left to fetch. */
  range: string | null;
  byUid: boolean;
  /** Messages at or above this UID are dropped (an EXPUNGE can shift a sequence window). */
  beforeUid: number;
  more: boolean;
  total: number;
}

/**
 * Newest first (highest UID first), `limit` at a time.
 *
 * Unfiltered, first page: EXAMINE's EXISTS gives the sequence numbers of the
 * newest `limit` messages, fetched with one FETCH — O(page) however large the
 * mailbox. Sequence numbers are used only inside this session, between
 * EXAMINE and FETCH, where the server may not renumber (RFC 9051 §7.5.1: no
 * EXPUNGE during FETCH).
 *
 * Unfiltered, later pages: `UID SEARCH RETURN (COUNT) UID 1:<cursor-1>`
 * (ESEARCH, RFC 4731). Sequence numbers follow UID order, so that count is
 * the sequence number of the newest message below the cursor, and a FETCH of
 * the window just under it is again O(page). Without ESEARCH imapflow sends a
 * plain UID SEARCH and counts the answer itself: same result, longer answer.
 *
 * Filtered: `UID SEARCH RETURN (ALL) <criteria>` over the whole mailbox, so
 * `total` counts every match; ESEARCH ALL is a compact UID set
 * (`1:500,502:900`), from which the page below the cursor is taken without
 * expanding it; then one UID FETCH.
 *
 * Any other order is sorted-list.ts's.
 *
 * @throws MailboxNotFoundError, InvalidRequestError (bad or stale cursor, CR/LF/NUL in a filter)
 */
export async function listMessages(
  session: ImapSession,
  ref: MailboxRef,
  query: ListQuery,
): Promise<MessagePage> {
  if (query.sort && !isDefaultSort(query.sort)) return listSortedMessages(session, ref, query, query.sort);
  const search = buildSearchQuery(query.filter);
  const path = await resolveMailboxPath(session, ref);
  const scope = cursorScope(path, query.filter);
  announceSearch(session, search, query.cursor ? peekListCursor(query.cursor, scope) : null);
  const mailbox = await session.open(path, 'read');
  const beforeUid = query.cursor
    ? decodeListCursor(query.cursor, scope, mailbox.uidValidity).beforeUid
    : Number.POSITIVE_INFINITY;

  return session.run(async (client) => {
    const plan = search
      ? await planFiltered(client, search, beforeUid, query.limit)
      : await planUnfiltered(client, mailbox, beforeUid, query.limit);
    if (plan.range === null) return { messages: [], nextCursor: null, total: plan.total };
    const rows = await fetchSummaryRows(client, plan.range, { uid: plan.byUid, fields: query.fields });
    const messages = rows
      .filter((row: FetchMessageObject) => row.uid < plan.beforeUid && isSummaryRow(row, query.fields))
      .sort((a, b) => b.uid - a.uid)
      .map((row) => toMessageSummary(row, path, mailbox.uidValidity));
    const lowest = messages[messages.length - 1]?.uid;
    const nextCursor =
      plan.more && lowest !== undefined
        ? encodeListCursor({ uidValidity: mailbox.uidValidity, beforeUid: lowest, scope })
        : null;
    return { messages, nextCursor, total: plan.total };
  });
}

/** The filtered page's SEARCH, or a later page's count below the cursor, travels with the EXAMINE (and LOGIN, cold). */
function announceSearch(session: ImapSession, search: SearchObject | null, beforeUid: number | null): void {
  if (search) session.afterOpen({ kind: 'search', query: search, returnOptions: FILTERED_RETURN });
  else if (beforeUid !== null && beforeUid > 1)
    session.afterOpen({ kind: 'search', query: { uid: `1:${beforeUid - 1}` }, returnOptions: COUNT_RETURN });
}

const FILTERED_RETURN: Array<'ALL' | 'COUNT'> = ['ALL', 'COUNT'];
const COUNT_RETURN: Array<'COUNT'> = ['COUNT'];

async function planUnfiltered(
  client: ImapFlow,
  mailbox: OpenedMailbox,
  beforeUid: number,
  limit: number,
): Promise<PagePlan> {
  const nothing: PagePlan = { range: null, byUid: false, beforeUid, more: false, total: mailbox.exists };
  let newest = mailbox.exists;
  if (Number.isFinite(beforeUid)) {
    if (beforeUid <= 1) return nothing;
    const result = await client.search(
      { uid: `1:${beforeUid - 1}` },
      { uid: true, returnOptions: COUNT_RETURN },
    );
    if (!result) throw new UpstreamUnavailableError('The mail server refused a search.');
    // Without ESEARCH (RFC 4731) the server lists the UIDs instead of counting them.
    newest = Array.isArray(result) ? result.length : (result.count ?? 0);
  }
  if (newest === 0) return nothing;
  const oldest = Math.max(1, newest - limit + 1);
  return { range: `${oldest}:${newest}`, byUid: false, beforeUid, more: oldest > 1, total: mailbox.exists };
}

async function planFiltered(
  client: ImapFlow,
  search: SearchObject,
  beforeUid: number,
  limit: number,
): Promise<PagePlan> {
  const result = await client.search(search, { uid: true, returnOptions: FILTERED_RETURN });
  if (!result) throw new UpstreamUnavailableError('The mail server refused the search.');
  const ranges = Array.isArray(result) ? parseUidSet(result.join(',')) : parseUidSet(result.all);
  const total = Array.isArray(result) ? result.length : (result.count ?? 0);
  const { uids, more } = takeBelow(ranges, beforeUid, limit);
  return { range: uids.length > 0 ? uids.join(',') : null, byUid: true, beforeUid, more, total };
}
