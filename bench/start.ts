/**
 * The local server's start: how long from `node …` to the first answer, and
 * how much memory it holds at rest, with one IMAP account configured (an
 * accounts file, not the demo: the demo's Dovecot and seeding would be
 * measured with it).
 *
 *   npx tsx bench/start.ts [--runs 5] [--rest-ms 3000] [--mode dist|files|tsx|all] [--entry <file>]
 *
 * Three ways to run the same server: `dist` (exactly what `npm start`
 * runs, the file its `start` script names: the minified, code-split bundle
 * of `npm run build:server`), `files` (the per-file build in dist/ that the
 * package exports and the `mailgate` bin use, which `npm start` ran before
 * the bundle; `npm run build:js`) and `tsx` (the TypeScript sources through
 * the loader, as `npm start` did before any build). Per run, a fresh process:
 * - listening: spawn → the "listening on" line;
 * - first answer: spawn → the answer to the first authenticated request
 *   (`GET /v1/accounts/main/mailboxes`: token check, one IMAP login and LIST
 *   against a private Dovecot on loopback);
 * - RSS at rest: the process's resident set (`VmRSS`) after that answer and
 *   `--rest-ms` of idleness (the kept IMAP connection closed by then with
 *   MAILGATE_IMAP_REUSE off, so only what start-up loaded remains).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileCredentialStore } from '../lib/credentials/file-store.js';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { median, option, printTable } from './bench-util.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(option('--runs') ?? 5);
const restMs = Number(option('--rest-ms') ?? 3000);
const modeOption = option('--mode') ?? 'all';

/** The file `npm start` runs: its script is `node <file>`. */
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const startFile = /^node (\S+)$/.exec(manifest.scripts.start ?? '')?.[1];
if (!startFile)
  throw new Error(`package.json's start script is not "node <file>": ${manifest.scripts.start}`);

// `--entry <file>` runs another build in the `dist` row (a variant to compare with `npm start`'s).
const entryOption = option('--entry');
const MODES: Record<string, string[]> = {
  dist: [entryOption ? join(process.cwd(), entryOption) : join(root, startFile)],
  files: [join(root, 'dist/functions/local-server.js')],
  tsx: ['--import', 'tsx', join(root, 'functions/local-server.ts')],
};

interface Sample {
  listeningMs: number;
  firstAnswerMs: number;
  rssMiB: number;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return kib / 1024;
}

function waitForListening(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      output.push(chunk);
      const url = /mailgate listening on (\S+)/.exec(output.join(''))?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}) before listening:\n${output.join('')}`)),
    );
  });
}

async function once(args: string[], env: NodeJS.ProcessEnv, token: string): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', process.env.MAILGATE_LOG_LEVEL ? 'inherit' : 'ignore', 'pipe'],
  });
  try {
    const output: string[] = [];
    const base = await waitForListening(child, output);
    const listeningMs = performance.now() - started;
    const response = await fetch(`${base}/v1/accounts/main/mailboxes`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await response.text();
    const firstAnswerMs = performance.now() - started;
    if (response.status !== 200)
      throw new Error(`first answer: HTTP ${response.status} ${body}\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, restMs));
    return { listeningMs, firstAnswerMs, rssMiB: await rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

const modes = modeOption === 'all' ? ['tsx', 'files', 'dist'] : modeOption.split(',');
for (const mode of modes) {
  if (!MODES[mode])
    throw new Error(`unknown mode "${mode}" (dist, files, tsx, all or a comma-separated list)`);
}
for (const mode of modes.filter((each) => each !== 'tsx')) {
  if (!existsSync(MODES[mode]![0]!)) {
    console.error(`${MODES[mode]![0]} is missing: run \`npm run build\` first (or pass --mode tsx).`);
    process.exit(2);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'mailgate-bench-start-'));
// Dovecot's unprivileged processes must traverse into its state directory below this one.
await chmod(dir, 0o755);
const user = { user: 'bench', password: `bench-${Math.random().toString(36).slice(2, 12)}` };
const dovecot = await startDovecot({ users: [user], stateDir: join(dir, 'dovecot') });
try {
  const accountsFile = join(dir, 'accounts.json');
  const store = new FileCredentialStore({ path: accountsFile });
  await store.putAccount('main', {
    protocol: 'imap',
    host: dovecot.host,
    port: dovecot.ports.imaps,
    tls: 'implicit',
    user: user.user,
    password: user.password,
    tlsOptions: { ca: dovecot.caCert },
  });
  const { token } = await store.createToken({ accounts: ['main'], scope: 'read', label: 'bench' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    MAILGATE_STORE: 'file',
    MAILGATE_ACCOUNTS_FILE: accountsFile,
    MAILGATE_DEMO: 'false',
    MAILGATE_WEBHOOK_DIR: join(dir, 'webhooks'),
    MAILGATE_IMAP_REUSE: 'off',
    MAILGATE_LOG_LEVEL: process.env.MAILGATE_LOG_LEVEL ?? 'error',
  };
  const rows: string[][] = [];
  for (const mode of modes) {
    const samples: Sample[] = [];
    // One unmeasured run first: the page cache then holds the files for every measured run alike.
    await once(MODES[mode]!, env, token);
    for (let i = 0; i < runs; i++) samples.push(await once(MODES[mode]!, env, token));
    rows.push([
      mode === 'dist'
        ? `dist (${entryOption ?? `npm start: ${startFile}`})`
        : mode === 'files'
          ? 'files (dist/functions)'
          : mode,
      `${median(samples.map((s) => s.listeningMs)).toFixed(0)} ms`,
      `${median(samples.map((s) => s.firstAnswerMs)).toFixed(0)} ms`,
      `${median(samples.map((s) => s.rssMiB)).toFixed(1)} MiB`,
    ]);
  }
  console.log(
    `Local server start, one IMAP account, median of ${runs} runs (RSS after ${restMs} ms at rest); load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  printTable(['run', 'listening', 'first answer', 'RSS at rest'], rows);
} finally {
  await dovecot.stop();
  await rm(dir, { recursive: true, force: true });
}
