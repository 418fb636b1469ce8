import { StaleMessageIdError } from '../mail/errors.js';
import { decodeImapMessageId } from '../mail/ids.js';
import type { MailboxRef } from '../mail/types.js';
import type { ImapSession, MailboxMode, OpenedMailbox } from './imap-session.js';
import { resolveMailboxPath } from './resolve-mailbox.js';

export interface OpenedMessage {
  mailbox: OpenedMailbox;
  uid: number;
}

/**
 * Resolves the mailbox, decodes the id against it and opens it in `mode`.
 * The id's UIDVALIDITY must match the mailbox's: after the mailbox was
 * recreated the same UID may name another message (RFC 9051 §2.3.1.1).
 * @throws MailboxNotFoundError, MessageNotFoundError (malformed or foreign id), StaleMessageIdError
 */
export async function openMessage(
  session: ImapSession,
  ref: MailboxRef,
  id: string,
  mode: MailboxMode,
): Promise<OpenedMessage> {
  const path = await resolveMailboxPath(session, ref);
  const key = decodeImapMessageId(path, id);
  const mailbox = await session.open(path, mode);
  if (key.uidValidity !== mailbox.uidValidity) throw new StaleMessageIdError();
  return { mailbox, uid: key.uid };
}
