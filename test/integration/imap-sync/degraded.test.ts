import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChunkTransform } from '../../support/fault-proxy.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import {
  applyChanges,
  buildMessage,
  comparable,
  connectOther,
  listAll,
  pathRef,
  withStore,
} from './sync-test-kit.js';

let user: MailUser;
let other: ImapFlow;
let plain: FaultProxy;
let noQresync: FaultProxy;
let noCondstore: FaultProxy;
let noUnselect: FaultProxy;

function without(...names: string[]): ChunkTransform {
  const transforms = names.map(withoutCapability);
  return (chunk, index) => transforms.reduce((data, transform) => transform(data, index), chunk);
}

beforeAll(async () => {
  user = await createMailUser('sync-degraded');
  other = await connectOther(user);
  const target = { host: user.server.host, port: user.server.ports.imap };
  plain = await startFaultProxy({ target, protocol: 'imap' });
  noQresync = await startFaultProxy({ target, protocol: 'imap', transformToClient: without('QRESYNC') });
  noUnselect = await startFaultProxy({ target, protocol: 'imap', transformToClient: without('UNSELECT') });
  noCondstore = await startFaultProxy({
    target,
    protocol: 'imap',
    transformToClient: without('QRESYNC', 'CONDSTORE'),
  });
});

afterAll(async () => {
  await other?.logout();
  await Promise.all([plain?.close(), noQresync?.close(), noCondstore?.close(), noUnselect?.close()]);
});

async function appendTo(path: string, subject: string): Promise<number> {
  const appended = await other.append(path, buildMessage(subject));
  if (!appended || appended.uid === undefined) throw new Error('append without APPENDUID');
  return appended.uid;
}

/** The command lines of the operation itself, tags and the connection's own preamble dropped. */
function commandsOf(proxy: FaultProxy): string[] {
  return proxy.commands
    .map((c) => c.line.replace(/^\S+ /, ''))
    .filter((line) => !/^(CAPABILITY|LOGIN|ID|NAMESPACE)\b/i.test(line));
}

