import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { PipeliningSocket } from '../../../lib/imap/wire/pipelining-socket.js';

/**
 * The pipelining socket between imapflow (its readable/writable side) and a
 * stand-in TCP socket: bytes framed into lines and responses however they are
 * split, answers to imapflow's own commands passed through, failures reported
 * as 'error' events (never thrown: the last bug here crashed the process),
 * and what connection reuse reads from it.
 */

/** The parts of a net.Socket the pipelining socket uses; `serverSends` plays the server. */
class FakeInner extends EventEmitter {
  readonly sent: Buffer[] = [];
  closed = false;
  destroyed = false;
  paused = false;
  remoteAddress = '127.0.0.1';
  remotePort = 143;
  localAddress = '127.0.0.1';
  localPort = 50_000;

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
  }
  setTimeout(): void {}
  setKeepAlive(): void {}

  serverSends(...chunks: string[]): void {
    for (const chunk of chunks) this.emit('data', Buffer.from(chunk, 'latin1'));
  }
  /** Everything written to the server so far. */
  get wire(): string {
    return Buffer.concat(this.sent).toString('latin1');
  }
}

interface Harness {
  inner: FakeInner;
  socket: PipeliningSocket;
  /** Everything imapflow has read so far, once pending reads were delivered. */
  read: () => Promise<string>;
  errors: Error[];
  /** imapflow writes; resolves once the socket took it. */
  write: (text: string) => Promise<void>;
}

const sockets: PipeliningSocket[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const socket of sockets.splice(0)) socket.destroy();
});

function harness(): Harness {
  const inner = new FakeInner();
  const socket = new PipeliningSocket(inner as unknown as Socket);
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const errors: Error[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (error: Error) => errors.push(error));
  return {
    inner,
    socket,
    read: async () => {
      await turn();
      return Buffer.concat(chunks).toString('latin1');
    },
    errors,
    write: (text) =>
      new Promise((resolve) => {
        socket.write(Buffer.from(text, 'latin1'), () => resolve());
      }),
  };
}

