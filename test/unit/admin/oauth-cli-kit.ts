import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { type CliEnvironment, runCli } from '../../../lib/admin/run-cli.js';

/** What a CLI run printed, and the URLs it asked the user to open (stdout lines starting with http). */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  urls: string[];
}

/**
 * Runs the CLI in process. `onUrl` plays the user: it is called with each URL
 * the CLI prints on stdout, while the CLI waits.
 */
export async function runOAuthCli(
  argv: string[],
  options: {
    cwd: string;
    input?: string;
    stdin?: CliEnvironment['stdin'];
    onUrl?: (url: string) => Promise<void>;
    createStore?: CliEnvironment['createStore'];
  },
): Promise<CliRun> {
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

/** Where the fake sent the browser, without going there (the user copies it from the address bar). */
export async function redirectTarget(authorizeUrl: string): Promise<URL> {
  const redirect = await fetch(assertLoopback(authorizeUrl), { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  return new URL(redirect.headers.get('location') ?? '');
}

/**
 * A token endpoint in front of the fake's that rewrites its JSON answers,
 * for provider behaviours the fake does not have (no refresh token, a
 * narrower grant, slow_down).
 */
export async function startTokenProxy(
  target: string,
  rewrite: (answer: Record<string, unknown>, status: number) => { status: number; body: unknown },
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
