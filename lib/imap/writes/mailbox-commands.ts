import type { ImapFlow } from 'imapflow';
import { InvalidRequestError, MailboxExistsError, MailboxNotFoundError } from '../../mail/errors.js';
import { INBOX, isInboxPath } from '../../mail/mailbox-path.js';
import type { Mailbox, MailboxRef } from '../../mail/types.js';
import { mailboxArgument, sendCommand } from '../imapflow/index.js';
import { listMailboxes } from '../read/list-mailboxes.js';
import { checkMailboxPath, resolveMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession } from '../session/imap-session.js';

/** Pieces shared by create, rename and delete. */

/**
 * The path a rename or delete acts on; INBOX is refused: it cannot be
 * deleted, and RFC 9051 §6.3.6 makes renaming it a move of its messages.
 * @throws InvalidRequestError, MailboxNotFoundError (unknown role)
 */
export async function existingPathOf(session: ImapSession, ref: MailboxRef, verb: string): Promise<string> {
  const path = await resolveMailboxPath(session, ref);
  if (isInboxPath(path)) throw new InvalidRequestError(`INBOX cannot be ${verb}.`);
  return path;
}

/**
 * A path to create or rename to. INBOX in any case always exists (RFC 9051 §5.1).
 * @throws InvalidRequestError for a bad path, MailboxExistsError for INBOX.
 */
export function checkNewPath(path: string): string {
  checkMailboxPath(path);
  if (isInboxPath(path)) throw new MailboxExistsError('INBOX already exists.');
  if (path.length > 1000) throw new InvalidRequestError('The mailbox path is too long.');
  return path;
}

/**
 * One mailbox as listMailboxes describes it: one full LIST, because a role
 * depends on the other mailboxes (a name only takes a role no SPECIAL-USE
 * attribute claimed). A trailing delimiter is not part of the name.
 * @throws MailboxNotFoundError
 */
export async function describeMailbox(session: ImapSession, path: string): Promise<Mailbox> {
  const mailboxes = await listMailboxes(session, { counts: false });
  const found =
    mailboxes.find((mailbox) => mailbox.path === path) ??
    mailboxes.find((mailbox) => mailbox.delimiter !== null && `${mailbox.path}${mailbox.delimiter}` === path);
  if (!found) throw new MailboxNotFoundError();
  return found;
}

/**
 * Leaves `path` (or a mailbox below it) when it is selected: Dovecot ends
 * the whole session with BYE when the selected mailbox is renamed or
 * deleted. EXAMINE INBOX deselects without expunging, which CLOSE would
 * do (RFC 9051 §6.3.2).
 */
export async function leaveMailbox(session: ImapSession, path: string): Promise<void> {
  const selected = await session.run(async (client) => (client.mailbox ? client.mailbox.path : null));
  if (selected === null) return;
  const delimiter = await session.run(
    async (client) =>
      (client.mailbox ? client.mailbox.delimiter : undefined) ?? client.namespace?.delimiter ?? null,
  );
  // Without a known delimiter (no NAMESPACE was sent), leave on any prefix match: one spare EXAMINE
  // is cheaper than the BYE a server sends when the selected mailbox's parent goes away.
  const inside = delimiter ? selected.startsWith(`${path}${delimiter}`) : selected.startsWith(path);
  if (selected === path || inside) {
    await session.open(INBOX, 'read');
  }
}

/** SUBSCRIBE or UNSUBSCRIBE; a refusal is not worth failing a done create or rename for. */
export async function setSubscribed(client: ImapFlow, path: string, subscribed: boolean): Promise<boolean> {
  try {
    await sendCommand(client, subscribed ? 'SUBSCRIBE' : 'UNSUBSCRIBE', [mailboxArgument(client, path)]);
    return true;
  } catch {
    return false;
  }
}