/** Splits `text` into pieces of `size` bytes, as a slow network would deliver it. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

const GREETING = '* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n';
const EXAMINE_ANSWER = '* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\nmgp1 OK [READ-ONLY] done\r\n';

describe('pipelining socket', () => {
  test('sends the planned line with LOGIN, swallows imapflow’s same command and answers it under its tag', async () => {
    const { inner, socket, read, write } = harness();
    inner.serverSends(GREETING);
    socket.pipelineWithLogin(['EXAMINE INBOX']);
    await write('1 LOGIN "u" "p"\r\n');
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\n');
    inner.serverSends('1 OK Logged in\r\n', EXAMINE_ANSWER);
    expect(socket.settled).toBe(false);
    await write('2 EXAMINE INBOX\r\n');
    // Nothing more went to the server: the answer was already there.
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\n');
    expect(await read()).toBe(
      `${GREETING}1 OK Logged in\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n2 OK [READ-ONLY] done\r\n`,
    );
    expect(socket.settled).toBe(true);
  });

  test('answers split across chunks, byte by byte, a literal with a tag-like line inside included', async () => {
    const { inner, socket, read, write } = harness();
    socket.pipelineWithLogin(['LIST "" "*"']);
    for (const piece of pieces('1 LOGIN "u" "p"\r\n', 3)) await write(piece);
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\nmgp1 LIST "" "*"\r\n');
    const answer = '1 OK Logged in\r\n* LIST () "/" {16}\r\nmgp1 OK inside\r\n\r\nmgp1 OK List completed\r\n';
    inner.serverSends(...pieces(answer, 1));
    expect(await read()).toBe('1 OK Logged in\r\n');
    await write('2 LIST "" "*"\r\n');
    expect(await read()).toBe(
      '1 OK Logged in\r\n* LIST () "/" {16}\r\nmgp1 OK inside\r\n\r\n2 OK List completed\r\n',
    );
    expect(socket.settled).toBe(true);
  });

  test('a LOGIN reply without capabilities: imapflow’s CAPABILITY and every later command are answered as sent', async () => {
    const { inner, socket, read, write } = harness();
    inner.serverSends('* OK ready\r\n');
    socket.pipelineWithLogin(['EXAMINE INBOX']);
    await write('1 LOGIN "u" "p"\r\n');
    inner.serverSends('1 OK Logged in\r\n');
    // imapflow learns the capabilities first; the server has already answered our EXAMINE.
    await write('2 CAPABILITY\r\n');
    inner.serverSends(EXAMINE_ANSWER, '* CAPABILITY IMAP4rev1 UNSELECT\r\n2 OK done\r\n');
    expect(await read()).toBe(
      '* OK ready\r\n1 OK Logged in\r\n* CAPABILITY IMAP4rev1 UNSELECT\r\n2 OK done\r\n',
    );
    await write('3 EXAMINE INBOX\r\n');
    await write('4 UID FETCH 1:* (FLAGS)\r\n');
    inner.serverSends('* 1 FETCH (UID 1 FLAGS ())\r\n4 OK done\r\n');
    expect(inner.wire).toBe(
      '1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\n2 CAPABILITY\r\n4 UID FETCH 1:* (FLAGS)\r\n',
    );
    expect(await read()).toBe(
      '* OK ready\r\n1 OK Logged in\r\n* CAPABILITY IMAP4rev1 UNSELECT\r\n2 OK done\r\n' +
        '* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n3 OK [READ-ONLY] done\r\n' +
        '* 1 FETCH (UID 1 FLAGS ())\r\n4 OK done\r\n',
    );
    expect(socket.settled).toBe(true);
  });

  test('once through, bytes pass unread and in order, the rest of a response cut at the switch included', async () => {
    const { inner, read, write } = harness();
    inner.serverSends(GREETING);
    await write('1 LOGIN "u" "p"\r\n');
    // Nothing was planned: through at LOGIN, whatever the bytes look like.
    inner.serverSends('1 OK Logged in\r\n* 1 FETCH (BODY[] {7}\r\nmgp1 OK', '\r\n)\r\n');
    expect(await read()).toBe(`${GREETING}1 OK Logged in\r\n* 1 FETCH (BODY[] {7}\r\nmgp1 OK\r\n)\r\n`);
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\n');

    const second = harness();
    second.socket.pipelineWithLogin(['EXAMINE INBOX']);
    await second.write('1 LOGIN "u" "p"\r\n');
    await second.write('2 EXAMINE INBOX\r\n');
    // The last pipelined answer and the start of the next response in one chunk.
    second.inner.serverSends(`1 OK Logged in\r\n${EXAMINE_ANSWER}* 1 FETCH (BODY[] {5}\r\nab`, 'cde)\r\n');
    expect(await second.read()).toBe(
      '1 OK Logged in\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n2 OK [READ-ONLY] done\r\n* 1 FETCH (BODY[] {5}\r\nabcde)\r\n',
    );
  });

  test('a refused LOGIN: imapflow never sees the answer given to an unauthenticated session', async () => {
    const { inner, socket, read, write } = harness();
    socket.pipelineWithLogin(['EXAMINE INBOX']);
    await write('1 LOGIN "u" "wrong"\r\n');
    inner.serverSends('1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\nmgp1 BAD Not authenticated\r\n');
    expect(await read()).toBe('1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
    expect(socket.settled).toBe(true);
  });

  test('a command imapflow writes in pieces, and two in one write, are read as lines', async () => {
    const { inner, socket, read, write } = harness();
    socket.pipelineWithLogin(['EXAMINE INBOX', 'STATUS Sent (UIDNEXT)']);
    await write('1 LOGIN "u" "p"\r\n');
    inner.serverSends(`1 OK Logged in\r\n${EXAMINE_ANSWER}* STATUS Sent (UIDNEXT 4)\r\nmgp2 OK done\r\n`);
    await write('2 EXAMINE IN');
    await write('BOX\r\n3 STATUS Sent (UIDNEXT)\r\n');
    expect(await read()).toBe(
      '1 OK Logged in\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n2 OK [READ-ONLY] done\r\n* STATUS Sent (UIDNEXT 4)\r\n3 OK done\r\n',
    );
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\nmgp2 STATUS Sent (UIDNEXT)\r\n');
    expect(socket.settled).toBe(true);
  });

  test('after a command of its own, imapflow’s literal data passes untouched and the prediction’s answer is dropped', async () => {
    const { inner, socket, read, write } = harness();
    socket.pipelineWithLogin(['EXAMINE INBOX']);
    await write('1 LOGIN "u" "p"\r\n');
    await write('2 APPEND INBOX {12+}\r\nmgp1 OK x\r\n\r\n');
    expect(inner.wire).toBe(
      '1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\n2 APPEND INBOX {12+}\r\nmgp1 OK x\r\n\r\n',
    );
    inner.serverSends(`1 OK Logged in\r\n${EXAMINE_ANSWER}2 OK [APPENDUID 7 4] done\r\n`);
    expect(await read()).toBe('1 OK Logged in\r\n2 OK [APPENDUID 7 4] done\r\n');
    expect(socket.settled).toBe(true);
  });

  test('an impossible state (a tag of imapflow’s equal to one of ours in flight) is an error event, not a throw', async () => {
    const { inner, socket, errors, write } = harness();
    socket.pipelineWithLogin(['EXAMINE INBOX']);
    await write('1 LOGIN "u" "p"\r\n');
    await write('mgp1 NOOP\r\n');
    await turn();
    expect(errors.map((error) => error.message)).toEqual([
      "IMAP client tag mgp1 collides with a pipelined command's",
    ]);
    expect(socket.destroyed).toBe(true);
    expect(inner.destroyed).toBe(true);
    expect(inner.wire).toBe('1 LOGIN "u" "p"\r\nmgp1 EXAMINE INBOX\r\n');
  });

  test('a server line over the limit ends the connection with a wire-limit error', async () => {
    const { inner, socket, errors } = harness();
    inner.serverSends(`* OK {${32 * 1024 * 1024}}\r\n`);
    await turn();
    expect(errors.map((error) => error.name)).toEqual(['WireLimitError']);
    expect(socket.destroyed).toBe(true);
  });

  test('the server ending the connection ends the stream imapflow reads', async () => {
    const { inner, socket } = harness();
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.resume();
    inner.emit('end');
    await expect(ended).resolves.toBeUndefined();
  });
});

describe('what connection reuse reads', () => {
  test('since mark: bytes received and their start, and the start of every write', async () => {
    const { inner, socket, write } = harness();
    await write('1 LOGIN "u" "p"\r\n');
    inner.serverSends('1 OK Logged in\r\n');
    socket.mark();
    expect(socket.sinceMark).toEqual({ received: 0, receivedHead: '', firstWrite: null, writes: [] });
    await write('2 SELECT INBOX\r\n');
    await write('3 UID STORE 1 +FLAGS (\\Seen)\r\n');
    inner.serverSends('* BYE\r\n');
    expect(socket.sinceMark).toEqual({
      received: 7,
      receivedHead: '* BYE\r\n',
      firstWrite: '2 SELECT INBOX\r\n',
      writes: ['2 SELECT INBOX\r\n', '3 UID STORE 1 +FLAGS (\\Seen)\r\n'],
    });
  });

  test('more writes than it keeps: the list is given up (null), so nothing is ever sent twice', async () => {
    const { socket, write } = harness();
    await write('1 LOGIN "u" "p"\r\n');
    socket.mark();
    for (let n = 2; n < 20; n += 1) await write(`${n} NOOP\r\n`);
    expect(socket.sinceMark.writes).toBeNull();
  });

  test('a kept connection whose server stays silent after a command left is destroyed after replyWithinMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { socket, errors, write } = harness();
    await write('1 LOGIN "u" "p"\r\n');
    socket.mark(3_000);
    await write('2 SELECT INBOX\r\n');
    vi.advanceTimersByTime(2_999);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    await turn();
    expect(socket.destroyed).toBe(true);
    expect(errors.map((error) => (error as Error & { code?: string }).code)).toEqual(['EConnectionClosed']);
  });

  test('one byte from the server stops that timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { inner, socket, write } = harness();
    await write('1 LOGIN "u" "p"\r\n');
    socket.mark(3_000);
    await write('2 SELECT INBOX\r\n');
    inner.serverSends('*');
    vi.advanceTimersByTime(10_000);
    expect(socket.destroyed).toBe(false);
  });

  test('fullyClosed waits for the TCP socket itself to close', async () => {
    const { inner, socket } = harness();
    let closed = false;
    const waiting = socket.fullyClosed().then(() => {
      closed = true;
    });
    expect(closed).toBe(false);
    socket.destroy();
    await waiting;
    expect(inner.closed).toBe(true);
  });
});
