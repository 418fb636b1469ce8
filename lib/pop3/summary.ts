import { INBOX } from '../mail/mailbox-path.js';
import type { MessageFilter, MessageSummary } from '../mail/types.js';
import { getHeader, getHeaders, type HeaderField, parseHeaderDate, summarizeHeaders } from '../mime/index.js';
import { previewFromMessage } from '../mime/preview.js';

/**
 * A summary from a header block (what TOP returns) and a preview (see
 * pop3Preview). POP3 keeps no flags and no arrival time: `receivedAt` is
 * the date of the newest Received: field, which the last relay put on top
 * (RFC 5321 §4.4).
 */
export function buildPop3Summary(
  id: string,
  size: number,
  headers: readonly HeaderField[],
  preview: string | null,
): MessageSummary {
  const received = getHeaders(headers, 'received')[0];
  const receivedDate =
    received === undefined ? null : parseHeaderDate(received.slice(received.lastIndexOf(';') + 1));
  return {
    id,
    mailbox: INBOX,
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: receivedDate,
    size,
    ...summarizeHeaders(headers),
    hasAttachments: mayHaveAttachments(getHeader(headers, 'content-type')),
    preview,
  };
}

/**
 * The preview from a TOP answer (the header and the first body lines) of a
 * message of `size` octets: the first text part that starts within those
 * lines, decoded as far as it was read. Text that starts further down (a
 * long multipart preamble, an HTML head longer than the lines) gives null.
 */
export function pop3Preview(top: Buffer, size: number): string | null {
  return previewFromMessage(top, top.length < size);
}

/**
 * Only the header is known here, so this reads the top-level media type: a
 * multipart/mixed message or a non-text single part is taken to carry an
 * attachment. getMessage reports the exact list.
 */
function mayHaveAttachments(contentType: string | null): boolean {
  const type = (contentType ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/mixed') return true;
  return !type.startsWith('text/') && !type.startsWith('multipart/');
}

function contains(haystack: (string | null)[], needle: string): boolean {
  const wanted = needle.toLowerCase();
  return haystack.some((value) => value?.toLowerCase().includes(wanted) ?? false);
}

/**
 * The POP3 filters, evaluated like IMAP SEARCH: case-insensitive substrings
 * of the decoded fields; `since`/`before` on the arrival date (the Date
 * field when no Received: date is known).
 */
export function matchesPop3Filter(summary: MessageSummary, filter: MessageFilter): boolean {
  if (
    filter.from !== undefined &&
    !contains([summary.from?.name ?? null, summary.from?.address ?? null], filter.from)
  ) {
    return false;
  }
  if (
    filter.to !== undefined &&
    !contains(
      summary.to.flatMap((a) => [a.name, a.address]),
      filter.to,
    )
  )
    return false;
  if (filter.subject !== undefined && !contains([summary.subject], filter.subject)) return false;
  const when = summary.receivedAt ?? summary.date;
  const time = when === null ? Number.NaN : Date.parse(when);
  if (filter.since && !(time >= filter.since.at.getTime())) return false;
  if (filter.before && !(time < filter.before.at.getTime())) return false;
  return true;
}
