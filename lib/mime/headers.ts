import { readFieldStart } from '../mail/protocol-text.js';
import { decodeText } from './charset.js';

/** One header field as it stands in the message. */
export interface HeaderField {
  /** The name as the message spells it. */
  name: string;
  /** Lower-case name, for lookups. */
  key: string;
  /**
   * Unfolded value (RFC 5322 §2.2.3) without the leading and trailing
   * whitespace; 8-bit bytes read as UTF-8, else windows-1252. Encoded words
   * are left as they are: how to decode them depends on the field.
   */
  value: string;
  /** The field's bytes, folding and line breaks included. */
  raw: Buffer;
}

/** A header block and where the body after it begins. */
export interface HeaderBlock {
  headers: HeaderField[];
  /** Offset of the first body byte, `end` when there is no body. */
  bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** Offset just past the line starting at `start` (its line break included). */
function lineEnd(raw: Buffer, start: number, end: number): number {
  const lf = raw.indexOf(LF, start);
  return lf === -1 || lf >= end ? end : lf + 1;
}

function isBlankLine(raw: Buffer, start: number, next: number): boolean {
  const length = next - start;
  if (length === 0) return false;
  if (length === 1) return raw[start] === LF;
  return length === 2 && raw[start] === CR && raw[start + 1] === LF;
}

function toField(raw: Buffer): HeaderField | null {
  const text = decodeText(raw, 'utf-8').text;
  const start = readFieldStart(text);
  if (!start) return null;
  const { name } = start;
  // Unfold: a line break followed by whitespace is removed, the whitespace kept.
  const value = text
    .slice(start.valueStart)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n$/, '')
    .trim();
  return { name, key: name.toLowerCase(), value, raw };
}

/**
 * Splits the header block at the start of `raw[start, end)` into fields. The
 * block ends at the first empty line (CRLF or bare LF); with none, everything
 * is header and there is no body. A line that is neither a field nor a
 * folded continuation ends the block too, so a part that starts straight
 * with its body is not swallowed. A leading mbox `From ` line is skipped.
 */
export function parseHeaderBlock(raw: Buffer, start = 0, end = raw.length): HeaderBlock {
  const headers: HeaderField[] = [];
  let pos = start;
  if (raw.subarray(pos, Math.min(end, pos + 5)).toString('latin1') === 'From ') pos = lineEnd(raw, pos, end);
  let fieldStart = -1;
  const closeField = (fieldEnd: number) => {
    if (fieldStart < 0) return;
    const field = toField(raw.subarray(fieldStart, fieldEnd));
    if (field) headers.push(field);
    fieldStart = -1;
  };
  while (pos < end) {
    const next = lineEnd(raw, pos, end);
    if (isBlankLine(raw, pos, next)) {
      closeField(pos);
      return { headers, bodyStart: next };
    }
    const first = raw[pos];
    if (first === 0x20 || first === 0x09) {
      // A continuation with no field before it is malformed: skip the line.
      pos = next;
      continue;
    }
    closeField(pos);
    const head = raw.subarray(pos, Math.min(next, pos + 1000)).toString('latin1');
    if (!readFieldStart(head)) return { headers, bodyStart: pos };
    fieldStart = pos;
    pos = next;
  }
  closeField(end);
  return { headers, bodyStart: end };
}

/** The first value of a field, or null. */
export function getHeader(headers: readonly HeaderField[], name: string): string | null {
  const key = name.toLowerCase();
  return headers.find((h) => h.key === key)?.value ?? null;
}

/** Every value of a field, in order. */
export function getHeaders(headers: readonly HeaderField[], name: string): string[] {
  const key = name.toLowerCase();
  return headers.filter((h) => h.key === key).map((h) => h.value);
}
