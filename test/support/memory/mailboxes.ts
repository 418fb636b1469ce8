import { InvalidRequestError, MailboxExistsError, MailboxNotFoundError } from '../../../lib/mail/errors.js';
import { isInboxPath, sameMailboxPath } from '../../../lib/mail/mailbox-path.js';
import type { Mailbox, MailboxStatus } from '../../../lib/mail/types.js';
import type { MemoryData } from './builders.js';
import { currentState } from './sync-journal.js';

/** Mailboxes in the in-memory data: their status, and create, rename and delete with the INBOX rules. */

/** A mailbox's STATUS as the store answers it; `state` only where the store offers `changes`. */
export function mailboxStatus(data: MemoryData, mailbox: Mailbox, withState: boolean): MailboxStatus {
  const messages = data.messages.filter((message) => message.mailbox === mailbox.path);
  return {
    path: mailbox.path,
    name: mailbox.name,
    role: mailbox.role,
    total: messages.length,
    unseen: messages.filter((message) => !message.seen).length,
    uidNext: messages.length + 1,
    uidValidity: '1',
    highestModseq: null,
    state: withState ? currentState(data) : null,
  };
}

export function createMailboxIn(data: MemoryData, path: string): Mailbox {
  if (data.mailboxes.some((m) => sameMailboxPath(m.path, path))) {
    throw new MailboxExistsError();
  }
  const cut = path.lastIndexOf('/');
  const mailbox: Mailbox = {
    path,
    name: cut === -1 ? path : path.slice(cut + 1),
    parent: cut === -1 ? null : path.slice(0, cut),
    delimiter: '/',
    role: null,
    specialUse: null,
    subscribed: true,
  };
  data.mailboxes.push(mailbox);
  return mailbox;
}

/** Renames a mailbox and its children, and moves their messages along (RFC 9051 §6.3.6). */
export function renameMailboxIn(data: MemoryData, mailbox: Mailbox, newPath: string): Mailbox {
  if (isInboxPath(mailbox.path)) throw new InvalidRequestError('INBOX cannot be renamed.');
  if (data.mailboxes.some((m) => sameMailboxPath(m.path, newPath))) {
    throw new MailboxExistsError();
  }
  const oldPath = mailbox.path;
  const moved = (path: string) =>
    path === oldPath ? newPath : path.startsWith(`${oldPath}/`) ? newPath + path.slice(oldPath.length) : path;
  for (const m of data.mailboxes) {
    const path = moved(m.path);
    if (path === m.path) continue;
    const cut = path.lastIndexOf('/');
    Object.assign(m, {
      path,
      name: cut === -1 ? path : path.slice(cut + 1),
      parent: cut === -1 ? null : path.slice(0, cut),
    });
  }
  for (const message of data.messages) message.mailbox = moved(message.mailbox);
  return mailbox;
}

export function deleteMailboxIn(data: MemoryData, mailbox: Mailbox): void {
  if (isInboxPath(mailbox.path)) throw new InvalidRequestError('INBOX cannot be deleted.');
  if (!data.mailboxes.includes(mailbox)) throw new MailboxNotFoundError();
  data.mailboxes.splice(data.mailboxes.indexOf(mailbox), 1);
  data.messages = data.messages.filter((message) => message.mailbox !== mailbox.path);
}
