import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../../mail/errors.js';
import { decodeFieldsToken, encodeFieldsToken } from '../../mail/opaque-token.js';
import type { MessageFilter } from '../../mail/types.js';

/**
 * A list cursor is anchored on a UID, not a position: the next page is "the
 * newest messages with a UID below the lowest one already returned". UIDs
 * only grow (RFC 9051 §2.3.1.1), so mail that arrives between pages sits
 * above the anchor and mail that is expunged simply stops matching: neither
 * shifts the pages after it. The UIDVALIDITY rides along because a UID means
 * nothing once it changes; a scope hash ties the cursor to its mailbox and filter.
 */
export interface ListCursor {
  uidValidity: string;
  /** Exclusive upper bound for the next page. */
  beforeUid: number;
  scope: string;
}

const PREFIX = 'c1.';

/** A short digest of the mailbox path and the filter a cursor belongs to. */
export function cursorScope(mailboxPath: string, filter: MessageFilter): string {
  const canonical = JSON.stringify(filter, (_key, value: unknown) =>
    value instanceof Date ? value.toISOString() : value,
  );
  return createHash('sha256')
    .update(mailboxPath)
    .update('\0')
    .update(canonical)
    .digest('base64url')
    .slice(0, 10);
}

export function encodeListCursor(cursor: ListCursor): string {
  return encodeFieldsToken(PREFIX, [cursor.uidValidity, String(cursor.beforeUid), cursor.scope]);
}

/**
 * @throws InvalidRequestError when the cursor is malformed, was made for
 * another mailbox or filter, or predates a UIDVALIDITY change.
 */
export function decodeListCursor(text: string, scope: string, uidValidity: string): ListCursor {
  const malformed = () => new InvalidRequestError('The cursor is malformed or belongs to another listing.');
  const parts = decodeFieldsToken(PREFIX, text);
  if (parts === null || parts.length !== 3) throw malformed();
  const [validity, uidText, cursorScopeText] = parts as [string, string, string];
  if (!/^[0-9]{1,20}$/.test(validity) || !/^[1-9][0-9]{0,9}$/.test(uidText)) throw malformed();
  if (cursorScopeText !== scope) throw malformed();
  if (validity !== uidValidity) {
    throw new InvalidRequestError(
      'The mailbox was recreated since this cursor was issued (UIDVALIDITY changed); list again without a cursor.',
    );
  }
  return { uidValidity: validity, beforeUid: Number(uidText), scope };
}

/**
 * The anchor a cursor names, unchecked, for announcing the first command of
 * its page before the mailbox is open; null when malformed or of another
 * listing. decodeListCursor still checks it against the open mailbox.
 */
export function peekListCursor(text: string, scope: string): number | null {
  const parts = decodeFieldsToken(PREFIX, text);
  if (parts === null || parts.length !== 3 || parts[2] !== scope) return null;
  return /^[1-9][0-9]{0,9}$/.test(parts[1]!) ? Number(parts[1]) : null;
}
