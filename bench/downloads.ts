/**
 * Downloads at a distance: the wall time of one cold raw or attachment
 * download (5 MB and 25 MB, at 0 ms and at `--rtt` injected round trip) for
 * three clients, interleaved run by run so they share the machine's state:
 *
 * - floor: a hand-written TLS client that opens the connection the way the
 *   gateway does (LOGIN and EXAMINE in one flight), then sends one
 *   `UID FETCH … BODY.PEEK[part]` and reads until its tagged completion,
 *   bytes discarded as they arrive: a bound, not a client;
 * - gateway: an HTTP GET of the download from the gateway (in process, over
 *   loopback), its body read chunk by chunk and discarded;
 * - imapflow: plain imapflow `download()` with its defaults.
 *
 * Also the peak RSS growth during a 25 MB download at 0 ms, each variant in
 * a fresh process of its own (the gateway with its HTTP client, or imapflow),
 * sampled every 2 ms from just before the request; and the load average.
 * imapflow's `download()` at `--rtt` is timed for 5 MB only (25 MB takes it
 * over 30 s a run).
 *
 *   npm run bench -- downloads [--rtt 50] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { encodeImapMessageId } from '../lib/mail/ids.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startGateway } from '../test/support/gateway.js';
import { median, option, printTable } from './bench-util.js';

const rtt = Number(option('--rtt') ?? 50);
const runs = Number(option('--runs') ?? 3);
const user = { user: 'downloads', password: 'downloads-password' };
const MB = 1_000_000;
const SIZES = [5, 25];

/** A message whose part 2 is a base64 attachment of about `mb` MB decoded (so the raw source is ~1.35× that). */
function message(mb: number): string {
  const bytes = Buffer.alloc(mb * MB);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + (i >> 11)) & 0xff;
  const base64 = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  return (
    `From: a@example.com\r\nTo: downloads@example.com\r\nSubject: ${mb} MB\r\n` +
    `Message-ID: <d${mb}@example.com>\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n` +
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n' +
    `--b\r\nContent-Type: application/octet-stream; name="a.bin"\r\nContent-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename="a.bin"\r\n\r\n${base64}\r\n--b--\r\n`
  );
}

/** What a fresh process measuring its own RSS during one download is told. */
interface RssJob {
  variant: 'gateway' | 'imapflow';
  part: string | null;
  uid: number;
  uidValidity: string;
  host: string;
  port: number;
  ca: string;
}

/** In a fresh process: one 25 MB download, printing the peak RSS growth over the process before it. */
async function rssChild(job: RssJob): Promise<void> {
  const at = { host: job.host, port: job.port };
  let download: () => Promise<number>;
  let close = async () => undefined as unknown;
  if (job.variant === 'gateway') {
    const gw = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
    close = () => gw.close();
    await gw.addAccount('near', {
      protocol: 'imap',
      ...at,
      tls: 'implicit',
      user: user.user,
      password: user.password,
      tlsOptions: { ca: job.ca },
    });
    const bearer = await gw.token('*', 'read');
    // Warm: one small answer, so what is measured is the download, not the first request.
    await (await gw.get('/v1/accounts/near/mailboxes', bearer)).arrayBuffer();
    const id = encodeImapMessageId('INBOX', { uidValidity: job.uidValidity, uid: job.uid });
    const path = `/v1/accounts/near/messages/${id}${job.part ? `/attachments/${job.part}` : '/raw'}`;
    download = async () => {
      const response = await gw.get(path, bearer);
      let bytes = 0;
      for await (const chunk of response.body!) bytes += (chunk as Uint8Array).length;
      return bytes;
    };
  } else {
    download = async () => {
      const client = new ImapFlow({
        ...at,
        secure: true,
        tls: { ca: job.ca },
        auth: { user: user.user, pass: user.password },
        logger: false,
      });
      await client.connect();
      await client.mailboxOpen('INBOX', { readOnly: true });
      const { content } = await client.download(String(job.uid), job.part ?? undefined, { uid: true });
      let bytes = 0;
      for await (const chunk of content!) bytes += (chunk as Buffer).length;
      await client.logout();
      return bytes;
    };
  }
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  const bytes = await download();
  clearInterval(sampler);
  await close();
  console.log(JSON.stringify({ growth: peak - base, bytes }));
}

