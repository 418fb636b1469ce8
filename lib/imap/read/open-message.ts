import { MailboxNotFoundError, MessageNotFoundError, StaleMessageIdError } from '../../mail/errors.js';
import { type ImapMessageKey, parseImapMessageId } from '../../mail/ids.js';
import type { MessageScope } from '../../mail/types.js';
import { findListedPath } from '../imapflow/index.js';
import type { ImapSession, MailboxMode, OpenedMailbox } from '../session/imap-session.js';
import { checkMailboxPath, resolveMailboxPath } from './resolve-mailbox.js';

export interface OpenedMessage {
  mailbox: OpenedMailbox;
  uid: number;
}

export interface LocatedMessage {
  /** The mailbox the message is in. */
  path: string;
  key: ImapMessageKey;
  /** True when the path came from the id alone (no mailbox was named by the caller). */
  fromId: boolean;
}

/**
 * Finds the mailbox of a message id. With no scope the id names it: the path
 * it carries costs nothing; a hashed one (a path over 140 bytes) costs one
 * LIST. With a scope the id must belong to that mailbox.
 * @throws MessageNotFoundError (malformed, foreign, or its mailbox is gone), MailboxNotFoundError (scope)
 */
export async function locateMessage(
  session: ImapSession,
  scope: MessageScope,
  id: string,
): Promise<LocatedMessage> {
  const parsed = parseImapMessageId(id);
  if (scope) {
    const path = await resolveMailboxPath(session, scope);
    if (!parsed.isIn(path)) throw new MessageNotFoundError();
    return { path, key: parsed.key, fromId: false };
  }
  if (parsed.path !== null) return { path: checkMailboxPath(parsed.path), key: parsed.key, fromId: true };
  // The LIST travels with LOGIN on a cold session.
  session.plan([{ kind: 'list-all' }]);
  const path = await session.run(async (client) => {
    const found = await findListedPath(client, parsed.isIn);
    return found !== null ? found : (await client.list()).find((entry) => parsed.isIn(entry.path))?.path;
  });
  if (path === undefined) throw new MessageNotFoundError('The mailbox of this message no longer exists.');
  return { path, key: parsed.key, fromId: true };
}

/**
 * Opens the located message's mailbox in `mode` and checks the id's
 * UIDVALIDITY: after the mailbox was recreated the same UID may name another
 * message (RFC 9051 §2.3.1.1). A mailbox that only the id named and that no
 * longer exists means the message is gone.
 * @throws MessageNotFoundError, StaleMessageIdError, MailboxNotFoundError (scope)
 */
export async function openLocated(
  session: ImapSession,
  located: LocatedMessage,
  mode: MailboxMode,
): Promise<OpenedMailbox> {
  let mailbox: OpenedMailbox;
  try {
    mailbox = await session.open(located.path, mode);
  } catch (error) {
    if (located.fromId && error instanceof MailboxNotFoundError) {
      throw new MessageNotFoundError('The mailbox of this message no longer exists.', { cause: error });
    }
    throw error;
  }
  if (located.key.uidValidity !== mailbox.uidValidity) throw new StaleMessageIdError();
  return mailbox;
}

/**
 * Locates the message and opens its mailbox in `mode`.
 * @throws MailboxNotFoundError, MessageNotFoundError (malformed or foreign id), StaleMessageIdError
 */
export async function openMessage(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  mode: MailboxMode,
): Promise<OpenedMessage> {
  const located = await locateMessage(session, scope, id);
  const mailbox = await openLocated(session, located, mode);
  return { mailbox, uid: located.key.uid };
}
