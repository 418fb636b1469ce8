import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Deadline } from './deadline.js';
import { Pop3Error, type Pop3Phase } from './pop3-error.js';
import {
  type ConnectionOptions,
  createEntry,
  type Entry,
  HeaderScan,
  type Pop3Reply,
  type Pop3Request,
} from './request.js';
import { ResponseReader } from './response-reader.js';
import { parsePop3Status } from './status-line.js';

export type { ByteBudget, ConnectionOptions, Pop3Reply, Pop3Request } from './request.js';

/**
 * One POP3 session's byte pipe: writes commands, matches responses to them in
 * order, and enforces the deadlines. Any failure (deadline, abort, socket
 * loss, malformed response) destroys the socket and rejects every waiter, so
 * no caller can hang on a dead session.
 */
export class Pop3Connection {
  private socket: Socket;
  private readonly options: ConnectionOptions;
  private readonly reader: ResponseReader;
  private readonly queue: Entry[] = [];
  private readonly deadline = new Deadline();
  private readonly onAbort = () => this.abort();
  private pausedForConsumer = false;
  private failure: Error | null = null;
  /** RFC 2449 §6.6: write commands without waiting for earlier responses. */
  pipelining = false;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.reader = new ResponseReader({
      onStatus: (line) => this.onStatus(line),
      onBody: (chunk) => this.onBody(chunk),
      onBodyEnd: () => this.onBodyEnd(),
    });
    this.attach(socket);
    if (options.signal?.aborted) queueMicrotask(this.onAbort);
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Sends one command (or awaits the greeting) and resolves with its response. -ERR rejects. */
  send(request: Pop3Request): Promise<Pop3Reply> {
    const [promise] = this.sendAll([request]);
    return promise!;
  }

