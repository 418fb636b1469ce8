/**
 * Compression of JSON answers: bytes on the wire for a list of 50, one
 * message and the changes since a state, uncoded, gzip and brotli, and the
 * CPU the coding adds per answer. The server is a private Dovecot on
 * loopback and the gateway runs in process (test/support/gateway.ts) with
 * connection reuse, as `npm start` runs it.
 *
 *   npm run bench -- compression [--runs 400]
 *
 * Two mailboxes: `short`, messages of one line like the other benchmarks
 * seed (the list of the performance issue's figure), and `long`, messages
 * of a few paragraphs, so every preview is a full one.
 *
 * Wire bytes are the body bytes as sent (read with node:http, which does
 * not decode). Added CPU is measured two ways, interleaving the variants
 * round by round: the encoder alone on the answer's bytes at the gateway's
 * levels (and at others, for the choice of levels); whole requests, the
 * process's CPU time per request minus that of the uncoded request (noisy:
 * the IMAP work dwarfs the coding); and requests to the app alone over the
 * in-memory store of the HTTP tests, where the rest is small and steady.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { encodeBody } from '../lib/http/middleware/compression.js';
import { startGateway } from '../test/support/gateway.js';
import { buildTestApp } from '../test/support/http-helpers.js';
import { buildRealisticInbox } from '../test/support/realistic-inbox.js';
import { median, option, printTable } from './bench-util.js';

const runs = Number(option('--runs') ?? 400);
/** Encodes timed together, CPU time divided among them. */
const BATCH = 10;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`/proc/loadavg at start: ${loadavg()}`);

let seed = 0x5eed;
const next = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed >>> 8;
};
const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
const hex = (length: number) => Array.from({ length }, () => (next() % 16).toString(16)).join('');
const PEOPLE = [
  'Olivia Martin <olivia.martin@northwind.example>',
  'Lukas Becker <l.becker@contoso.example>',
  'Priya Raman <priya@fabrikam.example>',
  'GitHub <notifications@github.example>',
  'Sofia Rossi <sofia.rossi@tailspin.example>',
  'Henrik Larsen <henrik@wingtip.example>',
  'Chen Wei <wei.chen@adatum.example>',
];
const SUBJECTS = [
  'Re: Quarterly report draft',
  'Your order has shipped',
  'Invitation: Project sync @ Tue 10:00',
  'Lunch on Friday?',
  'Invoice 2026-1187 for November',
  'Fwd: Contract renewal - please review',
  'Re: Re: Travel plans for the conference',
];
const WORDS = (
  'the a to of and in that is for it on with as was at by this we you be are from have not or ' +
  'meeting report attached please find below thanks regards review update week project team ' +
  'schedule tomorrow budget numbers draft comments changes order delivery invoice account ' +
  'Monday Tuesday Friday morning afternoon call notes agenda follow question answer soon'
).split(' ');
const sentence = (length: number) => {
  const text = Array.from({ length }, () => pick(WORDS)).join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
};

function message(i: number, body: string): string {
  const from = pick(PEOPLE);
  const domain = from.slice(from.indexOf('@') + 1, -1);
  const date = new Date(Date.UTC(2026, 10, 1) + i * 3_600_000 * 7 + (next() % 3_600_000));
  return (
    `From: ${from}\r\nTo: Alice Example <alice@example.test>\r\nSubject: ${pick(SUBJECTS)}\r\n` +
    `Message-ID: <${hex(16)}.${hex(8)}@${domain}>\r\nDate: ${date.toUTCString().replace('GMT', '+0000')}\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`
  );
}
const shortBody = (i: number) => `Body of message ${i}.`;
const longBody = () =>
  Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => sentence(8 + (next() % 10))).join(' '),
  ).join('\r\n\r\n');

const users = [
  { user: 'short', password: 'short-password' },
  { user: 'long', password: 'long-password' },
];
const dovecot = await startDovecot({ users });
const gateway = await startGateway({ MAILGATE_LOG_LEVEL: 'silent' }, { reuse: true });

