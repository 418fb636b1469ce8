import { Pop3Error } from './pop3-error.js';
import { MAX_LISTING_ENTRIES } from './read-limits.js';

/** One line of a LIST or UIDL answer: a message number and its size or unique id. */
export interface ListingEntry {
  number: number;
  value: string;
}

const LINE = /^([1-9][0-9]*) +([\x21-\x7e]+)/;

/**
 * Parses a scan listing (RFC 1939 §5 LIST) or a unique-id listing (§7 UIDL),
 * either a multi-line body or the text of a single-message "+OK n value".
 * Line by line, so what it holds grows with the entries it keeps, of which
 * there may be at most `maxEntries`.
 * @throws Pop3Error (protocol) on a line that is neither; (too_large) past `maxEntries`.
 */
export function parseListing(text: Buffer | string, maxEntries = MAX_LISTING_ENTRIES): ListingEntry[] {
  const source = typeof text === 'string' ? text : text.toString('latin1');
  const entries: ListingEntry[] = [];
  for (let start = 0; start < source.length; ) {
    const crlf = source.indexOf('\r\n', start);
    const end = crlf === -1 ? source.length : crlf;
    const line = source.slice(start, end);
    start = end + 2;
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new Pop3Error('protocol', 'malformed POP3 listing', { phase: 'transaction' });
    if (entries.length === maxEntries) {
      throw new Pop3Error('too_large', 'POP3 listing has too many entries', { phase: 'transaction' });
    }
    entries.push({ number: Number(match[1]), value: match[2]! });
  }
  return entries;
}

/** Sizes from a LIST answer. @throws Pop3Error (protocol) when a size is not a number. */
export function parseSizes(text: Buffer | string): { number: number; size: number }[] {
  return parseListing(text).map(({ number, value }) => {
    if (!/^[0-9]+$/.test(value))
      throw new Pop3Error('protocol', 'malformed POP3 size', { phase: 'transaction' });
    return { number, size: Number(value) };
  });
}
