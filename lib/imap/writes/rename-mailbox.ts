import type { ImapFlow } from 'imapflow';
import { MailboxExistsError, MailboxNotFoundError } from '../../mail/errors.js';
import type { Mailbox, MailboxRef } from '../../mail/types.js';
import { mailboxArgument, sendCommand } from '../imapflow/index.js';
import { listMailboxes } from '../read/list-mailboxes.js';
import type { ImapSession } from '../session/imap-session.js';
import {
  checkNewPath,
  describeMailbox,
  existingPathOf,
  leaveMailbox,
  setSubscribed,
} from './mailbox-commands.js';
import { isPlainRefusal, listMailbox } from './refusal.js';

/**
 * `RENAME <old> <new>`, children included (RFC 9051 §6.3.6). One LIST
 * first tells a missing source or an existing target before anything
 * changes and which subscriptions to carry: Dovecot leaves subscriptions on
 * the old names, so the mailbox would vanish from clients that show
 * subscribed folders. Then SUBSCRIBE/UNSUBSCRIBE per subscribed mailbox in
 * the renamed subtree, and one LIST to describe the result. INBOX as the
 * new name always exists (MailboxExistsError, nothing sent).
 * @throws MailboxNotFoundError, MailboxExistsError, InvalidRequestError (INBOX as the source, bad path)
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
    sendCommand(client, 'RENAME', [mailboxArgument(client, path), mailboxArgument(client, newPath)]).catch(
      async (error: unknown) => {
        throw await renameRefusal(client, path, newPath, error);
      },
    ),
  );
  await session.run(async (client) => {
    for (const mailbox of subscribed) {
      const renamed = `${newPath}${mailbox.path.slice(path.length)}`;
      if (await setSubscribed(client, renamed, true)) await setSubscribed(client, mailbox.path, false);
    }
  });
  return describeMailbox(session, newPath);
}

/**
 * A plain NO to RENAME, explained by LISTs of both names: the source gone
 * (another request deleted it since the first LIST) is MailboxNotFoundError,
 * the new name taken (in another case, on a server that folds case) is
 * MailboxExistsError; anything else stays the refusal it is.
 */
async function renameRefusal(
  client: ImapFlow,
  path: string,
  newPath: string,
  error: unknown,
): Promise<unknown> {
  if (!isPlainRefusal(error)) return error;
  const source = await listMailbox(client, path);
  if (source && !source.exists && !source.hasChildren)
    return new MailboxNotFoundError(undefined, { cause: error });
  const target = await listMailbox(client, newPath);
  return target?.exists ? new MailboxExistsError() : error;
}
