import { MailboxExistsError, MailboxNotFoundError } from '../../mail/errors.js';
import type { Mailbox, MailboxRef } from '../../mail/types.js';
import type { ImapSession } from '../imap-session.js';
import { listMailboxes } from '../list-mailboxes.js';
import {
  checkNewPath,
  describeMailbox,
  existingPathOf,
  leaveMailbox,
  setSubscribed,
} from './mailbox-commands.js';
import { sendCommand } from './raw-command.js';
import { mailboxArgument } from './transfer-uids.js';

/**
 * `RENAME <old> <new>`, children included (RFC 9051 §6.3.6). One LIST
 * first tells a missing source or an existing target before anything
 * changes and which subscriptions to carry: Dovecot leaves subscriptions on
 * the old names, so the mailbox would vanish from clients that show
 * subscribed folders. Then SUBSCRIBE/UNSUBSCRIBE per subscribed mailbox in
 * the renamed subtree, and one LIST to describe the result.
 * @throws MailboxNotFoundError, MailboxExistsError, InvalidRequestError (INBOX, bad path)
 */
export async function renameMailbox(
  session: ImapSession,
  ref: MailboxRef,
  newPath: string,
): Promise<Mailbox> {
  const path = await existingPathOf(session, ref, 'renamed');
  checkNewPath(newPath);
  const before = await listMailboxes(session, { counts: false });
  const source = before.find((mailbox) => mailbox.path === path);
  if (!source) throw new MailboxNotFoundError();
  if (before.some((mailbox) => mailbox.path === newPath)) throw new MailboxExistsError();
  const prefix = source.delimiter ? `${path}${source.delimiter}` : null;
  const subscribed = before.filter(
    (mailbox) => mailbox.subscribed && (mailbox.path === path || (prefix && mailbox.path.startsWith(prefix))),
  );

  await leaveMailbox(session, path);
  await session.run((client) =>
    sendCommand(client, 'RENAME', [mailboxArgument(client, path), mailboxArgument(client, newPath)]),
  );
  await session.run(async (client) => {
    for (const mailbox of subscribed) {
      const renamed = `${newPath}${mailbox.path.slice(path.length)}`;
      if (await setSubscribed(client, renamed, true)) await setSubscribed(client, mailbox.path, false);
    }
  });
  return describeMailbox(session, newPath);
}
