import { beforeAll, describe, expect, test } from 'vitest';
import type { MailboxRef, MessagePage, MessageSummary } from '../../../lib/mail/types.js';
import { startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import {
  buildMessage,
  commandNames,
  commandsDuring,
  createImapUser,
  openStore,
  withStore,
} from './imap-test-kit.js';

let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('paging');
});

const box = (path: string): MailboxRef => ({ kind: 'path', path });

function seedMessages(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) => ({ raw: buildMessage({ subject: `${prefix} ${i + 1}` }) }));
}

describe('listMessages paging', () => {
  test('pages the same way on a server without ESEARCH, which lists UIDs instead of counting them', async () => {
    const plain = await createImapUser('paging-noesearch');
    await plain.seed('INBOX', seedMessages(23, 'msg'));
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: plain.server.ports.imap },
      protocol: 'imap',
      transformToClient: withoutCapability('ESEARCH'),
    });
    try {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const store = openStore(plain, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } });
        try {
          const page = await store.listMessages(box('INBOX'), { limit: 10, cursor, filter: {} });
          seen.push(...page.messages.map((m) => m.subject ?? ''));
          cursor = page.nextCursor ?? undefined;
        } finally {
          await store.close();
        }
      } while (cursor);
      expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `msg ${23 - i}`));
      const searches = proxy.commands.filter((c) => / UID SEARCH /i.test(c.line)).map((c) => c.line);
      expect(searches.length).toBe(2);
      expect(searches.every((line) => !/RETURN/i.test(line))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  test('pages newest first and returns every pre-existing message exactly once while mail arrives between pages', async () => {
    const mailbox = box('INBOX');
    const existing = await user.seed('INBOX', seedMessages(37, 'old'));
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await withStore(user, (store) =>
        store.listMessages(mailbox, { limit: 10, cursor, filter: {} }),
      );
      pages++;
      const uids = page.messages.map((m) => m.uid!);
      expect(uids).toEqual([...uids].sort((a, b) => b - a));
      seen.push(...uids);
      cursor = page.nextCursor ?? undefined;
      // 25 new messages between every two page requests.
      if (cursor) await user.seed('INBOX', seedMessages(25, `new after page ${pages}`));
    } while (cursor);
    expect(seen).toEqual([...existing].reverse());
    expect(pages).toBe(4);
  });

  test('a message expunged between pages neither shifts nor repeats the later pages', async () => {
    const mailbox = box('Expunge');
    const uids = await user.seed('Expunge', seedMessages(12, 'm'));
    const first = await withStore(user, (store) => store.listMessages(mailbox, { limit: 5, filter: {} }));
    expect(first.messages.map((m) => m.uid)).toEqual(uids.slice(7).reverse());
    expect(first.total).toBe(12);
    // Remove one message already shown and one not yet shown.
    await user.doveadm(['expunge', '-u', user.user, 'mailbox', 'Expunge', 'uid', `${uids[9]},${uids[3]}`]);
    const second = await withStore(user, (store) =>
      store.listMessages(mailbox, { limit: 5, cursor: first.nextCursor!, filter: {} }),
    );
    const third = await withStore(user, (store) =>
      store.listMessages(mailbox, { limit: 5, cursor: second.nextCursor!, filter: {} }),
    );
    const rest = [...second.messages, ...third.messages].map((m) => m.uid);
    expect(rest).toEqual([uids[6], uids[5], uids[4], uids[2], uids[1], uids[0]]);
    expect(third.nextCursor).toBeNull();
  });

  test('summaries carry decoded headers and the id binds the UID', async () => {
    const mailbox = box('Summary');
    await user.seed('Summary', [
      {
        raw: buildMessage({
          subject: '=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
          from: '=?ISO-8859-1?Q?J=FCrgen?= <j@example.com>',
          headers: ['Message-ID: <abc@example.com>', 'References: <r1@x> <r2@x>'],
        }),
        flags: ['\\Flagged', '$Forwarded'],
        date: new Date('2026-10-01T12:34:56Z'),
      },
    ]);
    const page = await withStore(user, (store) => store.listMessages(mailbox, { limit: 5, filter: {} }));
    const [message] = page.messages as [MessageSummary];
    expect(message).toMatchObject({
      mailbox: 'Summary',
      subject: 'Grüße',
      from: { name: 'Jürgen', address: 'j@example.com' },
      to: [{ name: 'Recipient', address: 'rcpt@example.org' }],
      messageId: 'abc@example.com',
      references: ['r1@x', 'r2@x'],
      receivedAt: '2026-10-01T12:34:56.000Z',
      date: '2026-11-03T10:00:00.000Z',
      flagged: true,
      seen: false,
      hasAttachments: false,
    });
    expect(message.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Forwarded']));
    expect(page.nextCursor).toBeNull();
  });

  test('a cursor from before the mailbox was recreated is refused, and so is a foreign one', async () => {
    await user.seed('Box', seedMessages(4, 'x'));
    const first = await withStore(user, (store) => store.listMessages(box('Box'), { limit: 2, filter: {} }));
    await expect(
      withStore(user, (store) =>
        store.listMessages(box('Box'), { limit: 2, cursor: first.nextCursor!, filter: { seen: false } }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await user.doveadm(['mailbox', 'delete', '-u', user.user, 'Box']);
    // Dovecot derives UIDVALIDITY from the clock: make sure the new one differs.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await user.seed('Box', seedMessages(4, 'y'));
    await expect(
      withStore(user, (store) =>
        store.listMessages(box('Box'), { limit: 2, cursor: first.nextCursor!, filter: {} }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request', detail: expect.stringContaining('UIDVALIDITY') });
  });

  test('the first page of a large mailbox fetches only the page (no SEARCH, no FETCH 1:*)', async () => {
    const mailbox = box('Big');
    await user.seed('Big', seedMessages(60, 'bulk'));
    let page: MessagePage | undefined;
    const commands = await commandsDuring(user, async () => {
      page = await withStore(user, (store) => store.listMessages(mailbox, { limit: 10, filter: {} }));
    });
    expect(page?.messages).toHaveLength(10);
    expect(page?.total).toBe(60);
    expect(commandNames(commands)).toEqual(['EXAMINE', 'FETCH']);
    expect(commands[1]).toMatch(/^FETCH 51:60 \(/);
  });
});
