/**
 * POP3: the first page of 50 summaries from a 10,000-message maildrop through
 * the gateway, with round trips counted on the wire and median latency.
 *
 *   npx tsx bench/pop3-list.ts [--runs 9] [--messages 10000]
 *
 * Previews: list 50 newsletters (15 KB, multipart/alternative) as it is
 * (`TOP n 16`, the preview read from those lines) and with the proxy turning
 * each TOP back into `TOP n 0` (no preview): bytes from the server and
 * median latency, on plaintext POP3.
 */

import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { newsletter } from '../test/integration/preview/preview-messages.js';
import { startFaultProxy, transformLines } from '../test/support/fault-proxy.js';
import { startGateway } from '../test/support/gateway.js';
import { median, option, printTable } from './bench-util.js';

const runs = Number(option('--runs') ?? 9);
const count = Number(option('--messages') ?? 10_000);
const user = { user: 'bench', password: 'bench-password' };
const digest = { user: 'digest', password: 'digest-password' };
const dovecot = await startDovecot({ users: [user, digest] });
const gateway = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
try {
  const started = Date.now();
  await deliverToMaildir(
    dovecot.stateDir,
    user.user,
    Array.from(
      { length: count },
      (_, i) =>
        `Received: from mx.example.com by pop.example.com; Tue, 03 Nov 2026 10:${String(i % 60).padStart(2, '0')}:00 +0000\r\nFrom: Sender ${i} <s${i}@example.com>\r\nTo: bench@example.com\r\nSubject: Message ${i}\r\nMessage-ID: <m${i}@example.com>\r\n\r\nBody of message ${i}.\r\n`,
    ),
  );
  console.log(`seeded ${count} messages into the maildrop in ${Date.now() - started} ms`);

  const rows: string[][] = [];
  for (const [label, port, tls] of [
    ['POP3S (implicit TLS)', dovecot.ports.pop3s, 'implicit'],
    ['POP3 + STLS', dovecot.ports.pop3, 'starttls'],
  ] as const) {
    const proxy = await startFaultProxy({ target: { host: dovecot.host, port } });
    const id = tls === 'implicit' ? 'pop3s' : 'stls';
    await gateway.addAccount(id, {
      protocol: 'pop3',
      host: '127.0.0.1',
      port: proxy.port,
      tls,
      user: user.user,
      password: user.password,
      tlsOptions: { ca: dovecot.caCert },
    });
    const token = await gateway.token([id], 'read');
    // The first session after delivery makes Dovecot index the maildrop; keep it out of the figures.
    await (await gateway.get(`/v1/accounts/${id}/mailboxes/INBOX/messages?limit=50`, token)).arrayBuffer();
    const times: number[] = [];
    const flights: number[] = [];
    for (let i = 0; i < runs; i++) {
      proxy.reset();
      const t0 = performance.now();
      const response = await gateway.get(`/v1/accounts/${id}/mailboxes/INBOX/messages?limit=50`, token);
      const page = (await response.json()) as { messages: unknown[] };
      times.push(performance.now() - t0);
      if (response.status !== 200 || page.messages.length !== 50)
        throw new Error(`${label}: HTTP ${response.status}`);
      await proxy.whenIdle();
      flights.push(proxy.flights.total);
    }
    rows.push([label, String(median(flights)), median(times).toFixed(1)]);
    await proxy.close();
  }
  printTable([`list 50 newest of ${count}`, 'round trips (incl. TLS)', 'median ms'], rows);

  await deliverToMaildir(
    dovecot.stateDir,
    digest.user,
    Array.from({ length: 50 }, (_, i) => newsletter(i)),
  );
  const variants = [
    {
      name: 'TOP n 0 (no previews)',
      toServer: transformLines((line) => line.replace(/^(TOP \d+) \d+$/i, '$1 0')),
    },
    { name: 'TOP n 16 (previews)', toServer: undefined },
  ];
  const measured: Array<
    (typeof variants)[number] & {
      i: number;
      proxy: Awaited<ReturnType<typeof startFaultProxy>>;
      times: number[];
      flights: number;
      bytes: number;
      previews: number;
    }
  > = [];
  for (const [i, variant] of variants.entries()) {
    const proxy = await startFaultProxy({
      target: { host: dovecot.host, port: dovecot.ports.pop3 },
      protocol: 'pop3',
      transformToServer: variant.toServer,
    });
    await gateway.addAccount(`d${i}`, {
      protocol: 'pop3',
      host: '127.0.0.1',
      port: proxy.port,
      tls: 'none',
      allowPlaintext: true,
      user: digest.user,
      password: digest.password,
    });
    measured.push({ ...variant, i, proxy, times: [], flights: 0, bytes: 0, previews: 0 });
  }
  const token = await gateway.token('*', 'read');
  const listPath = (i: number) => `/v1/accounts/d${i}/mailboxes/INBOX/messages?limit=50`;
  for (const m of measured) await (await gateway.get(listPath(m.i), token)).arrayBuffer();
  for (let run = 0; run < runs * 2; run++) {
    for (const m of measured) {
      m.proxy.reset();
      const t0 = performance.now();
      const response = await gateway.get(listPath(m.i), token);
      const page = (await response.json()) as { messages: Array<{ preview: string | null }> };
      m.times.push(performance.now() - t0);
      if (response.status !== 200) throw new Error(`${m.name}: HTTP ${response.status}`);
      await m.proxy.whenIdle();
      m.flights = m.proxy.flights.total;
      m.bytes = m.proxy.bytes.toClient;
      m.previews = page.messages.filter((message) => message.preview !== null).length;
    }
  }
  console.log('');
  printTable(
    [
      'list 50 newsletters (15 KB), POP3',
      'previews',
      'round trips',
      'median ms',
      'x time',
      'bytes from server',
    ],
    measured.map((m) => [
      m.name,
      String(m.previews),
      String(m.flights),
      median(m.times).toFixed(1),
      (median(m.times) / median(measured[0]!.times)).toFixed(2),
      String(m.bytes),
    ]),
  );
  for (const m of measured) await m.proxy.close();
} finally {
  await gateway.close();
  await dovecot.stop();
}
