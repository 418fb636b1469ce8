import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { redact } from '../../../lib/log/redact.js';
import { encodeImapMessageId } from '../../../lib/mail/ids.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import {
  type FakeImapCommand,
  type FakeImapOptions,
  type FakeImapServer,
  type FakeImapState,
  startFakeImapServer,
} from '../../support/fake-imap-server.js';
import { fakeServerAccount } from '../../support/fake-server-account.js';
import { INBOX, path } from './writes-kit.js';

/**
 * Refusals as servers without RFC 5530 response codes give them: a plain
 * `NO <free text>`, in any wording or language. The answer must follow from
 * the command refused and the state of the account, never from the words.
 */

type Work = (store: ImapMailStore, ids: { inbox: string; nowhere: string }) => Promise<unknown>;

let hook: ((command: FakeImapCommand, state: FakeImapState) => void) | null = null;

async function start(options: Partial<FakeImapOptions>): Promise<FakeImapServer> {
  return startFakeImapServer({
    mailboxes: { INBOX: ['one', 'two'], Archive: [] },
    onCommand: (command, state) => hook?.(command, state),
    ...options,
  });
}

function account(server: FakeImapServer): Account {
  return { id: 'fake', ...fakeServerAccount('imap', server.port) };
}

/** Runs `work` on a store of its own against `server` and returns what it threw. */
async function failure(server: FakeImapServer, work: Work) {
  const store = new ImapMailStore(account(server), {
    signal: new AbortController().signal,
    logger: silentLogger,
  });
  const inbox = server.state.mailboxes.get('INBOX')!;
  const ids = {
    inbox: encodeImapMessageId('INBOX', { uidValidity: String(inbox.uidValidity), uid: 1 }),
    nowhere: encodeImapMessageId('Nowhere', { uidValidity: '1', uid: 1 }),
  };
  try {
    await work(store, ids);
  } catch (error) {
    return error as { code: string; detail: string; cause?: unknown };
  } finally {
    await store.close();
  }
  throw new Error('the operation succeeded');
}

const message = () => ({
  raw: Buffer.from('From: a@example.com\r\nSubject: new\r\nMessage-ID: <new@example.com>\r\n\r\nhi\r\n'),
  flags: [],
  date: null,
});

/** Every command that names a mailbox that is not there. */
const ON_A_MISSING_MAILBOX: Array<[string, Work]> = [
  ['DELETE', (s) => s.deleteMailbox(path('Nowhere'))],
  ['RENAME of the source', (s) => s.renameMailbox(path('Nowhere'), 'Elsewhere')],
  ['EXAMINE (listing its messages)', (s) => s.listMessages(path('Nowhere'), { limit: 5, filter: {} })],
  ['SELECT (flagging a message in it)', (s, ids) => s.updateFlags(path('Nowhere'), ids.nowhere, { set: [] })],
  ['STATUS (the mailbox itself)', (s) => s.getMailbox(path('Nowhere'))],
  ['APPEND', (s) => s.appendMessage(path('Nowhere'), message())],
  ['COPY to it', (s, ids) => s.copyMessage(INBOX, ids.inbox, path('Nowhere'))],
  ['MOVE to it', (s, ids) => s.moveMessage(INBOX, ids.inbox, path('Nowhere'))],
  [
    'bulk MOVE to it',
    (s, ids) => s.bulk(INBOX, { ids: [ids.inbox] }, { action: 'move', to: path('Nowhere') }),
  ],
];

describe.each(['Mailbox does not exist', 'Postfach existiert nicht', 'Invalid mailbox name'])(
  'a mailbox that does not exist, refused as "NO %s"',
  (missingText) => {
    let server: FakeImapServer;

    beforeAll(async () => {
      server = await start({ missingText });
    });

    afterAll(async () => {
      await server?.close();
    });

    test.each(ON_A_MISSING_MAILBOX)('%s is mailbox_not_found', async (_what, work) => {
      expect(await failure(server, work)).toMatchObject({ code: 'mailbox_not_found' });
      expect(server.state.find('Nowhere')).toBeNull();
      expect(server.state.mailboxes.get('INBOX')!.messages).toHaveLength(2);
    });

    test.each([
      ['UID MOVE', 'move'],
      ['UID COPY', 'copy'],
    ] as const)('%s into a mailbox deleted after its STATUS is mailbox_not_found', async (verb, mode) => {
      hook = (command, state) => {
        if (command.verb === verb) state.mailboxes.delete('Archive');
      };
      try {
        const error = await failure(server, (s, ids) =>
          mode === 'move'
            ? s.moveMessage(INBOX, ids.inbox, path('Archive'))
            : s.copyMessage(INBOX, ids.inbox, path('Archive')),
        );
        expect(error).toMatchObject({ code: 'mailbox_not_found' });
      } finally {
        hook = null;
        server.state.mailboxes.set('Archive', { uidValidity: 7, uidNext: 1, messages: [], noselect: false });
      }
      expect(server.state.mailboxes.get('INBOX')!.messages).toHaveLength(2);
    });
  },
);

