import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/hostile/gateway-process.js';
import { createMailUser, type MailUser } from '../support/mail-server.js';
import {
  describeRequest,
  type FuzzRequest,
  type OpenApiDocument,
  queryString,
  requestsFrom,
  resolvePath,
  type SendContext,
} from './fuzz/requests.js';
import {
  bareValues,
  hasForbiddenBareCharacter,
  parseCommands,
  rawlogStream,
  type SentCommand,
} from './fuzz/wire.js';

/**
 * 10,000 requests generated from the served OpenAPI document
 * (fuzz/requests.ts), 8 at a time, against the real local server in a
 * process of its own (IMAP connections kept between requests, as `npm
 * start` runs) and a throwaway Dovecot account with seeded mail, read/write
 * token, destructive routes included. None may answer 500; no free-text value may
 * reach the server outside a quoted string or a literal (Dovecot's rawlog,
 * fuzz/wire.ts); no request may hold the gateway's event loop over 100 ms.
 * A delay over 100 ms in a batch is confirmed by sending that batch's
 * requests again one at a time: it fails only if one of them holds the loop
 * over 100 ms again and costs the gateway that much CPU (D18: a busy
 * machine can delay the loop, it cannot make the code burn CPU).
 *
 * The seed is printed with the figures: MAILGATE_FUZZ_SEED=<n> generates the
 * same requests again (their interleaving, and so the mailbox's state,
 * differ); MAILGATE_FUZZ_RUNS=<n> changes the count;
 * MAILGATE_RELIABILITY_OUT=<dir> writes the figures to <dir>/fuzz.md.
 */

