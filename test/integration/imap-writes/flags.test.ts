import { beforeAll, describe, expect, test } from 'vitest';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser } from '../imap/imap-test-kit.js';
import {
  idOf,
  path,
  plainStore,
  recreateMailbox,
  seedSubjects,
  serverMessages,
  withPlainStore,
} from './writes-kit.js';

let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('wflags');
  await seedSubjects(user, 'Flags', ['add', 'set', 'remove', 'concurrent', 'atom', 'gone']);
});

async function serverFlags(subject: string): Promise<string[]> {
  const message = (await serverMessages(user, 'Flags')).find((m) => m.subject === subject);
  if (!message) throw new Error(`no "${subject}" on the server`);
  return [...message.flags].sort();
}

describe('updateFlags', () => {
  test('adds system flags and keywords and answers with the flags the server now has', async () => {
    const id = await idOf(user, 'Flags', 'add');
    const result = await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { add: ['\\Flagged', '$Forwarded', 'project-x'], remove: [] }),
    );
    expect(result.id).toBe(id);
    expect([...result.flags].sort()).toEqual(['$Forwarded', '\\Flagged', 'project-x']);
    expect(await serverFlags('add')).toEqual(['$Forwarded', '\\Flagged', 'project-x']);
  });

  test('adding flags the message already has changes nothing and still reports them', async () => {
    const id = await idOf(user, 'Flags', 'add');
    const result = await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { add: ['\\Flagged'], remove: [] }),
    );
    expect([...result.flags].sort()).toEqual(['$Forwarded', '\\Flagged', 'project-x']);
  });

  test('removes only the flags named', async () => {
    const id = await idOf(user, 'Flags', 'remove');
    await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { add: ['\\Seen', '\\Answered', 'keep'], remove: [] }),
    );
    const result = await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { add: ['\\Draft'], remove: ['\\Answered'] }),
    );
    expect([...result.flags].sort()).toEqual(['\\Draft', '\\Seen', 'keep']);
    expect(await serverFlags('remove')).toEqual(['\\Draft', '\\Seen', 'keep']);
  });

  test('set replaces the whole set, and an empty set clears it', async () => {
    const id = await idOf(user, 'Flags', 'set');
    const set = await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { set: ['\\Seen', 'only'] }),
    );
    expect([...set.flags].sort()).toEqual(['\\Seen', 'only']);
    expect(await serverFlags('set')).toEqual(['\\Seen', 'only']);
    const cleared = await withPlainStore(user, undefined, (store) =>
      store.updateFlags(path('Flags'), id, { set: [] }),
    );
    expect(cleared.flags).toEqual([]);
    expect(await serverFlags('set')).toEqual([]);
  });

  test('two concurrent changes adding different flags both persist', async () => {
    const id = await idOf(user, 'Flags', 'concurrent');
    const a = plainStore(user);
    const b = plainStore(user);
    try {
      await Promise.all([
        a.updateFlags(path('Flags'), id, { add: ['alpha'], remove: [] }),
        b.updateFlags(path('Flags'), id, { add: ['beta'], remove: [] }),
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(await serverFlags('concurrent')).toEqual(['alpha', 'beta']);
  });

  test('a keyword that is not an atom, or \\Recent, is refused and nothing changes', async () => {
    const id = await idOf(user, 'Flags', 'atom');
    for (const bad of ['two words', 'paren(', 'star*', '\\Recent', '\\Custom', 'quote"']) {
      await expect(
        withPlainStore(user, undefined, (store) =>
          store.updateFlags(path('Flags'), id, { add: [bad], remove: [] }),
        ),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(await serverFlags('atom')).toEqual([]);
  });

  test('a message that no longer exists is message_not_found', async () => {
    const id = await idOf(user, 'Flags', 'gone');
    const uid = (await serverMessages(user, 'Flags')).find((m) => m.subject === 'gone')!.uid;
    await user.doveadm(['expunge', '-u', user.user, 'mailbox', 'Flags', 'uid', String(uid)]);
    await expect(
      withPlainStore(user, undefined, (store) =>
        store.updateFlags(path('Flags'), id, { add: ['\\Seen'], remove: [] }),
      ),
    ).rejects.toMatchObject({ code: 'message_not_found' });
  });

  test('an id from before the mailbox was recreated is stale and the new message is untouched', async () => {
    await seedSubjects(user, 'Recreated', ['old']);
    const id = await idOf(user, 'Recreated', 'old');
    await recreateMailbox(user, 'Recreated', ['new']);
    await expect(
      withPlainStore(user, undefined, (store) =>
        store.updateFlags(path('Recreated'), id, { add: ['\\Flagged'], remove: [] }),
      ),
    ).rejects.toMatchObject({ code: 'stale_message_id' });
    expect((await serverMessages(user, 'Recreated')).map((m) => m.flags)).toEqual([[]]);
  });
});
