import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ResponseScanner, statusOf, tagOf } from './response-scanner.js';
import { MAX_RESPONSE_BYTES, WireLimitError } from './wire-limits.js';

/**
 * Commands the client may send while speculative answers wait, because
 * they neither depend on nor change the selected mailbox.
 */
const NEUTRAL = new Set(['CAPABILITY', 'ID', 'NAMESPACE']);
const LOGIN_LINE = /^(\S+) LOGIN /i;
/** A synchronizing literal: the server must answer "+" before the rest may be sent (RFC 9051 §7.5). */
const SYNC_LITERAL = /\{\d+\}\r\n$/;

/** Writes whose start `sinceMark` keeps; a request that writes more is never run again elsewhere. */
const MARKED_WRITES = 16;
const RECEIVED_HEAD_BYTES = 512;

/** The first-reply timer of a kept connection (see `mark`). */
interface ReplyWatch {
  ms: number;
  /** Writes not yet handed to the kernel. */
  pending: number;
  timer: NodeJS.Timeout | null;
}

interface Speculation {
  ourTag: string;
  /** The command after its tag, CRLF included. */
  text: string;
  /** The tag the client gave the same command once it sent it; null until then. */
  theirTag: string | null;
  held: Buffer[];
  discard: boolean;
}

/**
 * The socket under imapflow that pipelines the commands a session will send
 * right after LOGIN (RFC 9051 §5.5) into LOGIN's own flight. imapflow keeps
 * one command in flight, so when it later sends the same command, the socket
 * swallows it and hands over the answer the server already gave, under
 * imapflow's tag. Everything else passes through untouched; once the
 * speculative answers are delivered, bytes are no longer inspected.
 *
 * Safety: LOGIN with a synchronizing literal is never pipelined; a command
 * after a failed LOGIN is answered NO/BAD by the server and its answer is
 * dropped; if the client sends anything but the predicted command (or a
 * NEUTRAL one), the remaining predictions' answers are dropped, so the client
 * only ever sees answers to what it sent.
 */
export class PipeliningSocket extends Duplex {
  readonly #inner: Socket | TLSSocket;
  readonly #plan: () => string[];
  readonly #scanner = new ResponseScanner();
  #mode: 'armed' | 'pipelined' | 'through' = 'armed';
  #readsThrough = false;
  #writesThrough = false;
  #pendingWrite: Buffer = Buffer.alloc(0);
  #loginTag = '';
  #specs: Speculation[] = [];
  /** Which command the server is answering: -1 LOGIN, then an index into #specs. */
  #answering = -1;
  #receivedSinceMark = 0;
  #firstWriteSinceMark: string | null = null;
  /** The start of each write since `mark()`; null once there were more than MARKED_WRITES. */
  #writesSinceMark: string[] | null = [];
  /** The first bytes the server sent since `mark()`. */
  #receivedHeadSinceMark = '';
  #replyWatch: ReplyWatch | null = null;
  /** Bytes of pipelined answers held for commands the client has not sent yet. */
  #heldBytes = 0;

  /** @param plan the commands (untagged, no CRLF) to send with LOGIN; asked when LOGIN is written. */
  constructor(inner: Socket | TLSSocket, plan: () => string[]) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    this.#plan = plan;
    inner.on('data', (chunk: Buffer) => this.#fromServer(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
    inner.on('timeout', () => this.emit('timeout'));
  }

