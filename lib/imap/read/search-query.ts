import type { SearchObject } from 'imapflow';
import { InvalidRequestError } from '../../mail/errors.js';
import { isHeaderName } from '../../mail/protocol-text.js';
import type { FilterInstant, Header, MessageFilter } from '../../mail/types.js';

const UNSAFE = /[\r\n\0]/;

function safe(value: string, what: string): string {
  if (UNSAFE.test(value)) throw new InvalidRequestError(`The ${what} filter contains CR, LF or NUL.`);
  return value;
}

function instant(value: FilterInstant): Date {
  // imapflow sends YOUNGER/OLDER (RFC 5032 WITHIN) when the server has it:
  // seconds before the server's clock, so the bound is as exact as the two
  // clocks agree (about a second). Otherwise SINCE/BEFORE on the UTC day,
  // BEFORE rounding a time of day up to the next day so it stays inclusive.
  return value.at;
}

/**
 * imapflow's `{name: value}` header criteria, on a null prototype: in a
 * plain object a header named `__proto__` would set the prototype instead
 * and drop out of the search, which would then match more than asked.
 */
function headerMap(headers: readonly Header[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (const { name, value } of headers) map[name] = value;
  return map;
}

/**
 * Extra header criteria for names already used: imapflow keys headers by
 * name, so each further one goes into a single-operand OR, which it emits as
 * a parenthesised (AND) group.
 */
function chainHeaders(search: SearchObject, extra: Header[]): void {
  let target = search;
  for (const header of extra) {
    const next: SearchObject = { header: headerMap([header]) };
    target.or = [next];
    target = next;
  }
}

/**
 * The IMAP SEARCH criteria for a filter, as an imapflow search object: every
 * value travels as a quoted string or a literal (non-ASCII with CHARSET
 * UTF-8), never spliced into the command. Returns null for an empty filter.
 * @throws InvalidRequestError for CR, LF or NUL in a value or a bad header name.
 */
export function buildSearchQuery(filter: MessageFilter): SearchObject | null {
  const search: SearchObject = {};
  for (const key of ['seen', 'flagged', 'answered', 'draft'] as const) {
    const value = filter[key];
    if (value !== undefined) search[key] = value;
  }
  for (const key of ['from', 'to', 'cc', 'subject', 'text', 'body'] as const) {
    const value = filter[key];
    if (value !== undefined) search[key] = safe(value, key);
  }
  if (filter.since) search.since = instant(filter.since);
  if (filter.before) search.before = instant(filter.before);
  if (filter.larger !== undefined) search.larger = filter.larger;
  if (filter.smaller !== undefined) {
    // imapflow drops a falsy SMALLER, which would widen the search to every message.
    if (filter.smaller < 1)
      throw new InvalidRequestError('smaller must be at least 1 (no message is smaller than 0 bytes).');
    search.smaller = filter.smaller;
  }
  const first: Header[] = [];
  const extra: Header[] = [];
  const taken = new Set<string>();
  for (const header of filter.headers ?? []) {
    if (!isHeaderName(header.name)) throw new InvalidRequestError('A header filter names an invalid field.');
    safe(header.value, `header.${header.name}`);
    const key = header.name.toLowerCase();
    if (taken.has(key)) extra.push(header);
    else first.push(header);
    taken.add(key);
  }
  if (first.length > 0) search.header = headerMap(first);
  chainHeaders(search, extra);
  return Object.keys(search).length > 0 ? search : null;
}
