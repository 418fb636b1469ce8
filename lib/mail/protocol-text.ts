/**
 * The header field-name rule, in one place for everything that reads,
 * checks or searches header names: the MIME parser, the append check, the
 * list and bulk filters and the IMAP search they become.
 */

/**
 * The longest field name: RFC 5322 §2.1.1 caps a line at 998 characters, and
 * the name needs its colon on the same line.
 */
export const MAX_HEADER_NAME_CHARS = 997;

/** RFC 5322 §3.6.8: field-name = 1*ftext, ftext = printable US-ASCII (33–126) except ":". */
export const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]{1,997}$/;

/** True when `name` is an RFC 5322 field name of at most MAX_HEADER_NAME_CHARS characters. */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;

function isFieldText(code: number): boolean {
  return code >= 0x21 && code <= 0x7e && code !== COLON;
}

/** Where a header line's name ends and its value begins. */
export interface FieldStart {
  name: string;
  /** Offset just past the colon. */
  valueStart: number;
}

/**
 * The field name a header line starts with, read as real mail writes it:
 * blanks before the colon (RFC 5322 §4.5.8 obsolete syntax) are dropped, and
 * a space inside the name (`X Mailer:`) is tolerated so that such a line
 * stays a header instead of becoming body text. Otherwise the name follows
 * the rule above, and the colon must come within the 998 characters of a
 * line. Returns null when the line does not start with a field. Reads at
 * most 998 characters, however long the line.
 */
export function readFieldStart(line: string): FieldStart | null {
  if (line.length === 0 || !isFieldText(line.charCodeAt(0))) return null;
  const limit = Math.min(line.length, MAX_HEADER_NAME_CHARS + 1);
  let nameEnd = 0;
  let tabbed = false;
  for (let i = 0; i < limit; i++) {
    const code = line.charCodeAt(i);
    if (code === COLON) return { name: line.slice(0, nameEnd), valueStart: i + 1 };
    if (isFieldText(code)) {
      // A tab may only stand between the name and its colon.
      if (tabbed) return null;
      nameEnd = i + 1;
    } else if (code === TAB) {
      tabbed = true;
    } else if (code !== SPACE) {
      return null;
    }
  }
  return null;
}