  get remoteAddress() {
    return this.#inner.remoteAddress;
  }
  get remotePort() {
    return this.#inner.remotePort;
  }
  get localAddress() {
    return this.#inner.localAddress;
  }
  get localPort() {
    return this.#inner.localPort;
  }
  get authorized(): boolean | undefined {
    return (this.#inner as TLSSocket).authorized;
  }
  getCipher() {
    const inner = this.#inner as TLSSocket;
    return typeof inner.getCipher === 'function' ? inner.getCipher() : null;
  }
  setTimeout(ms: number): this {
    this.#inner.setTimeout(ms);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#inner.setKeepAlive(enable, initialDelay);
    return this;
  }

  /** True once no pipelined answer is pending or held: only then may another request use the connection. */
  get settled(): boolean {
    return this.#mode === 'through';
  }

  /** Resolves once the underlying TCP socket has closed, not merely been asked to. */
  fullyClosed(): Promise<void> {
    if (this.#inner.closed) return Promise.resolve();
    return new Promise((resolve) => this.#inner.once('close', () => resolve()));
  }

  /**
   * Starts counting anew, when the connection is handed to another request.
   * With `replyWithinMs`, the server must send a byte within that time once
   * everything written since has left the process (an upload in progress is
   * never timed), else the socket is destroyed: a kept connection whose peer
   * vanished without closing TCP fails fast instead of at the request deadline.
   */
  mark(replyWithinMs = 0): void {
    this.#receivedSinceMark = 0;
    this.#firstWriteSinceMark = null;
    this.#writesSinceMark = [];
    this.#receivedHeadSinceMark = '';
    this.#stopReplyWatch();
    if (replyWithinMs > 0) this.#replyWatch = { ms: replyWithinMs, pending: 0, timer: null };
  }

  /**
   * Since `mark()`: bytes from the server and their first ones, the start of
   * the first write (a command line) and of every write (null when too many).
   */
  get sinceMark(): {
    received: number;
    receivedHead: string;
    firstWrite: string | null;
    writes: readonly string[] | null;
  } {
    return {
      received: this.#receivedSinceMark,
      receivedHead: this.#receivedHeadSinceMark,
      firstWrite: this.#firstWriteSinceMark,
      writes: this.#writesSinceMark,
    };
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, written: (error?: Error | null) => void): void {
    this.#firstWriteSinceMark ??= chunk.subarray(0, 64).toString('latin1');
    const done = this.#noteWrite(chunk, written);
    if (this.#mode === 'through' || this.#writesThrough) {
      this.#inner.write(chunk, done);
      return;
    }
    this.#pendingWrite = Buffer.concat([this.#pendingWrite, chunk]);
    const out: Buffer[] = [];
    for (let end = this.#pendingWrite.indexOf('\r\n'); end !== -1; end = this.#pendingWrite.indexOf('\r\n')) {
      const line = this.#pendingWrite.subarray(0, end + 2);
      this.#pendingWrite = this.#pendingWrite.subarray(end + 2);
      out.push(...this.#fromClient(line));
      if (this.#passesWrites()) {
        out.push(this.#pendingWrite);
        this.#pendingWrite = Buffer.alloc(0);
        break;
      }
    }
    const data = Buffer.concat(out);
    if (data.length === 0) done();
    else this.#inner.write(data, done);
  }

  #passesWrites(): boolean {
    return this.#mode === 'through' || this.#writesThrough;
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#inner.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#stopReplyWatch();
    this.#inner.destroy();
    done(error);
  }

  /** One complete command line from imapflow; returns what to send to the server. */
  #fromClient(line: Buffer): Buffer[] {
    const text = line.toString('latin1');
    if (this.#mode === 'armed') {
      const login = LOGIN_LINE.exec(text);
      if (!login) return [line];
      const commands = SYNC_LITERAL.test(text) ? [] : this.#plan();
      if (commands.length === 0) {
        this.#goThrough();
        return [line];
      }
      this.#loginTag = login[1]!;
      this.#specs = commands.map((command, i) => ({
        ourTag: `mgp${i + 1}`,
        text: `${command}\r\n`,
        theirTag: null,
        held: [],
        discard: false,
      }));
      this.#mode = 'pipelined';
      return [line, ...this.#specs.map((spec) => Buffer.from(`${spec.ourTag} ${spec.text}`, 'latin1'))];
    }
    const tag = tagOf(line);
    const rest = text.slice(tag.length + 1);
    const next = this.#specs.find((spec) => spec.theirTag === null && !spec.discard);
    if (next && rest === next.text) {
      next.theirTag = tag;
      for (const response of next.held.splice(0)) {
        this.#heldBytes -= response.length;
        this.push(this.#retag(next, response));
      }
      this.#afterAnswers();
      return [];
    }
    if (!next || !NEUTRAL.has((rest.split(' ', 1)[0] ?? '').replace('\r\n', '').toUpperCase())) {
      this.#dropUnclaimed();
      this.#writesThrough = true;
      this.#afterAnswers();
    }
    return [line];
  }

  #fromServer(chunk: Buffer): void {
    this.#noteReceived(chunk);
    if (this.#readsThrough) {
      if (!this.push(chunk)) this.#inner.pause();
      return;
    }
    let responses: Buffer[];
    try {
      responses = this.#scanner.push(chunk);
    } catch (error) {
      // Over a wire limit: nothing more of this server is read, and imapflow learns why.
      this.destroy(error as Error);
      return;
    }
    for (const response of responses) {
      if (this.destroyed) return;
      this.#route(response);
    }
    this.#afterAnswers();
    // The client reads slower than the server sends: stop reading until it asks (_read).
    if (!this.destroyed && this.readableLength >= this.readableHighWaterMark) this.#inner.pause();
  }

  #route(response: Buffer): void {
    if (this.#mode !== 'pipelined' || this.#answering === -1) {
      this.push(response);
      if (this.#mode === 'pipelined' && tagOf(response) === this.#loginTag) {
        // After a refused LOGIN the server answered the rest as unauthenticated: nobody may see that.
        if (statusOf(response) !== 'OK') this.#dropUnclaimed();
        this.#answering = 0;
      }
      return;
    }
    // Every pipelined answer is complete: what follows answers commands imapflow sent itself
    // (CAPABILITY or ID after LOGIN), so it passes straight through.
    if (this.#answering >= this.#specs.length) {
      this.push(response);
      return;
    }
    // A tagged completion of someone else's command (RFC 9051 §5.5 lets a server answer
    // CAPABILITY alongside our EXAMINE) is not ours to hold.
    const tag = tagOf(response);
    if (tag !== '*' && tag !== '+' && !this.#specs.some((candidate) => candidate.ourTag === tag)) {
      this.push(response);
      return;
    }
    const spec = this.#specs[this.#answering]!;
    if (!spec.discard) {
      if (spec.theirTag !== null) this.push(this.#retag(spec, response));
      else this.#hold(spec, response);
    }
    if (tagOf(response) === spec.ourTag) this.#answering += 1;
  }

  /** Keeps an answer until the client sends its command; together they stay within one response's limit. */
  #hold(spec: Speculation, response: Buffer): void {
    this.#heldBytes += response.length;
    if (this.#heldBytes > MAX_RESPONSE_BYTES) {
      this.destroy(new WireLimitError('ResponseTooLarge', 'held IMAP answers over the response limit'));
      return;
    }
    spec.held.push(response);
  }

