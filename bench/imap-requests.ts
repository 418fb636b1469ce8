/**
 * Per-request cost of the read endpoints on an IMAP account: commands sent,
 * round trips (request flights on the wire, TLS handshake included), median
 * latency over loopback, and the memory a 25 MB attachment download costs.
 *
 *   npx tsx bench/imap-requests.ts [--runs 15]
 *
 * Commands are counted on a plaintext connection through a recording proxy;
 * round trips and latency on implicit TLS through a counting proxy.
 *
 * Previews: list 50 newsletters (15 KB, multipart/alternative) with the
 * server's PREVIEW, with 2 KiB body prefixes (PREVIEW and SNIPPET hidden on
 * the way) and without previews (the prefix item also taken out of the FETCH
 * on its way to the server), on plaintext connections: round trips and bytes
 * through the recording proxy, time through a bare pipe, runs interleaved.
 */

import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { buildBigMessage } from '../lib/devmail/big-message.js';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { seedMessages } from '../lib/devmail/seed.js';
import { newsletter } from '../test/integration/preview/preview-messages.js';
import {
  type ChunkTransform,
  startFaultProxy,
  transformLines,
  withoutCapability,
} from '../test/support/fault-proxy.js';
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

  await seedMessages(
    target,
    'Digest',
    Array.from({ length: 50 }, (_, i) => ({ raw: newsletter(i) })),
  );
  const hide = (): ChunkTransform => {
    // Made once per proxy: it holds a partial line between chunks.
    const previews = withoutCapability('PREVIEW');
    const snippets = withoutCapability('SNIPPET=FUZZY');
    return (chunk, index) => snippets(previews(chunk, index), index);
  };
  const stripPrefix = (line: string) => line.replace(' BODY.PEEK[TEXT]<0.2048>', '');
  const variants: Array<{ name: string; hide: boolean; strip: boolean }> = [
    { name: 'without previews', hide: true, strip: true },
    { name: 'with PREVIEW (server)', hide: false, strip: false },
    { name: 'with 2 KiB prefixes', hide: true, strip: false },
  ];
  const measured = [];
  for (const [i, variant] of variants.entries()) {
    // Round trips and bytes through the recording proxy, time through a bare pipe (the recording
    // proxy scans every line it forwards, in this process, which would bill the bytes-heavy variant).
    const proxy = await startFaultProxy({
      target: { host: dovecot.host, port: dovecot.ports.imap },
      protocol: 'imap',
      transformToClient: variant.hide ? hide() : undefined,
      transformToServer: variant.strip ? transformLines(stripPrefix) : undefined,
    });
    const pipe = await startRewritingPipe(
      dovecot.host,
      dovecot.ports.imap,
      variant.hide,
      variant.strip ? stripPrefix : null,
    );
    await gateway.addAccount(`c${i}`, { ...account, port: proxy.port, tls: 'none', allowPlaintext: true });
    await gateway.addAccount(`t${i}`, { ...account, port: pipe.port, tls: 'none', allowPlaintext: true });
    measured.push({ ...variant, i, proxy, pipe, times: [] as number[], flights: 0, bytes: 0, previews: 0 });
  }
  const listPath = (account: string) => `/v1/accounts/${account}/mailboxes/Digest/messages?limit=50`;
  for (const m of measured) {
    // Dovecot computes each preview once and caches it: one list first, not counted.
    await (await gateway.get(listPath(`c${m.i}`), token)).arrayBuffer();
    m.proxy.reset();
    const page = (await (await gateway.get(listPath(`c${m.i}`), token)).json()) as {
      messages: Array<{ preview: string | null }>;
    };
    await m.proxy.whenIdle();
    m.flights = m.proxy.flights.total;
    m.bytes = m.proxy.bytes.toClient;
    m.previews = page.messages.filter((message) => message.preview !== null).length;
    const timed = (await (await gateway.get(listPath(`t${m.i}`), token)).json()) as typeof page;
    if (timed.messages.filter((message) => message.preview !== null).length !== m.previews) {
      throw new Error(`${m.name}: the timed pipe does not list as the counted proxy does`);
    }
  }
  // Interleaved, so drift on a shared machine touches every variant alike.
  for (let i = 0; i < runs * 2; i++) {
    for (const m of measured) {
      const started = performance.now();
      const response = await gateway.get(listPath(`t${m.i}`), token);
      await response.arrayBuffer();
      m.times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`${m.name}: HTTP ${response.status}`);
    }
  }
  const base = measured[0]!;
  console.log('');
  printTable(
    ['list 50 newsletters (15 KB)', 'previews', 'round trips', 'median ms', 'x time', 'bytes from server'],
    measured.map((m) => [
      m.name,
      String(m.previews),
      String(m.flights),
      median(m.times).toFixed(1),
      (median(m.times) / median(base.times)).toFixed(2),
      String(m.bytes),
    ]),
  );
  for (const m of measured) {
    await m.proxy.close();
    await m.pipe.close();
  }
} finally {
  await gateway.close();
  await dovecot.stop();
}

/**
 * A bare TCP pipe to the server: server chunks holding CAPABILITY lose PREVIEW
 * and SNIPPET=FUZZY (`hide`), client chunks go through `rewrite` (whole
 * commands arrive in one chunk on loopback); every other byte passes as is.
 */
async function startRewritingPipe(
  host: string,
  port: number,
  hide: boolean,
  rewrite: ((text: string) => string) | null,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      upstream.write(rewrite ? Buffer.from(rewrite(chunk.toString('latin1')), 'latin1') : chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (hide && chunk.includes('CAPABILITY')) {
        const text = chunk.toString('latin1').replace(/ (PREVIEW|SNIPPET=FUZZY)(?=[ \]\r])/g, '');
        client.write(Buffer.from(text, 'latin1'));
      } else {
        client.write(chunk);
      }
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('end', () => b.end());
      a.on('error', () => b.destroy());
      a.on('close', () => sockets.delete(a));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
