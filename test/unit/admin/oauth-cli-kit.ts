import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type CliEnvironment, runCli } from '../../../lib/admin/run-cli.js';
import type { Account } from '../../../lib/credentials/account.js';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { type FakeIdp, type FakeIdpClientSettings, startFakeIdp } from '../../support/fake-idp/index.js';

/** What a CLI run printed, and the URLs it asked the user to open (stdout lines starting with http). */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  urls: string[];
}

/** How runOAuthCli runs the CLI. */
export interface CliRunOptions {
  cwd: string;
  input?: string;
  stdin?: CliEnvironment['stdin'];
  onUrl?: (url: string) => Promise<void>;
  createStore?: CliEnvironment['createStore'];
}

/**
 * Runs the CLI in process. `onUrl` plays the user: it is called with each URL
 * the CLI prints on stdout, while the CLI waits.
 */
export async function runOAuthCli(argv: string[], options: CliRunOptions): Promise<CliRun> {
  const run: CliRun = { status: -1, stdout: '', stderr: '', urls: [] };
  const browsing: Promise<void>[] = [];
  const io: CliEnvironment = {
    stdin: options.stdin ?? Readable.from([Buffer.from(options.input ?? '')]),
    stdout: {
      write: (text: string) => {
        run.stdout += text;
        for (const line of text.split('\n')) {
          if (!/^https?:\/\//.test(line)) continue;
          run.urls.push(line);
          if (options.onUrl) browsing.push(options.onUrl(line));
        }
      },
    },
    stderr: { write: (text: string) => (run.stderr += text) },
    env: {},
    cwd: options.cwd,
    ...(options.createStore ? { createStore: options.createStore } : {}),
  };
  run.status = await runCli(argv, io);
  await Promise.all(browsing);
  return run;
}

/** Tests must never reach a real provider: every URL a test follows is on loopback. */
export function assertLoopback(url: string | URL): URL {
  const parsed = new URL(url);
  expect(['127.0.0.1', '[::1]']).toContain(parsed.hostname);
  return parsed;
}

/**
 * A browser: opens the authorize URL (the fake consents at once and answers
 * 302), then follows the redirect to the CLI's loopback server, optionally
 * tampered with first.
 */
export async function browse(
  authorizeUrl: string,
  tamper: (redirect: URL) => URL = (redirect) => redirect,
): Promise<Response> {
  const redirect = await fetch(assertLoopback(authorizeUrl), { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = tamper(new URL(redirect.headers.get('location') ?? ''));
  return fetch(assertLoopback(location));
}

/** An `onUrl` for a user who consents in the browser (browse, the page not looked at). */
export async function consentInBrowser(url: string): Promise<void> {
  await browse(url);
}

/** Where the fake sent the browser, without going there (the user copies it from the address bar). */
export async function redirectTarget(authorizeUrl: string): Promise<URL> {
  const redirect = await fetch(assertLoopback(authorizeUrl), { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  return new URL(redirect.headers.get('location') ?? '');
}

/** How a token proxy changes the provider's answer: the JSON body and status it got, the ones it sends. */
export type AnswerRewrite = (
  answer: Record<string, unknown>,
  status: number,
) => { status: number; body: unknown };

/**
 * A token endpoint in front of the fake's that rewrites its JSON answers,
 * for provider behaviours the fake does not have (no refresh token, a
 * narrower grant, slow_down).
 */
export async function startTokenProxy(
  target: string,
  rewrite: AnswerRewrite,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const upstream = await fetch(assertLoopback(target), {
      method: 'POST',
      headers: {
        'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded',
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      },
      body: Buffer.concat(chunks),
    });
    const { status, body } = rewrite((await upstream.json()) as Record<string, unknown>, upstream.status);
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A startTokenProxy rewrite that sets `fields` in the provider's answer. */
export function answerWith(fields: Record<string, unknown>): AnswerRewrite {
  return (answer, status) => ({ status, body: { ...answer, ...fields } });
}

/** A startTokenProxy rewrite that drops `field` from the provider's answer. */
export function answerWithout(field: string): AnswerRewrite {
  return (answer, status) => {
    const { [field]: _dropped, ...rest } = answer;
    return { status, body: rest };
  };
}

/** What an `account oauth` test file works with; `dir` and `file` are the current test's. */
export interface OAuthCliFixture {
  /** The fake provider, one for the file. */
  readonly idp: FakeIdp;
  /** The test's working directory, removed after it. */
  readonly dir: string;
  /** `accounts.json` in `dir`; the CLI creates it. */
  readonly file: string;
  /** A client of its own at the fake provider (`<clientPrefix>-<n>`). */
  newClient(settings?: Omit<FakeIdpClientSettings, 'clientId'>): Promise<string>;
  /** startTokenProxy in front of the fake's token endpoint for the time `use` takes: `use` gets its URL. */
  withTokenProxy<T>(rewrite: AnswerRewrite, use: (tokenUrl: string) => Promise<T>): Promise<T>;
  /** runOAuthCli in `dir`. */
  run(argv: string[], options?: Omit<CliRunOptions, 'cwd'>): Promise<CliRun>;
  /** The flags of a `custom` client at the fake provider: its authorize URL, its token URL unless `tokenUrl`, `scope`. */
  customClientArgs(clientId: string, options: { scope: string; tokenUrl?: string | undefined }): string[];
  /** `account oauth work` with the client flags `client`, a server on 127.0.0.1:`port`, stored in `file`. */
  accountOAuthArgs(
    client: string[],
    server: { port: number; protocol?: 'imap' | 'pop3' },
    ...extra: string[]
  ): string[];
  /** The account `work` as the CLI stored it in `file`. */
  storedAccount(): Promise<Account | undefined>;
  /** Asserts that the CLI wrote no accounts file. */
  nothingStored(): Promise<void>;
}

/**
 * The fixture of an `account oauth` test file: the fake provider for the
 * file, a temporary directory (`<dirPrefix>…`) for each test. Call it at the
 * top of the file: it registers the hooks.
 */
export function useOAuthCliFixture(names: { dirPrefix: string; clientPrefix: string }): OAuthCliFixture {
  let idp: FakeIdp | undefined;
  let dir: string | undefined;
  let clients = 0;
  beforeAll(async () => {
    idp = await startFakeIdp();
  });
  afterAll(() => idp?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), names.dirPrefix));
  });
  afterEach(() => rm(fixture.dir, { recursive: true, force: true }));

  const fixture: OAuthCliFixture = {
    get idp() {
      if (idp === undefined) throw new Error('the fake provider starts in beforeAll');
      return idp;
    },
    get dir() {
      if (dir === undefined) throw new Error('the directory is made in beforeEach');
      return dir;
    },
    get file() {
      return join(fixture.dir, 'accounts.json');
    },
    async newClient(settings = {}) {
      clients += 1;
      const clientId = `${names.clientPrefix}-${clients}`;
      await fixture.idp.control.configureClient({ clientId, ...settings });
      return clientId;
    },
    async withTokenProxy(rewrite, use) {
      const proxy = await startTokenProxy(`${fixture.idp.url}/token`, rewrite);
      try {
        return await use(proxy.url);
      } finally {
        await proxy.close();
      }
    },
    run: (argv, options = {}) => runOAuthCli(argv, { cwd: fixture.dir, ...options }),
    customClientArgs: (clientId, options) => [
      '--provider',
      'custom',
      '--client-id',
      clientId,
      '--authorize-url',
      `${fixture.idp.url}/authorize`,
      '--token-url',
      options.tokenUrl ?? `${fixture.idp.url}/token`,
      '--scope',
      options.scope,
    ],
    accountOAuthArgs: (client, server, ...extra) => [
      'account',
      'oauth',
      'work',
      ...client,
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      ...(server.protocol === undefined ? [] : ['--protocol', server.protocol]),
      '--file',
      fixture.file,
      ...extra,
    ],
    storedAccount: () => new FileCredentialStore({ path: fixture.file }).getAccount('work'),
    async nothingStored() {
      await expect(stat(fixture.file)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  };
  return fixture;
}
