import { InvalidRequestError } from '../../mail/errors.js';
import { decodeFieldsToken, encodeFieldsToken } from '../../mail/opaque-token.js';
import { type ListSort, SORT_KEYS, type SortKey } from '../../mail/types.js';

/**
 * The cursor of a list in an order other than the default. Like the
 * default list's cursor (list-cursor.ts) it is anchored on messages, not a
 * position: the next page starts after the last message already returned,
 * found again in the fresh order. Every sort key is a property the message
 * never changes (Date header, sender, subject, size, UID), and ties are in
 * UID order, so the order of the messages already there is the same at
 * every page; mail that arrives meanwhile takes its place without shifting
 * the others. The last few messages of the page ride along, so an expunged
 * anchor falls back on the one before it. The sort key and order are bound:
 * a cursor is refused by a list in another order.
 */
export interface SortCursor {
  uidValidity: string;
  sort: ListSort;
  /** The page's last UIDs, last first. */
  anchors: number[];
}

/** How many of a page's last messages a cursor carries. */
export const SORT_CURSOR_ANCHORS = 4;

const PREFIX = 's1.';
const UID = /^[1-9][0-9]{0,9}$/;

export function encodeSortCursor(cursor: SortCursor, scope: string): string {
  const fields = [
    cursor.uidValidity,
    cursor.sort.key,
    cursor.sort.order,
    scope,
    ...cursor.anchors.slice(0, SORT_CURSOR_ANCHORS).map(String),
  ];
  return encodeFieldsToken(PREFIX, fields);
}

/**
 * @throws InvalidRequestError when the cursor is malformed, belongs to another
 * mailbox, filter or order (the default order's cursors included), or
 * predates a UIDVALIDITY change.
 */
export function decodeSortCursor(
  text: string,
  scope: string,
  sort: ListSort,
  uidValidity: string,
): SortCursor {
  const parts = decodeFieldsToken(PREFIX, text);
  if (parts === null || parts.length < 5 || parts.length > 4 + SORT_CURSOR_ANCHORS) {
    throw new InvalidRequestError(
      'The cursor is malformed or belongs to another listing (each sort and order pages with its own cursors).',
    );
  }
  const [validity, key, order, cursorScopeText, ...anchorTexts] = parts as [string, string, string, string];
  if (!/^[0-9]{1,20}$/.test(validity) || !anchorTexts.every((anchor) => UID.test(anchor))) {
    throw new InvalidRequestError('The cursor is malformed or belongs to another listing.');
  }
  if (!SORT_KEYS.includes(key as SortKey) || (order !== 'asc' && order !== 'desc')) {
    throw new InvalidRequestError('The cursor is malformed or belongs to another listing.');
  }
  if (key !== sort.key || order !== sort.order) {
    throw new InvalidRequestError(
      `The cursor belongs to a list sorted by ${key} ${order}; ask with the same sort and order, or without a cursor.`,
    );
  }
  if (cursorScopeText !== scope) {
    throw new InvalidRequestError('The cursor belongs to another mailbox or filter.');
  }
  if (validity !== uidValidity) {
    throw new InvalidRequestError(
      'The mailbox was recreated since this cursor was issued (UIDVALIDITY changed); list again without a cursor.',
    );
  }
  return { uidValidity: validity, sort, anchors: anchorTexts.map(Number) };
}
