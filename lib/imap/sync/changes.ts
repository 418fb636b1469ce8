import type { FetchMessageObject } from 'imapflow';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import { encodeImapMessageId } from '../../mail/ids.js';
import type { MailboxRef, MessageSummary } from '../../mail/types.js';
import type { ChangeSet } from '../../mail/writes.js';
import { fetchSummaryRows, toMessageSummary } from '../read/message-summary.js';
import type { ImapSession, OpenedMailbox } from '../session/imap-session.js';
import { chunkUidSet } from '../wire/uid-set.js';
import { type ChangedRow, latestPerUid, planChangePage } from './change-page.js';
import { watchMailbox } from './mailbox-watch.js';
import { checkSince, currentState, prepareSync } from './sync-session.js';
import { decodeSyncState, encodeSyncState, type SyncState } from './sync-state.js';

interface Snapshot {
  mailbox: OpenedMailbox;
  now: SyncState;
  /** Created or updated since `since.modseq`. */
  rows: ChangedRow[];
  /** Removed since `since.removedModseq`; null when the server cannot say (no QRESYNC). */
  removed: number[] | null;
}

/**
 * What changed in a mailbox since a state (RFC 7162).
 *
 * With QRESYNC: `ENABLE QRESYNC`, then `EXAMINE box (QRESYNC (uidvalidity
 * modseq))` answers, inside that one command, `VANISHED (EARLIER)` with the
 * UIDs removed since then and a FETCH (UID FLAGS MODSEQ) for every message
 * created or changed since then (§3.2.5). With CONDSTORE only: EXAMINE, then
 * `UID FETCH 1:* (FLAGS) (CHANGEDSINCE modseq)` (§3.1.4); removals cannot be
 * known, so `removedComplete` is false. Either way a UID at or above the
 * state's UIDNEXT is `created` (its summary comes from one more UID FETCH),
 * any other is `updated`. A message created and removed since the state is
 * reported in `removed` only, when the server reports it (Dovecot does).
 *
 * Paging: see planChangePage. Removals are never split across pages; a page
 * may exceed `maxChanges` rather than split a mod-sequence.
 *
 * @throws StateExpiredError (UIDVALIDITY changed, or not this mailbox's state),
 *   UnsupportedOperationError (no CONDSTORE), InvalidRequestError (malformed state),
 *   MailboxNotFoundError
 */
export async function changes(
  session: ImapSession,
  ref: MailboxRef,
  since: string,
  options: { maxChanges: number },
): Promise<ChangeSet> {
  const from = decodeSyncState(since);
  const sync = await prepareSync(session, ref, 'QRESYNC');
  const snapshot = await takeSnapshot(session, sync.path, sync.qresync, from);
  const removed = snapshot.removed ?? [];
  const page = planChangePage(snapshot.rows, removed.length, options.maxChanges);
  const createdUids = page.taken.filter((row) => row.uid >= from.uidNext).map((row) => row.uid);
  const idOf = (uid: number) => encodeImapMessageId(sync.path, { uidValidity: from.uidValidity, uid });
  const { now } = snapshot;
  const next: SyncState = page.hasMore
    ? { ...from, modseq: page.throughModseq ?? from.modseq, removedModseq: now.modseq }
    : finalState(now, page.taken);
  return {
    state: encodeSyncState(next),
    created: await fetchSummaries(session, sync.path, from.uidValidity, createdUids),
    updated: page.taken
      .filter((row) => row.uid < from.uidNext)
      .map((row) => ({ id: idOf(row.uid), flags: messageFlags(row.flags) })),
    removed: removed.map(idOf),
    removedComplete: snapshot.removed !== null,
    hasMore: page.hasMore,
  };
}

async function takeSnapshot(
  session: ImapSession,
  path: string,
  qresync: boolean,
  from: SyncState,
): Promise<Snapshot> {
  const watch = await session.run(async (client) => watchMailbox(client));
  let mailbox: OpenedMailbox;
  try {
    mailbox = await session.open(path, 'read', {
      refresh: true,
      ...(qresync
        ? { qresync: { uidValidity: from.uidValidity, modseq: from.removedModseq.toString() } }
        : {}),
    });
  } finally {
    watch.stop();
  }
  const now = currentState(mailbox);
  checkSince(from, now);
  // The SELECT's own FETCH responses cover changes since the removal watermark; they are
  // the rows asked for only when it equals the change watermark and every row was complete.
  const selectRowsSuffice = qresync && from.modseq === from.removedModseq && watch.incompleteRows === 0;
  const rows = selectRowsSuffice
    ? watch.rows.filter((row) => row.modseq > from.modseq)
    : await fetchChangedSince(session, mailbox, from.modseq);
  return {
    mailbox,
    now,
    rows: latestPerUid(rows),
    removed: qresync ? [...watch.vanished].sort((a, b) => a - b) : null,
  };
}

async function fetchChangedSince(
  session: ImapSession,
  mailbox: OpenedMailbox,
  modseq: bigint,
): Promise<ChangedRow[]> {
  if (mailbox.exists === 0) return [];
  const messages = await session.run((client) =>
    client.fetchAll('1:*', { uid: true, flags: true }, { uid: true, changedSince: modseq }),
  );
  return messages.map((message) => {
    if (message.modseq === undefined) {
      throw new UpstreamUnavailableError('The mail server answered CHANGEDSINCE without MODSEQ.');
    }
    return { uid: message.uid, modseq: message.modseq, flags: [...(message.flags ?? [])] };
  });
}

/**
 * After the last page: the server's state, moved past anything a FETCH sent
 * after the EXAMINE (a message appended in between is already reported).
 */
function finalState(now: SyncState, taken: readonly ChangedRow[]): SyncState {
  let { modseq, uidNext } = now;
  for (const row of taken) {
    if (row.modseq > modseq) modseq = row.modseq;
    if (row.uid >= uidNext) uidNext = row.uid + 1;
  }
  return { ...now, modseq, uidNext };
}

/** Summaries of the created messages, in UID order; one that vanished meanwhile is left out (it will be in `removed`). */
async function fetchSummaries(
  session: ImapSession,
  path: string,
  uidValidity: string,
  uids: number[],
): Promise<MessageSummary[]> {
  if (uids.length === 0) return [];
  const rows: FetchMessageObject[] = [];
  for (const set of chunkUidSet(uids)) {
    rows.push(...(await session.run((client) => fetchSummaryRows(client, set, { uid: true }))));
  }
  return rows
    .filter((row) => row.envelope !== undefined)
    .sort((a, b) => a.uid - b.uid)
    .map((row) => {
      const summary = toMessageSummary(row, path, uidValidity);
      return { ...summary, flags: messageFlags(summary.flags) };
    });
}

/**
 * `\Recent` is dropped: it belongs to the session that first saw the message
 * (RFC 3501 §2.3.2; gone in RFC 9051), not to the message, so another
 * session's sync would report it as a change that never happened.
 */
function messageFlags(flags: readonly string[]): string[] {
  return flags.filter((flag) => flag.toLowerCase() !== '\\recent');
}
