import { InvalidRequestError, MessageNotFoundError } from '../../mail/errors.js';
import { encodeImapMessageId } from '../../mail/ids.js';
import { INBOX, sameMailboxPath } from '../../mail/mailbox-path.js';
import type { MailboxRef, MessageScope } from '../../mail/types.js';
import type { MessageRef } from '../../mail/writes.js';
import { type LocatedMessage, locateMessage, openLocated } from '../read/open-message.js';
import { checkMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession } from '../session/imap-session.js';
import { DESTINATION_STATUS, type Destination, resolveDestination } from './destination.js';
import { requireUidExpunge } from './expunge-uids.js';
import { fetchMessageIdHeader, locateNewMessage } from './locate-new-message.js';
import { type TransferMode, transferUids } from './transfer-uids.js';

/**
 * Moves or copies one message and returns its id in the destination.
 *
 * Commands (MOVE and UIDPLUS): [LIST to resolve a role] · STATUS dest
 * (UIDVALIDITY UIDNEXT) · SELECT source (EXAMINE for a copy) · UID MOVE;
 * on a cold session STATUS and SELECT are pipelined with LOGIN
 * (or UID COPY), whose COPYUID names the new UID. Without MOVE: UID COPY ·
 * UID STORE +FLAGS.SILENT (\Deleted) · UID EXPUNGE of that UID, and without
 * UIDPLUS as well that move is refused before anything changes. Without
 * UIDPLUS a copy (or a MOVE) still runs: the Message-ID is read first and
 * the new UID is found by a search in the destination (locateNewMessage).
 * @throws MailboxNotFoundError (either mailbox), MessageNotFoundError,
 *   StaleMessageIdError, InvalidRequestError (move into its own mailbox),
 *   UnsupportedOperationError
 */
export async function transferMessage(
  session: ImapSession,
  source: MessageScope | LocatedMessage,
  id: string,
  to: MailboxRef | Destination,
  mode: TransferMode,
): Promise<MessageRef> {
  // A caller that already located the message (delete to Trash) hands it over as it is.
  const located = source && 'key' in source ? source : await locateMessage(session, source, id);
  const { path: sourcePath, key } = located;
  const knownPath = 'uidValidity' in to ? null : pathWithoutLookup(to);
  if (knownPath !== null) {
    if (mode === 'move' && sameMailboxPath(knownPath, sourcePath)) {
      throw new InvalidRequestError('The message is already in that mailbox.');
    }
    // STATUS dest and SELECT source travel with LOGIN on a cold session: the move costs one more flight.
    session.plan([
      { kind: 'status', path: knownPath, query: DESTINATION_STATUS },
      { kind: 'open', path: sourcePath, mode: mode === 'move' ? 'write' : 'read' },
    ]);
  }
  const destination = 'uidValidity' in to ? to : await resolveDestination(session, to);
  if (mode === 'move' && sameMailboxPath(destination.path, sourcePath)) {
    throw new InvalidRequestError('The message is already in that mailbox.');
  }
  const capabilities = await session.capabilities();
  if (mode === 'move' && !capabilities.has('MOVE')) {
    await session.run(async (client) => requireUidExpunge(client, 'Moving a message on this server'));
  }
  await openLocated(session, located, mode === 'move' ? 'write' : 'read');

  const uidPlus = capabilities.has('UIDPLUS');
  const { messageId, copyUid } = await session.run(async (client) => {
    // Without COPYUID the new UID can only be found by the Message-ID, read before it moves.
    const header = uidPlus ? null : await fetchMessageIdHeader(client, key.uid);
    return { messageId: header, copyUid: await transferUids(client, [key.uid], destination.path, mode) };
  });

  let newUid = copyUid?.uids.get(key.uid);
  let uidValidity = copyUid?.uidValidity ?? destination.uidValidity;
  if (newUid === undefined) {
    // With UIDPLUS every copied message is in COPYUID (RFC 4315 §3): none means none was there.
    if (uidPlus) throw new MessageNotFoundError();
    newUid = await locateNewMessage(session, destination, messageId);
    uidValidity = destination.uidValidity;
  }
  return {
    id: encodeImapMessageId(destination.path, { uidValidity, uid: newUid }),
    mailbox: destination.path,
  };
}

/** The path of a destination that needs no LIST to resolve, else null. */
function pathWithoutLookup(ref: MailboxRef): string | null {
  if (ref.kind === 'path') return checkMailboxPath(ref.path);
  return ref.role === 'inbox' ? INBOX : null;
}