  /** Queues commands; with pipelining they leave in one socket write. Results are in order. */
  sendAll(requests: Pop3Request[]): Promise<Pop3Reply>[] {
    const promises = requests.map(
      (request) =>
        new Promise<Pop3Reply>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          // A CR or LF in an argument would smuggle in a second command.
          if (request.line !== null && /[\r\n\0]/.test(request.line)) {
            return reject(
              new Pop3Error('protocol', 'line break in a POP3 argument', { phase: request.phase }),
            );
          }
          this.queue.push(createEntry(request, resolve, reject));
        }),
    );
    this.flush();
    return promises;
  }

  /** Swaps in a new socket (STLS). Only valid while nothing is outstanding. */
  replaceSocket(wrap: (plain: Socket) => Socket): Socket {
    if (this.queue.length > 0 || !this.reader.idle) {
      throw new Pop3Error('protocol', 'cannot switch sockets mid-response', { phase: 'tls' });
    }
    this.detach(this.socket);
    this.socket = wrap(this.socket);
    this.attach(this.socket);
    return this.socket;
  }

  /** Destroys the socket; pending commands reject with `error` (or a "closed" error). */
  destroy(error?: Error): void {
    if (this.failure) return;
    this.failure = error ?? new Pop3Error('closed', 'POP3 connection closed', { phase: 'transaction' });
    this.deadline.clear();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.reader.stop();
    for (const entry of this.queue.splice(0)) {
      if (entry.stream) entry.stream.destroy(this.options.mapStreamError?.(this.failure) ?? this.failure);
      else entry.reject(this.failure);
    }
    this.socket.destroy();
  }

  private abort(): void {
    this.destroy(new Pop3Error('aborted', 'POP3 session aborted', { phase: this.phase() }));
  }

  private phase(): Pop3Phase {
    return this.queue[0]?.request.phase ?? 'transaction';
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
    socket.on('end', this.onClose);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onSocketError);
    socket.off('close', this.onClose);
    socket.off('end', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.pausedForConsumer === false && this.queue[0]?.stream) this.armTimer();
    try {
      this.reader.push(chunk);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private readonly onSocketError = (error: Error): void => {
    this.destroy(new Pop3Error('closed', 'POP3 socket error', { phase: this.phase(), cause: error }));
  };

  private readonly onClose = (): void => {
    this.destroy(new Pop3Error('closed', 'POP3 server closed the connection', { phase: this.phase() }));
  };

  private flush(): void {
    if (this.failure) return;
    const lines: string[] = [];
    for (const [index, entry] of this.queue.entries()) {
      if (entry.written) continue;
      if (index > 0 && !this.pipelining) break;
      entry.written = true;
      if (entry.request.line !== null) lines.push(`${entry.request.line}\r\n`);
    }
    if (lines.length > 0) this.socket.write(lines.join(''), 'utf8');
    if (!this.deadline.armed && !this.pausedForConsumer && this.queue[0]?.written) this.armTimer();
  }

  private armTimer(): void {
    const head = this.queue[0];
    if (!head) {
      this.deadline.clear();
      return;
    }
    const { verb, phase, timeoutMs } = head.request;
    this.deadline.arm(timeoutMs ?? this.options.commandTimeoutMs, () =>
      this.destroy(new Pop3Error('timeout', `POP3 ${verb} timed out`, { phase, command: verb })),
    );
  }

  private onStatus(line: Buffer): boolean {
    const head = this.queue[0];
    const status = parsePop3Status(line);
    if (!head?.written || status === null) {
      this.destroy(new Pop3Error('protocol', 'unexpected POP3 response', { phase: this.phase() }));
      return false;
    }
    const { request } = head;
    if (status.kind === 'continue') {
      if (!request.onContinue) {
        this.destroy(new Pop3Error('protocol', 'unexpected continuation', { phase: request.phase }));
      } else {
        this.socket.write(`${request.onContinue(status.text)}\r\n`, 'utf8');
      }
      return false;
    }
    if (status.kind === 'err') {
      this.complete();
      head.reject(
        new Pop3Error('rejected', `POP3 ${request.verb} refused`, {
          phase: request.phase,
          command: request.verb,
          responseCode: status.code,
          responseText: status.text,
        }),
      );
      return false;
    }
    head.status = status;
    if (!request.multiline) {
      this.complete();
      head.resolve({ status, body: null, stream: null });
      return false;
    }
    if (request.stream) {
      head.stream = new Readable({ read: () => this.resumeForConsumer() });
      head.stream.on('close', () => this.resumeForConsumer());
      // Failures reach consumers through read/iteration; an unheard 'error' event must not crash the process.
      head.stream.on('error', () => {});
      head.resolve({ status, body: null, stream: head.stream });
      this.armTimer();
    }
    return true;
  }

  private onBody(chunk: Buffer): void {
    const head = this.queue[0]!;
    if (head.stream) {
      // A consumer that gave up is drained so the session stays usable.
      if (head.stream.destroyed) return;
      if (!head.stream.push(chunk)) this.pauseForConsumer();
      return;
    }
    if (head.request.keepBodyBytes !== undefined) {
      this.onMessageBody(head, chunk);
      return;
    }
    this.keep(head, chunk, true);
  }

  /**
   * A message's bytes (TOP n k): the header block is capped as any buffered
   * body is; of the body after it, only the first `keepBodyBytes` are kept and
   * counted, the rest is dropped as it arrives.
   */
  private onMessageBody(head: Entry, chunk: Buffer): void {
    const { message, request } = head;
    let body = chunk;
    if (message.scan !== HeaderScan.Body) {
      const end = scanHeaderEnd(message, chunk);
      if (!this.keep(head, end === -1 ? chunk : chunk.subarray(0, end), true)) return;
      if (end === -1) return;
      body = chunk.subarray(end);
    }
    const room = request.keepBodyBytes! - message.bodyKept;
    if (room <= 0 || body.length === 0) return;
    // A copy: a kept slice would hold on to the whole chunk it came from.
    const kept = Buffer.from(body.subarray(0, room));
    message.bodyKept += kept.length;
    this.keep(head, kept, false);
  }

  /**
   * Buffers `bytes` of the head's answer and counts them against its batch
   * budget and (`capped`) its own limit. Past either, nothing more of this
   * answer is read: the session ends, whatever is still coming.
   */
  private keep(head: Entry, bytes: Buffer, capped: boolean): boolean {
    const { request } = head;
    head.size += bytes.length;
    if (request.budget) request.budget.remaining -= bytes.length;
    if (
      (capped && head.size > (request.maxBytes ?? this.options.maxResponseBytes)) ||
      (request.budget?.remaining ?? 0) < 0
    ) {
      this.destroy(
        new Pop3Error('too_large', `POP3 ${request.verb} answer over its limit`, {
          phase: request.phase,
          command: request.verb,
        }),
      );
      return false;
    }
    if (bytes.length > 0) head.chunks.push(bytes);
    return true;
  }

  private onBodyEnd(): void {
    const head = this.queue[0]!;
    this.complete();
    if (head.stream) {
      if (!head.stream.destroyed) head.stream.push(null);
      return;
    }
    head.resolve({ status: head.status!, body: Buffer.concat(head.chunks, head.size), stream: null });
  }

  /** The head's response is complete: move on to the next one. */
  private complete(): void {
    this.deadline.clear();
    this.queue.shift();
    this.resumeForConsumer();
    this.flush();
  }

  private pauseForConsumer(): void {
    this.pausedForConsumer = true;
    // A slow reader is not a slow server: the silence deadline waits too.
    this.deadline.clear();
    this.socket.pause();
  }

  private resumeForConsumer(): void {
    if (!this.pausedForConsumer || this.failure) return;
    this.pausedForConsumer = false;
    this.socket.resume();
    if (this.queue[0]?.written) this.armTimer();
  }
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Advances the search for the empty line that ends a message's header
 * (CRLF or a bare LF, as the MIME parser reads it) through `chunk`. Returns
 * the offset just past that line, or -1 when the header goes on.
 */
function scanHeaderEnd(message: Entry['message'], chunk: Buffer): number {
  let scan = message.scan;
  for (let i = 0; i < chunk.length; i++) {
    if (scan === HeaderScan.Middle) {
      i = chunk.indexOf(LF, i);
      if (i === -1) break;
      scan = HeaderScan.LineStart;
      continue;
    }
    const byte = chunk[i]!;
    if (byte === LF) {
      message.scan = HeaderScan.Body;
      return i + 1;
    } else {
      scan = scan === HeaderScan.LineStart && byte === CR ? HeaderScan.LineStartCr : HeaderScan.Middle;
    }
  }
  message.scan = scan;
  return -1;
}
