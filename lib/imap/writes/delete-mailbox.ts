import { InvalidRequestError, MailboxNotFoundError } from '../../mail/errors.js';
import type { MailboxRef } from '../../mail/types.js';
import { mailboxArgument, sendCommand } from '../imapflow/index.js';
import type { ImapSession } from '../session/imap-session.js';
import { existingPathOf, leaveMailbox, setSubscribed } from './mailbox-commands.js';
import { isPlainRefusal, listMailbox } from './refusal.js';

/**
 * `DELETE <path>` and `UNSUBSCRIBE <path>` (Dovecot keeps the subscription
 * of a deleted mailbox). A missing mailbox answers `NO [NONEXISTENT]`; so
 * does a `\Noselect` parent that only holds children, which is told apart
 * by a LIST of the name after the refusal and reported as such. A plain NO
 * is explained by the same LIST: no such name is MailboxNotFoundError; a
 * mailbox that is there stays the unexplained refusal it is.
 * @throws MailboxNotFoundError, InvalidRequestError (INBOX, a parent of other mailboxes)
 */
export async function deleteMailbox(session: ImapSession, ref: MailboxRef): Promise<void> {
  const path = await existingPathOf(session, ref, 'deleted');
  await leaveMailbox(session, path);
  try {
    await session.run((client) => sendCommand(client, 'DELETE', [mailboxArgument(client, path)]));
  } catch (error) {
    if (error instanceof MailboxNotFoundError || isPlainRefusal(error)) {
      const listed = await session.run((client) => listMailbox(client, path)).catch(() => null);
      if (listed && !listed.selectable && (listed.exists || listed.hasChildren)) {
        throw new InvalidRequestError('The mailbox only holds other mailboxes; delete those first.');
      }
      if (listed && !listed.exists && !(error instanceof MailboxNotFoundError)) {
        throw new MailboxNotFoundError(undefined, { cause: error });
      }
    }
    throw error;
  }
  await session.run((client) => setSubscribed(client, path, false));
}
