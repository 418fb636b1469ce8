import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { InvalidRequestError, ThreadNotFoundError } from '../../mail/errors.js';
import { encodeImapMessageId } from '../../mail/ids.js';
import { decodeFieldsToken, encodeFieldsToken } from '../../mail/opaque-token.js';
import type {
  MailboxRef,
  MailThread,
  MessageSummary,
  ThreadDetail,
  ThreadPage,
  ThreadQuery,
} from '../../mail/types.js';
import { getHeader, parseHeaderBlock } from '../../mime/headers.js';
import { parseMessageId, parseMessageIds } from '../../mime/message-ids.js';
import { threadUids } from '../imapflow/index.js';
import type { ImapSession, OpenedMailbox } from '../session/imap-session.js';
import { cursorScope } from './list-cursor.js';
import { fetchSummaryRows, toMessageSummary } from './message-summary.js';
import { resolveMailboxPath } from './resolve-mailbox.js';

/**
 * Conversations of one mailbox.
 *
 * Where the server has THREAD (RFC 5256), one `UID THREAD REFS UTF-8 ALL`
 * (Dovecot's REFS: the REFERENCES algorithm without merging by subject;
 * REFERENCES where only it is offered) groups every message. Otherwise the
 * gateway groups the newest THREAD_WINDOW messages itself by Message-ID,
 * In-Reply-To and References (a message joins every message it names or
 * that names it, no subject merging), read in one FETCH of those three
 * headers, and answers `partial: true` when the mailbox holds more.
 *
 * Threads are ordered by their latest arrival (highest UID), newest first:
 * a new reply moves its thread to the top. A thread's id is its first
 * message's (lowest UID, with the mailbox's UIDVALIDITY and a hash of its
 * path): a reply always gets a higher UID, so the id stays while that
 * message exists. Then one UID FETCH of the summaries (the latest of each
 * thread of the page, or the thread's messages): three commands after
 * login, as a filtered list.
 */

/** Newest messages grouped by their headers where the server has no THREAD. */
export const THREAD_WINDOW = 500;

/** Most messages one thread's answer carries (its newest); more answers `partial: true`. */
export const MAX_THREAD_MESSAGES = 500;
/**
 * Most message ids one thread carries in a page of threads (its newest);
 * `count` stays the whole thread's. A thread of 100,000 notifications
 * would otherwise put 6 MB of ids in one page.
 */
export const MAX_THREAD_LIST_IDS = 100;

const PAGE_PREFIX = 'h1.';
const ID_PREFIX = 't1.';
const UID = /^[1-9][0-9]{0,9}$/;

interface Grouping {
  /** Each thread's UIDs, ascending. */
  threads: number[][];
  partial: boolean;
}

function threadIdOf(mailbox: OpenedMailbox, scope: string, root: number): string {
  return encodeFieldsToken(ID_PREFIX, [mailbox.uidValidity, String(root), scope]);
}

/** THREAD algorithms in order of preference (RFC 5256; REFS is Dovecot's REFERENCES without subject merging). */
const ALGORITHMS = ['REFS', 'REFERENCES'] as const;

/** Announces the THREAD so it travels with the EXAMINE (and LOGIN, cold); see ImapSession.afterOpen. */
function announceThread(session: ImapSession): void {
  session.afterOpen({ kind: 'thread', algorithms: ALGORITHMS, search: null });
}

async function groupThreads(client: ImapFlow, mailbox: OpenedMailbox): Promise<Grouping> {
  const algorithm = ALGORITHMS.find((name) => client.capabilities.has(`THREAD=${name}`)) ?? null;
  const threads = algorithm
    ? await threadUids(client, algorithm, null)
    : await groupByHeaders(client, mailbox);
  const partial = algorithm === null && mailbox.exists > THREAD_WINDOW;
  const sorted = threads.map((uids) => [...new Set(uids)].sort((a, b) => a - b));
  // Newest latest message first.
  sorted.sort((a, b) => b[b.length - 1]! - a[a.length - 1]!);
  return { threads: sorted, partial };
}

/** The newest THREAD_WINDOW messages, grouped by the message ids they carry (union-find). */
async function groupByHeaders(client: ImapFlow, mailbox: OpenedMailbox): Promise<number[][]> {
  if (mailbox.exists === 0) return [];
  const first = Math.max(1, mailbox.exists - THREAD_WINDOW + 1);
  const rows = await client.fetchAll(`${first}:${mailbox.exists}`, {
    uid: true,
    headers: ['message-id', 'in-reply-to', 'references'],
  });
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let node = key;
    while (node !== root) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const add = (key: string) => {
    if (!parent.has(key)) parent.set(key, key);
  };
  const union = (a: string, b: string) => {
    add(a);
    add(b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const row of rows) {
    const self = `#${row.uid}`;
    add(self);
    const headers = row.headers ? parseHeaderBlock(row.headers).headers : [];
    const ids = [
      parseMessageId(getHeader(headers, 'message-id')),
      parseMessageId(getHeader(headers, 'in-reply-to')),
      // A hostile References header is cut: a thread needs the ancestors, not a thousand of them.
      ...parseMessageIds(getHeader(headers, 'references')).slice(-100),
    ];
    for (const id of ids) if (id) union(self, `<${id}>`);
  }
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    const root = find(`#${row.uid}`);
    const group = groups.get(root);
    if (group) group.push(row.uid);
    else groups.set(root, [row.uid]);
  }
  return [...groups.values()];
}

