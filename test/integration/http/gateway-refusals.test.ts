import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeImapServer, startFakeImapServer } from '../../support/fake-imap-server.js';
import { type Gateway, startGateway } from '../../support/gateway.js';

/**
 * The same situation gets the same answer whatever the server's words: a
 * fake server that refuses with a plain `NO` (no RFC 5530 code), in German,
 * behind the real gateway.
 */
describe('refusals without response codes, through the gateway', () => {
  let gateway: Gateway;
  let plain: FakeImapServer;
  let denying: FakeImapServer;
  let token: string;

  const account = (server: FakeImapServer) => ({
    protocol: 'imap' as const,
    host: '127.0.0.1',
    port: server.port,
    tls: 'none' as const,
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  });

  beforeAll(async () => {
    gateway = await startGateway();
    plain = await startFakeImapServer({
      mailboxes: { INBOX: ['eins'], Archiv: [] },
      missingText: 'Postfach existiert nicht',
      existsText: 'Postfach existiert bereits',
    });
    denying = await startFakeImapServer({
      mailboxes: { INBOX: ['eins'], Archiv: [] },
      refuse: { CREATE: 'Keine Berechtigung', DELETE: 'Keine Berechtigung', APPEND: 'Keine Berechtigung' },
    });
    await gateway.addAccount('plain', account(plain));
    await gateway.addAccount('denying', account(denying));
    token = await gateway.token('*', 'write');
  });

  afterAll(async () => {
    await gateway?.close();
    await plain?.close();
    await denying?.close();
  });

  const send = (path: string, method: string, body?: unknown, contentType = 'application/json') =>
    gateway.get(path, token, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const raw = 'From: a@example.com\r\nSubject: neu\r\nMessage-ID: <neu@example.com>\r\n\r\nHallo\r\n';

  it.each([
    ['creating an existing mailbox', 409, 'mailbox_exists', 'POST', '/mailboxes', { path: 'Archiv' }],
    ['creating INBOX', 409, 'mailbox_exists', 'POST', '/mailboxes', { path: 'inbox' }],
    ['renaming onto INBOX', 409, 'mailbox_exists', 'PATCH', '/mailboxes/Archiv', { path: 'Inbox' }],
    ['deleting a missing mailbox', 404, 'mailbox_not_found', 'DELETE', '/mailboxes/Nirgends', undefined],
    ['renaming a missing mailbox', 404, 'mailbox_not_found', 'PATCH', '/mailboxes/Nirgends', { path: 'X' }],
    ['listing a missing mailbox', 404, 'mailbox_not_found', 'GET', '/mailboxes/Nirgends/messages', undefined],
    ['appending to a missing mailbox', 404, 'mailbox_not_found', 'POST', '/mailboxes/Nirgends/messages', raw],
  ])('%s answers %i %s', async (_what, status, code, method, path, body) => {
    const response = await send(
      `/v1/accounts/plain${path}`,
      method,
      body,
      typeof body === 'string' ? 'message/rfc822' : 'application/json',
    );
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ status, code });
    expect([...plain.state.mailboxes.keys()]).toEqual(['INBOX', 'Archiv']);
  });

  it.each([
    ['creating a mailbox', 'POST', '/mailboxes', { path: 'Neu' }],
    ['deleting a mailbox', 'DELETE', '/mailboxes/Archiv', undefined],
    ['appending a message', 'POST', '/mailboxes/INBOX/messages', raw],
  ])(
    '%s refused for no reason the state explains answers 502; the words are logged, not answered',
    async (_what, method, path, body) => {
      const before = gateway.logs.length;
      const response = await send(
        `/v1/accounts/denying${path}`,
        method,
        body,
        typeof body === 'string' ? 'message/rfc822' : 'application/json',
      );
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'upstream_unavailable' });
      expect(text).not.toContain('Berechtigung');
      const logged = gateway.logs.slice(before).filter((line) => line.includes('upstream failure'));
      expect(logged.join('\n')).toContain('Keine Berechtigung');
      expect([...denying.state.mailboxes.keys()]).toEqual(['INBOX', 'Archiv']);
      expect(denying.state.mailboxes.get('INBOX')!.messages).toHaveLength(1);
    },
  );
});
