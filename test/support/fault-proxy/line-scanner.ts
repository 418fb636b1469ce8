/** A logical line finished inside the chunk just pushed. */
export interface ScannedLine {
  /** Offset in that chunk just past the line's LF. */
  end: number;
  /** The line without its final CRLF; IMAP literals stay inline, each after its `{n}\r\n`. */
  text: string;
}

// RFC 9051 §4.3 (literal, literal8) and RFC 7888 (LITERAL+): `{n}`, `{n+}`, `~{n}` end a line
// whose next n octets are data, not protocol; the logical line goes on after them.
const LITERAL_AT_END = /~?\{(\d+)\+?\}\r?\n$/;

/**
 * Splits a byte stream into logical protocol lines across arbitrary TCP chunking.
 * With `literals` on it follows IMAP literals, so a CRLF inside a message body never
 * ends a command or a response.
 */
export class LineScanner {
  literals = false;
  private parts: Buffer[] = [];
  private kept = 0;
  private physicalTail = '';
  private literalLeft = 0;

  /** @param maxText how much of each logical line to keep as text (lines may be far longer) */
  constructor(private readonly maxText = Number.POSITIVE_INFINITY) {}

  push(chunk: Buffer): ScannedLine[] {
    const lines: ScannedLine[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - i);
        this.keep(chunk.subarray(i, i + take));
        this.literalLeft -= take;
        i += take;
        continue;
      }
      const lf = chunk.indexOf(0x0a, i);
      const stop = lf === -1 ? chunk.length : lf + 1;
      const piece = chunk.subarray(i, stop);
      this.keep(piece);
      this.physicalTail = (this.physicalTail + piece.subarray(-32).toString('latin1')).slice(-32);
      i = stop;
      if (lf === -1) break;
      const literal = this.literals ? LITERAL_AT_END.exec(this.physicalTail) : null;
      this.physicalTail = '';
      if (literal) {
        this.literalLeft = Number(literal[1]);
        continue;
      }
      lines.push({ end: stop, text: this.takeText() });
    }
    return lines;
  }

  private keep(bytes: Buffer): void {
    const room = this.maxText + 2 - this.kept;
    if (room <= 0) return;
    const slice = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.parts.push(slice);
    this.kept += slice.length;
  }

  private takeText(): string {
    const text = Buffer.concat(this.parts)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    this.parts = [];
    this.kept = 0;
    return text.length > this.maxText ? text.slice(0, this.maxText) : text;
  }
}
