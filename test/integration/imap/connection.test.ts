import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { LogFields, Logger } from '../../../lib/mail/logger.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { type SilentServer, startNeverGreetServer } from '../../support/never-greet-server.js';
import { buildMessage, createImapUser, openStore } from './imap-test-kit.js';

let user: MailUser;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  user = await createImapUser('conn');
  await user.seed('INBOX', [{ raw: buildMessage({ subject: 'hello' }) }]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function proxyTo(
  port: number,
  options: Partial<Parameters<typeof startFaultProxy>[0]> = {},
): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: user.server.host, port }, ...options });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function silentServer(): Promise<SilentServer> {
  const server = await startNeverGreetServer();
  cleanups.push(() => server.close());
  return server;
}

const listInbox = { counts: false };

describe('connecting', () => {
  test('STARTTLS on the plain port works with the CA from the account', async () => {
    const store = openStore(user, { account: { port: user.server.ports.imap, tls: 'starttls' } });
    const mailboxes = await store.listMailboxes(listInbox).finally(() => store.close());
    expect(mailboxes.map((m) => m.path)).toContain('INBOX');
  });

  test('probe reports the server and makes changes/wait exact for it', async () => {
    const store = openStore(user);
    const probe = await store.probe().finally(() => store.close());
    expect(probe.server.name).toBe('Dovecot');
    expect(probe.server.capabilities).toEqual(expect.arrayContaining(['IMAP4rev1', 'CONDSTORE', 'IDLE']));
    expect(probe.capabilities).toMatchObject({ changes: true, wait: true, mailboxes: true });
  });

  test('a server that does not offer STARTTLS is an error and the password is never sent', async () => {
    const proxy = await proxyTo(user.server.ports.imap, {
      protocol: 'imap',
      transformToClient: withoutCapability('STARTTLS'),
    });
    const store = openStore(user, { account: { port: proxy.port, tls: 'starttls' } });
    await expect(store.listMailboxes(listInbox).finally(() => store.close())).rejects.toMatchObject({
      code: 'upstream_unavailable',
    });
    const lines = proxy.commands.map((c) => c.line).join('\n');
    expect(lines).not.toMatch(/LOGIN|AUTHENTICATE/i);
    expect(lines).not.toContain(user.password);
  });

  test('a wrong password is upstream_auth_failed', async () => {
    const store = openStore(user, { account: { password: 'not-the-password' } });
    await expect(store.listMailboxes(listInbox).finally(() => store.close())).rejects.toMatchObject({
      code: 'upstream_auth_failed',
    });
  });

  test('a certificate the account does not trust is upstream_unavailable', async () => {
    const store = openStore(user, { account: { tlsOptions: {} } });
    await expect(store.listMailboxes(listInbox).finally(() => store.close())).rejects.toMatchObject({
      code: 'upstream_unavailable',
    });
  });

  test('a closed port is upstream_unavailable within 2 s', async () => {
    const store = openStore(user, { account: { port: await closedPort() } });
    const started = Date.now();
    await expect(store.listMailboxes(listInbox).finally(() => store.close())).rejects.toMatchObject({
      code: 'upstream_unavailable',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('tls "none" without allowPlaintext is refused before connecting', async () => {
    const server = await silentServer();
    const store = openStore(user, { account: { port: server.port, tls: 'none' } });
    await expect(store.listMailboxes(listInbox).finally(() => store.close())).rejects.toMatchObject({
      name: 'ConfigurationError',
    });
    expect(server.totalConnections).toBe(0);
  });
});

describe('deadlines and aborts', () => {
  test('a server that never greets: the deadline aborts with upstream_timeout and the socket is closed', async () => {
    const server = await silentServer();
    const store = openStore(user, {
      account: { port: server.port, tls: 'none', allowPlaintext: true },
      signal: AbortSignal.timeout(500),
    });
    const started = Date.now();
    await expect(store.listMailboxes(listInbox)).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
    await expect.poll(() => server.openSockets, { timeout: 2000 }).toBe(0);
    await store.close();
  });

  test('aborting in the middle of a command closes the socket at once', async () => {
    const proxy = await proxyTo(user.server.ports.imap, {
      protocol: 'imap',
      onCommand: (line) => (/ EXAMINE /.test(line) ? 'stall' : 'forward'),
    });
    const controller = new AbortController();
    const store = openStore(user, {
      account: { port: proxy.port, tls: 'none', allowPlaintext: true },
      signal: controller.signal,
    });
    const pending = store.listMessages({ kind: 'path', path: 'INBOX' }, { limit: 5, filter: {} });
    await expect
      .poll(() => proxy.commands.some((c) => / EXAMINE /.test(c.line)), { timeout: 5000 })
      .toBe(true);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await expect.poll(() => proxy.connections, { timeout: 2000 }).toBe(0);
    await store.close();
  });
});

describe('logging', () => {
  test('protocol logging never carries the password', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (message: string, fields?: LogFields) => lines.push(JSON.stringify({ message, ...fields })),
      info: (message: string, fields?: LogFields) => lines.push(JSON.stringify({ message, ...fields })),
      warn: (message: string, fields?: LogFields) => lines.push(JSON.stringify({ message, ...fields })),
      error: (message: string, fields?: LogFields) => lines.push(JSON.stringify({ message, ...fields })),
      child: () => logger,
    };
    const store = openStore(user, { logger });
    await store
      .listMessages({ kind: 'path', path: 'INBOX' }, { limit: 5, filter: {} })
      .finally(() => store.close());
    expect(lines.some((line) => line.includes('LOGIN'))).toBe(true);
    expect(lines.join('\n')).not.toContain(user.password);
    // Server lines are cut to their first words: no message content.
    expect(lines.join('\n')).not.toContain('Body text.');
    expect(lines.join('\n')).not.toContain('hello');
  });
});