const RUNS = Number(process.env.MAILGATE_FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.MAILGATE_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;
const BATCH = 100;
const MAX_LOOP_DELAY_MS = 100;
/** Message ids and INBOX's UIDVALIDITY are read again, and INBOX refilled, this often. */
const REFRESH_EVERY = 1000;

const message = (n: number) =>
  `From: Sender ${n} <s${n}@example.com>\r\nTo: b@example.com\r\nSubject: fuzz ${n} \\Seen "quoted"\r\n` +
  `Message-ID: <fuzz${n}@example.com>\r\nX-Tag: keep\r\nMIME-Version: 1.0\r\n` +
  'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
  `body ${n} héllo\r\n--b\r\nContent-Type: application/octet-stream; name="a.bin"\r\n` +
  'Content-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--b--\r\n';

let gateway: GatewayProcess;
let token: string;
let user: MailUser;
let document: OpenApiDocument;
const context: SendContext = { messageIds: [], uidValidity: 1 };

beforeAll(async () => {
  user = await createMailUser('fuzz');
  await user.seed(
    'INBOX',
    Array.from({ length: 20 }, (_, i) => ({ raw: message(i), flags: i % 3 === 0 ? ['\\Seen'] : [] })),
  );
  await user.seed('Fuzz', [{ raw: message(100) }, { raw: message(101) }]);
  await user.seed('Fuzz/Sub', [{ raw: message(102) }]);
  gateway = await startGatewayProcess(
    {
      MAILGATE_REQUEST_TIMEOUT_MS: 10_000,
      // Long polls are cut to 1 s (wait's margin is 5 s), so a fuzzed wait does not hold a slot for 25 s.
      MAILGATE_MAX_REQUEST_MS: 6000,
    },
    // As `npm start` runs: IMAP connections kept between requests.
    { reuse: true },
  );
  token = await gateway.token();
  await gateway.addAccount('fuzz', user.account());
  document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDocument;
});

afterAll(async () => {
  await gateway?.close();
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/accounts/fuzz${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
}

/** Reads the ids a fuzzed request may name, and refills INBOX when the fuzz emptied it. */
async function refresh(): Promise<void> {
  const status = (await (await api('/mailboxes/INBOX')).json()) as { total?: number; uidValidity?: string };
  // Refilled through the gateway: every session in the rawlog is then the gateway's.
  for (let i = status.total ?? 0; i < 10; i++) {
    const response = await api('/mailboxes/INBOX/messages', {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: message(200 + i),
    });
    await response.arrayBuffer();
  }
  const ids: string[] = [];
  for (const mailbox of ['INBOX', 'Fuzz', 'Archive', 'Trash']) {
    const response = await api(`/mailboxes/${mailbox}/messages?limit=20`);
    if (response.status !== 200) {
      await response.arrayBuffer();
      continue;
    }
    ids.push(...((await response.json()) as { messages: Array<{ id: string }> }).messages.map((m) => m.id));
  }
  const again = (await (await api('/mailboxes/INBOX')).json()) as { uidValidity?: string };
  context.messageIds = ids;
  context.uidValidity = Number(again.uidValidity ?? status.uidValidity ?? 1);
}

/** Sends one request and reads its whole answer: its status (0: the connection failed) and a problem's detail. */
async function send(request: FuzzRequest): Promise<{ status: number; detail: string }> {
  const query = queryString(request.query);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (request.body) headers['content-type'] = request.body.contentType;
  try {
    const response = await fetch(
      `${gateway.url}${resolvePath(request, context)}${query ? `?${query}` : ''}`,
      {
        method: request.method,
        headers,
        body: request.body?.text,
      },
    );
    const text = await response.text();
    let detail = '';
    if (response.headers.get('content-type')?.startsWith('application/problem+json')) {
      detail = String((JSON.parse(text) as { code?: unknown }).code);
    }
    return { status: response.status, detail };
  } catch (error) {
    return { status: 0, detail: String(error) };
  }
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The rawlog `.in` files of the fuzz account, by name. */
async function rawlogFiles(): Promise<string[]> {
  const dir = join(user.server.stateDir, 'rawlog', user.user);
  return (await readdir(dir)).filter((name) => name.endsWith('.in')).map((name) => join(dir, name));
}

async function commandsIn(files: string[]): Promise<SentCommand[]> {
  const commands: SentCommand[] = [];
  for (const file of files) commands.push(...parseCommands(rawlogStream(await readFile(file))));
  return commands;
}

/** What the gateway sends of its own for each route, with benign values: the words a user value is not judged by. */
async function vocabulary(): Promise<Set<string>> {
  const before = new Set(await rawlogFiles());
  await refresh();
  const id = context.messageIds[0]!;
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const status = (await (await api('/mailboxes/INBOX')).json()) as { state: string };
  const calls: Array<[string, RequestInit?]> = [
    ['?probe=true'],
    ['/mailboxes?counts=true'],
    ['/mailboxes/~archive'],
    [
      '/mailboxes/INBOX/messages?seen=false&flagged=true&answered=false&draft=false&since=2020-01-01&larger=1',
    ],
    ['/mailboxes/Fuzz/messages'],
    ['/mailboxes/Fuzz%2FSub/messages'],
    [`/messages/${id}?markSeen=true`],
    [`/messages/${id}/raw`],
    [`/messages/${id}/attachments/2`],
    [
      `/messages/${id}`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: '{"flags":{"add":["\\\\Flagged"]}}',
      },
    ],
    [`/messages/${id}/copy`, json({ to: '~trash' })],
    [`/messages/${id}/copy`, json({ to: '~archive' })],
    ['/mailboxes/INBOX/messages/bulk', json({ filter: { seen: true }, action: 'copy', to: '~junk' })],
    [
      '/mailboxes/INBOX/messages/bulk',
      json({ filter: { seen: true }, action: 'flag', flags: { add: ['$Fuzz'] } }),
    ],
    [`/mailboxes/INBOX/changes?since=${encodeURIComponent(status.state)}`],
    [`/mailboxes/INBOX/wait?since=${encodeURIComponent(status.state)}&timeout=1`],
    ['/mailboxes', json({ path: 'Fuzz/New' })],
    [
      '/mailboxes/Fuzz%2FNew',
      { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"path":"Fuzz/Old"}' },
    ],
    ['/mailboxes/Fuzz%2FOld', { method: 'DELETE' }],
    [
      '/mailboxes/INBOX/messages',
      { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: message(300) },
    ],
    [`/messages/${context.messageIds[1]}/move`, json({ to: '~archive' })],
    [`/messages/${context.messageIds[2]}?permanent=true`, { method: 'DELETE' }],
    [`/messages/${context.messageIds[3]}`, { method: 'DELETE' }],
  ];
  for (const [path, init] of calls) {
    const response = await api(path, init);
    await response.arrayBuffer();
    expect(response.status, path).toBeLessThan(400);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const files = (await rawlogFiles()).filter((file) => !before.has(file));
  // Commands a benign run may not send (a kept connection's LOGOUT comes after the run).
  const words = new Set<string>([
    'LOGOUT',
    'NOOP',
    'CAPABILITY',
    'IDLE',
    'DONE',
    'UNSELECT',
    'CLOSE',
    'ENABLE',
  ]);
  for (const command of await commandsIn(files)) {
    for (const token of command.bare.split(/[\s()[\]\u0001]+/)) if (token !== '') words.add(token);
  }
  return words;
}

it(`${RUNS} generated requests: no 500, no bare user value on the wire, no event-loop stall`, async () => {
  const words = await vocabulary();
  const baseline = new Set(await rawlogFiles());
  const requests = fc.sample(requestsFrom(document), { numRuns: RUNS, seed: SEED });
  const statuses = new Map<number, number>();
  /** Answers that blame the mail server, for the report: a fuzzed value the server refused shows here. */
  const upstream: string[] = [];
  const failures: string[] = [];
  const stalls: string[] = [];
  const delays: number[] = [];
  let maxDelayMs = 0;
  let confirmedMaxMs = 0;
  const started = performance.now();
  const cpuBefore = (await gateway.loop()).cpuMs;
  const ownCpu = process.cpuUsage();
  for (let at = 0; at < requests.length; at += BATCH) {
    if (at % REFRESH_EVERY === 0) await refresh();
    const batch = requests.slice(at, at + BATCH);
    await pool(batch, CONCURRENCY, async (request) => {
      const { status, detail } = await send(request);
      if (status >= 502 && upstream.length < 20)
        upstream.push(`${status} ${detail}: ${describeRequest(request, context)}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 500 || status === 0)
        failures.push(`${status} ${detail}: ${describeRequest(request, context)}`);
    });
    const { maxDelayMs: delay } = await gateway.loop();
    delays.push(delay);
    maxDelayMs = Math.max(maxDelayMs, delay);
    if (delay <= MAX_LOOP_DELAY_MS) continue;
    // Again, one at a time: which one (if any) holds the loop, and does it burn the CPU for it?
    for (const request of batch) {
      const before = await gateway.loop();
      await send(request);
      const after = await gateway.loop();
      const cpu = after.cpuMs - before.cpuMs;
      if (after.maxDelayMs > MAX_LOOP_DELAY_MS && cpu > MAX_LOOP_DELAY_MS) {
        confirmedMaxMs = Math.max(confirmedMaxMs, after.maxDelayMs);
        stalls.push(
          `${describeRequest(request, context)}: loop held ${Math.round(after.maxDelayMs)} ms, ${Math.round(cpu)} ms CPU`,
        );
      }
    }
  }
  const elapsed = performance.now() - started;
  const gatewayCpuMs = (await gateway.loop()).cpuMs - cpuBefore;
  const { user: ownUser, system: ownSystem } = process.cpuUsage(ownCpu);
  expect(gateway.alive()).toBe(true);

  await new Promise((resolve) => setTimeout(resolve, 500));
  const files = (await rawlogFiles()).filter((file) => !baseline.has(file));
  const commands = await commandsIn(files);
  const values = requests.flatMap((request) => request.values);
  const wire = bareValues(commands, values, words);
  const forbidden = commands.filter(hasForbiddenBareCharacter).map((c) => JSON.stringify(c.head));

  const figures = {
    seed: SEED,
    requests: requests.length,
    seconds: elapsed / 1000,
    gatewayCpuSeconds: gatewayCpuMs / 1000,
    testCpuSeconds: (ownUser + ownSystem) / 1e6,
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    maxDelayMs,
    batchesOver100: delays.filter((d) => d > MAX_LOOP_DELAY_MS).length,
    confirmedMaxMs,
    sessions: files.length,
    commands: commands.length,
    valuesChecked: wire.checked,
  };
  process.stderr.write(`fuzz: ${JSON.stringify(figures)}\n`);
  const out = process.env.MAILGATE_RELIABILITY_OUT;
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'fuzz.json'),
      `${JSON.stringify({ ...figures, failures, stalls, wire: wire.found, forbidden, upstream }, null, 2)}\n`,
    );
    const statusRows = Object.entries(figures.statuses).map(([status, n]) => `| ${status} | ${n} |`);
    writeFileSync(
      join(out, 'fuzz.md'),
      [
        `${figures.requests} requests (seed ${SEED}, ${CONCURRENCY} at a time) in ${figures.seconds.toFixed(1)} s; ` +
          `the gateway used ${figures.gatewayCpuSeconds.toFixed(1)} s of CPU.`,
        '',
        '| status | answers |',
        '| --- | --- |',
        ...statusRows,
        '',
        `- 500: ${failures.length}; connection failures: ${statuses.get(0) ?? 0}`,
        `- event loop: longest delay ${figures.maxDelayMs.toFixed(1)} ms; batches over ${MAX_LOOP_DELAY_MS} ms: ` +
          `${figures.batchesOver100}; confirmed when sent again alone: ${stalls.length}`,
        `- wire: ${figures.commands} commands in ${figures.sessions} IMAP sessions read back from the rawlog, ` +
          `${figures.valuesChecked} distinct user values checked; bare: ${wire.found.length}; ` +
          `commands with a control or 8-bit character outside a quoted string or literal: ${forbidden.length}`,
        '',
      ].join('\n'),
    );
  }
  expect(failures.slice(0, 20)).toEqual([]);
  expect(wire.found.slice(0, 20)).toEqual([]);
  expect(forbidden.slice(0, 20)).toEqual([]);
  expect(stalls.slice(0, 20)).toEqual([]);
}, 600_000);
