import { MAX_LINE_BYTES, MAX_LITERAL_BYTES, MAX_RESPONSE_BYTES, WireLimitError } from './wire-limits.js';

const CR = 0x0d;
const LF = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
/** More significant digits than this cannot be under any limit we would set. */
const MAX_SIZE_DIGITS = 15;

export interface ScannerLimits {
  maxLineBytes: number;
  maxLiteralBytes: number;
  maxResponseBytes: number;
}

const DEFAULT_LIMITS: ScannerLimits = {
  maxLineBytes: MAX_LINE_BYTES,
  maxLiteralBytes: MAX_LITERAL_BYTES,
  maxResponseBytes: MAX_RESPONSE_BYTES,
};

/**
 * The size a line announces for the literal after it: `{n}` (or `{n+}`,
 * which servers do not send) just before its CRLF; null when it announces none.
 * @throws WireLimitError when the size is over `max`
 */
export function announcedLiteral(line: Buffer, max: number): number | null {
  let at = line.length - 3;
  if (at < 1 || line[at] !== CLOSE_BRACE) return null;
  at -= 1;
  if (line[at] === PLUS) at -= 1;
  const last = at;
  while (at >= 0 && line[at]! >= ZERO && line[at]! <= NINE) at -= 1;
  if (at < 0 || at === last || line[at] !== OPEN_BRACE) return null;
  let first = at + 1;
  while (first < last && line[first] === ZERO) first += 1;
  const size =
    last + 1 - first > MAX_SIZE_DIGITS
      ? Number.POSITIVE_INFINITY
      : Number(line.toString('latin1', first, last + 1));
  if (size > max) throw new WireLimitError('LiteralTooLarge', `IMAP literal of ${size} bytes exceeds ${max}`);
  return size;
}

/**
 * Splits what a server sends into whole responses: a line plus the literals
 * it announces and the lines that continue it (RFC 9051 §4.3), so a tag is
 * only ever read at the start of a response, never inside message data.
 *
 * Linear and bounded: each byte is looked at once (a line's pieces are kept
 * as they came and joined once, when its CRLF arrives), and a line, a
 * literal or a whole response over its limit fails at once, before its bytes
 * are awaited. After a failure the scanner refuses further input.
 */
export class ResponseScanner {
  readonly #limits: ScannerLimits;
  /** Finished pieces of the response being read: its lines and literal bytes. */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  /** Pieces of the line being read, its CRLF not seen yet. */
  #line: Buffer[] = [];
  #lineBytes = 0;
  #literalLeft = 0;
  #failure: WireLimitError | null = null;

  constructor(limits: Partial<ScannerLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /**
   * Takes more bytes; returns the responses they complete, in order.
   * @throws WireLimitError when a line, a literal or a response is over its limit
   */
  push(chunk: Buffer): Buffer[] {
    if (this.#failure) throw this.#failure;
    try {
      return this.#scan(chunk);
    } catch (error) {
      if (error instanceof WireLimitError) {
        this.#failure = error;
        this.#reset();
      }
      throw error;
    }
  }

  #scan(chunk: Buffer): Buffer[] {
    const complete: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#literalLeft > 0) {
        const taken = Math.min(this.#literalLeft, chunk.length - at);
        this.#parts.push(chunk.subarray(at, at + taken));
        this.#partsBytes += taken;
        this.#literalLeft -= taken;
        at += taken;
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      const end = lf === -1 ? chunk.length : lf + 1;
      this.#addToLine(chunk.subarray(at, end));
      at = end;
      // Only CRLF ends a line; a bare LF is part of it.
      if (lf === -1 || !this.#lineEndsWithCrlf()) continue;
      const line = this.#line.length === 1 ? this.#line[0]! : Buffer.concat(this.#line, this.#lineBytes);
      this.#line = [];
      this.#lineBytes = 0;
      this.#parts.push(line);
      this.#partsBytes += line.length;
      const literal = announcedLiteral(line, this.#limits.maxLiteralBytes);
      if (literal !== null) {
        this.#checkResponse(this.#partsBytes + literal);
        this.#literalLeft = literal;
        continue;
      }
      complete.push(this.#parts.length === 1 ? line : Buffer.concat(this.#parts, this.#partsBytes));
      this.#parts = [];
      this.#partsBytes = 0;
    }
    return complete;
  }

  #addToLine(piece: Buffer): void {
    if (piece.length === 0) return;
    const lineBytes = this.#lineBytes + piece.length;
    if (lineBytes > this.#limits.maxLineBytes) {
      throw new WireLimitError('LineTooLarge', `IMAP line over ${this.#limits.maxLineBytes} bytes`);
    }
    this.#checkResponse(this.#partsBytes + lineBytes);
    this.#line.push(piece);
    this.#lineBytes = lineBytes;
  }

  #checkResponse(bytes: number): void {
    if (bytes > this.#limits.maxResponseBytes) {
      throw new WireLimitError(
        'ResponseTooLarge',
        `IMAP response over ${this.#limits.maxResponseBytes} bytes`,
      );
    }
  }

  /** The line read so far ends in LF: is the byte before it a CR, in this piece or the previous one? */
  #lineEndsWithCrlf(): boolean {
    const last = this.#line[this.#line.length - 1]!;
    if (last.length >= 2) return last[last.length - 2] === CR;
    const previous = this.#line[this.#line.length - 2];
    return previous !== undefined && previous[previous.length - 1] === CR;
  }

  #reset(): void {
    this.#parts = [];
    this.#partsBytes = 0;
    this.#line = [];
    this.#lineBytes = 0;
    this.#literalLeft = 0;
  }

  /** The bytes of the response still incomplete; the scanner is empty afterwards. */
  drain(): Buffer {
    const rest = Buffer.concat([...this.#parts, ...this.#line]);
    this.#reset();
    return rest;
  }
}

/** The tag of a response or command line (`*`, `+` or a client tag). */
export function tagOf(line: Buffer): string {
  const space = line.indexOf(0x20);
  return line.subarray(0, space === -1 ? Math.min(line.length, 64) : space).toString('latin1');
}

/** The status word after the tag of a tagged completion: OK, NO or BAD. */
export function statusOf(line: Buffer): string {
  return (/^\S+ (\S+)/.exec(line.subarray(0, 80).toString('latin1'))?.[1] ?? '').toUpperCase();
}
