/**
 * Per-request cost of the read endpoints on an IMAP account: commands sent,
 * round trips (request flights on the wire, TLS handshake included), median
 * latency over loopback, and the memory a 25 MB attachment download costs.
 *
 *   npx tsx bench/imap-requests.ts [--runs 15]
 *
 * Commands are counted on a plaintext connection through a recording proxy;
 * round trips and latency on implicit TLS through a counting proxy.
 */

import { buildBigMessage } from '../lib/devmail/big-message.js';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { seedMessages } from '../lib/devmail/seed.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startGateway } from '../test/support/gateway.js';
import { median, option, printTable } from './bench-util.js';

const runs = Number(option('--runs') ?? 15);
const user = { user: 'bench', password: 'bench-password' };
const dovecot = await startDovecot({ users: [user] });
const gateway = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
try {
  const target = { host: dovecot.host, port: dovecot.ports.imaps, caCert: dovecot.caCert, ...user };
  const plain = (i: number) => ({
    raw: `From: Sender ${i} <s${i}@example.com>\r\nTo: bench@example.com\r\nSubject: Message ${i}\r\nMessage-ID: <m${i}@example.com>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\n\r\nBody of message ${i}.\r\n`,
  });
  await seedMessages(
    target,
    'INBOX',
    Array.from({ length: 200 }, (_, i) => plain(i)),
  );
  const big = buildBigMessage(25 * 1024 * 1024);
  await seedMessages(target, 'INBOX', [{ raw: big.raw }]);

  const tlsProxy = await startFaultProxy({ target: { host: dovecot.host, port: dovecot.ports.imaps } });
  const plainProxy = await startFaultProxy({
    target: { host: dovecot.host, port: dovecot.ports.imap },
    protocol: 'imap',
  });
  const account = { protocol: 'imap' as const, host: '127.0.0.1', user: user.user, password: user.password };
  await gateway.addAccount('tls', {
    ...account,
    port: tlsProxy.port,
    tls: 'implicit',
    tlsOptions: { ca: dovecot.caCert },
  });
  await gateway.addAccount('plain', { ...account, port: plainProxy.port, tls: 'none', allowPlaintext: true });
  const token = await gateway.token('*', 'read');

  const firstPage = (await (
    await gateway.get('/v1/accounts/tls/mailboxes/INBOX/messages?limit=50', token)
  ).json()) as {
    messages: Array<{ id: string }>;
  };
  const bigId = firstPage.messages[0]!.id;
  const smallId = firstPage.messages[1]!.id;
  const endpoints: Array<[string, string]> = [
    ['list 50 newest', '/mailboxes/INBOX/messages?limit=50'],
    ['get (text of a plain message)', `/mailboxes/INBOX/messages/${smallId}`],
    ['get (25 MB attachment message)', `/mailboxes/INBOX/messages/${bigId}`],
    ['mailbox status', '/mailboxes/INBOX'],
    ['raw (small message)', `/mailboxes/INBOX/messages/${smallId}/raw`],
  ];

  const rows: string[][] = [];
  for (const [name, path] of endpoints) {
    plainProxy.reset();
    const plainResponse = await gateway.get(`/v1/accounts/plain${path}`, token);
    await plainResponse.arrayBuffer();
    await plainProxy.whenIdle();
    // "A1 UID FETCH 1:* …" → "UID FETCH"; "A1 LOGIN …" → "LOGIN".
    const commands = plainProxy.commands.map((c) => {
      const [, verb = '', next = ''] = c.line.split(' ');
      return (verb.toUpperCase() === 'UID' ? `${verb} ${next}` : verb).toUpperCase();
    });
    const times: number[] = [];
    const flights: number[] = [];
    let fromServer = 0;
    for (let i = 0; i < runs; i++) {
      tlsProxy.reset();
      const started = performance.now();
      const response = await gateway.get(`/v1/accounts/tls${path}`, token);
      await response.arrayBuffer();
      times.push(performance.now() - started);
      await tlsProxy.whenIdle();
      flights.push(tlsProxy.flights.total);
      fromServer = tlsProxy.bytes.toClient;
      if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}`);
    }
    rows.push([
      name,
      String(commands.length),
      commands.join(' '),
      String(median(flights)),
      median(times).toFixed(1),
      String(fromServer),
    ]);
  }
  printTable(
    ['endpoint', 'IMAP commands', 'sequence', 'round trips (TLS)', 'median ms', 'bytes from server'],
    rows,
  );

  // Peak RSS growth while streaming the 25 MB attachment through the gateway (client discards chunks).
  const message = (await (
    await gateway.get(`/v1/accounts/tls/mailboxes/INBOX/messages/${bigId}`, token)
  ).json()) as {
    attachments: Array<{ downloadUrl: string }>;
  };
  const downloadPath = new URL(message.attachments[0]!.downloadUrl).pathname;
  const growth: number[] = [];
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const response = await gateway.get(downloadPath, token);
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    clearInterval(sampler);
    if (bytes !== big.attachment.length) throw new Error(`download returned ${bytes} bytes`);
    growth.push((peak - baseline) / 1024 / 1024);
  }
  console.log(
    `\nPeak RSS growth streaming the 25 MB attachment: ${median(growth).toFixed(1)} MB (median of 3; goal < 32 MB)`,
  );
  await tlsProxy.close();
  await plainProxy.close();
} finally {
  await gateway.close();
  await dovecot.stop();
}
