/**
 * Latency at a realistic distance from the mail server: per endpoint, the
 * median wall time and the round trips (request flights on the wire, TLS
 * handshake included) of a cold request, for the naive imapflow client, the
 * gateway and the raw floor. The server is a private Dovecot on loopback,
 * reached over implicit TLS through a proxy that delays each direction by
 * rtt/2.
 *
 *   npm run bench -- latency --rtt 50 [--runs 5] [--no-write]
 *
 * The gateway runs in process (test/support/gateway.ts) and is measured over
 * HTTP on loopback, so its numbers include routing, validation and JSON.
 * The table replaces its section of docs/BENCHMARKS.md unless --no-write.
 */
import { loadavg } from 'node:os';
import { ImapFlow } from 'imapflow';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { encodeImapMessageId } from '../lib/mail/ids.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startGateway } from '../test/support/gateway.js';
import { median, option, printTable } from './bench-util.js';
import { baselineRequest, baselineOperations as ops } from './latency-baseline.js';
import { floorRequest } from './latency-floor.js';
import { writeLatencySection } from './latency-report.js';
import { measureWarm } from './latency-warm.js';

const rtt = Number(option('--rtt') ?? 50);
const runs = Number(option('--runs') ?? 5);
const user = { user: 'latency', password: 'latency-password' };
const dovecot = await startDovecot({ users: [user] });
const message = (i: number) =>
  `From: Sender ${i} <s${i}@example.com>\r\nTo: latency@example.com\r\nSubject: Message ${i}\r\n` +
  `Message-ID: <l${i}@example.com>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\n\r\nBody of message ${i}.\r\n`;
await deliverToMaildir(
  dovecot.stateDir,
  user.user,
  Array.from({ length: 300 }, (_, i) => message(i + 1)),
);
const proxy = await startFaultProxy({
  target: { host: dovecot.host, port: dovecot.ports.imaps },
  delayMs: rtt / 2,
});
const gateway = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
const target = { host: '127.0.0.1', port: proxy.port, ca: dovecot.caCert, ...user };

