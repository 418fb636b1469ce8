import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  initialLoginPipeline,
  inspectsWrites,
  type LoginPipelineEvent,
  type LoginPipelineState,
  stepLoginPipeline,
} from './login-pipeline.js';
import { ResponseScanner, tagOf } from './response-scanner.js';
import { SectionTap, type SectionTapRequest } from './section-tap.js';

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

/**
 * The socket under imapflow that pipelines the commands a session will send
 * right after LOGIN (RFC 9051 §5.5) into LOGIN's own flight. imapflow keeps
 * one command in flight, so when it later sends the same command, the socket
 * swallows it and hands over the answer the server already gave, under
 * imapflow's tag. What to send, hold, deliver or drop is decided by the pure
 * state machine in login-pipeline.ts; this class only frames bytes into
 * command lines and whole responses (ResponseScanner), feeds them to it and
 * carries out its actions. Once the pipelined answers are delivered, bytes
 * are no longer inspected (downloads are not scanned).
 *
 * It also keeps what connection reuse needs to know (see `mark`).
 */
export class PipeliningSocket extends Duplex {
  readonly #inner: Socket | TLSSocket;
  readonly #scanner = new ResponseScanner();
  #pipeline: LoginPipelineState = initialLoginPipeline();
  /** Server bytes pass unread: the pipeline is through and the scanner drained. */
  #readsThrough = false;
  /** The start of a command line imapflow has not finished writing. */
  #pendingWrite: Buffer = Buffer.alloc(0);
  #receivedSinceMark = 0;
  #firstWriteSinceMark: string | null = null;
  /** The start of each write since `mark()`; null once there were more than MARKED_WRITES. */
  #writesSinceMark: string[] | null = [];
  /** The first bytes the server sent since `mark()`. */
  #receivedHeadSinceMark = '';
  #replyWatch: ReplyWatch | null = null;
  /** A section streamed off the socket (see `fetchAlong`); null when none is armed or in flight. */
  #tap: SectionTap | null = null;
  /** Reading stopped because the tap's reader holds enough; only its drain resumes it. */
  #tapHeld = false;

  constructor(inner: Socket | TLSSocket) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
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

  /**
   * The commands (untagged, no CRLF) to send in LOGIN's flight, handed down
   * before imapflow writes LOGIN; heeded only until then. Lines built with
   * imapflow's compiler, so they match what it will write byte for byte.
   */
  pipelineWithLogin(lines: readonly string[]): void {
    this.#step({ type: 'planned', lines });
  }

