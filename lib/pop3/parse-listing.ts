import { Pop3Error } from './pop3-error.js';

/** One line of a LIST or UIDL answer: a message number and its size or unique id. */
export interface ListingEntry {
  number: number;
  value: string;
}

const LINE = /^([1-9][0-9]*) +([\x21-\x7e]+)/;

/**
 * Parses a scan listing (RFC 1939 §5 LIST) or a unique-id listing (§7 UIDL),
 * either a multi-line body or the text of a single-message "+OK n value".
 * @throws Pop3Error (protocol) on a line that is neither.
 */
export function parseListing(text: Buffer | string): ListingEntry[] {
  const source = typeof text === 'string' ? text : text.toString('latin1');
  const entries: ListingEntry[] = [];
  for (const line of source.split('\r\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new Pop3Error('protocol', 'malformed POP3 listing', { phase: 'transaction' });
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
