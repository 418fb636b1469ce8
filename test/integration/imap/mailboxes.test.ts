import { beforeAll, describe, expect, test } from 'vitest';
import { decodeMailboxState } from '../../../lib/imap/read/mailbox-state.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser, withStore } from './imap-test-kit.js';

let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('mbx');
  await user.seed('INBOX', [
    { raw: buildMessage({ subject: 'one' }) },
    { raw: buildMessage({ subject: 'two' }), flags: ['\\Seen'] },
    { raw: buildMessage({ subject: 'three' }) },
  ]);
  await user.seed('Projects/2026', [{ raw: buildMessage({ subject: 'nested' }) }]);
  await user.seed('Sent Items', [{ raw: buildMessage({ subject: 'named like sent' }) }]);
});

describe('listMailboxes', () => {
  test('lists the tree flat with parents, roles by SPECIAL-USE and counts from LIST-STATUS', async () => {
    const mailboxes = await withStore(user, (store) => store.listMailboxes({ counts: true }));
    const byPath = new Map(mailboxes.map((m) => [m.path, m]));
    expect(byPath.get('INBOX')).toMatchObject({
      role: 'inbox',
      total: 3,
      unseen: 2,
      uidNext: 4,
      parent: null,
    });
    expect(byPath.get('Sent')).toMatchObject({ role: 'sent', specialUse: '\\Sent', subscribed: true });
    expect(byPath.get('Projects/2026')).toMatchObject({ name: '2026', parent: 'Projects', delimiter: '/' });
    // \Sent is taken by "Sent", so the well-known name gives "Sent Items" no role.
    expect(byPath.get('Sent Items')).toMatchObject({ role: null, specialUse: null, total: 1 });
    const roles = mailboxes.map((m) => m.role).filter((role) => role !== null);
    expect(roles.length).toBe(new Set(roles).size);
  });

  test('without counts the entries carry no counts', async () => {
    const mailboxes = await withStore(user, (store) => store.listMailboxes({ counts: false }));
    expect(mailboxes.find((m) => m.path === 'INBOX')).not.toHaveProperty('total');
  });
});

describe('getMailbox', () => {
  test('reports counts, UIDVALIDITY and a state token that encodes them', async () => {
    const status = await withStore(user, (store) => store.getMailbox({ kind: 'path', path: 'INBOX' }));
    expect(status).toMatchObject({ path: 'INBOX', role: 'inbox', total: 3, unseen: 2, uidNext: 4 });
    expect(status.uidValidity).toMatch(/^\d+$/);
    expect(status.state).not.toBeNull();
    expect(decodeMailboxState(status.state!)).toEqual({
      uidValidity: status.uidValidity,
      highestModseq: status.highestModseq,
      uidNext: 4,
    });
  });

  test('resolves a role to its mailbox', async () => {
    const status = await withStore(user, (store) => store.getMailbox({ kind: 'role', role: 'sent' }));
    expect(status).toMatchObject({ path: 'Sent', role: 'sent', total: 0 });
  });

  test('a missing mailbox and a role no mailbox has are mailbox_not_found', async () => {
    await expect(
      withStore(user, (store) => store.getMailbox({ kind: 'path', path: 'No/Such/Box' })),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    await expect(
      withStore(user, (store) => store.getMailbox({ kind: 'role', role: 'flagged' })),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    await expect(
      withStore(user, (store) =>
        store.listMessages({ kind: 'path', path: 'Nope' }, { limit: 10, filter: {} }),
      ),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
  });
});
