import { deflateRawSync, inflateRawSync, constants as zlib } from 'node:zlib';
import { UnsupportedOperationError } from '../mail/errors.js';
import { isAcceptedUidl, MAX_UIDL_CHARS } from '../mail/pop3-uidl.js';

/**
 * A watched POP3 mailbox's cursor: the set of UIDLs the webhook's events
 * were computed up to. POP3 has no change state (RFC 1939), so what changed
 * is the difference between this set and the server's UIDL listing. The
 * UIDLs themselves are kept, not hashes of them: a `message.deleted` event
 * names the message ids of the UIDLs that are gone, and only the UIDL makes
 * that id.
 *
 * Layout: `pop3:v1:` and the base64url of a raw DEFLATE stream of the UIDLs
 * in ascending byte order, each front-coded as one byte for the characters
 * it shares with the one before, one byte for the length of the rest, then
 * the rest. Sorted UIDLs share long prefixes (Dovecot's default
 * `%08Xu%08Xv` differs in a few characters from one message to the next), so
 * a cursor costs a few bytes per message.
 */

export const POP3_CURSOR_PREFIX = 'pop3:v1:';

/**
 * The longest cursor written (characters, all ASCII, so bytes too): a cursor
 * is one attribute of a stored item, and with the record's other attributes
 * it stays well inside a DynamoDB item's 400 KB.
 */
export const MAX_POP3_CURSOR_CHARS = 256 * 1024;

/** The most messages a watched POP3 mailbox may hold, whatever its UIDLs compress to. */
export const MAX_POP3_WATCHED_MESSAGES = 100_000;

/** The front-coded list before compression, at most: bounds what decoding a cursor may inflate. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A mailbox whose UIDLs do not fit in a cursor: it cannot be watched until it holds fewer messages. */
export class Pop3CursorTooLargeError extends UnsupportedOperationError {
  constructor(messages: number, reason: string) {
    super(
      `The POP3 mailbox holds ${messages} messages, ${reason}, so it cannot be watched until some are deleted.`,
    );
  }
}

/** UIDLs in the order a cursor keeps them (ascending bytes; they are ASCII, so code units compare alike). */
export function sortUidls(uidls: Iterable<string>): string[] {
  return [...new Set(uidls)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The cursor for a set of UIDLs (duplicates count once).
 * @throws RangeError for a UIDL that no message id accepts (RFC 1939 §7, up to 140 characters)
 * @throws Pop3CursorTooLargeError past MAX_POP3_WATCHED_MESSAGES or MAX_POP3_CURSOR_CHARS
 */
export function encodePop3Cursor(uidls: Iterable<string>): string {
  const sorted = sortUidls(uidls);
  if (sorted.length > MAX_POP3_WATCHED_MESSAGES) {
    throw new Pop3CursorTooLargeError(
      sorted.length,
      `more than the ${MAX_POP3_WATCHED_MESSAGES} a watched POP3 mailbox may hold`,
    );
  }
  const payload = Buffer.alloc(sorted.reduce((bytes, uidl) => bytes + 2 + uidl.length, 0));
  let offset = 0;
  let previous = '';
  for (const uidl of sorted) {
    if (!isAcceptedUidl(uidl)) throw new RangeError('not a UIDL a message id accepts');
    let shared = 0;
    const most = Math.min(previous.length, uidl.length);
    while (shared < most && previous.charCodeAt(shared) === uidl.charCodeAt(shared)) shared += 1;
    payload[offset++] = shared;
    payload[offset++] = uidl.length - shared;
    offset += payload.write(uidl.slice(shared), offset, 'latin1');
    previous = uidl;
  }
  const body = payload.subarray(0, offset);
  if (body.length > MAX_PAYLOAD_BYTES) {
    throw new Pop3CursorTooLargeError(sorted.length, 'whose UIDLs are too long together to keep');
  }
  const cursor =
    POP3_CURSOR_PREFIX + deflateRawSync(body, { level: zlib.Z_BEST_COMPRESSION }).toString('base64url');
  if (cursor.length > MAX_POP3_CURSOR_CHARS) {
    throw new Pop3CursorTooLargeError(
      sorted.length,
      `whose UIDLs take more than the ${MAX_POP3_CURSOR_CHARS} characters a cursor may have`,
    );
  }
  return cursor;
}

/**
 * The UIDLs of a cursor, ascending; null when it is not a well-formed cursor
 * of this version (another version, another protocol's state, damaged), which
 * the watcher treats as an expired state.
 */
export function decodePop3Cursor(cursor: string): string[] | null {
  if (!cursor.startsWith(POP3_CURSOR_PREFIX) || cursor.length > MAX_POP3_CURSOR_CHARS) return null;
  const text = cursor.slice(POP3_CURSOR_PREFIX.length);
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const compressed = Buffer.from(text, 'base64url');
  let payload: Buffer;
  try {
    const inflated = inflateRawSync(compressed, {
      info: true,
      maxOutputLength: MAX_PAYLOAD_BYTES,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    // A complete stream with nothing after it (inflating stops at the stream's end and ignores the rest).
    if (inflated.engine.bytesWritten !== compressed.length) return null;
    payload = inflated.buffer;
  } catch {
    // Cut short, not DEFLATE, or inflating past MAX_PAYLOAD_BYTES.
    return null;
  }
  const uidls: string[] = [];
  let previous = '';
  for (let offset = 0; offset < payload.length; ) {
    if (offset + 2 > payload.length || uidls.length === MAX_POP3_WATCHED_MESSAGES) return null;
    const shared = payload[offset]!;
    const rest = payload[offset + 1]!;
    offset += 2;
    if (shared > previous.length || rest === 0 || offset + rest > payload.length) return null;
    const uidl = previous.slice(0, shared) + payload.toString('latin1', offset, offset + rest);
    offset += rest;
    if (uidl.length > MAX_UIDL_CHARS || !isAcceptedUidl(uidl) || !(previous < uidl)) return null;
    uidls.push(uidl);
    previous = uidl;
  }
  return uidls;
}
