import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { PipeliningSocket } from '../../../lib/imap/wire/pipelining-socket.js';
import { type SectionTap, TAP_HIGH_WATER_BYTES } from '../../../lib/imap/wire/section-tap.js';
import { WireLimitError } from '../../../lib/imap/wire/wire-limits.js';

/**
 * A download's rest streamed off the pipelining socket: its FETCH goes out
 * in the flight of imapflow's, its literal reaches the tap's reader and
 * never imapflow, whatever order the server answers the two in, and a slow
 * reader stops the socket being read (counted in bytes, not timed).
 */

/** The parts of a net.Socket the pipelining socket uses, honouring pause() as TCP would. */
class FakeInner extends EventEmitter {
  readonly sent: Buffer[] = [];
  closed = false;
  destroyed = false;
  paused = false;
  remoteAddress = '127.0.0.1';
  remotePort = 143;
  localAddress = '127.0.0.1';
  localPort = 50_000;
  /** Bytes queued by the server and not yet read by the socket (the kernel's buffers). */
  #queue: Buffer[] = [];
  /** Bytes the socket has read so far. */
  delivered = 0;

  write(chunk: Buffer, done?: (error?: Error | null) => void): boolean {
    this.sent.push(Buffer.from(chunk));
    queueMicrotask(() => done?.());
    return true;
  }
  end(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closed = true;
    queueMicrotask(() => this.emit('close'));
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.#flow();
  }
  setTimeout(): void {}
  setKeepAlive(): void {}

  /** The server sends: read at once unless paused, else kept until resumed. */
  serverSends(...chunks: Array<string | Buffer>): void {
    for (const chunk of chunks)
      this.#queue.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    this.#flow();
  }
  get wire(): string {
    return Buffer.concat(this.sent).toString('latin1');
  }
  #flow(): void {
    while (!this.paused && !this.destroyed && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      this.delivered += chunk.length;
      this.emit('data', chunk);
    }
  }
}

const sockets: PipeliningSocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

const GREETING = '* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n';

/** A socket past LOGIN and EXAMINE (both answered), with what imapflow reads collected. */
async function ready() {
  const inner = new FakeInner();
  const socket = new PipeliningSocket(inner as unknown as Socket);
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const errors: Error[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (error: Error) => errors.push(error));
  const write = (text: string) =>
    new Promise<void>((resolve) => socket.write(Buffer.from(text, 'latin1'), () => resolve()));
  inner.serverSends(GREETING);
  socket.pipelineWithLogin([]);
  await write('1 LOGIN "u" "p"\r\n');
  inner.serverSends('1 OK Logged in\r\n');
  await write('2 EXAMINE INBOX\r\n');
  inner.serverSends('* 1 EXISTS\r\n2 OK [READ-ONLY] done\r\n');
  await turn();
  chunks.length = 0;
  inner.sent.length = 0;
  expect(socket.settled).toBe(true);
  return {
    inner,
    socket,
    errors,
    write,
    read: async () => {
      await turn();
      return Buffer.concat(chunks).toString('latin1');
    },
  };
}

const FETCH = '3 UID FETCH 5 (UID BODY.PEEK[2]<0.4>)\r\n';
const LEAD_ANSWER = '* 1 FETCH (UID 5 BODY[2]<0> {4}\r\nabcd)\r\n3 OK done\r\n';

function tapOf(socket: PipeliningSocket): SectionTap {
  const tap = socket.fetchAlong({ tag: 'mg1', uid: 5, section: '2', origin: 4, length: 4_294_967_295 });
  expect(tap).not.toBeNull();
  return tap!;
}

async function bodyOf(tap: SectionTap): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of tap.body) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('latin1');
}

