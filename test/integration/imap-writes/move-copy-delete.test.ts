import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, createImapUser } from '../imap/imap-test-kit.js';
import {
  idOf,
  path,
  recreateMailbox,
  seedSubjects,
  serverMessages,
  subjectsIn,
  withPlainStore,
} from './writes-kit.js';

let user: MailUser;
let noMove: FaultProxy;
let noUidPlus: FaultProxy;

beforeAll(async () => {
  user = await createImapUser('wmove');
  const target = { host: user.server.host, port: user.server.ports.imap };
  noMove = await startFaultProxy({ target, protocol: 'imap', transformToClient: withoutCapability('MOVE') });
  noUidPlus = await startFaultProxy({
    target,
    protocol: 'imap',
    transformToClient: withoutCapability('UIDPLUS'),
  });
});

afterAll(async () => {
  await noMove?.close();
  await noUidPlus?.close();
});

describe('moveMessage and copyMessage', () => {
  test('move returns the id in the destination, which names the same message', async () => {
    await seedSubjects(user, 'Src', ['m1', 'stay']);
    await seedSubjects(user, 'Dst', ['already']);
    const id = await idOf(user, 'Src', 'm1');
    const moved = await withPlainStore(user, undefined, (store) =>
      store.moveMessage(path('Src'), id, path('Dst')),
    );
    expect(moved.mailbox).toBe('Dst');
    expect(await subjectsIn(user, 'Src')).toEqual(['stay']);
    expect(await subjectsIn(user, 'Dst')).toEqual(['already', 'm1']);
    const message = await withPlainStore(user, undefined, (store) =>
      store.getMessage(path('Dst'), moved.id, buildGetOptions()),
    );
    expect(message.subject).toBe('m1');
  });

  test('move to a role resolves it by SPECIAL-USE', async () => {
    await seedSubjects(user, 'Src', ['to-archive']);
    const id = await idOf(user, 'Src', 'to-archive');
    const moved = await withPlainStore(user, undefined, (store) =>
      store.moveMessage(path('Src'), id, { kind: 'role', role: 'archive' }),
    );
    expect(moved.mailbox).toBe('Archive');
    expect(await subjectsIn(user, 'Archive')).toContain('to-archive');
  });

  test('copy leaves the original and returns the copy id', async () => {
    await seedSubjects(user, 'Src', ['c1']);
    const id = await idOf(user, 'Src', 'c1');
    const copied = await withPlainStore(user, undefined, (store) =>
      store.copyMessage(path('Src'), id, path('CopyDst')),
    ).catch((error) => error);
    // The destination does not exist yet: nothing may change.
    expect(copied).toMatchObject({ code: 'mailbox_not_found' });
    expect(await subjectsIn(user, 'Src')).toContain('c1');
    await seedSubjects(user, 'CopyDst', []);
    const copy = await withPlainStore(user, undefined, (store) =>
      store.copyMessage(path('Src'), id, path('CopyDst')),
    );
    expect(await subjectsIn(user, 'CopyDst')).toEqual(['c1']);
    expect(await subjectsIn(user, 'Src')).toContain('c1');
    const message = await withPlainStore(user, undefined, (store) =>
      store.getMessage(path('CopyDst'), copy.id, buildGetOptions()),
    );
    expect(message.subject).toBe('c1');
  });

  test('move to a missing mailbox is mailbox_not_found and the message stays', async () => {
    await seedSubjects(user, 'Src', ['nowhere']);
    const id = await idOf(user, 'Src', 'nowhere');
    await expect(
      withPlainStore(user, undefined, (store) => store.moveMessage(path('Src'), id, path('Missing'))),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    expect(await subjectsIn(user, 'Src')).toContain('nowhere');
    expect(await serverMessages(user, 'Missing')).toEqual([]);
  });

  test('without MOVE: copy, flag and UID EXPUNGE of that one message only', async () => {
    await seedSubjects(user, 'NoMove', ['emulated']);
    await seedSubjects(user, 'NoMove', ['marked-by-someone'], ['\\Deleted']);
    const id = await idOf(user, 'NoMove', 'emulated');
    noMove.reset();
    const moved = await withPlainStore(user, noMove, (store) =>
      store.moveMessage(path('NoMove'), id, path('Dst')),
    );
    const sent = noMove.commands.map((c) => c.line.split(' ').slice(1, 3).join(' '));
    expect(sent).toContain('UID COPY');
    expect(sent).toContain('UID EXPUNGE');
    expect(sent).not.toContain('UID MOVE');
    expect(sent).not.toContain('EXPUNGE');
    expect(await subjectsIn(user, 'NoMove')).toEqual(['marked-by-someone']);
    const message = await withPlainStore(user, undefined, (store) =>
      store.getMessage(path('Dst'), moved.id, buildGetOptions()),
    );
    expect(message.subject).toBe('emulated');
  });

  test('without MOVE and UIDPLUS a move is refused before anything changes', async () => {
    const both = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: (chunk, i) => withoutCapability('UIDPLUS')(withoutCapability('MOVE')(chunk, i), i),
    });
    try {
      await seedSubjects(user, 'Bare', ['refused']);
      const id = await idOf(user, 'Bare', 'refused');
      await expect(
        withPlainStore(user, both, (store) => store.moveMessage(path('Bare'), id, path('Dst'))),
      ).rejects.toMatchObject({ code: 'unsupported_operation' });
      expect(both.commands.some((c) => / UID (COPY|STORE|EXPUNGE|MOVE) /.test(c.line))).toBe(false);
      expect(await subjectsIn(user, 'Bare')).toEqual(['refused']);
    } finally {
      await both.close();
    }
  });

  test('without UIDPLUS a copy still answers with the copy id (found by Message-ID)', async () => {
    await user.seed('Plain', [
      { raw: 'Message-ID: <unique-1@example.com>\r\nSubject: by-mid\r\n\r\nbody\r\n' },
    ]);
    const id = await idOf(user, 'Plain', 'by-mid');
    const copy = await withPlainStore(user, noUidPlus, (store) =>
      store.copyMessage(path('Plain'), id, path('PlainDst')),
    ).catch(async (error) => {
      if (error?.code !== 'mailbox_not_found') throw error;
      await seedSubjects(user, 'PlainDst', []);
      return withPlainStore(user, noUidPlus, (store) =>
        store.copyMessage(path('Plain'), id, path('PlainDst')),
      );
    });
    const message = await withPlainStore(user, undefined, (store) =>
      store.getMessage(path('PlainDst'), copy.id, buildGetOptions()),
    );
    expect(message.messageId).toBe('unique-1@example.com');
  });

  test('stale ids on move and copy are refused and nothing changes', async () => {
    await seedSubjects(user, 'StaleMove', ['before']);
    const id = await idOf(user, 'StaleMove', 'before');
    await recreateMailbox(user, 'StaleMove', ['after']);
    for (const op of ['move', 'copy'] as const) {
      await expect(
        withPlainStore(user, undefined, (store) =>
          op === 'move'
            ? store.moveMessage(path('StaleMove'), id, path('Dst'))
            : store.copyMessage(path('StaleMove'), id, path('Dst')),
        ),
      ).rejects.toMatchObject({ code: 'stale_message_id' });
    }
    expect(await subjectsIn(user, 'StaleMove')).toEqual(['after']);
    expect(await subjectsIn(user, 'Dst')).not.toContain('after');
  });
});

