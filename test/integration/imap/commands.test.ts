import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, buildMessage, createImapUser, drain, fixture, openStore } from './imap-test-kit.js';

/**
 * What each read operation sends, recorded by a plaintext proxy in front of
 * Dovecot so the pre-login commands are visible too. These lists are the
 * per-endpoint budget: a change that adds a round trip fails here.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
let user: MailUser;
let proxy: FaultProxy;
let ids: { plain: string; mixed: string };
let cursor: string;

/** Connection setup before any operation: LOGIN alone (no ID unless the account asks for it, no NAMESPACE). */
const SETUP = ['LOGIN'];

beforeAll(async () => {
  user = await createImapUser('cmds');
  await user.seed('INBOX', [
    ...Array.from({ length: 14 }, (_, i) => ({ raw: buildMessage({ subject: `m${i}` }) })),
    { raw: fixture('mixed-attachments.eml') },
  ]);
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
  });
  const first = await measure((store) => store.listMessages(INBOX, { limit: 10, filter: {} }));
  const messages = first.result.messages;
  ids = { mixed: messages[0]!.id, plain: messages[1]!.id };
  cursor = first.result.nextCursor!;
});

afterAll(async () => {
  await proxy?.close();
});

async function measure<T>(
  work: (store: ImapMailStore) => Promise<T>,
): Promise<{ result: T; names: string[]; roundTrips: number }> {
  await proxy.whenIdle();
  proxy.reset();
  const store = openStore(user, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } });
  const result = await work(store).finally(() => store.close());
  await proxy.whenIdle();
  const names = proxy.commands.map((c) => {
    const [, first, second] = c.line.split(' ');
    return first === 'UID' ? `UID ${second}` : (first ?? '');
  });
  return { result, names, roundTrips: proxy.flights.total };
}

describe('IMAP commands per request', () => {
  test.each([
    ['list mailboxes', (s: ImapMailStore) => s.listMailboxes({ counts: false }), ['LIST']],
    [
      'list mailboxes with counts (LIST-STATUS)',
      (s: ImapMailStore) => s.listMailboxes({ counts: true }),
      ['LIST'],
    ],
    ['mailbox status by path', (s: ImapMailStore) => s.getMailbox(INBOX), ['LIST']],
    [
      'mailbox status by role',
      (s: ImapMailStore) => s.getMailbox({ kind: 'role', role: 'sent' }),
      ['LIST', 'STATUS'],
    ],
    [
      'messages, first page',
      (s: ImapMailStore) => s.listMessages(INBOX, { limit: 10, filter: {} }),
      ['EXAMINE', 'FETCH'],
    ],
    [
      'messages, later page',
      (s: ImapMailStore) => s.listMessages(INBOX, { limit: 10, cursor, filter: {} }),
      ['EXAMINE', 'UID SEARCH', 'FETCH'],
    ],
    [
      'messages, filtered',
      (s: ImapMailStore) => s.listMessages(INBOX, { limit: 10, filter: { subject: 'm1', seen: false } }),
      ['EXAMINE', 'UID SEARCH', 'UID FETCH'],
    ],
    [
      'messages of a role mailbox',
      (s: ImapMailStore) => s.listMessages({ kind: 'role', role: 'trash' }, { limit: 10, filter: {} }),
      ['LIST', 'EXAMINE'],
    ],
    [
      'get message',
      (s: ImapMailStore) => s.getMessage(INBOX, ids.mixed, buildGetOptions()),
      ['EXAMINE', 'UID FETCH', 'UID FETCH'],
    ],
    [
      // The second FETCH reads no text: it measures the message's base64 attachments (D16).
      'get message, body=none',
      (s: ImapMailStore) => s.getMessage(INBOX, ids.mixed, buildGetOptions({ body: 'none' })),
      ['EXAMINE', 'UID FETCH', 'UID FETCH'],
    ],
    [
      'get message with markSeen',
      (s: ImapMailStore) => s.getMessage(INBOX, ids.plain, buildGetOptions({ markSeen: true })),
      ['SELECT', 'UID FETCH', 'UID FETCH', 'UID STORE'],
    ],
    [
      'raw download',
      async (s: ImapMailStore) => drain(await s.openRaw(INBOX, ids.mixed)),
      // The first window, and in its flight the rest (empty here), streamed off the socket.
      ['EXAMINE', 'UID FETCH', 'UID FETCH'],
    ],
    [
      'attachment download',
      async (s: ImapMailStore) => drain(await s.openAttachment(INBOX, ids.mixed, '3')),
      ['EXAMINE', 'UID FETCH', 'UID FETCH'],
    ],
  ] as const)('%s', async (_name, work, expected) => {
    const { names, roundTrips } = await measure(work as (store: ImapMailStore) => Promise<unknown>);
    expect(names).toEqual([...SETUP, ...expected]);
    // One command per round trip (nothing waits on a continuation: no AUTHENTICATE, no synchronising
    // literal), except that the SELECT/EXAMINE of a first operation travels with LOGIN (RFC 9051 §5.5),
    // a get's first UID FETCH and a filtered or later page's UID SEARCH with them, and a download's
    // FETCH of the rest with its first window's.
    const opens = expected[0] === 'EXAMINE' || expected[0] === 'SELECT' ? 1 : 0;
    const searchFirst = _name === 'messages, later page' || _name === 'messages, filtered';
    const pipelined =
      opens +
      (opens === 1 && (_name.startsWith('get message') || searchFirst) ? 1 : 0) +
      (_name.endsWith(' download') ? 1 : 0);
    expect(roundTrips).toBe(names.length - pipelined);
    expect(names).not.toContain('ENABLE');
    expect(names).not.toContain('COMPRESS');
    expect(names).not.toContain('AUTHENTICATE');
    expect(names).not.toContain('LOGOUT');
  });
});
