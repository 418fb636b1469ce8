const CRLF = Buffer.from('\r\n');
/** A line that announces a literal: `{n}` (or `{n+}`, which servers do not send) before its CRLF. */
const LITERAL_AT_END = /\{(\d{1,10})\+?\}\r\n$/;

/**
 * Splits what a server sends into whole responses: a line plus the literals
 * it announces and the lines that continue it (RFC 9051 §4.3), so a tag is
 * only ever read at the start of a response, never inside message data.
 */
export class ResponseScanner {
  #buffer: Buffer = Buffer.alloc(0);
  #parts: Buffer[] = [];
  #literalLeft = 0;

  /** Takes more bytes; returns the responses they complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const complete: Buffer[] = [];
    for (;;) {
      if (this.#literalLeft > 0) {
        const taken = Math.min(this.#literalLeft, this.#buffer.length);
        if (taken === 0) break;
        this.#parts.push(this.#buffer.subarray(0, taken));
        this.#buffer = this.#buffer.subarray(taken);
        this.#literalLeft -= taken;
        continue;
      }
      const end = this.#buffer.indexOf(CRLF);
      if (end === -1) break;
      const line = this.#buffer.subarray(0, end + 2);
      this.#buffer = this.#buffer.subarray(end + 2);
      this.#parts.push(line);
      const literal = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - 16)).toString('latin1'));
      if (literal) {
        this.#literalLeft = Number(literal[1]);
        continue;
      }
      complete.push(this.#parts.length === 1 ? line : Buffer.concat(this.#parts));
      this.#parts = [];
    }
    return complete;
  }

  /** The bytes of the response still incomplete; the scanner is empty afterwards. */
  drain(): Buffer {
    const rest = Buffer.concat([...this.#parts, this.#buffer]);
    this.#parts = [];
    this.#buffer = Buffer.alloc(0);
    this.#literalLeft = 0;
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
