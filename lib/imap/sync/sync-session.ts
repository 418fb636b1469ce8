import { StateExpiredError, UnsupportedOperationError } from '../../mail/errors.js';
import type { MailboxRef } from '../../mail/types.js';
import { resolveMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession, OpenedMailbox } from '../session/imap-session.js';
import type { SyncState } from './sync-state.js';

export interface SyncSession {
  path: string;
  /** QRESYNC is enabled: removals can be known exactly. */
  qresync: boolean;
  /** The server has IDLE (RFC 2177). */
  idle: boolean;
}

/**
 * Everything `changes` and `wait` need before selecting: a server with
 * CONDSTORE (RFC 7162; QRESYNC implies it), the mailbox path, and the
 * extension enabled, since without ENABLE a server neither reports
 * HIGHESTMODSEQ on SELECT nor honours CHANGEDSINCE.
 * @throws UnsupportedOperationError, MailboxNotFoundError
 */
export async function prepareSync(
  session: ImapSession,
  ref: MailboxRef,
  want: 'QRESYNC' | 'CONDSTORE',
): Promise<SyncSession> {
  const capabilities = await session.capabilities();
  const hasQresync = capabilities.has('QRESYNC');
  if (!hasQresync && !capabilities.has('CONDSTORE')) {
    throw new UnsupportedOperationError(
      'The mail server does not support CONDSTORE (RFC 7162), so it cannot report changes.',
    );
  }
  const path = await resolveMailboxPath(session, ref);
  const enabled = await session.enable(want === 'QRESYNC' && hasQresync ? ['QRESYNC'] : ['CONDSTORE']);
  if (!enabled.has('CONDSTORE')) {
    throw new UnsupportedOperationError('The mail server refused to enable CONDSTORE (RFC 7162).');
  }
  return { path, qresync: enabled.has('QRESYNC'), idle: capabilities.has('IDLE') };
}

/**
 * The state of a freshly selected mailbox.
 * @throws UnsupportedOperationError when the mailbox keeps no mod-sequences (NOMODSEQ, RFC 7162 §3.1.2.2).
 */
export function currentState(mailbox: OpenedMailbox): SyncState {
  if (mailbox.highestModseq === null || mailbox.uidNext === null) {
    throw new UnsupportedOperationError(
      'This mailbox keeps no modification sequences, so it cannot report changes.',
    );
  }
  const modseq = BigInt(mailbox.highestModseq);
  return { uidValidity: mailbox.uidValidity, modseq, removedModseq: modseq, uidNext: mailbox.uidNext };
}

/**
 * Refuses a `since` that cannot be a past state of this mailbox: another
 * UIDVALIDITY (the mailbox was recreated, or the token is another
 * mailbox's), or counters ahead of the server's.
 * @throws StateExpiredError
 */
export function checkSince(since: SyncState, now: SyncState): void {
  if (since.uidValidity !== now.uidValidity) {
    throw new StateExpiredError(
      'The mailbox was recreated (UIDVALIDITY changed) or the state belongs to another mailbox; resynchronise.',
    );
  }
  if (since.modseq > now.modseq || since.removedModseq > now.modseq || since.uidNext > now.uidNext) {
    throw new StateExpiredError('The state is ahead of the mailbox on the server; resynchronise.');
  }
}
