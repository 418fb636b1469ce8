import { DotUnstuffer } from './dot-unstuffer.js';
import { Pop3Error } from './pop3-error.js';

const LF = 0x0a;
const CR = 0x0d;

/** Receives the parts of each response, in order. */
export interface ResponseHandler {
  /** One status line without its CRLF. Returns true when a multi-line body follows it. */
  onStatus(line: Buffer): boolean;
  /** A slice of the current body, already dot-unstuffed. */
  onBody(chunk: Buffer): void;
  /** The terminating "." line of the current body was read. */
  onBodyEnd(): void;
}

/**
 * Splits the byte stream from the server into status lines and dot-unstuffed
 * bodies. Socket-free so it can be fed any chunking in tests. Only status
 * lines are ever accumulated; body bytes pass straight through.
 */
export class ResponseReader {
  private readonly handler: ResponseHandler;
  private readonly maxLineBytes: number;
  private partial: Buffer[] = [];
  private partialLength = 0;
  private body: DotUnstuffer | null = null;
  private stopped = false;

  constructor(handler: ResponseHandler, options: { maxLineBytes?: number } = {}) {
    this.handler = handler;
    // RFC 2449 §4 caps responses at 512 octets; real servers exceed it a little.
    this.maxLineBytes = options.maxLineBytes ?? 8192;
  }

  /** Ignores everything pushed from now on (the connection is gone). */
  stop(): void {
    this.stopped = true;
    this.partial = [];
    this.body = null;
  }

  /** True when no partial status line or body is outstanding. */
  get idle(): boolean {
    return this.body === null && this.partialLength === 0;
  }

  /** @throws Pop3Error (protocol) when a status line exceeds the limit. */
  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && !this.stopped) {
      if (this.body) {
        const result = this.body.push(data);
        // One delivery per chunk: a body full of stuffed dots would otherwise become thousands of tiny pieces.
        const { content } = result;
        if (content.length > 0)
          this.handler.onBody(content.length === 1 ? content[0]! : Buffer.concat(content));
        if (this.stopped) return;
        if (!result.done) return;
        this.body = null;
        this.handler.onBodyEnd();
        data = result.rest;
        continue;
      }
      const lf = data.indexOf(LF);
      if (lf === -1) {
        this.keepPartial(data);
        return;
      }
      let line = data.subarray(0, lf);
      if (this.partialLength > 0) {
        line = Buffer.concat([...this.partial, line]);
        this.partial = [];
        this.partialLength = 0;
      }
      data = data.subarray(lf + 1);
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
      if (line.length > this.maxLineBytes) throw lineTooLong();
      if (this.handler.onStatus(line) && !this.stopped) this.body = new DotUnstuffer();
    }
  }

  private keepPartial(data: Buffer): void {
    this.partialLength += data.length;
    if (this.partialLength > this.maxLineBytes) throw lineTooLong();
    // Copy: the partial line outlives this chunk.
    this.partial.push(Buffer.from(data));
  }
}

function lineTooLong(): Pop3Error {
  return new Pop3Error('protocol', 'POP3 status line too long', { phase: 'transaction' });
}
