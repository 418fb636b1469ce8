import type { MessageSummary } from '../mail/types.js';
import { MAX_ADDRESS_LIST_CHARS, parseAddressList } from './addresses.js';
import { decodeHeaderValue } from './encoded-words.js';
import { parseHeaderDate } from './header-date.js';
import { getHeader, getHeaders, type HeaderField } from './headers.js';
import { parseMessageId, parseMessageIds } from './message-ids.js';

/** The MessageSummary fields that come from the header block. */
export type HeaderSummary = Pick<
  MessageSummary,
  'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'replyTo' | 'date' | 'messageId' | 'inReplyTo' | 'references'
>;

/**
 * Address text read per header block, all address fields together: a
 * message repeating To a thousand times would otherwise cost seconds
 * (see parseAddressList). From is read first.
 */
const MAX_ADDRESS_CHARS = 64 * 1024;

/** Addresses of every occurrence of a field (some senders repeat To or Cc), within `budget`. */
function addresses(headers: readonly HeaderField[], name: string, budget: { chars: number }) {
  const out = [];
  for (const value of getHeaders(headers, name)) {
    if (budget.chars <= 0) break;
    const maxChars = Math.min(budget.chars, MAX_ADDRESS_LIST_CHARS);
    budget.chars -= Math.min(value.length, maxChars);
    out.push(...parseAddressList(value, maxChars));
  }
  return out;
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
  const budget = { chars: MAX_ADDRESS_CHARS };
  const from = addresses(headers, 'from', budget)[0] ?? addresses(headers, 'sender', budget)[0] ?? null;
  return {
    subject: subject === null ? null : decodeHeaderValue(subject),
    from,
    to: addresses(headers, 'to', budget),
    cc: addresses(headers, 'cc', budget),
    bcc: addresses(headers, 'bcc', budget),
    replyTo: addresses(headers, 'reply-to', budget),
    date: parseHeaderDate(getHeader(headers, 'date')),
    messageId: parseMessageId(getHeader(headers, 'message-id')),
    inReplyTo: parseMessageId(getHeader(headers, 'in-reply-to')),
    references: parseMessageIds(getHeader(headers, 'references')),
  };
}
