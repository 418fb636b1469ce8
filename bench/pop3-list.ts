/**
 * POP3: the first page of 50 summaries from a 10,000-message maildrop through
 * the gateway, with round trips counted on the wire and median latency.
 *
 *   npx tsx bench/pop3-list.ts [--runs 9] [--messages 10000]
 */

import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startGateway } from '../test/support/gateway.js';
import { median, option, printTable } from './bench-util.js';

const runs = Number(option('--runs') ?? 9);
const count = Number(option('--messages') ?? 10_000);
const user = { user: 'bench', password: 'bench-password' };
const dovecot = await startDovecot({ users: [user] });
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
} finally {
  await gateway.close();
  await dovecot.stop();
}