/** One request over node:http: the body bytes as sent, undecoded, and the Content-Encoding. */
function wire(path: string, token: string, acceptEncoding: string | null) {
  return new Promise<{ status: number; bytes: number; coding: string | null; body: Buffer }>(
    (resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (acceptEncoding !== null) headers['accept-encoding'] = acceptEncoding;
      const req = httpRequest(`${gateway.url}${path}`, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const coding = res.headers['content-encoding'];
          resolve({ status: res.statusCode ?? 0, bytes: body.byteLength, coding: coding ?? null, body });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    },
  );
}

const VARIANTS = [
  ['identity', null],
  ['gzip', 'gzip'],
  ['br', 'br'],
  ['gzip, br', 'gzip, br'],
] as const;

try {
  const token = await gateway.token('*', 'read');
  const endpoints: Array<{ name: string; path: string }> = [];
  for (const { user, password } of users) {
    await gateway.addAccount(user, {
      protocol: 'imap',
      host: dovecot.host,
      port: dovecot.ports.imaps,
      tls: 'implicit',
      user,
      password,
      tlsOptions: { ca: dovecot.caCert },
    });
    const base = `/v1/accounts/${user}/mailboxes/INBOX`;
    // The state before any mail arrives, so the changes carry 50 created messages.
    await deliverToMaildir(dovecot.stateDir, user, [message(0, shortBody(0))]);
    const before = await wire(base, token, null);
    if (before.status !== 200) throw new Error(`GET ${base}: HTTP ${before.status}`);
    const { state } = JSON.parse(before.body.toString('utf8')) as { state: string };
    await deliverToMaildir(
      dovecot.stateDir,
      user,
      Array.from({ length: 59 }, (_, i) => message(i + 1, user === 'short' ? shortBody(i + 1) : longBody())),
    );
    const list = await wire(`${base}/messages?limit=50`, token, null);
    const { messages } = JSON.parse(list.body.toString('utf8')) as { messages: Array<{ id: string }> };
    endpoints.push(
      { name: `list 50 (${user})`, path: `${base}/messages?limit=50` },
      { name: `get (${user})`, path: `/v1/accounts/${user}/messages/${messages[0]!.id}` },
      {
        name: `changes 50 (${user})`,
        path: `${base}/changes?since=${encodeURIComponent(state)}&maxChanges=50`,
      },
    );
  }

  // Bytes on the wire.
  const bodies = new Map<string, Buffer>();
  const rows: string[][] = [];
  for (const endpoint of endpoints) {
    const row = [endpoint.name];
    let identity = 0;
    for (const [, header] of VARIANTS) {
      const answer = await wire(endpoint.path, token, header);
      if (answer.status !== 200) throw new Error(`${endpoint.path}: HTTP ${answer.status}`);
      if (header === null) {
        identity = answer.bytes;
        bodies.set(endpoint.name, answer.body);
        row.push(String(answer.bytes));
      } else {
        row.push(
          `${answer.bytes} (${answer.coding ?? 'identity'}, ${((100 * answer.bytes) / identity).toFixed(0)} %)`,
        );
      }
    }
    rows.push(row);
  }
  console.log('Body bytes on the wire per answer (Accept-Encoding as headed):\n');
  printTable(['answer', ...VARIANTS.map(([label]) => label)], rows);

  // The encoder alone, at the gateway's levels and at others.
  const levels: Array<[string, (body: Buffer) => unknown]> = [
    ['gzip 6 (gateway)', (body) => encodeBody('gzip', body)],
    ['br 5 (gateway)', (body) => encodeBody('br', body)],
    ['gzip 1', (body) => gzipSync(body, { level: 1 })],
    ['br 4', (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
    ['br 6', (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } })],
  ];
  const sizeOf: Record<string, (body: Buffer) => number> = {
    'gzip 1': (body) => gzipSync(body, { level: 1 }).byteLength,
    'br 4': (body) =>
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).byteLength,
    'br 6': (body) =>
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }).byteLength,
    'br 11': (body) =>
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
  };
  const encoderRows: string[][] = [];
  for (const [name, body] of bodies) {
    const times = new Map<string, number[]>(levels.map(([label]) => [label, []]));
    // CPU time, not wall time, over batches of BATCH (the clock's granularity): a loaded machine preempts.
    for (let run = 0; run < runs / BATCH; run++) {
      for (const [label, encode] of levels) {
        const before = process.cpuUsage();
        for (let i = 0; i < BATCH; i++) await encode(body);
        const used = process.cpuUsage(before);
        times.get(label)!.push((used.user + used.system) / 1000 / BATCH);
      }
    }
    const started = process.hrtime.bigint();
    const br11 = sizeOf['br 11']!(body);
    const br11Ms = Number(process.hrtime.bigint() - started) / 1e6;
    encoderRows.push([
      name,
      String(body.byteLength),
      ...levels.map(([label]) => {
        const size = sizeOf[label]?.(body);
        return `${median(times.get(label)!).toFixed(3)} ms${size === undefined ? '' : ` (${size} B)`}`;
      }),
      `${br11Ms.toFixed(1)} ms (${br11} B)`,
    ]);
  }
  console.log(
    `\nEncoder CPU time per answer, median of ${runs / BATCH} batches of ${BATCH} (interleaved):\n`,
  );
  printTable(['answer', 'identity bytes', ...levels.map(([label]) => label), 'br 11 (one run)'], encoderRows);

  // Whole requests: process CPU per request, coded minus uncoded.
  const requestRuns = Math.max(50, Math.floor(runs / 2));
  const requestRows: string[][] = [];
  for (const endpoint of endpoints.filter((e) => !e.name.startsWith('get'))) {
    const cpu = new Map<string, number[]>(VARIANTS.map(([label]) => [label, []]));
    for (let run = 0; run < requestRuns; run++) {
      for (const [label, header] of VARIANTS) {
        const before = process.cpuUsage();
        await wire(endpoint.path, token, header);
        const used = process.cpuUsage(before);
        cpu.get(label)!.push((used.user + used.system) / 1000);
      }
    }
    const base = median(cpu.get('identity')!);
    requestRows.push([
      endpoint.name,
      `${base.toFixed(2)} ms`,
      ...VARIANTS.slice(1).map(([label]) => `${(median(cpu.get(label)!) - base).toFixed(2)} ms`),
    ]);
  }
  console.log(`\nCPU per whole request (gateway and client in one process), median of ${requestRuns}:\n`);
  printTable(['answer', 'identity', ...VARIANTS.slice(1).map(([label]) => `added: ${label}`)], requestRows);

  // The app alone (in-memory store, no IMAP, no sockets): what the middleware adds, reading and rebuilding the answer included.
  const { request } = buildTestApp({ data: buildRealisticInbox(50) });
  const appPaths = [
    ['list 50 (in memory)', '/v1/accounts/alpha/mailboxes/INBOX/messages'],
    ['get (in memory)', `/v1/accounts/alpha/messages/${buildRealisticInbox(1).messages[0]!.id}`],
  ] as const;
  const appRows: string[][] = [];
  for (const [name, path] of appPaths) {
    const cpu = new Map<string, number[]>(VARIANTS.map(([label]) => [label, []]));
    for (let run = 0; run < runs / BATCH; run++) {
      for (const [label, header] of VARIANTS) {
        const headers = header === null ? undefined : { 'Accept-Encoding': header };
        const before = process.cpuUsage();
        for (let i = 0; i < BATCH; i++) await (await request(path, headers ? { headers } : {})).arrayBuffer();
        const used = process.cpuUsage(before);
        cpu.get(label)!.push((used.user + used.system) / 1000 / BATCH);
      }
    }
    const base = median(cpu.get('identity')!);
    appRows.push([
      name,
      `${base.toFixed(3)} ms`,
      ...VARIANTS.slice(1).map(([label]) => `${(median(cpu.get(label)!) - base).toFixed(3)} ms`),
    ]);
  }
  console.log(
    `\nCPU per request of the app alone, median of ${runs / BATCH} batches of ${BATCH} (interleaved):\n`,
  );
  printTable(['answer', 'identity', ...VARIANTS.slice(1).map(([label]) => `added: ${label}`)], appRows);
  console.log(`\n/proc/loadavg at end: ${loadavg()}`);
} finally {
  await gateway.close();
  await dovecot.stop();
}
