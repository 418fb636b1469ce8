import { beforeAll, describe, expect, test } from 'vitest';
import type { MailboxRef, MessageFilter } from '../../../lib/mail/types.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser, openStore, withStore } from './imap-test-kit.js';

const MAILBOX: MailboxRef = { kind: 'path', path: 'Filters' };
let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('filters');
  await user.seed('Filters', [
    {
      raw: buildMessage({
        subject: 'Invoice 42',
        from: 'Alice <alice@example.com>',
        body: 'The payment is due on Friday.',
        headers: ['X-Priority: 1'],
      }),
      flags: ['\\Seen', '\\Flagged'],
      date: new Date('2026-01-10T08:00:00Z'),
    },
    {
      raw: buildMessage({
        subject: 'Lunch?',
        from: 'Bob <bob@example.com>',
        headers: ['Cc: Carol <carol@example.com>'],
        body: `Pizza or sushi? ${'x'.repeat(5000)}`,
      }),
      date: new Date('2026-03-05T12:30:00Z'),
    },
    {
      raw: buildMessage({
        subject: '=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=',
        from: 'Carol <carol@example.com>',
        headers: ['X-Tag: alpha', 'X-Tag: beta'],
      }),
      flags: ['\\Answered', '\\Draft'],
      date: new Date('2026-03-05T12:30:06Z'),
    },
    {
      raw: buildMessage({ subject: 'Only alpha', headers: ['X-Tag: alpha'] }),
      date: new Date('2026-06-01T00:00:00Z'),
    },
  ]);
});

async function subjects(
  filter: MessageFilter,
): Promise<{ subjects: (string | null)[]; total: number | null }> {
  const page = await withStore(user, (store) => store.listMessages(MAILBOX, { limit: 50, filter }));
  return { subjects: page.messages.map((m) => m.subject), total: page.total };
}

const second = (iso: string) => ({ at: new Date(iso), precision: 'second' as const });
const day = (iso: string) => ({ at: new Date(iso), precision: 'day' as const });

describe('listMessages filters (server-side SEARCH)', () => {
  test.each<[string, MessageFilter, string[]]>([
    ['seen', { seen: true }, ['Invoice 42']],
    ['unseen', { seen: false }, ['Only alpha', 'Grüße aus Köln', 'Lunch?']],
    ['flagged', { flagged: true }, ['Invoice 42']],
    ['answered and draft', { answered: true, draft: true }, ['Grüße aus Köln']],
    ['from', { from: 'bob@example.com' }, ['Lunch?']],
    ['to', { to: 'rcpt@example.org', flagged: true }, ['Invoice 42']],
    ['cc', { cc: 'carol' }, ['Lunch?']],
    ['subject, non-ASCII', { subject: 'Grüße' }, ['Grüße aus Köln']],
    ['body', { body: 'payment is due' }, ['Invoice 42']],
    ['text (headers and body)', { text: 'sushi' }, ['Lunch?']],
    ['larger', { larger: 4000 }, ['Lunch?']],
    ['smaller', { smaller: 4000, seen: false }, ['Only alpha', 'Grüße aus Köln']],
    ['header', { headers: [{ name: 'X-Priority', value: '1' }] }, ['Invoice 42']],
    [
      'the same header twice (AND)',
      {
        headers: [
          { name: 'X-Tag', value: 'alpha' },
          { name: 'X-Tag', value: 'beta' },
        ],
      },
      ['Grüße aus Köln'],
    ],
    [
      'since, to the second (WITHIN)',
      { since: second('2026-03-05T12:30:03Z') },
      ['Only alpha', 'Grüße aus Köln'],
    ],
    ['before, to the second (WITHIN)', { before: second('2026-03-05T12:30:03Z') }, ['Lunch?', 'Invoice 42']],
    ['since a day', { since: day('2026-03-05T00:00:00Z') }, ['Only alpha', 'Grüße aus Köln', 'Lunch?']],
    ['before a day', { before: day('2026-03-05T00:00:00Z') }, ['Invoice 42']],
    ['values are matched as text, not IMAP syntax', { subject: '" ALL "' }, []],
  ])('%s', async (_name, filter, expected) => {
    const result = await subjects(filter);
    expect(result.subjects).toEqual(expected);
    expect(result.total).toBe(expected.length);
  });

  test('filtered paging returns every match once, newest first, with the total on every page', async () => {
    const filter: MessageFilter = { seen: false };
    const seen: (string | null)[] = [];
    let cursor: string | undefined;
    do {
      const page = await withStore(user, (store) =>
        store.listMessages(MAILBOX, { limit: 1, cursor, filter }),
      );
      expect(page.total).toBe(3);
      seen.push(...page.messages.map((m) => m.subject));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Only alpha', 'Grüße aus Köln', 'Lunch?']);
  });

  test('CR, LF or NUL in a filter or a mailbox path is invalid_request before anything is sent', async () => {
    // A store whose server does not exist: any connection attempt would be upstream_unavailable.
    const store = openStore(user, { account: { port: 1 } });
    for (const filter of [
      { subject: 'a\r\nA1 LOGOUT' },
      { from: 'x\ny' },
      { headers: [{ name: 'X', value: 'a\0' }] },
    ]) {
      await expect(store.listMessages(MAILBOX, { limit: 5, filter })).rejects.toMatchObject({
        code: 'invalid_request',
      });
    }
    await expect(
      store.listMessages({ kind: 'path', path: 'INBOX\r\nA1 DELETE INBOX' }, { limit: 5, filter: {} }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.getMailbox({ kind: 'path', path: 'a\nb' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await store.close();
  });
});
