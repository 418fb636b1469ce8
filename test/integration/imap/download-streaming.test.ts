import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildBigMessage } from '../../../lib/devmail/big-message.js';
import { PipeliningSocket } from '../../../lib/imap/wire/pipelining-socket.js';
import { TAP_HIGH_WATER_BYTES } from '../../../lib/imap/wire/section-tap.js';
import type { Download, MailboxRef } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser, openStore, roundTripsThrough, sha256, withStore } from './imap-test-kit.js';

/**
 * A download's rest after its first window is one FETCH sent in the first
 * window's flight and streamed off the socket: two UID FETCH commands and
 * one request flight for any size, byte-exact at 50 ms RTT with a reader
 * slower than the server, and what the gateway reads ahead of its reader
 * bounded (counted in bytes: the server is made to be far ahead first).
 */
const MAILBOX: MailboxRef = { kind: 'path', path: 'Streaming' };
const MB = 1024 * 1024;
/** 5 MB decoded: its raw source (base64 in 76-column lines) is ~6.8 MB. */
const big = buildBigMessage(5 * MB, { subject: 'streamed', seed: 7 });
let user: MailUser;
let id = '';
let tlsProxy: FaultProxy;
let distant: FaultProxy;

beforeAll(async () => {
  user = await createImapUser('stream');
  await user.seed('Streaming', [{ raw: big.raw }]);
  const page = await withStore(user, (store) => store.listMessages(MAILBOX, { limit: 1, filter: {} }));
  id = page.messages[0]!.id;
  tlsProxy = await startFaultProxy({ target: { host: user.server.host, port: user.server.ports.imaps } });
  // 50 ms round trip, plaintext so the commands can be counted.
  distant = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
    delayMs: 25,
  });
}, 120_000);

afterAll(async () => {
  await tlsProxy?.close();
  await distant?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The socket a download streams from, caught as it arms the rest's FETCH. */
function catchSocket(): () => PipeliningSocket {
  let caught: PipeliningSocket | null = null;
  const original = PipeliningSocket.prototype.fetchAlong;
  vi.spyOn(PipeliningSocket.prototype, 'fetchAlong').mockImplementation(function (
    this: PipeliningSocket,
    request,
  ) {
    caught = this;
    return original.call(this, request);
  });
  return () => {
    if (!caught) throw new Error('the download armed no streamed rest');
    return caught;
  };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('condition not met in time');
    await delay(5);
  }
}

/**
 * Reads `download` slowly. At 1 MB it waits until the proxy has delivered
 * the whole message (the server is then as far ahead as it can get), and
 * from there on records the most the gateway has read off its socket
 * beyond what the reader took (`wireBytesOf` turns the reader's count into
 * bytes of the source).
 */
async function readSlowly(
  download: Download,
  socket: () => PipeliningSocket,
  wireBytesOf: (consumed: number) => number,
  total: number,
): Promise<{ bytes: Buffer; largestAhead: number }> {
  const chunks: Buffer[] = [];
  let consumed = 0;
  let largestAhead = 0;
  let waited = false;
  for await (const chunk of download.body) {
    chunks.push(Buffer.from(chunk));
    consumed += chunk.length;
    if (consumed < MB) continue;
    if (!waited) {
      waited = true;
      await until(() => distant.bytes.toClient >= total);
    }
    const ahead = socket().sinceMark.received - wireBytesOf(consumed);
    largestAhead = Math.max(largestAhead, ahead);
    await delay(1);
  }
  return { bytes: Buffer.concat(chunks), largestAhead };
}

/** Far under the message: the tap's high-water mark, a socket read or two and the protocol's own bytes. */
const READ_AHEAD_BOUND = TAP_HIGH_WATER_BYTES + 512 * 1024;

describe('downloads streamed off the socket at 50 ms RTT', () => {
  const plaintext = { port: 0, tls: 'none' as const, allowPlaintext: true };

  test('a 5 MB raw download read slower than the server: byte-exact, 2 UID FETCH, read-ahead bounded', async () => {
    await distant.whenIdle();
    distant.reset();
    const socket = catchSocket();
    const store = openStore(user, { account: { ...plaintext, port: distant.port } });
    try {
      const download = await store.openRaw(MAILBOX, id);
      expect(download.size).toBe(big.raw.length);
      const { bytes, largestAhead } = await readSlowly(download, socket, (n) => n, big.raw.length);
      expect(bytes.equals(big.raw)).toBe(true);
      expect(largestAhead).toBeLessThanOrEqual(READ_AHEAD_BOUND);
    } finally {
      await store.close();
    }
    const fetches = distant.commands.filter((c) => / UID FETCH /i.test(c.line));
    expect(fetches).toHaveLength(2);
  });

  test('a 5 MB base64 attachment read slower than the server: byte-exact, 2 UID FETCH, read-ahead bounded', async () => {
    await distant.whenIdle();
    distant.reset();
    const socket = catchSocket();
    const store = openStore(user, { account: { ...plaintext, port: distant.port } });
    try {
      const download = await store.openAttachment(MAILBOX, id, '2');
      // base64 in 76-column lines: 78 source bytes for every 57 decoded ones.
      const { bytes, largestAhead } = await readSlowly(
        download,
        socket,
        (n) => Math.floor((n * 78) / 57),
        big.raw.length,
      );
      expect(bytes.length).toBe(big.attachment.length);
      expect(sha256(bytes)).toBe(big.attachmentSha256);
      expect(largestAhead).toBeLessThanOrEqual(READ_AHEAD_BOUND);
    } finally {
      await store.close();
    }
    const fetches = distant.commands.filter((c) => / UID FETCH /i.test(c.line));
    expect(fetches).toHaveLength(2);
  });
});

describe('request flights of a cold 5 MB download (implicit TLS)', () => {
  test.each(['raw', 'attachment'] as const)(
    '%s: at most 4 (TLS 2, LOGIN + EXAMINE, both FETCHes)',
    async (kind) => {
      let length = 0;
      const trips = await roundTripsThrough(tlsProxy, user, async (store) => {
        const download =
          kind === 'raw' ? await store.openRaw(MAILBOX, id) : await store.openAttachment(MAILBOX, id, '2');
        for await (const chunk of download.body) length += chunk.length;
      });
      expect(length).toBe(kind === 'raw' ? big.raw.length : big.attachment.length);
      expect(trips).toBeLessThanOrEqual(4);
    },
  );
});
