import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

describe('token scopes and isolation through the real server', () => {
  let gateway: Gateway;
  let alice: MailUser;
  let tokenA: string;
  let readA: string;

  beforeAll(async () => {
    gateway = await startGateway();
    alice = await createMailUser('tok-a');
    const bob = await createMailUser('tok-b');
    await alice.seed('INBOX', [{ raw: 'From: x@example.com\r\nSubject: unread\r\n\r\nhello\r\n' }]);
    await gateway.addAccount('alice', alice.account());
    await gateway.addAccount('bob', bob.account());
    tokenA = await gateway.token(['alice'], 'write');
    readA = await gateway.token(['alice'], 'read');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 401 with WWW-Authenticate without a token', async () => {
    const response = await gateway.get('/v1/accounts', null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({ code: 'unauthorized' });
  });

  it('answers for an account the token does not grant exactly as for one that does not exist', async () => {
    const other = await gateway.get('/v1/accounts/bob', tokenA);
    const missing = await gateway.get('/v1/accounts/nobody', tokenA);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
    const body = async (r: Response) => (await r.json()) as Record<string, unknown>;
    expect(strip(await body(other))).toEqual(strip(await body(missing)));
    const listed = (await (await gateway.get('/v1/accounts', tokenA)).json()) as Array<{ id: string }>;
    expect(listed.map((a) => a.id)).toEqual(['alice']);
  });

  it('refuses markSeen=true (a read that writes) to a read token and leaves the flags alone', async () => {
    const list = await (await gateway.get('/v1/accounts/alice/mailboxes/INBOX/messages', readA)).json();
    const id = (list as { messages: Array<{ id: string }> }).messages[0]!.id;
    const response = await gateway.get(`/v1/accounts/alice/messages/${id}?markSeen=true`, readA);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden' });
    const flags = await alice.doveadm(['fetch', '-u', alice.user, 'flags', 'mailbox', 'INBOX', 'all']);
    expect(flags).not.toContain('\\Seen');
  });
});