describe('deleteMessage', () => {
  test('moves to Trash by default and returns the Trash id', async () => {
    await seedSubjects(user, 'Del', ['trash-me']);
    const id = await idOf(user, 'Del', 'trash-me');
    const outcome = await withPlainStore(user, undefined, (store) =>
      store.deleteMessage(path('Del'), id, { permanent: false }),
    );
    expect(outcome).toMatchObject({ kind: 'moved', mailbox: 'Trash' });
    expect(await subjectsIn(user, 'Del')).not.toContain('trash-me');
    expect(await subjectsIn(user, 'Trash')).toContain('trash-me');
    // Already in Trash: a second delete expunges it for good.
    const again = await withPlainStore(user, undefined, (store) =>
      store.deleteMessage({ kind: 'role', role: 'trash' }, (outcome as { id: string }).id, {
        permanent: false,
      }),
    );
    expect(again).toEqual({ kind: 'expunged' });
    expect(await subjectsIn(user, 'Trash')).not.toContain('trash-me');
  });

  test('permanent delete of one message leaves another \\Deleted message untouched', async () => {
    await seedSubjects(user, 'Perm', ['target', 'keep']);
    await seedSubjects(user, 'Perm', ['flagged-deleted'], ['\\Deleted']);
    const id = await idOf(user, 'Perm', 'target');
    const outcome = await withPlainStore(user, undefined, (store) =>
      store.deleteMessage(path('Perm'), id, { permanent: true }),
    );
    expect(outcome).toEqual({ kind: 'expunged' });
    const left = await serverMessages(user, 'Perm');
    expect(left.map((m) => m.subject).sort()).toEqual(['flagged-deleted', 'keep']);
    expect(left.find((m) => m.subject === 'flagged-deleted')!.flags).toContain('\\Deleted');
  });

  test('a second permanent delete of the same id is message_not_found', async () => {
    await seedSubjects(user, 'Perm2', ['once']);
    const id = await idOf(user, 'Perm2', 'once');
    await withPlainStore(user, undefined, (store) =>
      store.deleteMessage(path('Perm2'), id, { permanent: true }),
    );
    await expect(
      withPlainStore(user, undefined, (store) => store.deleteMessage(path('Perm2'), id, { permanent: true })),
    ).rejects.toMatchObject({ code: 'message_not_found' });
  });

  test('without UIDPLUS permanent delete is refused and nothing changes', async () => {
    await seedSubjects(user, 'NoPlus', ['survivor']);
    await seedSubjects(user, 'NoPlus', ['other-deleted'], ['\\Deleted']);
    const id = await idOf(user, 'NoPlus', 'survivor');
    noUidPlus.reset();
    await expect(
      withPlainStore(user, noUidPlus, (store) =>
        store.deleteMessage(path('NoPlus'), id, { permanent: true }),
      ),
    ).rejects.toMatchObject({ code: 'unsupported_operation' });
    expect(noUidPlus.commands.some((c) => /EXPUNGE|STORE/i.test(c.line))).toBe(false);
    const left = await serverMessages(user, 'NoPlus');
    expect(left.map((m) => m.subject).sort()).toEqual(['other-deleted', 'survivor']);
    expect(left.find((m) => m.subject === 'survivor')!.flags).toEqual([]);
  });

  test('a stale id is refused for delete, to Trash and for good, and nothing changes', async () => {
    await seedSubjects(user, 'StaleDel', ['before']);
    const id = await idOf(user, 'StaleDel', 'before');
    await recreateMailbox(user, 'StaleDel', ['after']);
    for (const permanent of [false, true]) {
      await expect(
        withPlainStore(user, undefined, (store) => store.deleteMessage(path('StaleDel'), id, { permanent })),
      ).rejects.toMatchObject({ code: 'stale_message_id' });
    }
    expect(await subjectsIn(user, 'StaleDel')).toEqual(['after']);
    expect(await subjectsIn(user, 'Trash')).not.toContain('after');
  });
});
