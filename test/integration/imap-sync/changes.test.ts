import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeImapMessageId } from '../../../lib/mail/ids.js';
import type { ChangeSet } from '../../../lib/mail/writes.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { commandNames, commandsDuring } from '../imap/imap-test-kit.js';
import {
  applyChanges,
  buildMessage,
  changeCount,
  comparable,
  connectOther,
  INBOX,
  listAll,
  pathRef,
  withStore,
} from './sync-test-kit.js';

let user: MailUser;
let other: ImapFlow;

beforeAll(async () => {
  user = await createMailUser('sync-changes');
  other = await connectOther(user);
});

afterAll(async () => {
  await other?.logout();
});

async function appendTo(path: string, subjects: string[]): Promise<number[]> {
  const uids: number[] = [];
  for (const subject of subjects) {
    const appended = await other.append(path, buildMessage(subject));
    if (!appended || appended.uid === undefined) throw new Error('append without APPENDUID');
    uids.push(appended.uid);
  }
  return uids;
}

async function stateOf(path: string): Promise<string> {
  const status = await withStore(user, (store) => store.getMailbox(pathRef(path)));
  if (!status.state) throw new Error('no state');
  return status.state;
}

describe('changes with QRESYNC', () => {
  test('reports exactly the appends, flag changes, moves out and expunges, and replays to the current list', async () => {
    await other.mailboxCreate('Mix');
    const [a, b, c, d, e] = await appendTo('Mix', ['a', 'b', 'c', 'd', 'e', 'f']);
    const before = await withStore(user, (store) => listAll(store, pathRef('Mix')));
    const since = await stateOf('Mix');

    await other.mailboxOpen('Mix');
    await other.messageFlagsAdd(String(a), ['\\Flagged'], { uid: true });
    await other.messageFlagsAdd(String(b), ['$Label1'], { uid: true });
    expect(await other.messageMove(String(c), 'Archive', { uid: true })).toBeTruthy();
    expect(await other.messageDelete(String(d), { uid: true })).toBe(true);
    const [g, h, gone] = await appendTo('Mix', ['g', 'h', 'created then removed']);
    expect(await other.messageDelete(String(gone), { uid: true })).toBe(true);
    await other.messageFlagsAdd(String(g), ['\\Seen'], { uid: true });

    const { changes, after } = await withStore(user, async (store) => ({
      changes: await store.changes(pathRef('Mix'), since, { maxChanges: 500 }),
      after: await listAll(store, pathRef('Mix')),
    }));
    const validity = (await withStore(user, (store) => store.getMailbox(pathRef('Mix')))).uidValidity!;
    const id = (uid: number) => encodeImapMessageId('Mix', { uidValidity: validity, uid });

    expect(changes.created.map((m) => m.id)).toEqual([id(g!), id(h!)]);
    expect(changes.created.map((m) => m.subject)).toEqual(['g', 'h']);
    expect(changes.created[0]!.flags).toContain('\\Seen');
    expect(changes.updated.map((u) => u.id).sort()).toEqual([id(a!), id(b!)].sort());
    expect(changes.updated.find((u) => u.id === id(a!))!.flags).toContain('\\Flagged');
    expect(changes.updated.find((u) => u.id === id(b!))!.flags).toContain('$Label1');
    // A message created and removed since the state is reported as removed only.
    expect(changes.removed).toEqual([id(c!), id(d!), id(gone!)]);
    expect(changes).toMatchObject({ removedComplete: true, hasMore: false });
    expect(changes.updated.map((u) => u.id)).not.toContain(id(e!));

    const replayed = applyChanges(before, changes);
    expect(comparable(replayed)).toEqual(comparable(after));
    for (const created of changes.created) {
      const listed = after.find((m) => m.id === created.id)!;
      expect(created).toEqual({ ...listed, flags: listed.flags.filter((f) => f !== '\\Recent') });
    }

    // The returned state is current: asking again reports nothing.
    const again = await withStore(user, (store) =>
      store.changes(pathRef('Mix'), changes.state, { maxChanges: 500 }),
    );
    expect(changeCount(again)).toBe(0);
    expect(again.hasMore).toBe(false);
  });

  test('paging with maxChanges 3 over about 20 changes, with mail arriving between pages, loses nothing', async () => {
    await other.mailboxCreate('Paged');
    const seeded = await appendTo('Paged', ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10']);
    const before = await withStore(user, (store) => listAll(store, pathRef('Paged')));
    const since = await stateOf('Paged');

    await other.mailboxOpen('Paged');
    for (const uid of seeded.slice(0, 8)) await other.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    for (const uid of seeded.slice(8)) await other.messageDelete(String(uid), { uid: true });
    const fresh = await appendTo('Paged', ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8']);
    await other.messageFlagsAdd(String(fresh[0]), ['\\Flagged'], { uid: true });

    const pages: ChangeSet[] = [];
    let list = before;
    let state = since;
    for (let round = 0; round < 40; round++) {
      const page = await withStore(user, (store) =>
        store.changes(pathRef('Paged'), state, { maxChanges: 3 }),
      );
      pages.push(page);
      list = applyChanges(list, page);
      state = page.state;
      if (round === 1) {
        // Between pages: a message already reported changes again, another arrives, one goes.
        await other.mailboxOpen('Paged');
        await other.messageFlagsAdd(String(seeded[0]), ['$Late'], { uid: true });
        await appendTo('Paged', ['late arrival']);
        await other.messageDelete(String(seeded[1]), { uid: true });
      }
      if (!page.hasMore) break;
    }

    expect(pages.at(-1)!.hasMore).toBe(false);
    expect(pages.length).toBeGreaterThanOrEqual(6);
    // Removals come whole on one page; otherwise every page keeps to maxChanges here,
    // where every change has its own mod-sequence.
    for (const page of pages) expect(page.created.length + page.updated.length).toBeLessThanOrEqual(3);
    const after = await withStore(user, (store) => listAll(store, pathRef('Paged')));
    expect(comparable(list)).toEqual(comparable(after));
    expect(list.find((m) => m.subject === 'late arrival')).toBeDefined();
  });

  test('changes sharing one mod-sequence are not split across pages', async () => {
    await other.mailboxCreate('Grouped');
    const uids = await appendTo('Grouped', ['g1', 'g2', 'g3', 'g4', 'g5']);
    const since = await stateOf('Grouped');
    await other.mailboxOpen('Grouped');
    // One STORE over five messages: Dovecot gives all five one MODSEQ.
    await other.messageFlagsAdd(`${uids[0]}:${uids[4]}`, ['\\Answered'], { uid: true });
    const page = await withStore(user, (store) =>
      store.changes(pathRef('Grouped'), since, { maxChanges: 2 }),
    );
    expect(page.updated).toHaveLength(5);
    expect(page.hasMore).toBe(false);
    for (const update of page.updated) expect(update.flags).toContain('\\Answered');
  });

  test('the mailbox state is there for a path and for a role, and changes accepts it', async () => {
    const byRole = await withStore(user, (store) => store.getMailbox({ kind: 'role', role: 'archive' }));
    const byPath = await withStore(user, (store) => store.getMailbox(INBOX));
    expect(byRole.state).toEqual(expect.any(String));
    expect(byPath.state).toEqual(expect.any(String));
    const none = await withStore(user, (store) =>
      store.changes({ kind: 'role', role: 'archive' }, byRole.state!, { maxChanges: 10 }),
    );
    expect(changeCount(none)).toBe(0);
  });

  test('a recreated mailbox (new UIDVALIDITY) and another mailbox’s state are state_expired', async () => {
    await other.mailboxCreate('Phoenix');
    await appendTo('Phoenix', ['before']);
    const since = await stateOf('Phoenix');
    const foreign = await stateOf('Mix');
    await expect(
      withStore(user, (store) => store.changes(pathRef('Phoenix'), foreign, { maxChanges: 10 })),
    ).rejects.toMatchObject({ code: 'state_expired' });

    if (other.mailbox) await other.mailboxClose();
    await other.mailboxDelete('Phoenix');
    await other.mailboxCreate('Phoenix');
    await appendTo('Phoenix', ['after']);
    await expect(
      withStore(user, (store) => store.changes(pathRef('Phoenix'), since, { maxChanges: 10 })),
    ).rejects.toMatchObject({ code: 'state_expired' });
    await expect(withStore(user, (store) => store.wait(pathRef('Phoenix'), since, 2))).rejects.toMatchObject({
      code: 'state_expired',
    });
  });

  test('after a write selected the mailbox, changes leaves it without expunging \\Deleted mail', async () => {
    await other.mailboxCreate('Selected');
    const [marked, target] = await appendTo('Selected', ['marked deleted', 'flag me']);
    await other.mailboxOpen('Selected');
    await other.messageFlagsAdd(String(marked), ['\\Deleted'], { uid: true });
    const since = await stateOf('Selected');
    let changes: ChangeSet | undefined;
    const commands = await commandsDuring(user, async () => {
      changes = await withStore(user, async (store) => {
        const [listed] = (await listAll(store, pathRef('Selected'))).filter((m) => m.uid === target);
        await store.updateFlags(pathRef('Selected'), listed!.id, { add: ['\\Flagged'], remove: [] });
        return store.changes(pathRef('Selected'), since, { maxChanges: 10 });
      });
    });
    const names = commandNames(commands);
    expect(names.indexOf('UNSELECT')).toBeGreaterThan(names.indexOf('SELECT'));
    expect(names.indexOf('ENABLE')).toBeGreaterThan(names.indexOf('UNSELECT'));
    expect(names).not.toContain('CLOSE');
    expect(names).not.toContain('EXPUNGE');
    if (!changes) throw new Error('no changes');
    expect(changes.removedComplete).toBe(true);
    expect(changes.updated).toEqual([{ id: expect.any(String), flags: ['\\Flagged'] }]);
    const left = await withStore(user, (store) => listAll(store, pathRef('Selected')));
    expect(left.map((m) => m.uid).sort()).toEqual([marked, target]);
  });

  test('a malformed state is invalid_request', async () => {
    await expect(
      withStore(user, (store) => store.changes(INBOX, 'not-a-state', { maxChanges: 10 })),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
