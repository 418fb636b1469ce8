import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/hostile/gateway-process.js';
import { createMailUser, type MailUser, mailServer } from '../support/mail-server.js';
import { ENDPOINTS, type Endpoint, type Protocol, type Seeded } from './fault-matrix/endpoints.js';
import { type Expected, FAULTS, type Fault, type FaultContext } from './fault-matrix/faults.js';

/**
 * The fault matrix: every route that talks to a mail server, over IMAP and
 * (where it has the route) POP3, against every way a mail server can fail
 * (faults.ts). Each cell must answer what README and the OpenAPI document
 * promise within the request deadline + 1 s and leave no socket open at the
 * server; each group of cells may grow the gateway's peak RSS by at most
 * 64 MB, and the process must still answer /health afterwards. One gateway
 * process serves the whole matrix, with an account per cell; the cells of a
 * fault run together, except floods, which run one at a time so the memory
 * measured is theirs alone.
 *
 * With MAILGATE_RELIABILITY_OUT=<dir>, the run writes its table to
 * <dir>/fault-matrix.md (docs/RELIABILITY.md is made from it).
 */

const DEADLINE_MS = 3000;
/** The bound: 64 MB (decimal). */
const MAX_GROWTH = 64_000_000;
const SOCKETS_CLOSE_WITHIN_MS = 2000;
const PROTOCOLS: Protocol[] = ['imap', 'pop3'];

interface Cell {
  protocol: Protocol;
  endpoint: Endpoint;
  fault: Fault;
}

interface CellResult {
  cell: Cell;
  expected: Expected;
  /** `502 upstream_unavailable`, `200 aborted at 0/5000`, … */
  got: string;
  ok: boolean;
  ms: number;
  openSockets: number;
  problems: string[];
}

const CELLS: Cell[] = PROTOCOLS.flatMap((protocol) =>
  ENDPOINTS.filter((endpoint) => endpoint.trigger[protocol]).flatMap((endpoint) =>
    FAULTS.filter((fault) => !fault.downloadsOnly || endpoint.download).map((fault) => ({
      protocol,
      endpoint,
      fault,
    })),
  ),
);

const MESSAGE = (n: number) =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: matrix ${n}\r\nMessage-ID: <matrix${n}@example.com>\r\n` +
  'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n' +
  'hello\r\n--b\r\nContent-Type: application/octet-stream; name="a.bin"\r\n' +
  'Content-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--b--\r\n';

let gateway: GatewayProcess;
let token: string;
let user: MailUser;
let seeded: Seeded;
let accounts = 0;
const results: CellResult[] = [];
const groups: Array<{ name: string; cells: number; ms: number; growth: number }> = [];

beforeAll(async () => {
  gateway = await startGatewayProcess({ MAILGATE_REQUEST_TIMEOUT_MS: DEADLINE_MS });
  token = await gateway.token();
  user = await createMailUser('fault matrix');
  await user.seed('INBOX', [{ raw: MESSAGE(1) }, { raw: MESSAGE(2) }]);
  await user.seed('Matrix-old', [{ raw: MESSAGE(3) }]);
  const direct = (protocol: Protocol) =>
    user.account({
      protocol,
      port: protocol === 'imap' ? user.server.ports.imap : user.server.ports.pop3,
      tls: 'none',
      allowPlaintext: true,
      tlsOptions: undefined,
    });
  await gateway.addAccount('direct-imap', direct('imap'));
  await gateway.addAccount('direct-pop3', direct('pop3'));
  const read = async (path: string) => {
    const response = await fetch(`${gateway.url}/v1/accounts/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown> & { messages: Array<{ id: string }> };
  };
  const [imapList, pop3List, status] = await Promise.all([
    read('direct-imap/mailboxes/INBOX/messages'),
    read('direct-pop3/mailboxes/INBOX/messages'),
    read('direct-imap/mailboxes/INBOX'),
  ]);
  seeded = {
    id: { imap: imapList.messages[0]!.id, pop3: pop3List.messages[0]!.id },
    state: String(status.state),
  };
});

afterAll(async () => {
  await gateway?.close();
  const out = process.env.MAILGATE_RELIABILITY_OUT;
  if (out && results.length > 0) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'fault-matrix.md'), renderReport());
  }
});

