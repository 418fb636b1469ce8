/**
 * Opaque tokens (list cursors, sync states): a short version prefix, then
 * the payload in unpadded base64url (RFC 4648 §5), so a token is URL-safe
 * and clients have nothing to parse. The prefix names the format: a decoder
 * refuses a token of another kind or an older layout instead of misreading it.
 *
 * Decoding never throws: it answers null for anything this module did not
 * encode (wrong prefix, characters outside the alphabet, too long, a
 * non-canonical encoding) and each caller raises its own domain error.
 */

/**
 * Longest token accepted, prefix included. Matches the longest value the
 * API takes in a query string (1,000 characters); the longest token issued,
 * a POP3 cursor with four 140-character UIDLs, is under 800.
 */
export const MAX_TOKEN_CHARS = 1000;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `prefix` then `payload` in base64url. */
export function encodeToken(prefix: string, payload: Uint8Array): string {
  return `${prefix}${Buffer.from(payload).toString('base64url')}`;
}

/**
 * The payload of a token made by `encodeToken` with the same prefix, or
 * null. Only the canonical encoding is accepted, so every payload has
 * exactly one token (no padding, no stray bits in the last character).
 */
export function decodeToken(prefix: string, text: string, maxChars = MAX_TOKEN_CHARS): Buffer | null {
  if (text.length > maxChars || !text.startsWith(prefix)) return null;
  const body = text.slice(prefix.length);
  if (!BASE64URL.test(body)) return null;
  const payload = Buffer.from(body, 'base64url');
  return payload.toString('base64url') === body ? payload : null;
}

/** Printable ASCII without space (0x21–0x7E): every field a token carries, POP3 UIDLs included (RFC 1939 §7). */
const FIELD_BYTE_MIN = 0x21;
const FIELD_BYTE_MAX = 0x7e;

/**
 * A token whose payload is `fields` joined by `separator` (`.` unless a
 * field may contain dots, as UIDLs do: then a space).
 * @throws Error when a field is empty or holds a byte a field cannot hold (a bug, not input).
 */
export function encodeFieldsToken(prefix: string, fields: readonly string[], separator = '.'): string {
  for (const field of fields) {
    if (!isField(field, separator)) throw new Error(`token field out of alphabet: ${JSON.stringify(field)}`);
  }
  return encodeToken(prefix, Buffer.from(fields.join(separator), 'latin1'));
}

/**
 * The fields of a token made by `encodeFieldsToken`, or null when it is
 * malformed or a field is empty. The caller checks their number and syntax.
 */
export function decodeFieldsToken(
  prefix: string,
  text: string,
  separator = '.',
  maxChars = MAX_TOKEN_CHARS,
): string[] | null {
  const payload = decodeToken(prefix, text, maxChars);
  if (payload === null) return null;
  const fields = payload.toString('latin1').split(separator);
  return fields.every((field) => isField(field, separator)) ? fields : null;
}

function isField(field: string, separator: string): boolean {
  if (field.length === 0) return false;
  for (let i = 0; i < field.length; i++) {
    const code = field.charCodeAt(i);
    if (code < FIELD_BYTE_MIN || code > FIELD_BYTE_MAX || field[i] === separator) return false;
  }
  return true;
}