async function fetchSummaries(
  client: ImapFlow,
  uids: readonly number[],
  path: string,
  mailbox: OpenedMailbox,
): Promise<Map<number, MessageSummary>> {
  if (uids.length === 0) return new Map();
  const rows = await fetchSummaryRows(client, uids.join(','), { uid: true });
  return new Map(
    rows
      .filter((row: FetchMessageObject) => row.envelope !== undefined)
      .map((row) => [row.uid, toMessageSummary(row, path, mailbox.uidValidity)]),
  );
}

/** @throws InvalidRequestError for a malformed or foreign cursor */
function decodePageCursor(text: string, scope: string, uidValidity: string): number {
  const malformed = () =>
    new InvalidRequestError('The cursor is malformed or belongs to another mailbox or listing.');
  const parts = decodeFieldsToken(PAGE_PREFIX, text);
  if (parts === null || parts.length !== 3) throw malformed();
  const [validity, uidText, cursorScopeText] = parts as [string, string, string];
  if (!UID.test(uidText) || cursorScopeText !== scope) throw malformed();
  if (validity !== uidValidity) {
    throw new InvalidRequestError(
      'The mailbox was recreated since this cursor was issued (UIDVALIDITY changed); list again without a cursor.',
    );
  }
  return Number(uidText);
}

/**
 * Threads newest first, `limit` a page. A page's cursor holds the latest
 * UID of its last thread; the next page has the threads whose latest
 * message is older. A thread that gets a reply between pages moves above
 * the cursor and is not repeated.
 * @throws MailboxNotFoundError, InvalidRequestError (bad cursor)
 */
export async function listThreads(
  session: ImapSession,
  ref: MailboxRef,
  query: ThreadQuery,
): Promise<ThreadPage> {
  const path = await resolveMailboxPath(session, ref);
  announceThread(session);
  const mailbox = await session.open(path, 'read');
  const scope = cursorScope(path, {});
  const before = query.cursor
    ? decodePageCursor(query.cursor, scope, mailbox.uidValidity)
    : Number.POSITIVE_INFINITY;
  return session.run(async (client) => {
    const { threads, partial } = await groupThreads(client, mailbox);
    const below = threads.filter((uids) => uids[uids.length - 1]! < before);
    const page = below.slice(0, query.limit);
    const latest = page.map((uids) => uids[uids.length - 1]!);
    const summaries = await fetchSummaries(client, latest, path, mailbox);
    const result: MailThread[] = [];
    for (const uids of page) {
      const summary = summaries.get(uids[uids.length - 1]!);
      if (!summary) continue; // expunged since THREAD answered
      const threadId = threadIdOf(mailbox, scope, uids[0]!);
      result.push({
        threadId,
        messageIds: uids
          .slice(-MAX_THREAD_LIST_IDS)
          .map((uid) => encodeImapMessageId(path, { uidValidity: mailbox.uidValidity, uid })),
        count: uids.length,
        latest: { ...summary, threadId },
      });
    }
    const last = latest[latest.length - 1];
    const nextCursor =
      below.length > page.length && last !== undefined
        ? encodeFieldsToken(PAGE_PREFIX, [mailbox.uidValidity, String(last), scope])
        : null;
    return { threads: result, nextCursor, ...(partial ? { partial: true } : {}) };
  });
}

/**
 * One thread's summaries, oldest first (its newest MAX_THREAD_MESSAGES).
 * The thread is the one holding the id's first message; its id in the
 * answer is its current one (another only if it merged into an older thread).
 * @throws ThreadNotFoundError (unknown, malformed, another mailbox's, or its first message is gone), MailboxNotFoundError
 */
export async function getThread(
  session: ImapSession,
  ref: MailboxRef,
  threadId: string,
): Promise<ThreadDetail> {
  const parts = decodeFieldsToken(ID_PREFIX, threadId);
  if (parts === null || parts.length !== 3 || !UID.test(parts[1]!)) throw new ThreadNotFoundError();
  const [validity, rootText, idScope] = parts as [string, string, string];
  const path = await resolveMailboxPath(session, ref);
  announceThread(session);
  const mailbox = await session.open(path, 'read');
  const scope = cursorScope(path, {});
  if (validity !== mailbox.uidValidity || idScope !== scope) throw new ThreadNotFoundError();
  const root = Number(rootText);
  return session.run(async (client) => {
    const { threads, partial } = await groupThreads(client, mailbox);
    const thread = threads.find((uids) => uids.includes(root));
    if (!thread) throw new ThreadNotFoundError();
    const currentId = threadIdOf(mailbox, scope, thread[0]!);
    const shown = thread.slice(-MAX_THREAD_MESSAGES);
    const summaries = await fetchSummaries(client, shown, path, mailbox);
    const messages = shown
      .map((uid) => summaries.get(uid))
      .filter((summary): summary is MessageSummary => summary !== undefined)
      .map((summary) => ({ ...summary, threadId: currentId }));
    if (messages.length === 0) throw new ThreadNotFoundError();
    const truncated = shown.length < thread.length;
    return { threadId: currentId, messages, ...(partial || truncated ? { partial: true } : {}) };
  });
}