async function runCell(cell: Cell): Promise<CellResult> {
  const context: FaultContext = {
    protocol: cell.protocol,
    endpoint: cell.endpoint,
    mail: mailServer(),
    user,
    seeded,
  };
  const expected = cell.fault.expected(context);
  const server = await cell.fault.start(context);
  const problems: string[] = [];
  let got = '';
  let ms = 0;
  try {
    accounts += 1;
    const id = `cell${accounts}`;
    await gateway.addAccount(id, server.account);
    const { endpoint } = cell;
    const path = `/v1/accounts/${id}${endpoint.path(server.seeded ?? seeded, cell.protocol)}`;
    const started = performance.now();
    const response = await fetch(`${gateway.url}${path}`, {
      method: endpoint.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(endpoint.body ? { 'content-type': endpoint.body.contentType } : {}),
      },
      body: endpoint.body?.text,
    });
    const judged = await judge(response, expected, started, problems);
    got = judged.got;
    ms = performance.now() - started;
    const deadline = endpoint.deadlineMs ?? DEADLINE_MS;
    // A streamed body is outside the deadline (judge() bounds its stall instead); its headers are not.
    const answered = expected.kind === 'cut' ? judged.headersMs : ms;
    if (answered > deadline + 1000) {
      problems.push(`answered after ${Math.round(answered)} ms (deadline ${deadline} ms)`);
    }
    if (server.hijacked && server.hijacked() === 0) {
      problems.push(`the fault was never served: no command matched ${endpoint.trigger[cell.protocol]}`);
    }
    if (server.counting) {
      await server.counting.whenAllClosed(SOCKETS_CLOSE_WITHIN_MS);
      if (server.counting.openSockets > 0)
        problems.push(`${server.counting.openSockets} socket(s) left open`);
    }
  } catch (error) {
    problems.push(`failed: ${String(error)}`);
  } finally {
    await server.close();
  }
  const result: CellResult = {
    cell,
    expected,
    got,
    ok: problems.length === 0,
    ms,
    openSockets: server.counting?.openSockets ?? 0,
    problems,
  };
  results.push(result);
  return result;
}

/**
 * A streamed download must get 16 KiB in every 15 s window of waiting
 * (lib/mail/download-idle.ts, D14): the window the last byte fell in still
 * counts as progress, so the stall is called within two windows of it.
 */
const DOWNLOAD_STALL_BOUND_MS = 2 * 15_000 + 1000;

interface Judged {
  got: string;
  /** From the request to the answer's headers. */
  headersMs: number;
  /** From the last body byte to the end of the body (or its failure). */
  stalledMs: number;
}

/** Reads the whole answer (counting, not keeping, a download's bytes) and describes it; what differs from `expected` goes to `problems`. */
async function judge(
  response: Response,
  expected: Expected,
  started: number,
  problems: string[],
): Promise<Judged> {
  const headersMs = performance.now() - started;
  const type = response.headers.get('content-type') ?? '';
  const length = response.headers.get('content-length');
  if (expected.kind === 'problem' || response.status !== 200) {
    const text = await response.text();
    let code = '?';
    try {
      code = String((JSON.parse(text) as { code?: unknown }).code);
    } catch {
      problems.push(`not JSON: ${JSON.stringify(text.slice(0, 100))}`);
    }
    const got = `${response.status} ${code}`;
    if (expected.kind !== 'problem') problems.push(`expected a 200 download, got ${got}`);
    else if (response.status !== expected.status || code !== expected.code) {
      problems.push(`expected ${expected.status} ${expected.code}, got ${got}`);
    }
    if (!type.startsWith('application/problem+json')) problems.push(`content-type ${type}`);
    return { got, headersMs, stalledMs: 0 };
  }
  let received = 0;
  let failed = false;
  let lastByte = performance.now();
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      lastByte = performance.now();
    }
  } catch {
    failed = true;
  }
  const stalledMs = performance.now() - lastByte;
  const size = `${(received / 1024 / 1024).toFixed(1)} MiB`;
  if (expected.kind === 'aborted') {
    if (length !== String(expected.declared))
      problems.push(`content-length ${length}, not ${expected.declared}`);
    if (!failed) problems.push(`a complete-looking body of ${received} bytes`);
    return { got: `200 aborted after ${received} of ${length} bytes`, headersMs, stalledMs };
  }
  if (length !== null) problems.push(`content-length ${length} on a download whose size is not known`);
  if (expected.kind === 'cut') {
    if (!failed) problems.push(`a complete-looking body of ${received} bytes`);
    if (stalledMs > DOWNLOAD_STALL_BOUND_MS)
      problems.push(`body ended ${Math.round(stalledMs)} ms after its last byte`);
    return { got: `200 cut after ${size}`, headersMs, stalledMs };
  }
  if (failed || received < expected.atLeast) problems.push(`body of ${received} bytes, failed: ${failed}`);
  return { got: `200 whole, ${size}`, headersMs, stalledMs };
}

