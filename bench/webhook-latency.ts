/**
 * Webhooks on the local server: from another client's APPEND to a verified
 * delivery at a loopback receiver (p50, p99), with NOTIFY and with IDLE;
 * and the IMAP connections the watcher holds for 100 watched mailboxes over
 * 10 accounts (TCP connections counted through a proxy). Goal: p99 ≤ 2 s.
 *
 *   npx tsx bench/webhook-latency.ts [--appends 50]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { Webhook } from 'standardwebhooks';
import type { Account } from '../lib/credentials/account.js';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { createImapStoreFactory } from '../lib/imap/index.js';
import { startDeliverer } from '../lib/webhooks/deliverer.js';
import { openLocalWebhookStore } from '../lib/webhooks/local-store/index.js';
import { startWatcher } from '../lib/webhooks/watcher/index.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { option, printTable } from './bench-util.js';

const appends = Number(option('--appends') ?? 50);
const ACCOUNTS = 10;
const MAILBOXES = ['INBOX', ...Array.from({ length: 9 }, (_, i) => `Box${i + 1}`)];
const SECRET = `whsec_${Buffer.from('bench-secret-0123456789abcdef0123').toString('base64')}`;

const users = Array.from({ length: ACCOUNTS + 1 }, (_, i) => ({
  user: `bench${i}`,
  password: `bench-pw-${i}`,
}));
const dovecot = await startDovecot({ users });

/** Subject → when its verified delivery arrived (performance.now()). */
const arrivals = new Map<string, number>();
const verifier = new Webhook(SECRET);
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = performance.now();
    const body = verifier.verify(
      Buffer.concat(chunks).toString('utf8'),
      request.headers as Record<string, string>,
    ) as {
      type: string;
      data: { message?: { subject?: string } };
    };
    if (body.type === 'message.created' && body.data.message?.subject)
      arrivals.set(body.data.message.subject, at);
    response.end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

function account(id: string, user: (typeof users)[number], port: number, plain: boolean): Account {
  return plain
    ? { id, protocol: 'imap', host: '127.0.0.1', port, tls: 'none', allowPlaintext: true, ...user }
    : {
        id,
        protocol: 'imap',
        host: '127.0.0.1',
        port,
        tls: 'implicit',
        tlsOptions: { ca: dovecot.caCert },
        ...user,
      };
}

async function other(user: (typeof users)[number]): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.ports.imaps,
    secure: true,
    tls: { ca: dovecot.caCert },
    auth: { user: user.user, pass: user.password },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function message(subject: string): string {
  return `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Rig: a store, the deliverer and the watcher over `accounts`. */
async function rig(notify: boolean, accounts: Account[], mailboxes: string[]) {
  const directory = await mkdtemp(join(tmpdir(), 'mailgate-bench-webhooks-'));
  const repository = await openLocalWebhookStore({ directory });
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const deliverer = startDeliverer({ repository, allowPrivate: true, pollMs: 5_000 });
  const watcher = startWatcher({
    repository,
    accounts: { getAccount: async (id) => byId.get(id) },
    stores: createImapStoreFactory(),
    onQueued: () => deliverer.wake(),
    notify,
  });
  const webhooks = [];
  for (const a of accounts) {
    webhooks.push(
      await repository.create({
        account: a.id,
        url: receiverUrl,
        mailboxes,
        events: ['message.created'],
        secret: SECRET,
      }),
    );
  }
  await watcher.resync();
  for (const webhook of webhooks) {
    for (const path of mailboxes)
      await until(async () => (await repository.getCursor(webhook.id, path)) !== undefined, 60_000);
  }
  return {
    watcher,
    async stop() {
      await watcher.stop();
      await deliverer.stop();
      await repository.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

try {
  const rows: string[][] = [];
  const latencyUser = users[ACCOUNTS]!;
  const sender = await other(latencyUser);
  for (const notify of [true, false]) {
    const label = notify ? 'NOTIFY' : 'IDLE';
    const watched = await rig(notify, [account('lat', latencyUser, dovecot.ports.imaps, false)], ['INBOX']);
    await until(() => watched.watcher.status().accounts[0]?.connections === 1, 30_000);
    const times: number[] = [];
    for (let i = 0; i < appends; i++) {
      const subject = `${label} ${i}`;
      const t0 = performance.now();
      await sender.append('INBOX', message(subject));
      await until(() => arrivals.has(subject), 30_000);
      times.push(arrivals.get(subject)! - t0);
    }
    await watched.stop();
    rows.push([
      label,
      String(appends),
      percentile(times, 50).toFixed(0),
      percentile(times, 99).toFixed(0),
      Math.max(...times).toFixed(0),
    ]);
  }
  await sender.logout();
  console.log('APPEND by another client → verified delivery at a loopback receiver (ms)');
  printTable(['watch', 'appends', 'p50', 'p99', 'max'], rows);

  // 100 watched mailboxes over 10 accounts, every connection through a counting proxy.
  const setup = await Promise.all(users.slice(0, ACCOUNTS).map(other));
  await Promise.all(
    setup.map(async (client) => {
      for (const path of MAILBOXES.slice(1)) await client.mailboxCreate(path);
      await client.logout();
    }),
  );
  const counts: string[][] = [];
  for (const notify of [true, false]) {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: dovecot.ports.imap } });
    const accounts = users.slice(0, ACCOUNTS).map((user, i) => account(`acc${i}`, user, proxy.port, true));
    const started = performance.now();
    const watched = await rig(notify, accounts, MAILBOXES);
    const expected = notify ? ACCOUNTS : ACCOUNTS * MAILBOXES.length;
    await until(
      () => watched.watcher.status().accounts.reduce((sum, a) => sum + a.connections, 0) === expected,
      60_000,
    );
    await until(() => proxy.connections === expected, 60_000);
    const ready = performance.now() - started;
    counts.push([
      notify ? 'NOTIFY' : 'IDLE',
      String(ACCOUNTS * MAILBOXES.length),
      String(proxy.connections),
      String(proxy.totalConnections),
      ready.toFixed(0),
    ]);
    await watched.stop();
    await proxy.close();
  }
  console.log('\n100 watched mailboxes over 10 accounts');
  printTable(
    ['watch', 'mailboxes', 'held connections', 'connections opened (incl. first looks)', 'ready (ms)'],
    counts,
  );
} finally {
  receiver.close();
  await dovecot.stop();
}
process.exit(0);
