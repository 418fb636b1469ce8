import type { FetchMessageObject, FetchQueryObject, MessageAddressObject } from 'imapflow';
import { encodeImapMessageId } from '../../mail/ids.js';
import type { Address, MessageSummary } from '../../mail/types.js';
import { parseHeaderDate } from '../../mime/header-date.js';
import { getHeader, parseHeaderBlock } from '../../mime/headers.js';
import { parseMessageId, parseMessageIds } from '../../mime/message-ids.js';
import { hasAttachments } from '../../mime/select-bodies.js';
import type { MimeNode } from '../../mime/types.js';
import { toMimeTree } from './body-structure.js';

/**
 * Everything a summary needs, in one FETCH: UID FLAGS INTERNALDATE
 * RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (REFERENCES)]
 * (ENVELOPE has no References). imapflow adds EMAILID/THREADID (RFC 8474)
 * or X-GM-MSGID/X-GM-THRID on its own where the server has them.
 */
export const SUMMARY_QUERY: FetchQueryObject = {
  uid: true,
  flags: true,
  internalDate: true,
  size: true,
  envelope: true,
  bodyStructure: true,
  headers: ['references'],
  threadId: true,
};

function address(entry: MessageAddressObject | undefined): Address | null {
  if (!entry || (!entry.name && !entry.address)) return null;
  return { name: entry.name || null, address: entry.address || null };
}

function addresses(list: MessageAddressObject[] | undefined): Address[] {
  return (list ?? []).map(address).filter((entry): entry is Address => entry !== null);
}

function isoDate(value: Date | string | undefined): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return typeof value === 'string' ? parseHeaderDate(value) : null;
}

/** References from a `BODY[HEADER.FIELDS (REFERENCES)]` or full `BODY[HEADER]` block. */
export function referencesOf(headerBlock: Buffer | undefined): string[] {
  if (!headerBlock) return [];
  return parseMessageIds(getHeader(parseHeaderBlock(headerBlock).headers, 'references'));
}

/**
 * A summary from one FETCH row. `tree` may be passed when the caller already
 * converted the BODYSTRUCTURE.
 */
export function toMessageSummary(
  message: FetchMessageObject,
  mailboxPath: string,
  uidValidity: string,
  tree: MimeNode | null = message.bodyStructure ? toMimeTree(message.bodyStructure) : null,
): MessageSummary {
  // \Recent belongs to one IMAP session, not to the message (RFC 9051 deprecates it); never report it.
  const flags = [...(message.flags ?? [])].filter((flag) => flag.toLowerCase() !== '\\recent');
  const has = (flag: string) => flags.some((f) => f.toLowerCase() === flag);
  const envelope = message.envelope ?? {};
  const summary: MessageSummary = {
    id: encodeImapMessageId(mailboxPath, { uidValidity, uid: message.uid }),
    mailbox: mailboxPath,
    uid: message.uid,
    flags,
    seen: has('\\seen'),
    flagged: has('\\flagged'),
    answered: has('\\answered'),
    draft: has('\\draft'),
    receivedAt: isoDate(message.internalDate),
    date: isoDate(envelope.date),
    size: message.size ?? 0,
    subject: envelope.subject ?? null,
    from: address(envelope.from?.[0]) ?? address(envelope.sender?.[0]),
    to: addresses(envelope.to),
    cc: addresses(envelope.cc),
    bcc: addresses(envelope.bcc),
    replyTo: addresses(envelope.replyTo),
    messageId: parseMessageId(envelope.messageId),
    inReplyTo: parseMessageId(envelope.inReplyTo),
    references: referencesOf(message.headers),
    hasAttachments: tree ? hasAttachments(tree) : false,
  };
  if (message.emailId) summary.emailId = message.emailId;
  if (message.threadId) summary.threadId = message.threadId;
  return summary;
}
