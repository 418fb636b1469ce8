/**
 * Parses a POP3 status line: "+OK …", "-ERR …" or, during AUTH, a "+ …"
 * continuation (RFC 5034 §4). RFC 2449 §8 response codes ("-ERR [IN-USE] …")
 * are extracted; the human text is kept only for protocol values such as the
 * APOP timestamp, never for error messages.
 */

export type Pop3StatusKind = 'ok' | 'err' | 'continue';

export interface Pop3Status {
  kind: Pop3StatusKind;
  /** RFC 2449 extended response code in upper case, e.g. "IN-USE" or "SYS/TEMP"; null when absent. */
  code: string | null;
  /** The text after the status indicator (and the response code), as latin1. */
  text: string;
}

const RESP_CODE = /^\[([A-Za-z0-9/-]+)\]\s?/;

/** Returns null when the line is not a valid POP3 status line. */
export function parsePop3Status(line: Buffer): Pop3Status | null {
  // Status lines are ASCII by definition; latin1 keeps any stray byte 1:1.
  const raw = line.toString('latin1');
  let kind: Pop3StatusKind;
  let rest: string;
  if (raw === '+OK' || raw.startsWith('+OK ')) {
    kind = 'ok';
    rest = raw.slice(4);
  } else if (raw === '-ERR' || raw.startsWith('-ERR ')) {
    kind = 'err';
    rest = raw.slice(5);
  } else if (raw === '+' || raw.startsWith('+ ')) {
    kind = 'continue';
    rest = raw.slice(2);
  } else {
    return null;
  }
  const match = RESP_CODE.exec(rest);
  if (match) return { kind, code: match[1]!.toUpperCase(), text: rest.slice(match[0].length) };
  return { kind, code: null, text: rest };
}

/** RFC 1939 §7: the APOP timestamp is the msg-id-like token in the greeting, e.g. "<1896.697170952@dbc.mtview.ca.us>". */
export function greetingTimestamp(greeting: Pop3Status): string | null {
  // '@' is kept out of the local part: otherwise every '@' of a long run is
  // tried as the separator and a hostile greeting costs quadratic time.
  const match = /<[^<>\s@]*@[^<>\s]*>/.exec(greeting.text);
  return match ? match[0] : null;
}
