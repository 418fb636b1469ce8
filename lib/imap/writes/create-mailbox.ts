import { MailboxExistsError, UpstreamUnavailableError } from '../../mail/errors.js';
import type { Mailbox } from '../../mail/types.js';
import type { ImapSession } from '../imap-session.js';
import { checkNewPath, describeMailbox, setSubscribed } from './mailbox-commands.js';
import { sendCommand } from './raw-command.js';
import { mailboxArgument } from './transfer-uids.js';

/**
 * `CREATE <path>` (modified UTF-7 on the wire, RFC 9051 §5.1.3), then
 * `SUBSCRIBE` so mail clients that show subscribed folders see it, then one
 * LIST to describe it. Missing parents are created by the server
 * (RFC 9051 §6.3.4). An existing mailbox answers `NO [ALREADYEXISTS]`
 * (RFC 5530); for a server that says NO without a code, a LIST decides.
 * @throws MailboxExistsError, InvalidRequestError (bad path, INBOX, refused name)
 */
export async function createMailbox(session: ImapSession, path: string): Promise<Mailbox> {
  checkNewPath(path);
  try {
    await session.run((client) => sendCommand(client, 'CREATE', [mailboxArgument(client, path)]));
  } catch (error) {
    if (error instanceof UpstreamUnavailableError && (await exists(session, path))) {
      throw new MailboxExistsError();
    }
    throw error;
  }
  await session.run((client) => setSubscribed(client, path, true));
  return describeMailbox(session, path);
}

async function exists(session: ImapSession, path: string): Promise<boolean> {
  return describeMailbox(session, path).then(
    () => true,
    () => false,
  );
}
