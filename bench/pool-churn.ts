/**
 * Connection churn under concurrency: 10 clients (`--clients`) of one
 * account send requests back to back through the real Node server for
 * `--seconds` (20) per variant, against a private Dovecot behind a
 * connection-counting proxy (implicit TLS). Variants, interleaved in
 * segments of `--segment` seconds (10) so load drifts hit both alike:
 *
 * - `before`: the old defaults, 4 idle connections kept of a cap of 8;
 * - `after`: the current defaults (`poolOptionsFromEnv({}, 'on')`).
 *
 * Each segment first warms its gateway for one second (not counted), then
 * counts the connections the proxy saw opened (each one LOGIN) and the
 * pool's fresh leases per request, requests per second and latency. Prints
 * a Markdown table and /proc/loadavg before and after.
 *
 * Requests alternate a list page (limit 20) and a get of one of the newest
 * 20 messages, both by the account-level and mailbox routes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/env.js';
import { FileCredentialStore } from '../lib/credentials/file-store.js';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { startNodeServer } from '../lib/http/node-server.js';
import { poolOptionsFromEnv } from '../lib/imap/index.js';
import type { ConnectionPoolOptions } from '../lib/imap/pool/connection-pool.js';
import { createLocalDeps } from '../lib/local/create-local-deps.js';
import { createLogger } from '../lib/log/create-logger.js';
import { encodeImapMessageId } from '../lib/mail/ids.js';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy.js';
import { option, printTable } from './bench-util.js';

const clients = Number(option('--clients') ?? 10);
const seconds = Number(option('--seconds') ?? 20);
const segment = Number(option('--segment') ?? 10);
const WARM_MS = 1_000;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const after = poolOptionsFromEnv({}, 'on');
if (!after) throw new Error('connection reuse is off by default');
const VARIANTS: Array<{ name: string; options: ConnectionPoolOptions }> = [
  { name: 'before (4 idle of 8)', options: { ...after, maxIdlePerAccount: 4, maxPerAccount: 8 } },
  { name: `after (${after.maxIdlePerAccount} idle of ${after.maxPerAccount})`, options: after },
];

const user = { user: 'churn', password: 'churn-password' };
const dovecot = await startDovecot({ users: [user] });
const message = (i: number) =>
  `From: Sender ${i} <s${i}@example.com>\r\nTo: churn@example.com\r\nSubject: Message ${i}\r\n` +
  `Message-ID: <c${i}@example.com>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\n\r\nBody of message ${i}.\r\n`;
await deliverToMaildir(
  dovecot.stateDir,
  user.user,
  Array.from({ length: 200 }, (_, i) => message(i + 1)),
);

interface Running {
  name: string;
  proxy: FaultProxy;
  url: string;
  token: string;
  pool: NonNullable<ReturnType<typeof createLocalDeps>['pool']>;
  close(): Promise<void>;
}

/** A gateway as `npm start` wires it, with these reuse settings, reaching Dovecot through its own counting proxy. */
async function startVariant(name: string, reuse: ConnectionPoolOptions): Promise<Running> {
  const proxy = await startFaultProxy({ target: { host: dovecot.host, port: dovecot.ports.imaps } });
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-churn-'));
  const credentials = new FileCredentialStore({ path: join(dir, 'accounts.json') });
  const deps = createLocalDeps({
    credentials,
    config: { ...loadConfig({}), MAILGATE_LOG_LEVEL: 'silent' },
    logger: createLogger({ level: 'silent', write: () => undefined }),
    reuse,
  });
  if (!deps.pool) throw new Error('the gateway has no pool');
  const server = await startNodeServer(deps, { hostname: '127.0.0.1', port: 0 });
  await credentials.putAccount('churn', {
    protocol: 'imap',
    host: '127.0.0.1',
    port: proxy.port,
    tls: 'implicit',
    user: user.user,
    password: user.password,
    tlsOptions: { ca: dovecot.caCert },
  });
  const { token } = await credentials.createToken({ accounts: ['churn'], scope: 'read' });
  const pool = deps.pool;
  return {
    name,
    proxy,
    url: server.url,
    token,
    pool,
    async close() {
      await server.close();
      pool.close();
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Tally {
  requests: number;
  failed: number;
  opened: number;
  fresh: number;
  ms: number;
  latencies: number[];
  /** Connections opened during warm-ups, the most of any segment. */
  warmOpened: number;
}

const probe = await startVariant('probe', after);
const uidValidity = await (async () => {
  const response = await fetch(`${probe.url}/v1/accounts/churn/mailboxes/INBOX`, {
    headers: { Authorization: `Bearer ${probe.token}` },
  });
  const body = (await response.json()) as { uidValidity: string };
  return body.uidValidity;
})();
await probe.close();

const paths = Array.from({ length: 20 }, (_, i) => {
  const id = encodeImapMessageId('INBOX', { uidValidity, uid: 200 - i });
  return i % 2 === 0
    ? `/v1/accounts/churn/messages/${encodeURIComponent(id)}`
    : `/v1/accounts/churn/mailboxes/INBOX/messages/${encodeURIComponent(id)}`;
});

/** Runs `clients` loops for `ms`; returns the requests done, failures and each one's latency. */
async function drive(variant: Running, ms: number, latencies: number[] | null) {
  const until = performance.now() + ms;
  let requests = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = client; performance.now() < until; n++) {
        const path = n % 2 === 0 ? '/v1/accounts/churn/mailboxes/INBOX/messages?limit=20' : paths[n % 20]!;
        const started = performance.now();
        const response = await fetch(`${variant.url}${path}`, {
          headers: { Authorization: `Bearer ${variant.token}` },
        });
        await response.arrayBuffer();
        latencies?.push(performance.now() - started);
        requests += 1;
        if (!response.ok) failed += 1;
      }
    }),
  );
  return { requests, failed };
}

