import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDocument } from '../../../lib/credentials/account.js';
import { encodeImapMessageId, encodePop3MessageId } from '../../../lib/mail/ids.js';
import { fakeServerAccount } from '../../support/fake-server-account.js';
import { type GatewayProcess, startGatewayProcess } from '../../support/hostile/gateway-process.js';
import {
  HOSTILE_UID_VALIDITY,
  type HostileImapBehaviour,
  startHostileImapServer,
} from '../../support/hostile/hostile-imap.js';
import { type HostilePop3Behaviour, startHostilePop3Server } from '../../support/hostile/hostile-pop3.js';
import type { CountingServer } from '../../support/hostile/listener.js';

/**
 * Mail servers that send without end, announce 2 GB literals, never end a
 * line or lie about sizes, driven through the real gateway (in a process of
 * its own, so its memory is measured alone). Each request must answer the
 * right problem within the deadline + 1 s, grow the gateway's peak RSS by at
 * most 64 MB, leave no socket open at the server, and /health must keep
 * answering promptly meanwhile. Floods stop after FLOOD bytes and then hang,
 * so a gateway without limits fails on memory, not by exhausting the machine.
 */

const DEADLINE_MS = 3000;
/** The bound: 64 MB (decimal, 61 MiB). */
const MAX_GROWTH = 64_000_000;
/** Generous against a busy machine: the quadratic scanner made /health take seconds. */
const HEALTH_BOUND_MS = 1000;
const MIB = 1024 * 1024;
const FLOOD = 256 * MIB;
const TWO_GB = 2048 * MIB;
const MESSAGE_ID = encodeImapMessageId('INBOX', { uidValidity: String(HOSTILE_UID_VALIDITY), uid: 1 });

let gateway: GatewayProcess;
let token: string;
let accounts = 0;
const figures: string[] = [];

/**
 * A fresh gateway process for each measured request: memory an earlier
 * request left to the allocator would otherwise be reused unseen, and one
 * that leaked would be charged to the next.
 */
async function freshGateway(): Promise<void> {
  await gateway?.close();
  gateway = await startGatewayProcess({ MAILGATE_REQUEST_TIMEOUT_MS: DEADLINE_MS });
  token = await gateway.token();
  // Warm: a first request pays for compiling the routes, which is not what /health is timed for.
  await (await fetch(`${gateway.url}/health`)).arrayBuffer();
}

afterAll(async () => {
  await gateway?.close();
  // Measured figures, for docs/DECISIONS.md.
  if (figures.length > 0) process.stderr.write(`${figures.join('\n')}\n`);
});

async function account(server: CountingServer, protocol: 'imap' | 'pop3'): Promise<string> {
  accounts += 1;
  const id = `hostile${accounts}`;
  const document: AccountDocument = fakeServerAccount(protocol, server.port);
  await gateway.addAccount(id, document);
  return id;
}

interface Watched<T> {
  result: T;
  elapsed: number;
  growth: number;
  worstHealth: number;
}

