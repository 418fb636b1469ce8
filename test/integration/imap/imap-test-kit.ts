import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Account, AccountDocument } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { type Logger, silentLogger } from '../../../lib/mail/logger.js';
import type { Download, GetMessageOptions } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/** A fresh user for one test file (the pool in test/support/mail-server.ts is ready to log in at once). */
export async function createImapUser(prefix: string): Promise<MailUser> {
  return createMailUser(prefix);
}

const FIXTURES = join(import.meta.dirname, '../../fixtures/messages');

/** A hand-written message from test/fixtures/messages. */
export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildAccount(user: MailUser, overrides: Partial<AccountDocument> = {}): Account {
  return { id: 'test-account', ...user.account(overrides) } as Account;
}

export function openStore(
  user: MailUser,
  options: { account?: Partial<AccountDocument>; signal?: AbortSignal; logger?: Logger } = {},
): ImapMailStore {
  return new ImapMailStore(buildAccount(user, options.account), {
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? silentLogger,
  });
}

/** Runs one request's worth of work on a fresh store and always closes it. */
export async function withStore<T>(user: MailUser, work: (store: ImapMailStore) => Promise<T>): Promise<T> {
  const store = openStore(user);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function buildGetOptions(overrides: Partial<GetMessageOptions> = {}): GetMessageOptions {
  return { body: 'both', maxBodyBytes: null, markSeen: false, ...overrides };
}

export async function drain(download: Download): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of download.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A minimal RFC 5322 message. */
export function buildMessage(
  overrides: { subject?: string; from?: string; body?: string; headers?: string[] } = {},
) {
  return [
    `From: ${overrides.from ?? 'Sender <sender@example.com>'}`,
    'To: Recipient <rcpt@example.org>',
    `Subject: ${overrides.subject ?? 'Test message'}`,
    'Date: Tue, 03 Nov 2026 10:00:00 +0000',
    ...(overrides.headers ?? []),
    '',
    overrides.body ?? 'Body text.',
    '',
  ].join('\r\n');
}

/** Client lines of each IMAP session of `user` so far (Dovecot rawlog `.in` files), keyed by file. */
async function clientSessions(user: MailUser): Promise<Map<string, string[]>> {
  const dir = join(user.server.stateDir, 'rawlog', user.user);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.in')).sort();
  const sessions = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(join(dir, file), 'latin1');
    sessions.set(
      file,
      text
        .split('\n')
        .map((line) => line.replace(/^\d+\.\d+ /, '').trimEnd())
        .filter((line) => line !== ''),
    );
  }
  return sessions;
}

/**
 * Runs `work` and returns the commands (`TAG NAME args`, tag removed) the
 * sessions it opened sent after login, as Dovecot logged them. Dovecot's
 * rawlog starts after authentication, so LOGIN itself is not in it.
 */
export async function commandsDuring(user: MailUser, work: () => Promise<unknown>): Promise<string[]> {
  const before = await clientSessions(user);
  await work();
  // Dovecot flushes the rawlog when the session ends.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const after = await clientSessions(user);
  const commands: string[] = [];
  for (const [file, lines] of after) {
    if (before.has(file)) continue;
    for (const line of lines) {
      const match = /^\S+ ([A-Za-z].*)$/.exec(line);
      if (match) commands.push(match[1]!);
    }
  }
  return commands;
}

/** The command names (`UID FETCH`, `EXAMINE`) of command lines. */
export function commandNames(commands: readonly string[]): string[] {
  return commands.map((line) => {
    const [first, second] = line.split(' ');
    return first === 'UID' ? `UID ${second}` : (first ?? '');
  });
}

/**
 * The round trips (request flights the proxy saw) of one cold request: a
 * store opened through `proxy` does `work` on a single new connection.
 */
export async function roundTripsThrough(
  proxy: FaultProxy,
  user: MailUser,
  work: (store: ImapMailStore) => Promise<unknown>,
): Promise<number> {
  await proxy.whenIdle();
  proxy.reset();
  const store = openStore(user, { account: { port: proxy.port } });
  await work(store).finally(() => store.close());
  await proxy.whenIdle();
  expect(proxy.totalConnections).toBe(1);
  return proxy.flights.total;
}