if (process.argv.includes('--rss-child')) {
  await rssChild(JSON.parse(option('--rss-child')!) as RssJob);
  process.exit(0);
}

const dovecot = await startDovecot({ users: [user] });
await deliverToMaildir(
  dovecot.stateDir,
  user.user,
  SIZES.map((mb) => message(mb)),
);
const proxy = await startFaultProxy({
  target: { host: dovecot.host, port: dovecot.ports.imaps },
  delayMs: rtt / 2,
});
const gateway = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
const direct = { host: dovecot.host, port: dovecot.ports.imaps };
const distant = { host: '127.0.0.1', port: proxy.port };
type Endpoint = { host: string; port: number };

const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** The floor: LOGIN+EXAMINE in one flight, then one UID FETCH of the section; bytes discarded. */
function floorDownload(at: Endpoint, uid: number, section: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ ...at, ca: dovecot.caCert });
    let phase: 'greeting' | 'opening' | 'fetching' = 'greeting';
    let received = 0;
    let tail = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      tail = (tail + chunk.subarray(Math.max(0, chunk.length - 512)).toString('latin1')).slice(-1024);
      if (phase === 'greeting' && tail.includes('\r\n')) {
        phase = 'opening';
        tail = '';
        socket.write(`f1 LOGIN ${quote(user.user)} ${quote(user.password)}\r\nf2 EXAMINE INBOX\r\n`);
      } else if (phase === 'opening' && /(^|\r\n)f2 (OK|NO|BAD)[^\r\n]*\r\n/.test(tail)) {
        phase = 'fetching';
        tail = '';
        socket.write(`f3 UID FETCH ${uid} BODY.PEEK[${section}]\r\n`);
      } else if (phase === 'fetching' && /(^|\r\n)f3 (OK|NO|BAD)[^\r\n]*\r\n/.test(tail)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

/** Plain imapflow: connect, open the mailbox, `download()`, read the stream, log out. */
async function imapflowDownload(at: Endpoint, uid: number, part: string | undefined): Promise<number> {
  const client = new ImapFlow({
    ...at,
    secure: true,
    tls: { ca: dovecot.caCert },
    auth: { user: user.user, pass: user.password },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const { content } = await client.download(String(uid), part, { uid: true });
    if (!content) throw new Error(`download of ${uid} failed`);
    let bytes = 0;
    for await (const chunk of content) bytes += (chunk as Buffer).length;
    return bytes;
  } finally {
    await client.logout().catch(() => undefined);
  }
}

let token = '';
let uidValidity = '';
const accountFor = (at: Endpoint) => (at === direct ? 'near' : 'far');

/** The gateway's download, its body read chunk by chunk and dropped. */
async function gatewayDownload(at: Endpoint, uid: number, part: string | undefined): Promise<number> {
  const id = encodeImapMessageId('INBOX', { uidValidity, uid });
  const path = `/v1/accounts/${accountFor(at)}/messages/${id}${part ? `/attachments/${part}` : '/raw'}`;
  const response = await gateway.get(path, token);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  const reader = response.body!.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

/** Wall time of `work`. */
async function timed(work: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const bytes = await work();
  return { ms: performance.now() - started, bytes };
}

try {
  for (const [name, at] of [
    ['near', direct],
    ['far', distant],
  ] as const) {
    await gateway.addAccount(name, {
      protocol: 'imap',
      host: at.host,
      port: at.port,
      tls: 'implicit',
      user: user.user,
      password: user.password,
      tlsOptions: { ca: dovecot.caCert },
    });
  }
  token = await gateway.token('*', 'read');
  const probe = new ImapFlow({
    ...direct,
    secure: true,
    tls: { ca: dovecot.caCert },
    auth: { user: user.user, pass: user.password },
    logger: false,
  });
  await probe.connect();
  const inbox = await probe.status('INBOX', { uidValidity: true });
  await probe.logout();
  if (!inbox || !inbox.uidValidity) throw new Error('STATUS INBOX failed');
  uidValidity = String(inbox.uidValidity);

  const rows: string[][] = [];
  for (const mb of SIZES) {
    const uid = SIZES.indexOf(mb) + 1;
    for (const kind of ['raw', 'attachment'] as const) {
      const part = kind === 'raw' ? undefined : '2';
      for (const [label, at] of [
        ['0 ms', direct],
        [`${rtt} ms`, distant],
      ] as const) {
        const samples = { floor: [] as number[], gateway: [] as number[], imapflow: [] as number[] };
        let mbytes = 0;
        // imapflow's download() of 25 MB at a distance takes over 30 s a run: timed at 5 MB only.
        const naiveToo = at === direct || mb <= 5;
        // One untimed round first, then the variants interleaved run by run.
        for (let run = -1; run < runs; run++) {
          await proxy.whenIdle();
          const floor = await timed(() => floorDownload(at, uid, part ?? ''));
          await proxy.whenIdle();
          const ours = await timed(() => gatewayDownload(at, uid, part));
          await proxy.whenIdle();
          const naive = naiveToo ? await timed(() => imapflowDownload(at, uid, part)) : null;
          if (run < 0) continue;
          samples.floor.push(floor.ms);
          samples.gateway.push(ours.ms);
          if (naive) samples.imapflow.push(naive.ms);
          mbytes = ours.bytes / MB;
        }
        const floor = median(samples.floor);
        const ours = median(samples.gateway);
        const naive = naiveToo ? median(samples.imapflow) : null;
        rows.push([
          `${kind} ${mb} MB`,
          label,
          `${floor.toFixed(0)} ms`,
          `${ours.toFixed(0)} ms (${(ours / floor).toFixed(2)}×)`,
          naive === null ? '—' : `${naive.toFixed(0)} ms`,
          `${(mbytes / (ours / 1000)).toFixed(0)} / ${naive === null ? '—' : (mbytes / (naive / 1000)).toFixed(0)} MB/s`,
        ]);
      }
    }
  }
  printTable(
    ['download', 'RTT', 'floor', 'gateway (÷ floor)', 'imapflow download()', 'gateway / imapflow'],
    rows,
  );
  const rssRows: string[][] = [];
  const here = fileURLToPath(import.meta.url);
  for (const part of [null, '2']) {
    const cells = [`${part ? 'attachment' : 'raw'} ${SIZES[1]} MB`];
    for (const variant of ['gateway', 'imapflow'] as const) {
      const job: RssJob = { variant, part, uid: 2, uidValidity, ...direct, ca: dovecot.caCert };
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', here, '--rss-child', JSON.stringify(job)],
        { encoding: 'utf8' },
      );
      const last = child.stdout.trim().split('\n').pop() ?? '';
      const growth = last.startsWith('{') ? (JSON.parse(last) as { growth: number }).growth : Number.NaN;
      cells.push(
        Number.isNaN(growth) ? `failed: ${child.stderr.slice(-200)}` : `${(growth / MB).toFixed(1)} MB`,
      );
    }
    rssRows.push(cells);
  }
  console.log('');
  printTable(
    ['download (0 ms, fresh process)', 'gateway peak RSS growth', 'imapflow download() peak RSS growth'],
    rssRows,
  );
  console.log(
    `\nload average: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} (runs: ${runs})`,
  );
} finally {
  await gateway.close();
  await proxy.close();
  await dovecot.stop();
}