async function expectHealthy(): Promise<void> {
  expect(gateway.alive()).toBe(true);
  const started = performance.now();
  const response = await fetch(`${gateway.url}/health`);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  expect(performance.now() - started).toBeLessThan(1000);
}

/** Runs cells together while measuring the gateway's peak RSS; returns the failures. */
async function runGroup(name: string, cells: Cell[]): Promise<string[]> {
  await gateway.gc();
  const peak = gateway.watchPeak();
  const started = performance.now();
  const done = await Promise.all(cells.map(runCell));
  const growth = peak.stop();
  groups.push({ name, cells: cells.length, ms: performance.now() - started, growth });
  await expectHealthy();
  const failures = done
    .filter((r) => !r.ok)
    .map(
      (r) => `${r.cell.protocol} ${r.cell.endpoint.name} × ${r.cell.fault.name}: ${r.problems.join('; ')}`,
    );
  if (growth > MAX_GROWTH) failures.push(`${name}: peak RSS grew ${(growth / 1e6).toFixed(1)} MB`);
  return failures;
}

describe.each(FAULTS.map((fault) => [fault.name, fault] as const))('%s', (_name, fault) => {
  const cells = CELLS.filter((cell) => cell.fault === fault);
  it(`${cells.length} cells answer as documented, in time, with bounded memory and no socket left`, async () => {
    const failures: string[] = [];
    if (fault.heavy) {
      for (const cell of cells) {
        failures.push(...(await runGroup(`${fault.name}: ${cell.protocol} ${cell.endpoint.name}`, [cell])));
      }
    } else {
      failures.push(...(await runGroup(fault.name, cells)));
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

function renderReport(): string {
  const faults = FAULTS.map((f) => f.name);
  const rows = PROTOCOLS.flatMap((protocol) =>
    ENDPOINTS.filter((e) => e.trigger[protocol]).map((endpoint) => {
      const cells = faults.map((name) => {
        const r = results.find(
          (x) => x.cell.protocol === protocol && x.cell.endpoint === endpoint && x.cell.fault.name === name,
        );
        if (!r) return '';
        const status = r.got.split(' ', 1)[0] ?? '?';
        const mark = r.ok ? '' : ' ✗';
        return `${status}${mark} ${(r.ms / 1000).toFixed(2)}`;
      });
      return `| ${protocol.toUpperCase()} ${endpoint.name} | ${cells.join(' | ')} |`;
    }),
  );
  const expected = FAULTS.map((fault) => {
    const codes = new Set(
      results.filter((r) => r.cell.fault === fault).map((r) => describeExpected(r.expected, r.cell)),
    );
    return `- **${fault.name}**: ${[...codes].join('; ')}`;
  });
  const ok = results.filter((r) => r.ok).length;
  const heavy = groups.filter((g) => g.cells === 1);
  const light = groups.filter((g) => g.cells > 1);
  const maxHeavy = Math.max(0, ...heavy.map((g) => g.growth)) / 1024 / 1024;
  const worst = results.reduce((a, b) => (b.ms > a.ms ? b : a));
  return [
    `${results.length} cells, ${ok} as documented (✗: not). Each cell: status, then seconds to the end of the answer.`,
    '',
    `| endpoint | ${faults.join(' | ')} |`,
    `| --- | ${faults.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    'Expected:',
    ...expected,
    '',
    `Slowest cell: ${worst.cell.protocol} ${worst.cell.endpoint.name} × ${worst.cell.fault.name}, ${(worst.ms / 1000).toFixed(2)} s.`,
    `Peak RSS growth: floods (one cell at a time) at most ${maxHeavy.toFixed(1)} MiB; cells run together:`,
    ...light.map(
      (g) =>
        `- ${g.name}: ${g.cells} cells in ${(g.ms / 1000).toFixed(1)} s, +${(g.growth / 1024 / 1024).toFixed(1)} MiB`,
    ),
    '',
  ].join('\n');
}

function describeExpected(expected: Expected, cell: Cell): string {
  if (expected.kind === 'problem') return `${expected.status} ${expected.code}`;
  if (expected.kind === 'aborted')
    return `${cell.protocol.toUpperCase()}: 200, declared Content-Length, body aborted`;
  if (expected.kind === 'cut') return "POP3 raw: 200 at RETR's +OK, then the body fails";
  return `${cell.protocol.toUpperCase()} raw: 200 without Content-Length, every byte`;
}