describe.each(['Mailbox already exists', 'Postfach existiert bereits'])(
  'a name that exists, refused as "NO %s"',
  (existsText) => {
    let server: FakeImapServer;
    let caseless: FakeImapServer;

    beforeAll(async () => {
      server = await start({ existsText });
      caseless = await start({ existsText, foldCase: true, mailboxes: { INBOX: [], Archive: [], Work: [] } });
    });

    afterAll(async () => {
      await server?.close();
      await caseless?.close();
    });

    test.each(['Archive', 'INBOX', 'inbox', 'Inbox'])('CREATE %s is mailbox_exists', async (name) => {
      expect(await failure(server, (s) => s.createMailbox(name))).toMatchObject({ code: 'mailbox_exists' });
      expect([...server.state.mailboxes.keys()]).toEqual(['INBOX', 'Archive']);
    });

    test('CREATE of another case of an existing name, on a server that ignores case, is mailbox_exists', async () => {
      expect(await failure(caseless, (s) => s.createMailbox('ARCHIVE'))).toMatchObject({
        code: 'mailbox_exists',
      });
    });

    test.each(['Archive', 'inbox'])('RENAME onto %s is mailbox_exists', async (target) => {
      const error = await failure(caseless, (s) => s.renameMailbox(path('Work'), target.toUpperCase()));
      expect(error).toMatchObject({ code: 'mailbox_exists' });
      expect([...caseless.state.mailboxes.keys()]).toEqual(['INBOX', 'Archive', 'Work']);
    });
  },
);

describe('a refusal nothing known explains', () => {
  const REFUSED: Array<[string, string, Work]> = [
    ['CREATE', 'Permission denied', (s) => s.createMailbox('New')],
    ['CREATE', 'Invalid mailbox name', (s) => s.createMailbox('Bad*Name')],
    ['DELETE', 'Permission denied', (s) => s.deleteMailbox(path('Archive'))],
    ['RENAME', 'Permission denied', (s) => s.renameMailbox(path('Archive'), 'Old')],
    ['EXAMINE', 'Permission denied', (s) => s.listMessages(INBOX, { limit: 5, filter: {} })],
    ['SELECT', 'Permission denied', (s, ids) => s.updateFlags(INBOX, ids.inbox, { set: [] })],
    ['APPEND', 'Permission denied', (s) => s.appendMessage(INBOX, message())],
    ['UID MOVE', 'Permission denied', (s, ids) => s.moveMessage(INBOX, ids.inbox, path('Archive'))],
    ['UID COPY', 'Zugriff verweigert', (s, ids) => s.copyMessage(INBOX, ids.inbox, path('Archive'))],
  ];

  test('STATUS of an existing destination refused as "NO Permission denied" is upstream_unavailable', async () => {
    const server = await start({ refuse: { STATUS: 'Permission denied' } });
    try {
      const error = await failure(server, (s, ids) => s.copyMessage(INBOX, ids.inbox, path('Archive')));
      expect(error).toMatchObject({ code: 'upstream_unavailable' });
      expect(server.state.mailboxes.get('Archive')!.messages).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  test.each(REFUSED)(
    '%s refused as "NO %s" is upstream_unavailable; the text goes to the log only',
    async (verb, text, work) => {
      const server = await start({ refuse: { [verb]: text } });
      try {
        const error = await failure(server, work);
        expect(error).toMatchObject({ code: 'upstream_unavailable' });
        expect(error.detail).not.toContain(text);
        // What the error handler logs for an upstream failure: the cause, redacted.
        expect(JSON.stringify(redact(error.cause))).toContain(text);
        expect([...server.state.mailboxes.keys()]).toEqual(['INBOX', 'Archive']);
        expect(server.state.mailboxes.get('INBOX')!.messages).toHaveLength(2);
      } finally {
        await server.close();
      }
    },
  );
});
