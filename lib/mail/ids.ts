import { createHash } from 'node:crypto';
import { MessageNotFoundError } from './errors.js';

/**
 * Message ids are opaque to clients. An IMAP id binds the mailbox (a short
 * hash of its path), its UIDVALIDITY and the UID, so an id can never name a
 * message in another mailbox, nor another message after the mailbox was
 * recreated. A POP3 id carries the server's UIDL.
 */

export interface ImapMessageKey {
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned number; kept as text to avoid bigint in JSON). */
  uidValidity: string;
  uid: number;
}

const IMAP_PREFIX = 'i';
const POP3_PREFIX = 'p';

function mailboxTag(mailboxPath: string): string {
  return createHash('sha256').update(mailboxPath, 'utf8').digest('base64url').slice(0, 8);
}

export function encodeImapMessageId(mailboxPath: string, key: ImapMessageKey): string {
  return `${IMAP_PREFIX}${Buffer.from(`${key.uidValidity}.${key.uid}.${mailboxTag(mailboxPath)}`, 'utf8').toString('base64url')}`;
}

/**
 * @throws MessageNotFoundError when the id is malformed or belongs to another mailbox.
 */
export function decodeImapMessageId(mailboxPath: string, id: string): ImapMessageKey {
  if (!id.startsWith(IMAP_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(id.slice(1))) throw new MessageNotFoundError();
  const parts = Buffer.from(id.slice(1), 'base64url').toString('utf8').split('.');
  const [validity, uidText, tag] = parts;
  if (parts.length !== 3 || !validity || !uidText || tag === undefined) throw new MessageNotFoundError();
  if (!/^[0-9]{1,10}$/.test(validity) || !/^[1-9][0-9]{0,9}$/.test(uidText)) throw new MessageNotFoundError();
  const uid = Number(uidText);
  if (uid > 0xffffffff || tag !== mailboxTag(mailboxPath)) throw new MessageNotFoundError();
  return { uidValidity: validity, uid };
}

export function encodePop3MessageId(uidl: string): string {
  return `${POP3_PREFIX}${Buffer.from(uidl, 'latin1').toString('base64url')}`;
}

/** @throws MessageNotFoundError when the id is malformed. */
export function decodePop3MessageId(id: string): string {
  if (!id.startsWith(POP3_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(id.slice(1))) throw new MessageNotFoundError();
  const uidl = Buffer.from(id.slice(1), 'base64url').toString('latin1');
  // RFC 1939 §7 says 1 to 70 characters in 0x21–0x7E; some servers send longer ones, so
  // accept up to 140 (the id then stays within the API's 200 characters).
  if (!/^[\x21-\x7e]{1,140}$/.test(uidl)) throw new MessageNotFoundError();
  return uidl;
}
