import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { type SilentServer, startNeverGreetServer } from '../../support/never-greet-server.js';

// Above Dovecot's 2 s delay before it answers a failed login.
const DEADLINE_MS = 4000;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('gateway against failing mail servers', () => {
  let gateway: Gateway;
  let user: MailUser;
  let silent: SilentServer;
  let token: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ MAILGATE_REQUEST_TIMEOUT_MS: DEADLINE_MS });
    user = await createMailUser('fail');
    silent = await startNeverGreetServer();
    const wrongPassword = 'definitely-wrong-password-93c1';
    secrets.push(user.password, wrongPassword);
    await gateway.addAccount('good', user.account());
    await gateway.addAccount('badpass', user.account({ password: wrongPassword }));
    await gateway.addAccount('down', user.account({ port: await closedPort() }));
    await gateway.addAccount('silent', user.account({ port: silent.port, tls: 'implicit' }));
    token = await gateway.token('*', 'write');
    secrets.push(token);
  });

  afterAll(async () => {
    await gateway?.close();
    await silent?.close();
  });

  it('answers 502 upstream_auth_failed when the stored password is refused', async () => {
    const response = await gateway.get('/v1/accounts/badpass/mailboxes', token);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
  });

  it('answers 502 upstream_unavailable within 2 s when nothing listens', async () => {
    const started = Date.now();
    const response = await gateway.get('/v1/accounts/down/mailboxes', token);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('answers 504 within the deadline + 1 s when the server never greets, and closes its socket', async () => {
    const started = Date.now();
    const response = await gateway.get('/v1/accounts/silent/mailboxes/INBOX/messages', token);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'upstream_timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 1000);
    await silent.whenAllClosed();
    expect(silent.openSockets).toBe(0);
  });

  it.each([
    ['a filter', '/v1/accounts/good/mailboxes/INBOX/messages?subject=a%0D%0AX%20LOGOUT'],
    ['a filter with NUL', '/v1/accounts/good/mailboxes/INBOX/messages?from=a%00b'],
    ['a mailbox', '/v1/accounts/good/mailboxes/INBOX%0D%0AX%20DELETE%20INBOX/messages'],
    ['a message id', '/v1/accounts/good/messages/abc%0Adef'],
    ['a message id on a mailbox alias', '/v1/accounts/good/mailboxes/INBOX/messages/abc%0Adef'],
    ['a header filter', '/v1/accounts/good/mailboxes/INBOX/messages?header.X-Test=a%0Db'],
  ])('refuses CR/LF/NUL in %s with 400 before any command reaches the server', async (_what, path) => {
    const before = await user.transcripts();
    const response = await gateway.get(path, token);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    expect(await user.transcripts()).toBe(before);
  });

  it('writes no password or token into any log line', async () => {
    await gateway.get('/v1/accounts/good/mailboxes', token);
    await gateway.get('/v1/accounts/badpass/mailboxes', token);
    await gateway.get('/v1/accounts/good/mailboxes', 'mg_notatoken_bogus');
    expect(gateway.logs.length).toBeGreaterThan(3);
    const all = gateway.logs.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
