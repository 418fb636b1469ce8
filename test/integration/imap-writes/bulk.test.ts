import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeImapMessageId } from '../../../lib/mail/ids.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser } from '../imap/imap-test-kit.js';
import { multiAppend, path, seedSubjects, serverMessages, subjectsIn, withPlainStore } from './writes-kit.js';

let user: MailUser;
let proxy: FaultProxy;

beforeAll(async () => {
  user = await createImapUser('wbulk');
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
  });
});

afterAll(async () => {
  await proxy?.close();
});

async function idsIn(mailbox: string): Promise<Map<string, string>> {
  return withPlainStore(user, undefined, async (store) => {
    const page = await store.listMessages(path(mailbox), { limit: 200, filter: {} });
    return new Map(page.messages.map((m) => [m.subject ?? '', m.id]));
  });
}

function commandNames(): string[] {
  return proxy.commands.map((c) => {
    const [, first, second] = c.line.split(' ');
    return first === 'UID' ? `UID ${second}` : (first ?? '');
  });
}

describe('bulk', () => {
  test('flagging 5,000 messages by filter takes one STORE and reports done 5000', async () => {
    await multiAppend(user, 'Big', 'big-', 5000);
    proxy.reset();
    const result = await withPlainStore(user, proxy, (store) =>
      store.bulk(
        path('Big'),
        { filter: { seen: false } },
        { action: 'flag', flags: { add: ['\\Seen', 'bulk'], remove: [] } },
      ),
    );
    expect(result).toMatchObject({ matched: 5000, done: 5000, failed: [] });
    expect(commandNames().filter((name) => name === 'UID STORE')).toHaveLength(1);
    const onServer = await serverMessages(user, 'Big');
    expect(onServer).toHaveLength(5000);
    expect(onServer.filter((m) => m.flags.includes('\\Seen') && m.flags.includes('bulk'))).toHaveLength(5000);
  }, 60_000);

  test('a mix of valid, missing, foreign and stale ids: each failure reported with its code', async () => {
    await seedSubjects(user, 'Mix', ['a', 'b', 'c', 'gone']);
    await seedSubjects(user, 'Other', ['foreign']);
    const mix = await idsIn('Mix');
    const foreign = (await idsIn('Other')).get('foreign')!;
    const goneUid = (await serverMessages(user, 'Mix')).find((m) => m.subject === 'gone')!.uid;
    await user.doveadm(['expunge', '-u', user.user, 'mailbox', 'Mix', 'uid', String(goneUid)]);
    const stale = encodeImapMessageId('Mix', { uidValidity: '1', uid: 1 });
    const ids = [mix.get('a')!, mix.get('gone')!, foreign, 'garbage', stale, mix.get('c')!];
    proxy.reset();
    const result = await withPlainStore(user, proxy, (store) =>
      store.bulk(path('Mix'), { ids }, { action: 'flag', flags: { add: ['\\Flagged'], remove: [] } }),
    );
    expect(result.matched).toBe(2);
    expect(result.done).toBe(2);
    expect(new Map(result.failed.map((f) => [f.id, f.code]))).toEqual(
      new Map([
        [mix.get('gone')!, 'message_not_found'],
        [foreign, 'message_not_found'],
        ['garbage', 'message_not_found'],
        [stale, 'stale_message_id'],
      ]),
    );
    const flagged = (await serverMessages(user, 'Mix')).filter((m) => m.flags.includes('\\Flagged'));
    expect(flagged.map((m) => m.subject).sort()).toEqual(['a', 'c']);
    expect(commandNames().filter((name) => name === 'UID STORE')).toHaveLength(1);
  });

  test('move reports old → new ids with one UID MOVE', async () => {
    await seedSubjects(user, 'BulkSrc', ['m1', 'm2', 'm3']);
    await seedSubjects(user, 'BulkDst', []);
    const before = await idsIn('BulkSrc');
    const ids = [before.get('m1')!, before.get('m3')!];
    proxy.reset();
    const result = await withPlainStore(user, proxy, (store) =>
      store.bulk(path('BulkSrc'), { ids }, { action: 'move', to: path('BulkDst') }),
    );
    expect(result).toMatchObject({ matched: 2, done: 2, failed: [] });
    expect(commandNames().filter((name) => name === 'UID MOVE')).toHaveLength(1);
    expect(await subjectsIn(user, 'BulkSrc')).toEqual(['m2']);
    const after = await idsIn('BulkDst');
    expect(result.ids).toEqual({ [ids[0]!]: after.get('m1'), [ids[1]!]: after.get('m3') });
  });

  test('copy to a missing mailbox changes nothing', async () => {
    await seedSubjects(user, 'CopySrc', ['x']);
    const ids = [...(await idsIn('CopySrc')).values()];
    await expect(
      withPlainStore(user, undefined, (store) =>
        store.bulk(path('CopySrc'), { ids }, { action: 'copy', to: path('NoSuchBox') }),
      ),
    ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    expect(await subjectsIn(user, 'CopySrc')).toEqual(['x']);
  });

  test('permanent delete expunges exactly the named messages with one UID EXPUNGE', async () => {
    await seedSubjects(user, 'BulkDel', ['d1', 'd2', 'keep']);
    await seedSubjects(user, 'BulkDel', ['marked'], ['\\Deleted']);
    const before = await idsIn('BulkDel');
    proxy.reset();
    const result = await withPlainStore(user, proxy, (store) =>
      store.bulk(
        path('BulkDel'),
        { ids: [before.get('d1')!, before.get('d2')!] },
        { action: 'delete', permanent: true },
      ),
    );
    expect(result).toMatchObject({ matched: 2, done: 2, failed: [] });
    expect(commandNames().filter((name) => name === 'UID EXPUNGE')).toHaveLength(1);
    expect(commandNames()).not.toContain('EXPUNGE');
    expect(await subjectsIn(user, 'BulkDel')).toEqual(['keep', 'marked']);
  });

  test('an empty filter is refused, never read as every message', async () => {
    await seedSubjects(user, 'EmptyFilter', ['a', 'b']);
    await expect(
      withPlainStore(user, undefined, (store) =>
        store.bulk(path('EmptyFilter'), { filter: {} }, { action: 'delete', permanent: true }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await subjectsIn(user, 'EmptyFilter')).toEqual(['a', 'b']);
  });

  test('more than 10,000 ids is invalid_request before anything is sent', async () => {
    proxy.reset();
    const ids = Array.from({ length: 10_001 }, (_, i) =>
      encodeImapMessageId('INBOX', { uidValidity: '1', uid: i + 1 }),
    );
    await expect(
      withPlainStore(user, proxy, (store) =>
        store.bulk(path('INBOX'), { ids }, { action: 'flag', flags: { add: ['\\Seen'], remove: [] } }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(proxy.commands).toHaveLength(0);
  });
});
