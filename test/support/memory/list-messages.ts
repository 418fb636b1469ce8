import { createHash } from 'node:crypto';
import { InvalidRequestError, UnsupportedOperationError } from '../../../lib/mail/errors.js';
import type { FilterName, ListQuery, Mailbox, Message, MessagePage } from '../../../lib/mail/types.js';
import type { MemoryData } from './builders.js';
import { matchesFilter } from './bulk.js';
import { summaryOf } from './sync-journal.js';

/**
 * A listing as the adapters answer it: newest first (highest UID, then the
 * latest placed), `limit` at a time, a cursor anchored on the last message
 * returned (so mail arriving between pages shifts nothing), `total` counting
 * every match, and a filter the store cannot evaluate refused.
 */

const PREFIX = 'mem1.';

interface Anchor {
  scope: string;
  uid: number;
  id: string;
}

function scopeOf(path: string, query: ListQuery): string {
  return createHash('sha256')
    .update(path)
    .update('\0')
    .update(JSON.stringify(query.filter))
    .digest('base64url')
    .slice(0, 10);
}

function encodeCursor(anchor: Anchor): string {
  return PREFIX + Buffer.from(JSON.stringify(anchor)).toString('base64url');
}

function decodeCursor(cursor: string, scope: string): Anchor {
  const malformed = new InvalidRequestError('The cursor is malformed or belongs to another listing.');
  if (!cursor.startsWith(PREFIX)) throw malformed;
  let anchor: Partial<Anchor>;
  try {
    anchor = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw malformed;
  }
  if (anchor?.scope !== scope || typeof anchor.uid !== 'number' || typeof anchor.id !== 'string') {
    throw malformed;
  }
  return anchor as Anchor;
}

/** @throws UnsupportedOperationError for a filter outside `filters` */
function checkFilters(query: ListQuery, filters: readonly FilterName[]): void {
  const used = Object.entries(query.filter)
    .filter(([, value]) => value !== undefined)
    .map(([name]) => (name === 'headers' ? 'header' : name) as FilterName);
  const refused = used.filter((name) => !filters.includes(name));
  if (refused.length > 0)
    throw new UnsupportedOperationError(`This store cannot filter on ${refused.join(', ')}.`);
}

export function listMemoryMessages(
  data: MemoryData,
  mailbox: Mailbox,
  query: ListQuery,
  filters: readonly FilterName[],
): MessagePage {
  checkFilters(query, filters);
  const scope = scopeOf(mailbox.path, query);
  const placed = data.messages.filter((message) => message.mailbox === mailbox.path);
  const matching = placed
    .map((message, index) => ({ message, index }))
    .filter(({ message }) => matchesFilter(message, query.filter))
    .sort((a, b) => (b.message.uid ?? 0) - (a.message.uid ?? 0) || b.index - a.index)
    .map(({ message }) => message);
  let rest: Message[] = matching;
  if (query.cursor !== undefined) {
    const anchor = decodeCursor(query.cursor, scope);
    const at = matching.findIndex((message) => message.id === anchor.id);
    // An anchor expunged since: the next page is what sits below its UID.
    rest = at === -1 ? matching.filter((message) => (message.uid ?? 0) < anchor.uid) : matching.slice(at + 1);
  }
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  return {
    messages: page.map((message) => structuredClone(summaryOf(message))),
    nextCursor:
      rest.length > page.length && last ? encodeCursor({ scope, uid: last.uid ?? 0, id: last.id }) : null,
    total: matching.length,
  };
}