describe('changes on servers with less of RFC 7162', () => {
  test('with QRESYNC one EXAMINE carries removals and changes, one UID FETCH the new summaries', async () => {
    await other.mailboxCreate('Counted');
    const first = await appendTo('Counted', 'one');
    const since = (await withStore(user, (store) => store.getMailbox(pathRef('Counted')))).state!;
    await other.mailboxOpen('Counted');
    await other.messageDelete(String(first), { uid: true });
    await appendTo('Counted', 'two');
    plain.reset();
    const changes = await withStore(
      user,
      (store) => store.changes(pathRef('Counted'), since, { maxChanges: 50 }),
      {
        via: plain,
      },
    );
    expect(changes).toMatchObject({ removedComplete: true, hasMore: false });
    expect(changes.removed).toHaveLength(1);
    expect(changes.created.map((m) => m.subject)).toEqual(['two']);
    const commands = commandsOf(plain);
    expect(commands[0]).toBe('ENABLE QRESYNC');
    expect(commands[1]).toMatch(/^EXAMINE "Counted" \(QRESYNC \(\d+ \d+\)\)$/);
    expect(commands.slice(2).map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['UID FETCH']);
  });

  test('CONDSTORE without QRESYNC: created and updated exact, removals unknown and said so', async () => {
    await other.mailboxCreate('NoQresync');
    const [keep, drop] = [await appendTo('NoQresync', 'keep'), await appendTo('NoQresync', 'drop')];
    const before = await withStore(user, (store) => listAll(store, pathRef('NoQresync')));
    const since = (await withStore(user, (store) => store.getMailbox(pathRef('NoQresync')))).state!;
    await other.mailboxOpen('NoQresync');
    await other.messageFlagsAdd(String(keep), ['\\Flagged'], { uid: true });
    await other.messageDelete(String(drop), { uid: true });
    await appendTo('NoQresync', 'new');

    noQresync.reset();
    const changes = await withStore(
      user,
      (store) => store.changes(pathRef('NoQresync'), since, { maxChanges: 50 }),
      { via: noQresync },
    );
    expect(changes).toMatchObject({ removedComplete: false, removed: [], hasMore: false });
    expect(changes.created.map((m) => m.subject)).toEqual(['new']);
    expect(changes.updated).toHaveLength(1);
    expect(changes.updated[0]!.flags).toContain('\\Flagged');
    expect(commandsOf(noQresync).some((line) => /CHANGEDSINCE \d+\)$/.test(line))).toBe(true);
    expect(commandsOf(noQresync).some((line) => /QRESYNC|VANISHED/.test(line))).toBe(false);

    // The client learns the removal by comparing ids, as removedComplete: false tells it to.
    const after = await withStore(user, (store) => listAll(store, pathRef('NoQresync')));
    const current = new Set(after.map((m) => m.id));
    const replayed = applyChanges(before, changes).filter((m) => current.has(m.id));
    expect(comparable(replayed)).toEqual(comparable(after));
  });

  test('without CONDSTORE the mailbox has no state, and changes and wait are unsupported_operation', async () => {
    const since = (await withStore(user, (store) => store.getMailbox(pathRef('INBOX')))).state!;
    for (const ref of [pathRef('INBOX'), { kind: 'role', role: 'trash' } as const]) {
      const status = await withStore(user, (store) => store.getMailbox(ref), { via: noCondstore });
      expect(status.state).toBeNull();
      const withCondstore = await withStore(user, (store) => store.getMailbox(ref), { via: noQresync });
      expect(withCondstore.state).toEqual(expect.any(String));
    }
    await expect(
      withStore(user, (store) => store.changes(pathRef('INBOX'), since, { maxChanges: 50 }), {
        via: noCondstore,
      }),
    ).rejects.toMatchObject({ code: 'unsupported_operation' });
    await expect(
      withStore(user, (store) => store.wait(pathRef('INBOX'), since, 2), { via: noCondstore }),
    ).rejects.toMatchObject({ code: 'unsupported_operation' });
  });

  test('without UNSELECT, leaving a read-write selection to ENABLE QRESYNC expunges nothing', async () => {
    await other.mailboxCreate('NoUnselect');
    const marked = await appendTo('NoUnselect', 'marked deleted');
    const target = await appendTo('NoUnselect', 'flag me');
    await other.mailboxOpen('NoUnselect');
    await other.messageFlagsAdd(String(marked), ['\\Deleted'], { uid: true });
    const since = (await withStore(user, (store) => store.getMailbox(pathRef('NoUnselect')))).state!;
    noUnselect.reset();
    const changes = await withStore(
      user,
      async (store) => {
        const listed = (await listAll(store, pathRef('NoUnselect'))).find((m) => m.uid === target)!;
        await store.updateFlags(pathRef('NoUnselect'), listed.id, { add: ['\\Flagged'], remove: [] });
        return store.changes(pathRef('NoUnselect'), since, { maxChanges: 10 });
      },
      { via: noUnselect },
    );
    expect(changes.removedComplete).toBe(true);
    expect(changes.removed).toEqual([]);
    const commands = commandsOf(noUnselect);
    expect(commands.some((line) => /^SELECT "NoUnselect"$/.test(line))).toBe(true);
    const close = commands.indexOf('CLOSE');
    expect(close).toBeGreaterThan(0);
    // The CLOSE comes right after an EXAMINE, so the selection it ends is read-only.
    expect(commands[close - 1]).toMatch(/^EXAMINE "NoUnselect"$/);
    const left = await withStore(user, (store) => listAll(store, pathRef('NoUnselect')));
    expect(left.map((m) => m.uid ?? 0).sort((a, b) => a - b)).toEqual([marked, target]);
  });
});
