import { beforeAll, describe, expect, test } from 'vitest';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { path, serverMailboxes, serverMessages, withPlainStore } from './writes-kit.js';

let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('wappend');
});

describe('appendMessage', () => {
  test('stores the message with its flags and INTERNALDATE and returns its id', async () => {
    const date = new Date('2026-01-02T03:04:05Z');
    const ref = await withPlainStore(user, undefined, (store) =>
      store.appendMessage(path('INBOX'), {
        raw: Buffer.from(buildMessage({ subject: 'appended' })),
        flags: ['\\Seen', 'imported'],
        date,
      }),
    );
    expect(ref.mailbox).toBe('INBOX');
    const message = await withPlainStore(user, undefined, (store) =>
      store.getMessage(path('INBOX'), ref.id, buildGetOptions()),
    );
    expect(message.subject).toBe('appended');
    expect(message.receivedAt).toBe(date.toISOString());
    const onServer = (await serverMessages(user, 'INBOX')).find((m) => m.subject === 'appended');
    expect(onServer?.flags.sort()).toEqual(['\\Seen', 'imported']);
  });

  test('a missing mailbox is mailbox_not_found and is not created', async () => {
    await expect(
      withPlainStore(user, undefined, (store) =>
        store.appendMessage(path('Nope'), { raw: Buffer.from(buildMessage()), flags: [], date: null }),
      ),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    expect(await serverMailboxes(user)).not.toContain('Nope');
  });
});

describe('mailbox create, rename and delete', () => {
  const odd = 'Projekte/Grüße & Co/2026 Q1';

  test('create round-trips non-ASCII, spaces and the delimiter, and describes it as the list does', async () => {
    const created = await withPlainStore(user, undefined, (store) => store.createMailbox(odd));
    expect(created).toMatchObject({
      path: odd,
      name: '2026 Q1',
      parent: 'Projekte/Grüße & Co',
      delimiter: '/',
    });
    expect(await serverMailboxes(user)).toContain(odd);
    const listed = await withPlainStore(user, undefined, (store) => store.listMailboxes({ counts: false }));
    expect(listed.find((m) => m.path === odd)).toEqual(created);
  });

  test('creating an existing mailbox is mailbox_exists, INBOX in any case included', async () => {
    for (const existing of [odd, 'INBOX', 'inbox', 'Inbox']) {
      await expect(
        withPlainStore(user, undefined, (store) => store.createMailbox(existing)),
      ).rejects.toMatchObject({ code: 'mailbox_exists' });
    }
    expect((await serverMailboxes(user)).filter((name) => name.toUpperCase() === 'INBOX')).toEqual(['INBOX']);
  });

  test('rename moves the mailbox and its messages; the old path is gone', async () => {
    await user.seed('Rename Me', [{ raw: buildMessage({ subject: 'inside' }) }]);
    const renamed = await withPlainStore(user, undefined, (store) =>
      store.renameMailbox(path('Rename Me'), 'Umbenannt/Ärger'),
    );
    expect(renamed).toMatchObject({ path: 'Umbenannt/Ärger', name: 'Ärger' });
    const names = await serverMailboxes(user);
    expect(names).toContain('Umbenannt/Ärger');
    expect(names).not.toContain('Rename Me');
    expect((await serverMessages(user, 'Umbenannt/Ärger')).map((m) => m.subject)).toEqual(['inside']);
  });

  test('rename of the selected mailbox works on the same connection', async () => {
    await user.seed('Selected', [{ raw: buildMessage({ subject: 'sel' }) }]);
    const result = await withPlainStore(user, undefined, async (store) => {
      await store.listMessages(path('Selected'), { limit: 5, filter: {} });
      await store.renameMailbox(path('Selected'), 'Selected2');
      return store.listMessages(path('Selected2'), { limit: 5, filter: {} });
    });
    expect(result.messages.map((m) => m.subject)).toEqual(['sel']);
  });

  test('rename errors: missing source, existing target, INBOX', async () => {
    await expect(
      withPlainStore(user, undefined, (store) => store.renameMailbox(path('Missing'), 'X')),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    for (const taken of ['Trash', 'INBOX', 'inbox']) {
      await expect(
        withPlainStore(user, undefined, (store) => store.renameMailbox(path('Selected2'), taken)),
      ).rejects.toMatchObject({ code: 'mailbox_exists' });
    }
    await expect(
      withPlainStore(user, undefined, (store) => store.renameMailbox({ kind: 'role', role: 'inbox' }, 'Old')),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await serverMailboxes(user)).toEqual(expect.arrayContaining(['Selected2', 'Trash', 'INBOX']));
  });

  test('deleting a name that only holds other mailboxes is invalid_request and deletes nothing', async () => {
    // Dovecot creates no mailbox for the parent: a name with children only, whose DELETE it answers
    // NO [NONEXISTENT]; the LIST after that tells it from a missing name.
    await withPlainStore(user, undefined, (store) => store.createMailbox('Eltern/Kind'));
    const before = await serverMailboxes(user);
    await expect(
      withPlainStore(user, undefined, (store) => store.deleteMailbox(path('Eltern'))),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await serverMailboxes(user)).toEqual(before);
    expect(before).toContain('Eltern/Kind');
  });

  test('delete removes the mailbox; missing is mailbox_not_found; INBOX is refused', async () => {
    await withPlainStore(user, undefined, (store) => store.deleteMailbox(path(odd)));
    expect(await serverMailboxes(user)).not.toContain(odd);
    await expect(
      withPlainStore(user, undefined, (store) => store.deleteMailbox(path(odd))),
    ).rejects.toMatchObject({
      code: 'mailbox_not_found',
    });
    await expect(
      withPlainStore(user, undefined, (store) => store.deleteMailbox(path('inbox'))),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await serverMailboxes(user)).toContain('INBOX');
  });
});
