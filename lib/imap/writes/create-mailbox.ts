import { MailboxExistsError } from '../../mail/errors.js';
import type { Mailbox } from '../../mail/types.js';
import { mailboxArgument, sendCommand } from '../imapflow/index.js';
import type { ImapSession } from '../session/imap-session.js';
import { checkNewPath, describeMailbox, setSubscribed } from './mailbox-commands.js';
import { isPlainRefusal, listMailbox } from './refusal.js';

/**
 * `CREATE <path>` (modified UTF-7 on the wire, RFC 9051 §5.1.3), then
 * `SUBSCRIBE` so mail clients that show subscribed folders see it, then one
 * LIST to describe it. Missing parents are created by the server
 * (RFC 9051 §6.3.4). INBOX always exists (RFC 9051 §5.1), in any case,
 * and is refused before anything is sent. An existing mailbox answers
 * `NO [ALREADYEXISTS]` (RFC 5530); for a server that says NO without a
 * code, a LIST of the name decides (another case of it counts where the
 * server lists it so: the server folds case).
 * @throws MailboxExistsError, InvalidRequestError (bad path)
 */
export async function createMailbox(session: ImapSession, path: string): Promise<Mailbox> {
  checkNewPath(path);
  try {
    await session.run((client) => sendCommand(client, 'CREATE', [mailboxArgument(client, path)]));
  } catch (error) {
    if (isPlainRefusal(error)) {
      const listed = await session.run((client) => listMailbox(client, path)).catch(() => null);
      if (listed?.exists) throw new MailboxExistsError();
    }
    throw error;
  }
  await session.run((client) => setSubscribed(client, path, true));
  return describeMailbox(session, path);
}