/** Runs one request while measuring the gateway's peak RSS and polling /health. */
async function watch<T>(label: string, run: () => Promise<T>): Promise<Watched<T>> {
  await gateway.gc();
  const peak = gateway.watchPeak();
  const health: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${gateway.url}/health`);
      await response.arrayBuffer();
      health.push(performance.now() - started);
      await sleep(25);
    }
  })();
  const started = performance.now();
  let result: T;
  try {
    result = await run();
  } finally {
    running = false;
  }
  const elapsed = performance.now() - started;
  await prober;
  const growth = peak.stop();
  const worstHealth = Math.max(...health);
  figures.push(
    `${label}: ${Math.round(elapsed)} ms, peak RSS +${(growth / 1024 / 1024).toFixed(1)} MiB, ` +
      `/health worst ${Math.round(worstHealth)} ms over ${health.length} probes`,
  );
  return { result, elapsed, growth, worstHealth };
}

async function problemOf(response: Response): Promise<{ status: number; code: string; type: string }> {
  const type = response.headers.get('content-type') ?? '';
  const body = (await response.json()) as { code: string };
  return { status: response.status, code: body.code, type };
}

function expectBounded(watched: Watched<unknown>): void {
  expect(watched.elapsed).toBeLessThan(DEADLINE_MS + 1000);
  expect(watched.growth).toBeLessThanOrEqual(MAX_GROWTH);
  expect(watched.worstHealth).toBeLessThan(HEALTH_BOUND_MS);
}

async function expectAllClosed(server: CountingServer): Promise<void> {
  await server.whenAllClosed(2000);
  expect(server.accepted).toBeGreaterThan(0);
  expect(server.openSockets).toBe(0);
}

describe.each<[string, HostileImapBehaviour, string]>([
  [
    'a 2 GB literal in the greeting',
    { kind: 'greeting-literal', announced: TWO_GB, flood: FLOOD },
    '/messages',
  ],
  ['an endless greeting line', { kind: 'greeting-line', flood: FLOOD }, '/messages'],
  ['a 2 GB literal in a pipelined answer', { kind: 'answer-literal', announced: TWO_GB, flood: FLOOD }, ''],
  ['an endless line in a pipelined answer', { kind: 'answer-line', flood: FLOOD }, ''],
  // Past the pipelined answers imapflow reads: its own limits must be as low as ours.
  [
    'a 40 MiB literal in a FETCH answer',
    { kind: 'fetch-literal', announced: 40 * MIB, flood: 40 * MIB },
    '/raw',
  ],
])('an IMAP server sending %s', (label, behaviour, suffix) => {
  it('gets 502 upstream_unavailable with bounded memory and no socket left open', async () => {
    await freshGateway();
    const server = await startHostileImapServer(behaviour);
    try {
      const id = await account(server, 'imap');
      const path =
        suffix === '/messages'
          ? `/v1/accounts/${id}/mailboxes/INBOX/messages`
          : `/v1/accounts/${id}/messages/${MESSAGE_ID}${suffix}`;
      const watched = await watch(`IMAP, ${label}`, async () =>
        problemOf(await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } })),
      );
      expect(watched.result).toMatchObject({ status: 502, code: 'upstream_unavailable' });
      expect(watched.result.type).toMatch(/^application\/problem\+json/);
      expectBounded(watched);
      await expectAllClosed(server);
    } finally {
      await server.close();
    }
  });
});

describe.each<[string, HostilePop3Behaviour, string, number, string]>([
  [
    'a RETR that never ends (message)',
    { kind: 'endless-retr', flood: FLOOD },
    'message',
    502,
    'upstream_unavailable',
  ],
  [
    'a RETR that never ends (attachment)',
    { kind: 'endless-retr', flood: FLOOD },
    'attachment',
    502,
    'upstream_unavailable',
  ],
  [
    'a TOP that never ends (list, limit=17)',
    { kind: 'endless-top', flood: FLOOD },
    'list',
    502,
    'upstream_unavailable',
  ],
  [
    'TOP answers of 900 KiB (list, limit=17)',
    { kind: 'large-tops', bytes: 900 * 1024 },
    'list',
    502,
    'upstream_unavailable',
  ],
  [
    'a 40 MiB message (message)',
    { kind: 'large-message', size: 40 * MIB },
    'message',
    413,
    'payload_too_large',
  ],
])('a POP3 server sending %s', (label, behaviour, route, status, code) => {
  it(`gets ${status} ${code} with bounded memory and no socket left open`, async () => {
    await freshGateway();
    const server = await startHostilePop3Server(behaviour);
    try {
      const id = await account(server, 'pop3');
      const message = encodePop3MessageId('u20');
      const path = {
        message: `/v1/accounts/${id}/messages/${message}`,
        attachment: `/v1/accounts/${id}/messages/${message}/attachments/2`,
        list: `/v1/accounts/${id}/mailboxes/INBOX/messages?limit=17`,
      }[route]!;
      const watched = await watch(`POP3, ${label}`, async () =>
        problemOf(await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } })),
      );
      expect(watched.result).toMatchObject({ status, code });
      expect(watched.result.type).toMatch(/^application\/problem\+json/);
      expectBounded(watched);
      await expectAllClosed(server);
    } finally {
      await server.close();
    }
  });
});

interface RawExchange {
  head: string;
  /** Bytes after the first response's header block. */
  rest: Buffer;
  /** The server closed the connection (the test never does before it has seen that). */
  closedByServer: boolean;
}

/**
 * One GET on a raw keep-alive connection, then (once the first response has
 * gone quiet) a second request on the same connection, as a keep-alive client
 * would send. What came back is everything the server wrote until it closed
 * the connection, or until 7 s passed (Node's keep-alive timeout is 5 s).
 */
async function rawGet(path: string): Promise<RawExchange> {
  const { hostname, port } = new URL(gateway.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  let lastData = Date.now();
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    lastData = Date.now();
  });
  const closedPromise = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('close', () => {
    closed = true;
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  const started = Date.now();
  while (!closed && (chunks.length === 0 || Date.now() - lastData < 500) && Date.now() - started < 5000) {
    await sleep(50);
  }
  if (!closed) socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  await Promise.race([closedPromise, sleep(7000)]);
  const closedByServer = closed;
  socket.destroy();
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  return { head: all.subarray(0, end).toString('latin1'), rest: all.subarray(end + 4), closedByServer };
}

describe('downloads never lie about their length', () => {
  beforeAll(freshGateway);

  const smuggled = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nEVIL!';
  const message = (length: number) => {
    const head = Buffer.from('Subject: sizes\r\n\r\n');
    const body = Buffer.alloc(length - head.length, 'm');
    body.write(smuggled, 1000 - head.length, 'latin1');
    return Buffer.concat([head, body]);
  };

  it.each<[string, 'raw' | 'attachment', number, number]>([
    ['raw, the server under-reports RFC822.SIZE', 'raw', 1000, 5000],
    ['raw, the server over-reports RFC822.SIZE', 'raw', 5000, 1000],
    ['attachment, BODYSTRUCTURE under-reports a 7bit part', 'attachment', 1000, 5000],
    ['attachment, BODYSTRUCTURE over-reports a 7bit part', 'attachment', 5000, 1000],
  ])(
    '%s: no byte past Content-Length, and the response is aborted',
    async (_label, kind, declared, actual) => {
      const bytes = message(actual);
      const server = await startHostileImapServer({ kind: 'sizes', raw: bytes, declared, attachment: bytes });
      try {
        const id = await account(server, 'imap');
        const path = `/v1/accounts/${id}/messages/${MESSAGE_ID}/${kind === 'raw' ? 'raw' : 'attachments/2'}`;
        const exchange = await rawGet(path);
        expect(exchange.head).toMatch(/^HTTP\/1\.1 200 /);
        expect(exchange.head).toMatch(new RegExp(`\r\ncontent-length: ${declared}\r\n`, 'i'));
        // Never the full declared length: a complete-looking body would hide the lie.
        expect(exchange.rest.length).toBeLessThan(declared);
        expect(exchange.rest.toString('latin1')).not.toMatch(/HTTP\/1\.1|Error/);
        figures.push(
          `${_label}: ${exchange.rest.length} of ${declared} declared bytes sent, then the connection closed`,
        );
        expect(exchange.closedByServer).toBe(true);
        // A fetch client sees the body fail, not a clean short 200.
        const response = await fetch(`${gateway.url}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
        await expect(response.arrayBuffer()).rejects.toThrow();
        await expectAllClosed(server);
      } finally {
        await server.close();
      }
    },
  );

  it('a download whose size is right arrives whole', async () => {
    const bytes = message(5000);
    const server = await startHostileImapServer({
      kind: 'sizes',
      raw: bytes,
      declared: 5000,
      attachment: bytes,
    });
    try {
      const id = await account(server, 'imap');
      const response = await fetch(`${gateway.url}/v1/accounts/${id}/messages/${MESSAGE_ID}/raw`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.headers.get('content-length')).toBe('5000');
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      await expectAllClosed(server);
    } finally {
      await server.close();
    }
  });
});
