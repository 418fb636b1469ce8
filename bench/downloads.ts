/**
 * Downloads at a distance: the wall time of one cold raw or attachment
 * download (5 MB and 25 MB, at 0 ms and at `--rtt` injected round trip) for
 * three clients, interleaved run by run so they share the machine's state:
 *
 * - floor: a hand-written TLS client that opens the connection the way the
 *   gateway does (LOGIN and EXAMINE in one flight), then sends one
 *   `UID FETCH … BODY.PEEK[part]` and reads until its tagged completion,
 *   bytes discarded as they arrive: a bound, not a client;
 * - gateway: an HTTP GET of the download from the gateway, which runs in a
 *   process of its own (forked, talking over IPC only to be set up), the
 *   client here reading the body over loopback with node:http and discarding
 *   it: the client's CPU and buffers are not the gateway's;
 * - imapflow: plain imapflow `download()` with its defaults.
 *
 * Also the peak RSS growth during a 25 MB download at 0 ms, each variant in
 * a fresh process of its own (the gateway process alone, its HTTP client
 * here; or imapflow with its reader), sampled every 2 ms from just before the
 * request; and the load average. `--prof DIR` writes a CPU profile of the
 * gateway process (node --cpu-prof) to DIR.
 * imapflow's `download()` at `--rtt` is timed for 5 MB only (25 MB takes it
 * over 30 s a run).
 *
 *   npm run bench -- downloads [--rtt 50] [--runs 3]
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
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

/** What a fresh process measuring its own RSS during one imapflow download is told. */
interface RssJob {
  part: string | null;
  uid: number;
  host: string;
  port: number;
  ca: string;
}

/** In a fresh process: one imapflow 25 MB download, printing the peak RSS growth over the process before it. */
async function rssChild(job: RssJob): Promise<void> {
  const download = async () => {
    const client = new ImapFlow({
      host: job.host,
      port: job.port,
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
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  const bytes = await download();
  clearInterval(sampler);
  console.log(JSON.stringify({ growth: peak - base, bytes }));
}

/** What the gateway's own process is told: the accounts to add. */
interface GatewayJob {
  accounts: { name: string; host: string; port: number }[];
  ca: string;
}

/** What the bench asks the gateway's process, over IPC: start or stop sampling its RSS, or close. */
type GatewayCommand = 'rss-start' | 'rss-stop' | 'close';

/** The gateway alone in this process: its URL and a read token go to the parent, which is its HTTP client. */
async function gatewayChild(job: GatewayJob): Promise<void> {
  const gw = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' });
  for (const account of job.accounts) {
    await gw.addAccount(account.name, {
      protocol: 'imap',
      host: account.host,
      port: account.port,
      tls: 'implicit',
      user: user.user,
      password: user.password,
      tlsOptions: { ca: job.ca },
    });
  }
  const token = await gw.token('*', 'read');
  let base = 0;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  process.on('message', (command: GatewayCommand) => {
    if (command === 'rss-start') {
      (globalThis as { gc?: () => void }).gc?.();
      base = process.memoryUsage.rss();
      peak = base;
      sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, 2);
      process.send!({ started: true });
    } else if (command === 'rss-stop') {
      clearInterval(sampler);
      process.send!({ growth: Math.max(peak, process.memoryUsage.rss()) - base });
    } else {
      void gw.close().then(() => process.exit(0));
    }
  });
  process.send!({ url: gw.url, token });
}

if (process.argv.includes('--rss-child')) {
  await rssChild(JSON.parse(option('--rss-child')!) as RssJob);
  process.exit(0);
}
if (process.argv.includes('--gateway-child')) {
  await gatewayChild(JSON.parse(option('--gateway-child')!) as GatewayJob);
} else {
  await main();
}

/** A gateway in a forked process of its own; `ask` sends it a command and resolves with its answer. */
interface GatewayProcess {
  url: string;
  token: string;
  ask(command: GatewayCommand): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function forkGateway(job: GatewayJob, profileDir?: string): Promise<GatewayProcess> {
  const here = fileURLToPath(import.meta.url);
  const child: ChildProcess = fork(here, ['--gateway-child', JSON.stringify(job)], {
    execArgv: [
      '--expose-gc',
      '--import',
      'tsx',
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`the gateway process exited (${code})`)));
    });
  const ready = (await next()) as { url: string; token: string };
  return {
    ...ready,
    ask(command) {
      const answer = next();
      child.send(command);
      return answer;
    },
    close() {
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('close');
      });
    },
  };
}

/** GET `url` with node:http, the body read and dropped; resolves with its length. */
function httpDownload(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { Authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET ${url}: HTTP ${response.statusCode}`));
        return;
      }
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
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
  const direct = { host: dovecot.host, port: dovecot.ports.imaps };
  const distant = { host: '127.0.0.1', port: proxy.port };
  type Endpoint = { host: string; port: number };
  const gatewayJob: GatewayJob = {
    accounts: [
      { name: 'near', ...direct },
      { name: 'far', ...distant },
    ],
    ca: dovecot.caCert,
  };
  const gateway = await forkGateway(gatewayJob, option('--prof'));

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

  let uidValidity = '';
  const accountFor = (at: Endpoint) => (at === direct ? 'near' : 'far');
  const downloadPath = (account: string, uid: number, part: string | null | undefined) =>
    `/v1/accounts/${account}/messages/${encodeImapMessageId('INBOX', { uidValidity, uid })}${part ? `/attachments/${part}` : '/raw'}`;

  /** The gateway's download (in its own process), its body read here and dropped. */
  function gatewayDownload(at: Endpoint, uid: number, part: string | undefined): Promise<number> {
    return httpDownload(`${gateway.url}${downloadPath(accountFor(at), uid, part)}`, gateway.token);
  }

  /** Wall time of `work`. */
  async function timed(work: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
    (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    const bytes = await work();
    return { ms: performance.now() - started, bytes };
  }

  try {
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
      // The gateway: a fresh process of its own, warmed by one small answer, its client here.
      const fresh = await forkGateway({ accounts: [{ name: 'near', ...direct }], ca: dovecot.caCert });
      try {
        await httpDownload(`${fresh.url}/v1/accounts/near/mailboxes`, fresh.token);
        await fresh.ask('rss-start');
        await httpDownload(`${fresh.url}${downloadPath('near', 2, part)}`, fresh.token);
        const { growth } = (await fresh.ask('rss-stop')) as { growth: number };
        cells.push(`${(growth / MB).toFixed(1)} MB`);
      } finally {
        await fresh.close();
      }
      const job: RssJob = { part, uid: 2, ...direct, ca: dovecot.caCert };
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
      rssRows.push(cells);
    }
    console.log('');
    printTable(
      [
        'download (0 ms, fresh process)',
        'gateway process peak RSS growth',
        'imapflow download() peak RSS growth',
      ],
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
}
