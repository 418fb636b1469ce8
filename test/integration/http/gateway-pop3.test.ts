import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFakeMessage,
  type FakePop3Server,
  startFakePop3Server,
} from '../../support/fake-pop3-server.js';
import { startFaultProxy } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

const DEADLINE_MS = 3000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Lines starting with dots, latin-1 0xE9, control bytes in base64, a CRLF.CRLF inside a quoted body. */
const TRICKY = Buffer.concat([
  Buffer.from('From: Dots <dots@example.com>\r\nSubject: dots\r\nMIME-Version: 1.0\r\n', 'latin1'),
  Buffer.from('Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n', 'latin1'),
  Buffer.from(
    'Content-Type: text/plain; charset=iso-8859-1\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n',
    'latin1',
  ),
  Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]),
  Buffer.from('> quoted\r\n> .\r\n> \r\n.\r\nafter a lone dot\r\n--b\r\n', 'latin1'),
  Buffer.from(
    'Content-Type: application/octet-stream; name="ctl.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    'latin1',
  ),
  Buffer.from(
    `${Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64')}\r\n--b--\r\n`,
    'latin1',
  ),
]);

describe('POP3 accounts through the real server', () => {
  let gateway: Gateway;
  let user: MailUser;
  let token: string;
  let fake: FakePop3Server;

  beforeAll(async () => {
    gateway = await startGateway({ MAILGATE_REQUEST_TIMEOUT_MS: DEADLINE_MS });
    user = await createMailUser('pop3http');
    await user.seed('INBOX', [{ raw: TRICKY }, { raw: 'Subject: second\r\n\r\nbody\r\n' }]);
    await gateway.addAccount('pop', user.account({ protocol: 'pop3', port: user.server.ports.pop3s }));
    const big = Buffer.from(`Subject: stalls\r\n\r\n${'x'.repeat(200_000)}\r\n`);
    fake = await startFakePop3Server({
      messages: [buildFakeMessage({ uid: 'stall-1', raw: big })],
      user: 'alice',
      password: 'alice-pass',
      stallRetrAfter: 10_000,
    });
    await gateway.addAccount('stall', {
      protocol: 'pop3',
      host: '127.0.0.1',
      port: fake.port,
      tls: 'none',
      allowPlaintext: true,
      user: 'alice',
      password: 'alice-pass',
    });
    token = await gateway.token('*', 'write');
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  async function ids(account = 'pop'): Promise<Array<{ id: string; subject: string }>> {
    const response = await gateway.get(`/v1/accounts/${account}/mailboxes/INBOX/messages`, token);
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: Array<{ id: string; subject: string }> }).messages;
  }

  it('describes what a POP3 account can do', async () => {
    const response = await gateway.get('/v1/accounts/pop', token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'pop',
      protocol: 'pop3',
      capabilities: {
        mailboxes: false,
        flags: false,
        move: false,
        copy: false,
        append: false,
        changes: false,
        wait: false,
        filters: expect.arrayContaining(['from', 'to', 'subject', 'since', 'before']),
      },
    });
  });

  it('returns the raw source byte-identical to what was delivered', async () => {
    const [, tricky] = await ids();
    expect(tricky!.subject).toBe('dots');
    const response = await gateway.get(`/v1/accounts/pop/messages/${tricky!.id}/raw`, token);
    expect(response.status).toBe(200);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(TRICKY));
  });

  it.each([
    ['PATCH', 'messages/ID', { flags: { add: ['\\Seen'] } }],
    ['POST', 'messages/ID/move', { to: 'Archive' }],
    ['POST', 'messages/ID/copy', { to: 'Archive' }],
    ['POST', 'mailboxes/INBOX/messages', { raw: Buffer.from('Subject: x\r\n\r\ny\r\n').toString('base64') }],
    ['POST', 'mailboxes/INBOX/messages/bulk', { ids: ['ID'], action: 'flag', flags: { add: ['\\Seen'] } }],
    ['GET', 'mailboxes/INBOX/changes?since=abc', undefined],
    ['GET', 'mailboxes/INBOX/wait?since=abc&timeout=2', undefined],
  ])('answers %s …/%s with 501 unsupported_operation', async (method, tail, body) => {
    const [first] = await ids();
    const path = `/v1/accounts/pop/${tail.replace('ID', first!.id)}`;
    const response = await gateway.get(path, token, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body).replace('"ID"', JSON.stringify(first!.id)) : undefined,
    });
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('unsupported_operation');
    expect(problem.detail).toMatch(/POP3/);
  });

  it.each([
    ['POST', '/v1/accounts/pop/mailboxes', { path: 'New' }],
    ['PATCH', '/v1/accounts/pop/mailboxes/INBOX', { path: 'Renamed' }],
    ['DELETE', '/v1/accounts/pop/mailboxes/INBOX', undefined],
  ])('answers mailbox %s %s with 501 unsupported_operation', async (method, path, body) => {
    const response = await gateway.get(path, token, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ code: 'unsupported_operation' });
  });

  it('ends a RETR that stalls with 504 within the deadline + 1 s and leaves no socket open', async () => {
    const [message] = await ids('stall');
    const started = Date.now();
    const response = await gateway.get(`/v1/accounts/stall/messages/${message!.id}`, token);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'upstream_timeout' });
    expect(elapsed).toBeLessThan(DEADLINE_MS + 1000);
    const last = fake.sessions.at(-1)!;
    await last.closed;
    expect(fake.sessions.every((session) => session.isClosed)).toBe(true);
  });

  it('keeps a message when the connection fails between DELE and QUIT (502), deletes it after a clean QUIT (204)', async () => {
    const target = await createMailUser('pop3del-http');
    await target.seed('INBOX', [
      { raw: 'Subject: keep me\r\n\r\nx\r\n' },
      { raw: 'Subject: other\r\n\r\ny\r\n' },
    ]);
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: target.server.ports.pop3 },
      onCommand: (line) => (line === 'QUIT' ? 'cut' : 'forward'),
      cutBeforeForwarding: true,
    });
    try {
      const plain = { protocol: 'pop3' as const, tls: 'none' as const, allowPlaintext: true };
      await gateway.addAccount('cut', target.account({ ...plain, port: proxy.port }));
      await gateway.addAccount(
        'clean',
        target.account({ protocol: 'pop3', port: target.server.ports.pop3s }),
      );
      const before = await ids('clean');
      const victim = before.find((m) => m.subject === 'keep me')!;

      const cut = await gateway.get(`/v1/accounts/cut/messages/${victim.id}`, token, {
        method: 'DELETE',
      });
      expect(cut.status).toBe(502);
      expect(await cut.json()).toMatchObject({ code: 'upstream_unavailable' });
      expect(proxy.commands.map((c) => c.line)).toContain('DELE 1');
      expect((await ids('clean')).map((m) => m.id)).toContain(victim.id);

      const clean = await gateway.get(`/v1/accounts/clean/messages/${victim.id}`, token, {
        method: 'DELETE',
      });
      expect(clean.status).toBe(204);
      const after = await ids('clean');
      expect(after.map((m) => m.id)).not.toContain(victim.id);
      expect(after.map((m) => m.subject)).toEqual(['other']);
    } finally {
      await proxy.close();
    }
  });
});
