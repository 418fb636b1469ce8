import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

interface Summary {
  id: string;
  subject: string;
  flags: string[];
}

const message = (subject: string) =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nbody of ${subject}\r\n`;

describe('writing through the real server, checked on the server', () => {
  let gateway: Gateway;
  let user: MailUser;
  let write: string;
  let read: string;
  const inbox = '/v1/accounts/w/mailboxes/INBOX';
  const messages = '/v1/accounts/w/messages';

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('writes');
    await user.seed(
      'INBOX',
      ['one', 'two', 'three', 'four', 'five'].map((s) => ({ raw: message(s) })),
    );
    await gateway.addAccount('w', user.account());
    write = await gateway.token(['w'], 'write');
    read = await gateway.token(['w'], 'read');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const send = (path: string, method: string, body?: unknown, token = write) =>
    gateway.get(path, token, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function list(mailbox = 'INBOX'): Promise<Summary[]> {
    const response = await gateway.get(
      `/v1/accounts/w/mailboxes/${encodeURIComponent(mailbox)}/messages`,
      write,
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: Summary[] }).messages;
  }

  const serverSubjects = async (mailbox: string) =>
    (await user.doveadm(['fetch', '-u', user.user, 'hdr.subject', 'mailbox', mailbox, 'all']))
      .split('\n')
      .filter((line) => line.startsWith('hdr.subject: '))
      .map((line) => line.slice('hdr.subject: '.length))
      .sort();

  it('refuses every write to a read token with 403 before any command reaches the server', async () => {
    const [first] = await list();
    const before = await user.transcripts();
    const attempts = [
      send(`${messages}/${first!.id}`, 'PATCH', { flags: { add: ['\\Seen'] } }, read),
      send(`${messages}/${first!.id}/move`, 'POST', { to: 'Archive' }, read),
      send(`${messages}/${first!.id}`, 'DELETE', undefined, read),
      send('/v1/accounts/w/mailboxes', 'POST', { path: 'Nope' }, read),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });
    }
    expect(await user.transcripts()).toBe(before);
  });

  it('sets flags, and two concurrent PATCHes both land', async () => {
    const [first] = await list();
    const path = `${messages}/${first!.id}`;
    const [a, b] = await Promise.all([
      send(path, 'PATCH', { flags: { add: ['$Important'] } }),
      send(path, 'PATCH', { flags: { add: ['\\Flagged'] } }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const flags = await user.doveadm([
      'fetch',
      '-u',
      user.user,
      'flags',
      'mailbox',
      'INBOX',
      'header',
      'Subject',
      'five',
    ]);
    expect(flags).toContain('$Important');
    expect(flags).toContain('\\Flagged');
  });

  it('moves, copies and deletes exactly the message named', async () => {
    const listed = await list();
    const byName = (s: string) => listed.find((m) => m.subject === s)!;
    const moved = await send(`${messages}/${byName('four').id}/move`, 'POST', { to: '~archive' });
    expect(moved.status).toBe(200);
    const movedBody = (await moved.json()) as { id: string; mailbox: string };
    expect(movedBody.mailbox).toBe('Archive');
    const copied = await send(`${messages}/${byName('three').id}/copy`, 'POST', { to: 'Archive' });
    expect(copied.status).toBe(200);
    const trashed = await send(`${messages}/${byName('two').id}`, 'DELETE');
    expect(trashed.status).toBe(200);
    expect(await trashed.json()).toMatchObject({ mailbox: 'Trash' });

    expect(await serverSubjects('INBOX')).toEqual(['five', 'one', 'three']);
    expect(await serverSubjects('Archive')).toEqual(['four', 'three']);
    expect(await serverSubjects('Trash')).toEqual(['two']);

    const [inTrash] = await list('Trash');
    const gone = await send(`${messages}/${inTrash!.id}`, 'DELETE');
    expect(gone.status).toBe(204);
    expect(await serverSubjects('Trash')).toEqual([]);
    // The moved message's new id reads the same message in its new mailbox.
    const reread = await gateway.get(`${messages}/${movedBody.id}`, write);
    expect(((await reread.json()) as { subject: string }).subject).toBe('four');
  });

  it('appends a message/rfc822 body and creates, renames and deletes a mailbox', async () => {
    const appended = await gateway.get(`${inbox}/messages`, write, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: message('appended'),
    });
    expect(appended.status).toBe(201);
    expect(await serverSubjects('INBOX')).toContain('appended');

    const created = await send('/v1/accounts/w/mailboxes', 'POST', { path: 'Projekte/Grüße 2026' });
    expect(created.status).toBe(201);
    const renamed = await send(
      `/v1/accounts/w/mailboxes/${encodeURIComponent('Projekte/Grüße 2026')}`,
      'PATCH',
      {
        path: 'Projekte/Übersicht',
      },
    );
    expect(renamed.status).toBe(200);
    const names = await user.doveadm(['mailbox', 'list', '-u', user.user]);
    expect(names.split('\n')).toContain('Projekte/Übersicht');
    expect(names.split('\n')).not.toContain('Projekte/Grüße 2026');
    const deleted = await send(
      `/v1/accounts/w/mailboxes/${encodeURIComponent('Projekte/Übersicht')}`,
      'DELETE',
    );
    expect(deleted.status).toBe(204);
    expect((await user.doveadm(['mailbox', 'list', '-u', user.user])).split('\n')).not.toContain(
      'Projekte/Übersicht',
    );
    const inboxDelete = await send('/v1/accounts/w/mailboxes/INBOX', 'DELETE');
    expect(inboxDelete.status).toBe(400);
  });

  it('bulk-flags by filter and reports what it did', async () => {
    const response = await send(`${inbox}/messages/bulk`, 'POST', {
      filter: { seen: false },
      action: 'flag',
      flags: { add: ['\\Seen'] },
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { matched: number; done: number; failed: unknown[] };
    expect(result.failed).toEqual([]);
    expect(result.done).toBe(result.matched);
    expect(result.done).toBeGreaterThan(0);
    const flags = await user.doveadm(['fetch', '-u', user.user, 'flags', 'mailbox', 'INBOX', 'all']);
    expect(
      flags
        .split('\n')
        .filter((l) => l.startsWith('flags:'))
        .every((l) => l.includes('\\Seen')),
    ).toBe(true);
  });

  it('reports changes since a state and wakes a waiting client on delivery', async () => {
    const status = (await (await gateway.get(inbox, write)).json()) as { state: string };
    expect(status.state).toEqual(expect.any(String));
    const waiting = gateway.get(`${inbox}/wait?since=${encodeURIComponent(status.state)}&timeout=10`, write);
    await new Promise((resolve) => setTimeout(resolve, 800));
    await user.seed('INBOX', [{ raw: message('late arrival') }]);
    const woke = (await (await waiting).json()) as { changed: boolean };
    expect(woke.changed).toBe(true);
    const changes = await gateway.get(`${inbox}/changes?since=${encodeURIComponent(status.state)}`, write);
    expect(changes.status).toBe(200);
    const delta = (await changes.json()) as { created: Summary[]; removed: string[]; hasMore: boolean };
    expect(delta.created.map((m) => m.subject)).toEqual(['late arrival']);
    expect(delta.hasMore).toBe(false);
  });
});