  /** Stops inspecting once every pipelined answer is delivered or dropped. */
  #afterAnswers(): void {
    if (this.#mode !== 'pipelined' || this.#answering < this.#specs.length) return;
    if (this.#specs.some((spec) => spec.held.length > 0)) return;
    this.#goThrough();
  }

  #goThrough(): void {
    this.#mode = 'through';
    this.#readsThrough = true;
    const rest = this.#scanner.drain();
    if (rest.length > 0) this.push(rest);
  }

  #dropUnclaimed(): void {
    for (const spec of this.#specs) {
      if (spec.theirTag !== null) continue;
      spec.discard = true;
      for (const response of spec.held) this.#heldBytes -= response.length;
      spec.held = [];
    }
  }

  /** Records a write since `mark()`; returns its completion, which arms the reply watch once all has left. */
  #noteWrite(chunk: Buffer, done: (error?: Error | null) => void): (error?: Error | null) => void {
    const writes = this.#writesSinceMark;
    if (writes !== null) {
      if (writes.length < MARKED_WRITES) writes.push(chunk.subarray(0, 64).toString('latin1'));
      else this.#writesSinceMark = null;
    }
    const watch = this.#replyWatch;
    if (!watch) return done;
    watch.pending += 1;
    if (watch.timer) clearTimeout(watch.timer);
    watch.timer = null;
    return (error) => {
      watch.pending -= 1;
      if (this.#replyWatch === watch && watch.pending === 0 && !error) {
        watch.timer = setTimeout(() => {
          if (this.#replyWatch !== watch) return;
          const silent = new Error(`no reply within ${watch.ms} ms on a kept connection`);
          Object.assign(silent, { code: 'EConnectionClosed' });
          this.destroy(silent);
        }, watch.ms);
        watch.timer.unref();
      }
      done(error);
    };
  }

  #noteReceived(chunk: Buffer): void {
    this.#receivedSinceMark += chunk.length;
    const room = RECEIVED_HEAD_BYTES - this.#receivedHeadSinceMark.length;
    if (room > 0) this.#receivedHeadSinceMark += chunk.subarray(0, room).toString('latin1');
    this.#stopReplyWatch();
  }

  #stopReplyWatch(): void {
    if (this.#replyWatch?.timer) clearTimeout(this.#replyWatch.timer);
    this.#replyWatch = null;
  }

  #retag(spec: Speculation, response: Buffer): Buffer {
    if (spec.theirTag === null || tagOf(response) !== spec.ourTag) return response;
    return Buffer.concat([Buffer.from(spec.theirTag, 'latin1'), response.subarray(spec.ourTag.length)]);
  }
}
