import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { idOf, path, seedSubjects, withPlainStore } from './writes-kit.js';

/**
 * The commands each write sends after login, recorded by a proxy in front
 * of Dovecot (MOVE, UIDPLUS, SPECIAL-USE, LIST-EXTENDED). These lists are
 * the budget: a change that adds a command, or sends a plain EXPUNGE,
 * fails here.
 */
let user: MailUser;
let proxy: FaultProxy;

beforeAll(async () => {
  user = await createImapUser('wcmds');
  await seedSubjects(user, 'Cmd', ['flag', 'move', 'copy', 'trash', 'perm', 'b1', 'b2']);
  await seedSubjects(user, 'CmdDst', []);
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
  });
});

afterAll(async () => {
  await proxy?.close();
});

async function sent(work: (store: ImapMailStore) => Promise<unknown>): Promise<string[]> {
  await proxy.whenIdle();
  proxy.reset();
  await withPlainStore(user, proxy, work);
  await proxy.whenIdle();
  const names = proxy.commands.map((c) => {
    const [, first, second] = c.line.split(' ');
    return first === 'UID' ? `UID ${second}` : (first ?? '');
  });
  return names.slice(names.indexOf('LOGIN') + 1);
}

describe('IMAP commands per write', () => {
  test('each operation sends exactly its planned commands', async () => {
    const id = (subject: string) => idOf(user, 'Cmd', subject);
    const table: Record<string, string[]> = {
      updateFlags: await sent(async (s) =>
        s.updateFlags(path('Cmd'), await id('flag'), { add: ['\\Seen'], remove: ['\\Draft'] }),
      ),
      moveMessage: await sent(async (s) => s.moveMessage(path('Cmd'), await id('move'), path('CmdDst'))),
      copyMessage: await sent(async (s) => s.copyMessage(path('Cmd'), await id('copy'), path('CmdDst'))),
      deleteToTrash: await sent(async (s) =>
        s.deleteMessage(path('Cmd'), await id('trash'), { permanent: false }),
      ),
      deletePermanent: await sent(async (s) =>
        s.deleteMessage(path('Cmd'), await id('perm'), { permanent: true }),
      ),
      append: await sent((s) =>
        s.appendMessage(path('Cmd'), { raw: Buffer.from(buildMessage()), flags: ['\\Seen'], date: null }),
      ),
      createMailbox: await sent((s) => s.createMailbox('Cmd/New')),
      renameMailbox: await sent((s) => s.renameMailbox(path('Cmd/New'), 'Cmd/Renamed')),
      deleteMailbox: await sent((s) => s.deleteMailbox(path('Cmd/Renamed'))),
      bulkFlag: await sent(async (s) =>
        s.bulk(
          path('Cmd'),
          { ids: [await id('b1'), await id('b2')] },
          { action: 'flag', flags: { add: ['x'], remove: [] } },
        ),
      ),
      bulkMove: await sent(async (s) =>
        s.bulk(
          path('Cmd'),
          { ids: [await id('b1'), await id('b2')] },
          { action: 'move', to: path('CmdDst') },
        ),
      ),
    };
    expect(table).toEqual({
      updateFlags: ['SELECT', 'UID STORE', 'UID STORE'],
      moveMessage: ['STATUS', 'SELECT', 'UID MOVE'],
      copyMessage: ['STATUS', 'EXAMINE', 'UID COPY'],
      deleteToTrash: ['LIST', 'STATUS', 'SELECT', 'UID MOVE'],
      deletePermanent: ['SELECT', 'UID SEARCH', 'UID STORE', 'UID EXPUNGE'],
      append: ['APPEND'],
      createMailbox: ['CREATE', 'SUBSCRIBE', 'LIST'],
      renameMailbox: ['LIST', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST'],
      deleteMailbox: ['DELETE', 'UNSUBSCRIBE'],
      bulkFlag: ['SELECT', 'UID SEARCH', 'UID STORE'],
      bulkMove: ['STATUS', 'SELECT', 'UID SEARCH', 'UID MOVE'],
    });
  });
});
