/**
 * RFC 1939 §3 multi-line decoding as a byte state machine. A line that starts
 * with "." has that dot removed; the line "." alone ends the response. The
 * state survives between chunks, so a terminator or a stuffed dot split at any
 * byte boundary is still recognised, and content bytes are passed on as
 * zero-copy slices of the input without ever being decoded to text.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const HELD_CR = Buffer.from([CR]);

enum State {
  /** At the first byte of a line (the body itself starts here). */
  LineStart,
  /** After a leading dot: either a stuffed dot or the start of the terminator. */
  Dot,
  /** After ".\r" at a line start: the terminator unless the next byte is not LF. */
  DotCr,
  /** Inside a line. */
  Middle,
  /** After a CR inside a line. */
  Cr,
}

export interface UnstuffResult {
  /** Content slices, in order; may be empty. */
  content: Buffer[];
  /** True once the terminating "." line has been consumed. */
  done: boolean;
  /** Bytes after the terminator (the next response), when `done`. */
  rest: Buffer;
}

const EMPTY = Buffer.alloc(0);

export class DotUnstuffer {
  private state: State = State.LineStart;
  private finished = false;

  get done(): boolean {
    return this.finished;
  }

  /** Feeds one chunk of the response body (after the status line). */
  push(chunk: Buffer): UnstuffResult {
    if (this.finished) return { content: [], done: true, rest: chunk };
    const content: Buffer[] = [];
    let segmentStart = 0;
    let i = 0;
    const emit = (end: number) => {
      if (end > segmentStart) content.push(chunk.subarray(segmentStart, end));
    };
    while (i < chunk.length) {
      const byte = chunk[i]!;
      switch (this.state) {
        case State.LineStart:
          if (byte === DOT) {
            emit(i);
            segmentStart = i + 1;
            this.state = State.Dot;
          } else {
            this.state = byte === CR ? State.Cr : State.Middle;
          }
          i++;
          break;
        case State.Dot:
          if (byte === CR) {
            emit(i);
            segmentStart = i + 1;
            this.state = State.DotCr;
          } else {
            this.state = State.Middle;
          }
          i++;
          break;
        case State.DotCr:
          if (byte === LF) {
            this.state = State.LineStart;
            this.finished = true;
            return { content, done: true, rest: chunk.subarray(i + 1) };
          }
          // "." CR followed by something else is not a terminator: the CR was content.
          content.push(HELD_CR);
          segmentStart = i;
          this.state = State.Cr;
          break;
        case State.Middle: {
          const next = chunk.indexOf(CR, i);
          if (next === -1) {
            i = chunk.length;
          } else {
            i = next + 1;
            this.state = State.Cr;
          }
          break;
        }
        case State.Cr:
          this.state = byte === LF ? State.LineStart : byte === CR ? State.Cr : State.Middle;
          i++;
          break;
      }
    }
    emit(chunk.length);
    return { content, done: false, rest: EMPTY };
  }
}
