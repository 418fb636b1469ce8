import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { encodePop3MessageId } from '../../../lib/mail/ids.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailStore } from '../../../lib/mail/store.js';
import type { ListQuery, MailboxRef } from '../../../lib/mail/types.js';
import { createPop3StoreFactory, type Pop3MailStore } from '../../../lib/pop3/index.js';
import {
  type FakeMessage,
  type FakePop3Server,
  startFakePop3Server,
} from '../../support/fake-pop3-server.js';
import { readAll } from './build-client.js';

const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
let server: FakePop3Server | undefined;
const stores: Pop3MailStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await server?.close();
  server = undefined;
});

function buildMessages(count: number): FakeMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    uid: `u${index + 1}`,
    raw: Buffer.from(
      `From: Sender ${index + 1} <s${index + 1}@example.test>\r\nTo: bob@example.test\r\n` +
        `Subject: ${index % 7 === 0 ? 'invoice' : 'note'} ${index + 1}\r\n\r\nbody ${index + 1}\r\n`,
    ),
  }));
}

function openStore(scanWindow = 500, signal = new AbortController().signal): Pop3MailStore {
  const account = {
    id: 'pop',
    protocol: 'pop3',
    host: '127.0.0.1',
    port: server!.port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  } as Account;
  const factory = createPop3StoreFactory({ scanWindow, commandTimeoutMs: 5_000 });
  const store = factory.open(account, {
    signal,
    logger: silentLogger,
  }) as unknown as Pop3MailStore;
  stores.push(store);
  return store;
}

function query(overrides: Partial<ListQuery> = {}): ListQuery {
  return { limit: 10, filter: {}, ...overrides };
}

const subjects = (page: { messages: { subject: string | null }[] }) => page.messages.map((m) => m.subject);