try {
  const probe = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: true,
    tls: { ca: dovecot.caCert },
    auth: { user: user.user, pass: user.password },
    logger: false,
  });
  await probe.connect();
  const inbox = await probe.status('INBOX', { uidValidity: true });
  if (!inbox) throw new Error('STATUS INBOX failed');
  // A mailbox whose path is over 140 bytes of UTF-8: its ids carry a hash, resolved with a LIST.
  const longPath = `Projekte/${'長い名前の受信箱'.repeat(6)}`;
  await probe.mailboxCreate(longPath);
  const appended = await probe.append(longPath, message(1000));
  const longBox = await probe.status(longPath, { uidValidity: true });
  const longUid = appended ? appended.uid : undefined;
  const longValidity = longBox ? longBox.uidValidity : undefined;
  if (!longUid || !longValidity) throw new Error('seeding the long-path mailbox failed');
  const longId = encodeImapMessageId(longPath, { uidValidity: String(longValidity), uid: longUid });
  const uidValidity = String(inbox.uidValidity);
  await probe.logout();
  await gateway.addAccount('lat', {
    protocol: 'imap',
    host: '127.0.0.1',
    port: proxy.port,
    tls: 'implicit',
    user: user.user,
    password: user.password,
    tlsOptions: { ca: dovecot.caCert },
  });
  const token = await gateway.token('*', 'write');
  const id = (uid: number) => encodeImapMessageId('INBOX', { uidValidity, uid });
  const base = '/v1/accounts/lat/mailboxes/INBOX';
  // Messages are addressed on the account-level routes: the id names its mailbox.
  const messages = '/v1/accounts/lat/messages';
  // Moves take a fresh message each run, from a range of their own per client.
  let nextMove = 100;
  const moveUid = () => nextMove++;

  const http = async (path: string, init: RequestInit = {}, firstByte = false) => {
    const response = await gateway.get(path, token, init);
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status}`);
    if (firstByte) {
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
    } else await response.arrayBuffer();
  };
  const json = (method: string, body: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const status = '(MESSAGES UNSEEN UIDNEXT)';
  const summary = '(UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)';
  const endpoints: Array<{
    name: string;
    /** Absent where the naive client and the floor would measure nothing new. */
    baseline?: () => (client: ImapFlow) => Promise<unknown>;
    gateway: () => Promise<void>;
    floor?: () => string[];
  }> = [
    {
      name: 'list page (50 newest)',
      baseline: () => ops.list,
      gateway: () => http(`${base}/messages?limit=50`),
      floor: () => ['EXAMINE INBOX', `FETCH 200:* ${summary}`],
    },
    {
      name: 'get message',
      baseline: () => ops.get(10),
      gateway: () => http(`${messages}/${id(10)}`),
      floor: () => ['EXAMINE INBOX', 'UID FETCH 10 (UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[1])'],
    },
    {
      name: 'raw, first byte',
      baseline: () => ops.rawFirstByte(11),
      gateway: () => http(`${messages}/${id(11)}/raw`, {}, true),
      floor: () => ['EXAMINE INBOX', 'UID FETCH 11 BODY.PEEK[]'],
    },
    {
      name: 'mailbox status',
      baseline: () => ops.status,
      gateway: () => http(base),
      floor: () => [`STATUS INBOX ${status}`],
    },
    {
      name: 'flag update',
      baseline: () => ops.flag(12),
      gateway: () => http(`${messages}/${id(12)}`, json('PATCH', { flags: { add: ['\\Flagged'] } })),
      floor: () => ['SELECT INBOX', 'UID STORE 12 +FLAGS.SILENT (\\Flagged)'],
    },
    {
      name: 'move',
      baseline: () => ops.move(moveUid()),
      gateway: () => http(`${messages}/${id(moveUid())}/move`, json('POST', { to: 'Archive' })),
      floor: () => ['SELECT INBOX', `UID MOVE ${moveUid()} Archive`],
    },
    {
      name: 'get message, mailbox path over 140 bytes',
      gateway: () => http(`${messages}/${longId}`),
    },
  ];

  /** Times one cold request; round trips are the flights on the wire until the result was in hand. */
  const measure = async (work: (done: () => void) => Promise<void>) => {
    const times: number[] = [];
    const flights: number[] = [];
    for (let i = 0; i < runs; i++) {
      await proxy.whenIdle();
      proxy.reset();
      const started = performance.now();
      let at = { time: 0, flights: 0 };
      const done = () => {
        at = { time: performance.now() - started, flights: proxy.flights.total };
      };
      await work(done);
      if (at.time === 0) done();
      times.push(at.time);
      flights.push(at.flights);
    }
    return { ms: median(times), flights: median(flights) };
  };

  const rows: string[][] = [];
  for (const endpoint of endpoints) {
    const { baseline, floor } = endpoint;
    const naive = baseline ? await measure((done) => baselineRequest(target, baseline(), done)) : null;
    const ours = await measure(async () => endpoint.gateway());
    const least = floor
      ? await measure(async () => {
          await floorRequest(target, floor());
        })
      : null;
    const cell = (m: { ms: number; flights: number } | null) =>
      m ? `${m.ms.toFixed(0)} ms / ${m.flights}` : '—';
    rows.push([endpoint.name, cell(naive), cell(ours), cell(least)]);
  }
  const account = {
    id: 'lat',
    protocol: 'imap' as const,
    host: '127.0.0.1',
    port: proxy.port,
    tls: 'implicit' as const,
    user: user.user,
    password: user.password,
    tlsOptions: { ca: dovecot.caCert },
  };
  rows.push(...(await measureWarm(account, proxy, runs, id(10))));
  const header = ['endpoint', 'imapflow defaults', 'gateway', 'raw floor'];
  printTable(header, rows);
  if (!process.argv.includes('--no-write')) {
    await writeLatencySection({ rtt, runs, load: loadavg()[0] ?? 0, header, rows });
  }
} finally {
  await gateway.close();
  await proxy.close();
  await dovecot.stop();
}
