import { InvalidRequestError, MailboxNotFoundError } from '../../mail/errors.js';
import type { MailboxRef } from '../../mail/types.js';
import type { ImapSession } from '../imap-session.js';
import { listMailboxes } from '../list-mailboxes.js';
import { existingPathOf, leaveMailbox, setSubscribed } from './mailbox-commands.js';
import { sendCommand } from './raw-command.js';
import { mailboxArgument } from './transfer-uids.js';

/**
 * `DELETE <path>` and `UNSUBSCRIBE <path>` (Dovecot keeps the subscription
 * of a deleted mailbox). A missing mailbox answers `NO [NONEXISTENT]`; so
 * does a `\Noselect` parent that only holds children, which is told apart
 * by a LIST after the refusal and reported as such.
 * @throws MailboxNotFoundError, InvalidRequestError (INBOX, a parent of other mailboxes)
 */
export async function deleteMailbox(session: ImapSession, ref: MailboxRef): Promise<void> {
  const path = await existingPathOf(session, ref, 'deleted');
  await leaveMailbox(session, path);
  try {
    await session.run((client) => sendCommand(client, 'DELETE', [mailboxArgument(client, path)]));
  } catch (error) {
    if (error instanceof MailboxNotFoundError) {
      const listed = (await listMailboxes(session, { counts: false })).some(
        (mailbox) => mailbox.path === path,
      );
      if (listed) {
        throw new InvalidRequestError('The mailbox only holds other mailboxes; delete those first.');
      }
    }
    throw error;
  }
  await session.run((client) => setSubscribed(client, path, false));
}