describe('Pop3MailStore over the fake server', () => {
  it('lists the 50 newest with their headers, sending the TOP commands in a few writes', async () => {
    server = await startFakePop3Server({ messages: buildMessages(60) });
    const page = await openStore().listMessages(INBOX, query({ limit: 50 }));
    expect(page.messages).toHaveLength(50);
    expect(page.messages[0]).toMatchObject({
      id: encodePop3MessageId('u60'),
      subject: 'note 60',
      from: { name: 'Sender 60', address: 's60@example.test' },
      size: server.maildrop[59]!.raw.length,
    });
    expect(page.messages.at(-1)!.subject).toBe('note 11');
    expect(page.total).toBe(60);
    const reads = server.sessions[0]!.reads.filter((read) => read.includes('TOP '));
    expect(reads.length).toBeLessThanOrEqual(3);
  });

  it('pages without skips or duplicates when mail is deleted and delivered between pages', async () => {
    server = await startFakePop3Server({ messages: buildMessages(30) });
    const first = await openStore().listMessages(INBOX, query());
    expect(first.messages.map((m) => m.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => encodePop3MessageId(`u${30 - i}`)),
    );
    // Another client deletes the page's last message and one further down; new mail arrives.
    server.maildrop.splice(20, 1); // u21, the anchor
    server.maildrop.splice(16, 1); // u17
    server.maildrop.push({ uid: 'u31', raw: Buffer.from('Subject: late\r\n\r\nx\r\n') });
    const second = await openStore().listMessages(INBOX, query({ cursor: first.nextCursor! }));
    expect(second.messages.map((m) => m.id)).toEqual(
      ['u20', 'u19', 'u18', 'u16', 'u15', 'u14', 'u13', 'u12', 'u11', 'u10'].map(encodePop3MessageId),
    );
    const third = await openStore().listMessages(INBOX, query({ cursor: second.nextCursor! }));
    expect(third.messages.map((m) => m.id)).toEqual(
      ['u9', 'u8', 'u7', 'u6', 'u5', 'u4', 'u3', 'u2', 'u1'].map(encodePop3MessageId),
    );
    expect(third.nextCursor).toBeNull();
  });

  it('filters on headers with a bounded scan that says when it stopped early', async () => {
    server = await startFakePop3Server({ messages: buildMessages(100) });
    const page = await openStore(40).listMessages(INBOX, query({ filter: { subject: 'INVOICE' } }));
    // Messages 100..61 were scanned: invoices are 1, 8, 15, … (index % 7 === 0).
    expect(subjects(page)).toEqual([
      'invoice 99',
      'invoice 92',
      'invoice 85',
      'invoice 78',
      'invoice 71',
      'invoice 64',
    ]);
    expect(page.partial).toBe(true);
    expect(page.total).toBeNull();
    const rest = await openStore(500).listMessages(
      INBOX,
      query({ filter: { subject: 'INVOICE' }, cursor: page.nextCursor! }),
    );
    expect(subjects(rest)[0]).toBe('invoice 57');
    expect(rest.partial).toBe(false);
  });

  it('refuses filters POP3 cannot evaluate, and cursors made for another filter', async () => {
    server = await startFakePop3Server({ messages: buildMessages(20) });
    await expect(openStore().listMessages(INBOX, query({ filter: { seen: true } }))).rejects.toMatchObject({
      code: 'unsupported_operation',
    });
    const page = await openStore().listMessages(INBOX, query());
    await expect(
      openStore().listMessages(INBOX, query({ cursor: page.nextCursor!, filter: { subject: 'x' } })),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('keeps the message when the connection drops before QUIT is answered', async () => {
    server = await startFakePop3Server({
      messages: buildMessages(3),
      dropOn: { command: 'QUIT', answer: false },
    });
    await expect(
      openStore().deleteMessage(INBOX, encodePop3MessageId('u2'), { permanent: true }),
    ).rejects.toMatchObject({
      code: 'upstream_unavailable',
    });
    expect(server.maildrop.map((m) => m.uid)).toEqual(['u1', 'u2', 'u3']);
    expect(server.sessions[0]!.commands).toContain('DELE 2');
  });

  it('deletes for good once QUIT is answered', async () => {
    server = await startFakePop3Server({ messages: buildMessages(3) });
    expect(await openStore().deleteMessage(INBOX, encodePop3MessageId('u2'), { permanent: true })).toEqual({
      kind: 'expunged',
    });
    expect(server.maildrop.map((m) => m.uid)).toEqual(['u1', 'u3']);
    await expect(openStore().openRaw(INBOX, encodePop3MessageId('u2'))).rejects.toMatchObject({
      code: 'message_not_found',
    });
  });

  it('streams the raw message and answers only INBOX', async () => {
    server = await startFakePop3Server({ messages: buildMessages(2) });
    const download = await openStore().openRaw(INBOX, encodePop3MessageId('u1'));
    expect((await readAll(download.body)).equals(server.maildrop[0]!.raw)).toBe(true);
    await expect(openStore().getMailbox({ kind: 'path', path: 'Sent' })).rejects.toMatchObject({
      code: 'mailbox_not_found',
    });
    expect(await openStore().getMailbox({ kind: 'path', path: 'INBOX' })).toMatchObject({
      total: 2,
      state: null,
    });
  });

  it('answers unsupported_operation for what POP3 cannot do, without connecting', async () => {
    server = await startFakePop3Server({ messages: buildMessages(1) });
    const store: MailStore = openStore();
    const id = encodePop3MessageId('u1');
    const attempts = [
      store.updateFlags(INBOX, id, { add: ['\\Seen'], remove: [] }),
      store.moveMessage(INBOX, id, { kind: 'role', role: 'trash' }),
      store.copyMessage(INBOX, id, { kind: 'role', role: 'trash' }),
      store.appendMessage(INBOX, { raw: Buffer.from('Subject: x\r\n\r\n'), flags: [], date: null }),
      store.createMailbox('Archive'),
      store.renameMailbox(INBOX, 'Other'),
      store.deleteMailbox(INBOX),
      store.bulk(INBOX, { ids: [id] }, { action: 'delete', permanent: true }),
      store.changes(INBOX, 'state', { maxChanges: 10 }),
      store.wait(INBOX, 'state', 5),
      store.getMessage(INBOX, id, { body: 'text', maxBodyBytes: null, markSeen: true }),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({ code: 'unsupported_operation', detail: /POP3/ });
    }
    expect(store.capabilities).toMatchObject({ flags: false, move: false, append: false, changes: false });
    expect(server.sessions).toHaveLength(0);
  });

  it('a raw download that stalls ends with upstream_timeout when the request deadline fires, and the socket closes', async () => {
    const raw = Buffer.concat([
      Buffer.from('Subject: big\r\n\r\n'),
      Buffer.alloc(100_000, 'x'),
      Buffer.from('\r\n'),
    ]);
    server = await startFakePop3Server({ messages: [{ uid: 'big', raw }], stallRetrAfter: 20_000 });
    const request = new AbortController();
    const store = openStore(500, request.signal);
    const download = await store.openRaw(INBOX, encodePop3MessageId('big'));
    const started = Date.now();
    setTimeout(() => request.abort(), 200);
    await expect(readAll(download.body)).rejects.toMatchObject({ code: 'upstream_timeout' });
    await server.sessions[0]!.closed;
    expect(Date.now() - started).toBeLessThan(1_200 + 1_000);
  });
});
