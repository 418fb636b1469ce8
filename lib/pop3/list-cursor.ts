import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../mail/errors.js';
import { decodeFieldsToken, encodeFieldsToken } from '../mail/opaque-token.js';
import { isAcceptedUidl } from '../mail/pop3-uidl.js';
import type { MessageFilter } from '../mail/types.js';

/**
 * A POP3 list cursor. Message numbers shift whenever another session
 * deletes mail, so the cursor names the last message consumed by its UIDL
 * (plus a few older UIDLs as fallbacks should that one be deleted) and keeps
 * its number only as a hint for the fast path. New mail gets higher numbers
 * and never shifts older pages.
 */
export interface Pop3ListCursor {
  /** UIDL of the last message consumed, then the next older ones still unseen. */
  anchors: string[];
  /** The anchor's message number when the cursor was made. */
  number: number;
  scope: string;
}

const PREFIX = 'p1.';
/** UIDLs are 0x21–0x7E (RFC 1939 §7) and may contain dots, so a space separates the fields. */
const SEPARATOR = ' ';

/** A short digest of the filter a cursor belongs to. */
export function pop3CursorScope(filter: MessageFilter): string {
  const canonical = JSON.stringify(filter, (_key, value: unknown) =>
    value instanceof Date ? value.toISOString() : value,
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 10);
}

export function encodePop3Cursor(cursor: Pop3ListCursor): string {
  return encodeFieldsToken(PREFIX, [cursor.scope, String(cursor.number), ...cursor.anchors], SEPARATOR);
}

/**
 * Accepts every UIDL a message id accepts (up to 140 characters).
 * @throws InvalidRequestError when the cursor is malformed or was made for another filter.
 */
export function decodePop3Cursor(text: string, scope: string): Pop3ListCursor {
  const malformed = new InvalidRequestError('The cursor is malformed or belongs to another listing.');
  const fields = decodeFieldsToken(PREFIX, text, SEPARATOR);
  if (fields === null) throw malformed;
  const [cursorScope, numberText, ...anchors] = fields;
  if (cursorScope !== scope || !numberText || !/^[1-9][0-9]{0,9}$/.test(numberText)) throw malformed;
  if (anchors.length === 0 || !anchors.every(isAcceptedUidl)) throw malformed;
  return { scope, number: Number(numberText), anchors };
}

/**
 * Where the next page starts (the newest message number not yet consumed),
 * given the current UIDL of every message. 0 means nothing is left.
 */
export function resumePoint(cursor: Pop3ListCursor, uidls: ReadonlyMap<string, number>): number {
  const [anchor, ...fallbacks] = cursor.anchors;
  const anchorNumber = uidls.get(anchor!);
  if (anchorNumber !== undefined) return anchorNumber - 1;
  // The anchor was deleted: the next older survivor has not been shown yet.
  for (const uid of fallbacks) {
    const number = uidls.get(uid);
    if (number !== undefined) return number;
  }
  // Everything we remembered is gone; deletions only move numbers down.
  return Math.min(cursor.number - 1, uidls.size);
}