  /**
   * On a kept connection with nothing in flight: the commands (untagged, no
   * CRLF) to send in the flight of the next command imapflow writes, when
   * that command is exactly `trigger` (a SELECT/EXAMINE line built with
   * imapflow's compiler); otherwise nothing is pipelined. Their answers are
   * held and handed over as after LOGIN; a trigger answered other than OK
   * drops them. Ignored unless every earlier pipelined answer was delivered.
   */
  pipelineAfter(trigger: string, lines: readonly string[]): void {
    if (this.#pipeline.phase !== 'through' || this.#pendingWrite.length > 0 || this.#tap) return;
    this.#step({ type: 'plannedAfter', trigger, lines });
    // The server's bytes are scanned again, from a response boundary: nothing was in flight.
    if (this.#pipeline.phase !== 'through') this.#readsThrough = false;
  }

  /**
   * True once no pipelined answer is pending or held and no tapped section
   * is armed or in flight: only then may another request use the connection
   * (a download that ended early leaves its literal on the wire).
   */
  get settled(): boolean {
    return this.#pipeline.phase === 'through' && this.#tap === null;
  }

  /**
   * With nothing in flight: sends `request`'s partial FETCH in the flight of
   * the next `UID FETCH` imapflow writes, and streams its literal to the
   * returned tap's body, read as the reader takes it (see section-tap.ts).
   * Null when the connection cannot (login pipeline not through, a tap
   * already armed, destroyed). Until the tap's completion is read the
   * connection is not `settled`.
   */
  fetchAlong(request: SectionTapRequest): SectionTap | null {
    if (!this.settled || !this.#readsThrough || this.#pendingWrite.length > 0 || this.destroyed) return null;
    const tap = new SectionTap(request, () => {
      if (this.#tap !== tap && !this.#tapHeld) return;
      this.#tapHeld = false;
      if (!this.destroyed) this.#inner.resume();
    });
    this.#tap = tap;
    return tap;
  }

  /** Forgets `tap` while it is still armed (imapflow wrote no FETCH): nothing of it went out. */
  dropTap(tap: SectionTap): void {
    if (this.#tap === tap && tap.armed) this.#tap = null;
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
    if (!this.#tapHeld) this.#inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, written: (error?: Error | null) => void): void {
    this.#firstWriteSinceMark ??= chunk.subarray(0, 64).toString('latin1');
    const done = this.#noteWrite(chunk, written);
    if (!inspectsWrites(this.#pipeline)) {
      const tap = this.#tap;
      if (tap?.armed && isFetchLine(chunk)) {
        // From here the tap frames what the server sends, from a response boundary: nothing else was in flight.
        tap.lead(tagOf(chunk));
        this.#readsThrough = false;
        this.#inner.write(Buffer.concat([chunk, tap.line]), done);
        return;
      }
      this.#inner.write(chunk, done);
      return;
    }
    this.#pendingWrite = Buffer.concat([this.#pendingWrite, chunk]);
    const out: Buffer[] = [];
    for (let end = this.#pendingWrite.indexOf('\r\n'); end !== -1; end = this.#pendingWrite.indexOf('\r\n')) {
      const line = this.#pendingWrite.subarray(0, end + 2);
      this.#pendingWrite = this.#pendingWrite.subarray(end + 2);
      out.push(...this.#step({ type: 'clientLine', line }));
      if (this.destroyed) {
        done();
        return;
      }
      if (!inspectsWrites(this.#pipeline)) {
        // What follows may be literal data: it goes as it is.
        out.push(this.#pendingWrite);
        this.#pendingWrite = Buffer.alloc(0);
        break;
      }
    }
    this.#readThroughIfDone();
    const data = Buffer.concat(out);
    if (data.length === 0) done();
    else this.#inner.write(data, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#inner.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#stopReplyWatch();
    this.#tap?.abort(error ?? new Error('the connection closed during the download'));
    this.#inner.destroy();
    done(error);
  }

  #fromServer(chunk: Buffer): void {
    this.#noteReceived(chunk);
    if (this.#tap && !this.#tap.armed) {
      this.#throughTap(this.#tap, chunk);
      return;
    }
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
      this.#step({ type: 'serverResponse', response });
    }
    if (this.destroyed) return;
    // After the responses already scanned: the rest of an incomplete one follows them.
    this.#readThroughIfDone();
    // The client reads slower than the server sends: stop reading until it asks (_read).
    if (this.readableLength >= this.readableHighWaterMark) this.#inner.pause();
  }

  /** Lets the tap take its section out of the server's bytes; passes the rest to imapflow. */
  #throughTap(tap: SectionTap, chunk: Buffer): void {
    let rest: Buffer[];
    try {
      rest = tap.take(chunk);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    for (const bytes of rest) if (bytes.length > 0) this.push(bytes);
    if (tap.done) {
      this.#tap = null;
      this.#tapHeld = false;
      this.#readsThrough = true;
    }
    if (tap.full && !tap.done) {
      this.#tapHeld = true;
      this.#inner.pause();
    } else if (this.readableLength >= this.readableHighWaterMark) this.#inner.pause();
  }

  /** Feeds one event to the pipeline and carries out its actions; returns the bytes to send to the server. */
  #step(event: LoginPipelineEvent): Buffer[] {
    const { state, actions } = stepLoginPipeline(this.#pipeline, event);
    this.#pipeline = state;
    const send: Buffer[] = [];
    for (const action of actions) {
      if (action.type === 'send') send.push(action.bytes);
      else if (action.type === 'deliver') this.push(action.bytes);
      else if (action.type === 'fail') {
        this.destroy(action.error);
        return [];
      }
    }
    return send;
  }

  /** Once the pipeline passes everything through, the scanner's incomplete response goes to the client and reads are no longer scanned. */
  #readThroughIfDone(): void {
    if (this.#readsThrough || this.#pipeline.phase !== 'through') return;
    this.#readsThrough = true;
    const rest = this.#scanner.drain();
    if (rest.length > 0) this.push(rest);
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
}

/** One whole `<tag> UID FETCH …` command line (imapflow writes a command without literals at once). */
function isFetchLine(chunk: Buffer): boolean {
  if (chunk.length < 4 || chunk[chunk.length - 2] !== 0x0d || chunk[chunk.length - 1] !== 0x0a) return false;
  if (chunk.indexOf(0x0a) !== chunk.length - 1) return false;
  return /^\S+ UID FETCH /i.test(chunk.subarray(0, 32).toString('latin1'));
}
