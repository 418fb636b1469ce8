import { MailboxNotFoundError, MessageNotFoundError } from '../../mail/errors.js';
import type { MessageScope } from '../../mail/types.js';
import { type DeleteOptions, type DeleteOutcome, trashOnlyRefusal } from '../../mail/writes.js';
import { locateMessage, openLocated } from '../read/open-message.js';
import type { ImapSession } from '../session/imap-session.js';
import { type Destination, resolveDestination } from './destination.js';
import { existingUids, expungeUids, requireUidExpunge } from './expunge-uids.js';
import { transferMessage } from './transfer-message.js';

/**
 * Deletes one message: a move to the Trash role (SPECIAL-USE `\Trash`, else
 * a well-known name), or, with `permanent`, when it is already in Trash or
 * there is no Trash, an expunge of that message alone: SELECT · UID SEARCH
 * UID n (is it there?) · UID STORE n +FLAGS.SILENT (\Deleted) · UID EXPUNGE n
 * (RFC 4315 §2.1); with `trashOnly` those two cases are refused instead.
 * Never a plain EXPUNGE, which would also remove every
 * other `\Deleted` message: without UIDPLUS the expunge is refused before
 * anything changes.
 * @throws MessageNotFoundError, StaleMessageIdError, MailboxNotFoundError,
 *   UnsupportedOperationError (no UIDPLUS; `trashOnly` without a Trash to move to)
 */
export async function deleteMessage(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  options: DeleteOptions,
): Promise<DeleteOutcome> {
  const located = await locateMessage(session, scope, id);
  const { path: sourcePath, key } = located;
  if (!options.permanent) {
    const trash = await findTrash(session);
    if (trash && trash.path !== sourcePath) {
      const moved = await transferMessage(session, located, id, trash, 'move');
      return { kind: 'moved', id: moved.id, mailbox: moved.mailbox };
    }
    if (options.trashOnly) throw trashOnlyRefusal(trash !== null);
  }
  await session.run(async (client) => requireUidExpunge(client, 'Deleting a message for good'));
  await openLocated(session, located, 'write');
  await session.run(async (client) => {
    if (!(await existingUids(client, [key.uid])).has(key.uid)) throw new MessageNotFoundError();
    await expungeUids(client, [key.uid]);
  });
  return { kind: 'expunged' };
}

/** The Trash role's mailbox, or null when the account has none. */
export async function findTrash(session: ImapSession): Promise<Destination | null> {
  try {
    return await resolveDestination(session, { kind: 'role', role: 'trash' });
  } catch (error) {
    if (error instanceof MailboxNotFoundError) return null;
    throw error;
  }
}
