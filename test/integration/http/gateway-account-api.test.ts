import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

const WRONG_PASSWORD = 'Definitely-Not-The-Password-42';

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the account API through the real server, verifying against the test Dovecot', () => {
  let gateway: Gateway;
  let user: MailUser;
  let admin: string;

  const put = (id: string, document: unknown, verify = true) =>
    gateway.get(`/v1/accounts/${id}${verify ? '?verify=true' : ''}`, admin, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(document),
    });
  const stored = async () => (await gateway.credentials.listAccountIds()).sort();

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('account-api');
    await user.seed('INBOX', [{ raw: 'From: x@example.com\r\nSubject: onboarded\r\n\r\nhello\r\n' }]);
    admin = await gateway.token('*', 'admin');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 422 verification_failed with Dovecot’s refusal for a wrong IMAP password, and stores nothing', async () => {
    const response = await put('imap-wrong', user.account({ password: WRONG_PASSWORD }));
    const text = await response.text();
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as { code: string; detail: string };
    expect(problem.code).toBe('verification_failed');
    // Dovecot's own words for a refused LOGIN, with its RFC 5530 code.
    expect(problem.detail).toMatch(
      /^The mail server refused the login; nothing was stored\. It answered: "\[AUTHENTICATIONFAILED\] Authentication failed\.?"$/,
    );
    expect(text).not.toContain(WRONG_PASSWORD);
    expect(text).not.toContain(user.password);
    expect(await stored()).toEqual([]);
    expect(await gateway.credentials.getAccount('imap-wrong')).toBeUndefined();
  }, 30_000);

  it('answers 422 with the POP3 -ERR for a wrong POP3 password, and stores nothing', async () => {
    const response = await put(
      'pop-wrong',
      user.account({ protocol: 'pop3', port: user.server.ports.pop3s, password: WRONG_PASSWORD }),
    );
    const text = await response.text();
    expect(response.status).toBe(422);
    const problem = JSON.parse(text) as { code: string; detail: string };
    expect(problem.code).toBe('verification_failed');
    expect(problem.detail).toMatch(/It answered: "\[AUTH\] Authentication failed\.?"$/);
    expect(text).not.toContain(WRONG_PASSWORD);
    expect(await stored()).toEqual([]);
  }, 30_000);

  it('keeps 502 for a server that cannot be reached, and stores nothing', async () => {
    const response = await put('unreachable', user.account({ port: await closedPort() }));
    expect(response.status).toBe(502);
    expect(((await response.json()) as { code: string }).code).toBe('upstream_unavailable');
    expect(await stored()).toEqual([]);
  });

  it('stores an account whose login succeeds (201), and a token minted through the API reads its mail', async () => {
    const response = await put('onboarded', user.account());
    const text = await response.text();
    expect(response.status).toBe(201);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain('BEGIN CERTIFICATE');
    const body = JSON.parse(text) as { verified: boolean; server: { capabilities: string[] } };
    expect(body).toMatchObject({ id: 'onboarded', auth: 'password', verified: true });
    expect(body.server.capabilities).toContain('IMAP4rev1');
    expect(await gateway.credentials.getAccount('onboarded')).toMatchObject({
      user: user.user,
      password: user.password,
    });

    const minted = await gateway.get('/v1/tokens', admin, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ accounts: ['onboarded'], scope: 'read', label: 'integration' }),
    });
    expect(minted.status).toBe(201);
    const { token, id } = (await minted.json()) as { token: string; id: string };
    const list = await gateway.get('/v1/accounts/onboarded/mailboxes/INBOX/messages', token);
    expect(list.status).toBe(200);
    const { messages } = (await list.json()) as { messages: Array<{ subject: string }> };
    expect(messages.map((m) => m.subject)).toEqual(['onboarded']);
    // The admin token itself reads no mail.
    expect((await gateway.get('/v1/accounts/onboarded/mailboxes/INBOX/messages', admin)).status).toBe(403);
    expect((await gateway.get('/v1/accounts/onboarded?probe=true', admin)).status).toBe(403);

    const revoked = await gateway.get(`/v1/tokens/${id}`, admin, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    expect((await gateway.get('/v1/accounts/onboarded/mailboxes/INBOX/messages', token)).status).toBe(401);
  }, 30_000);

  it('keeps the stored account, working, when a replacement fails verification', async () => {
    const response = await put('onboarded', user.account({ password: WRONG_PASSWORD }));
    expect(response.status).toBe(422);
    expect(await gateway.credentials.getAccount('onboarded')).toMatchObject({ password: user.password });
    const reader = await gateway.token(['onboarded'], 'read');
    expect((await gateway.get('/v1/accounts/onboarded/mailboxes', reader)).status).toBe(200);
  }, 30_000);

  it('refuses the account API to read and write tokens', async () => {
    for (const scope of ['read', 'write'] as const) {
      const token = await gateway.token('*', scope);
      const response = await gateway.get('/v1/accounts/other', token, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(user.account()),
      });
      expect(response.status).toBe(403);
      expect((await gateway.get('/v1/tokens', token)).status).toBe(403);
    }
    expect(await gateway.credentials.getAccount('other')).toBeUndefined();
  });
});