describe('a section streamed off the socket', () => {
  test("goes out in the flight of imapflow's FETCH; its literal reaches the tap, never imapflow", async () => {
    const { inner, socket, write, read } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    expect(inner.wire).toBe(`${FETCH}mg1 UID FETCH 5 (UID BODY.PEEK[2]<4.4294967295>)\r\n`);
    expect(socket.settled).toBe(false);
    const body = bodyOf(tap);
    inner.serverSends(
      LEAD_ANSWER,
      '* 1 FETCH (UID 5 BODY[2]<4> {10}\r\nefgh',
      'ijkl\r\n)\r\n',
      'mg1 OK done\r\n',
    );
    expect(await body).toBe('efghijkl\r\n');
    expect(await read()).toBe(LEAD_ANSWER);
    expect(socket.settled).toBe(true);
    // What follows passes through again.
    await write('4 NOOP\r\n');
    inner.serverSends('4 OK noop\r\n');
    expect(await read()).toBe(`${LEAD_ANSWER}4 OK noop\r\n`);
  });

  test('answers interleaved by a server running both FETCHes at once are told apart by origin', async () => {
    const { inner, socket, write, read } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    const body = bodyOf(tap);
    inner.serverSends(
      '* 1 FETCH (UID 5 BODY[2]<4> {3}\r\nxyz)\r\n',
      '* 1 EXISTS\r\n',
      LEAD_ANSWER,
      'mg1 OK done\r\n',
    );
    expect(await body).toBe('xyz');
    expect(await read()).toBe(`* 1 EXISTS\r\n${LEAD_ANSWER}`);
    expect(socket.settled).toBe(true);
  });

  test("Dovecot's order (the rest's literal before the first window's completion): imapflow is answered at once, the reader sets the pace", async () => {
    const { inner, socket, write, read } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    const size = 4 * TAP_HIGH_WATER_BYTES;
    inner.serverSends(
      '* 1 FETCH (UID 5 BODY[2]<0> {4}\r\nabcd)\r\n',
      `* 1 FETCH (UID 5 BODY[2]<4> {${size}}\r\n`,
      Buffer.alloc(size, 0x62),
      ')\r\n3 OK Fetch completed\r\nmg1 OK Fetch completed\r\n',
    );
    // imapflow has its whole answer before anyone read the rest (it would otherwise wait behind it).
    expect(await read()).toBe('* 1 FETCH (UID 5 BODY[2]<0> {4}\r\nabcd)\r\n3 OK Fetch completed\r\n');
    expect(socket.settled).toBe(false);
    expect((await bodyOf(tap)).length).toBe(size);
    // The server's own completion of the first FETCH was swallowed, not handed over twice.
    expect(await read()).toBe('* 1 FETCH (UID 5 BODY[2]<0> {4}\r\nabcd)\r\n3 OK Fetch completed\r\n');
    expect(socket.settled).toBe(true);
  });

  test('NIL (expunged meanwhile) fails the body; a NO fails it too', async () => {
    for (const [answer, error] of [
      ['* 1 FETCH (UID 5 BODY[2]<4> NIL)\r\nmg1 OK done\r\n', 'SectionGoneError'],
      ['mg1 NO gone\r\n', 'Error'],
    ] as const) {
      const { inner, socket, write } = await ready();
      const tap = tapOf(socket);
      await write(FETCH);
      inner.serverSends(LEAD_ANSWER, answer);
      await expect(bodyOf(tap)).rejects.toMatchObject({ name: error });
      expect(socket.settled).toBe(true);
    }
  });

  test('an empty rest (the first window was all) ends the body at once', async () => {
    const { inner, socket, write } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    inner.serverSends(LEAD_ANSWER, '* 1 FETCH (UID 5 BODY[2]<4> "")\r\nmg1 OK done\r\n');
    expect(await bodyOf(tap)).toBe('');
  });

  test('a line of the server over the limit destroys the socket with a wire error', async () => {
    const { inner, socket, write, errors } = await ready();
    tapOf(socket);
    await write(FETCH);
    inner.serverSends(LEAD_ANSWER, Buffer.alloc(9 * 1024 * 1024, 0x61));
    await turn();
    expect(socket.destroyed).toBe(true);
    expect(errors[0]).toBeInstanceOf(WireLimitError);
  });

  test('the connection closing mid-literal fails the body and the socket is never settled', async () => {
    const { inner, socket, write } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    const body = bodyOf(tap);
    inner.serverSends(LEAD_ANSWER, '* 1 FETCH (UID 5 BODY[2]<4> {100}\r\nonly part');
    expect(socket.settled).toBe(false);
    socket.destroy();
    await expect(body).rejects.toThrow();
  });

  test('a slow reader: 5 MB sent, the socket reads at most the high-water mark and a chunk ahead of it', async () => {
    const { inner, socket, write } = await ready();
    const tap = tapOf(socket);
    await write(FETCH);
    const size = 5 * 1024 * 1024;
    const chunk = 64 * 1024;
    const source = Buffer.alloc(size);
    for (let i = 0; i < size; i++) source[i] = (i * 31) & 0xff;
    inner.serverSends(LEAD_ANSWER, `* 1 FETCH (UID 5 BODY[2]<4> {${size}}\r\n`);
    const before = inner.delivered;
    // The whole literal is "in the kernel" at once: only the socket's reading decides what the process holds.
    for (let at = 0; at < size; at += chunk) inner.serverSends(source.subarray(at, at + chunk));
    inner.serverSends(')\r\nmg1 OK done\r\n');
    const parts: Buffer[] = [];
    let consumed = 0;
    let largestAhead = 0;
    for await (const piece of tap.body) {
      parts.push(piece as Buffer);
      consumed += (piece as Buffer).length;
      // Checkpoint after each piece taken: the reader is slower than the server, which has sent everything.
      await turn();
      largestAhead = Math.max(largestAhead, inner.delivered - before - consumed);
    }
    expect(Buffer.concat(parts).equals(source)).toBe(true);
    expect(largestAhead).toBeLessThanOrEqual(TAP_HIGH_WATER_BYTES + 2 * chunk);
    expect(largestAhead).toBeGreaterThan(0);
  });
});
