import { z } from '@hono/zod-openapi';
import { MAX_TOKEN_CHARS } from '../mail/opaque-token.js';

/** Limits from the API contract; longer input is a 400 before any store is opened. */
export const MAX_FILTER_CHARS = 1000;
export const MAX_MAILBOX_BYTES = 1000;
export const MAX_ID_CHARS = 200;
/** Header conditions in one filter: each is a SEARCH key, and repeated names nest. */
export const MAX_HEADER_FILTERS = 50;

/**
 * CR, LF and NUL could end a protocol line early (IMAP/POP3 commands are
 * CRLF-terminated, RFC 9051 §2.2): refused outright, never escaped.
 */
const LINE_BREAKING = /[\r\n\0]/;

export function hasLineBreakingCharacter(value: string): boolean {
  return LINE_BREAKING.test(value);
}

export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

const NO_LINE_BREAKS = 'must not contain CR, LF or NUL';

/**
 * Control characters (Unicode Cc: C0, DEL and C1). RFC 9051 §5.1 wants
 * mailbox names in Net-Unicode (RFC 5198 §2), which has none; servers refuse
 * them, so a name with a TAB is the client's mistake (400), not a failure of
 * the server (502).
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

const NO_CONTROL_CHARACTERS = 'must not contain control characters (U+0000 to U+001F, U+007F to U+009F)';

/**
 * A lone UTF-16 surrogate: a JSON string can carry one (`"\ud800"`), UTF-8
 * and modified UTF-7 cannot, so no server can be sent it as written (Dovecot
 * refused such a name as not valid mUTF-7: a 502 for the client's mistake;
 * a filter value would have gone out as U+FFFD, another text).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

const WELL_FORMED = 'must be well-formed Unicode (no lone surrogate)';

/** A free-text filter value as the list query and bulk filters accept it. */
export const filterText = z
  .string()
  .min(1)
  .max(MAX_FILTER_CHARS)
  .refine((value) => !hasLineBreakingCharacter(value), NO_LINE_BREAKS)
  .refine((value) => !hasLoneSurrogate(value), WELL_FORMED);

/**
 * An opaque token from an earlier answer (a list cursor). Its length limit is
 * the one the stores' token decoder applies; they check the rest.
 */
export const opaqueToken = z
  .string()
  .min(1)
  .max(MAX_TOKEN_CHARS)
  .refine((value) => !hasLineBreakingCharacter(value), NO_LINE_BREAKS);

/** An opaque message or attachment id in a path. */
export const opaqueId = z
  .string()
  .min(1)
  .max(MAX_ID_CHARS)
  .refine((value) => !hasLineBreakingCharacter(value), NO_LINE_BREAKS);

/** A mailbox path segment (or a JSON `path`, `to`), before it is resolved to a path or a role. */
export const mailboxSegment = z
  .string()
  .min(1)
  .refine((value) => utf8Length(value) <= MAX_MAILBOX_BYTES, `must be at most ${MAX_MAILBOX_BYTES} bytes`)
  .refine((value) => !hasControlCharacter(value), NO_CONTROL_CHARACTERS)
  .refine((value) => !hasLoneSurrogate(value), WELL_FORMED);

/** `true`/`false` in a query string; other spellings are a 400 rather than silently false. */
export const queryBoolean = z.enum(['true', 'false']);

export function isTrue(value: 'true' | 'false' | undefined): boolean {
  return value === 'true';
}

/**
 * A whole number in a query string. Digits only (no `1e2`, no empty value),
 * documented as an integer; the handler gets a number.
 */
export function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, 'must be a whole number')
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be between ${min} and ${max}`)
    .openapi({ type: 'integer', minimum: min, maximum: max });
}