const running = await Promise.all(VARIANTS.map((v) => startVariant(v.name, v.options)));
const tallies = new Map<string, Tally>(
  running.map((v) => [
    v.name,
    { requests: 0, failed: 0, opened: 0, fresh: 0, ms: 0, latencies: [], warmOpened: 0 },
  ]),
);
const loadBefore = loadavg();
try {
  const segments = Math.max(1, Math.round(seconds / segment));
  for (let s = 0; s < segments; s++) {
    for (const variant of running) {
      const tally = tallies.get(variant.name)!;
      await variant.proxy.whenIdle();
      variant.proxy.reset();
      await drive(variant, WARM_MS, null);
      tally.warmOpened = Math.max(tally.warmOpened, variant.proxy.totalConnections);
      const opened = variant.proxy.totalConnections;
      const fresh = variant.pool.counters.fresh;
      const started = performance.now();
      const done = await drive(variant, (seconds / segments) * 1000, tally.latencies);
      tally.ms += performance.now() - started;
      tally.requests += done.requests;
      tally.failed += done.failed;
      tally.opened += variant.proxy.totalConnections - opened;
      tally.fresh += variant.pool.counters.fresh - fresh;
    }
  }
} finally {
  await Promise.all(running.map((v) => v.close()));
  await dovecot.stop();
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
console.log(
  `${clients} concurrent clients, one account, ${seconds} s per variant in ${Math.round(seconds / segment)} interleaved segments (each after a 1 s warm-up); list page (20) and get, alternating\n`,
);
printTable(
  [
    'variant',
    'requests',
    'failed',
    'req/s',
    'p50 ms',
    'p99 ms',
    'logins during warm-up (most)',
    'logins after warm-up',
    'logins per request',
    'pool fresh leases per request',
  ],
  [...tallies].map(([name, t]) => [
    name,
    String(t.requests),
    String(t.failed),
    (t.requests / (t.ms / 1000)).toFixed(0),
    percentile(t.latencies, 50).toFixed(1),
    percentile(t.latencies, 99).toFixed(1),
    String(t.warmOpened),
    String(t.opened),
    (t.opened / Math.max(1, t.requests)).toFixed(3),
    (t.fresh / Math.max(1, t.requests)).toFixed(3),
  ]),
);
console.log(`\n/proc/loadavg before: ${loadBefore}; after: ${loadavg()}`);
