import type { MessageSummary } from '../mail/types.js';
import { parseAddressList } from './addresses.js';
import { decodeHeaderValue } from './encoded-words.js';
import { parseHeaderDate } from './header-date.js';
import { getHeader, getHeaders, type HeaderField } from './headers.js';
import { parseMessageId, parseMessageIds } from './message-ids.js';

/** The MessageSummary fields that come from the header block. */
export type HeaderSummary = Pick<
  MessageSummary,
  'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'replyTo' | 'date' | 'messageId' | 'inReplyTo' | 'references'
>;

/** Addresses of every occurrence of a field: some senders repeat To or Cc. */
function addresses(headers: readonly HeaderField[], name: string) {
  return getHeaders(headers, name).flatMap((value) => parseAddressList(value));
}

/**
 * Summarises a parsed header block (from POP3 TOP, IMAP BODY[HEADER] or a
 * full source) in the shapes of MessageSummary: decoded subject, addresses,
 * the Date as ISO 8601 UTC (null when unparseable) and message ids without
 * angle brackets. `from` is the first From address, else the first Sender
 * address when From is missing or empty.
 */
export function summarizeHeaders(headers: readonly HeaderField[]): HeaderSummary {
  const subject = getHeader(headers, 'subject');
  const from = addresses(headers, 'from')[0] ?? addresses(headers, 'sender')[0] ?? null;
  return {
    subject: subject === null ? null : decodeHeaderValue(subject),
    from,
    to: addresses(headers, 'to'),
    cc: addresses(headers, 'cc'),
    bcc: addresses(headers, 'bcc'),
    replyTo: addresses(headers, 'reply-to'),
    date: parseHeaderDate(getHeader(headers, 'date')),
    messageId: parseMessageId(getHeader(headers, 'message-id')),
    inReplyTo: parseMessageId(getHeader(headers, 'in-reply-to')),
    references: parseMessageIds(getHeader(headers, 'references')),
  };
}
