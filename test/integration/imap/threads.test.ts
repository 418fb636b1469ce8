import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { MAX_THREAD_LIST_IDS, THREAD_WINDOW } from '../../../lib/imap/read/threads.js';
import { InvalidRequestError, ThreadNotFoundError } from '../../../lib/mail/errors.js';
import type { MailboxRef, ThreadPage } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser, openStore } from './imap-test-kit.js';

/**
 * Threads against Dovecot (THREAD=REFS), and against the same Dovecot
 * behind a proxy that hides THREAD and SORT, where the gateway groups the
 * newest messages by their headers: a conversation of four (References and
 * In-Reply-To, one reply naming only its parent) and two singletons make
 * three threads, newest first; a thread's id survives a new reply.
 */

function raw(tag: string, subject: string, headers: string[] = []): string {
  return [
    `From: ${tag} <${tag}@example.org>`,
    'To: Reader <reader@example.org>',
    `Subject: ${subject}`,
    'Date: Tue, 03 Nov 2026 10:00:00 +0000',
    `Message-ID: <${tag}@example.org>`,
    ...headers,
    '',
    `body of ${tag}`,
    '',
  ].join('\r\n');
}

// Arrival order: the conversation interleaved with the singletons.
const MESSAGES = [
  raw('a', 'Plans'),
  raw('s1', 'Lunch?'),
  raw('b', 'Re: Plans', ['In-Reply-To: <a@example.org>', 'References: <a@example.org>']),
  raw('c', 'Re: Plans', ['In-Reply-To: <b@example.org>', 'References: <a@example.org> <b@example.org>']),
  raw('s2', 'Invoice'),
  // Only In-Reply-To, no References.
  raw('d', 'Re: Plans', ['In-Reply-To: <a@example.org>']),
];

const tagOf = (messageId: string | null) => (messageId ?? '').replace('@example.org', '');

const HIDE_SORT_AND_THREAD = transformLines((line) =>
  /^\* CAPABILITY |\[CAPABILITY /i.test(line)
    ? line.replace(/ (E?SORT|SORT=\S+?|THREAD=\S+?)(?=[ \]]|$)/gi, '')
    : line,
);

let user: MailUser;
let proxy: FaultProxy;

beforeAll(async () => {
  user = await createImapUser('threads');
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
    transformToClient: HIDE_SORT_AND_THREAD,
  });
});

afterAll(async () => {
  await proxy?.close();
});

const servers = {
  'with THREAD': () => openStore(user),
  'without THREAD (header window)': () =>
    openStore(user, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } }),
};

async function using<T>(open: () => ImapMailStore, work: (store: ImapMailStore) => Promise<T>): Promise<T> {
  const store = open();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

describe.each(Object.entries(servers))('threads on a server %s', (name, open) => {
  const path = `Threads ${name === 'with THREAD' ? 'server' : 'window'}`;
  const mailbox: MailboxRef = { kind: 'path', path };
  let uids: number[];

  beforeAll(async () => {
    uids = await user.seed(
      path,
      MESSAGES.map((message) => ({ raw: message })),
    );
  });

  test('a conversation of four and two singletons are three threads, newest first; detail and a new reply', async () => {
    const page = await using(open, (store) => store.listThreads(mailbox, { limit: 10 }));
    expect(page.nextCursor).toBeNull();
    expect(page.partial).toBeUndefined();
    expect(page.threads.map((t) => t.count)).toEqual([4, 1, 1]);
    expect(page.threads.map((t) => tagOf(t.latest.messageId))).toEqual(['d', 's2', 's1']);
    const [conversation] = page.threads;
    expect(conversation!.latest.threadId).toBe(conversation!.threadId);
    expect(new Set(page.threads.map((t) => t.threadId)).size).toBe(3);

    const detail = await using(open, (store) => store.getThread(mailbox, conversation!.threadId));
    expect(detail.threadId).toBe(conversation!.threadId);
    expect(detail.messages.map((m) => tagOf(m.messageId))).toEqual(['a', 'b', 'c', 'd']);
    expect(detail.messages.map((m) => m.id)).toEqual(conversation!.messageIds);
    expect(detail.messages.every((m) => m.threadId === conversation!.threadId)).toBe(true);
    expect(detail.messages.map((m) => m.uid)).toEqual([uids[0], uids[2], uids[3], uids[5]]);

    // A reply to c arrives: the thread keeps its id, gains the message and stays first.
    await user.seed(path, [
      {
        raw: raw('e', 'Re: Plans', [
          'In-Reply-To: <c@example.org>',
          'References: <a@example.org> <b@example.org> <c@example.org>',
        ]),
      },
    ]);
    const after = await using(open, (store) => store.listThreads(mailbox, { limit: 10 }));
    expect(after.threads.map((t) => t.threadId)).toEqual(page.threads.map((t) => t.threadId));
    expect(after.threads[0]!.count).toBe(5);
    expect(tagOf(after.threads[0]!.latest.messageId)).toBe('e');
    const again = await using(open, (store) => store.getThread(mailbox, conversation!.threadId));
    expect(again.messages.map((m) => tagOf(m.messageId))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('pages of one thread, with a cursor, in the same order', async () => {
    const whole = await using(open, (store) => store.listThreads(mailbox, { limit: 10 }));
    const paged: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: ThreadPage = await using(open, (store) =>
        store.listThreads(mailbox, { limit: 1, ...(cursor ? { cursor } : {}) }),
      );
      pages++;
      paged.push(...page.threads.map((t) => t.threadId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages < 10);
    expect(paged).toEqual(whole.threads.map((t) => t.threadId));
    expect(pages).toBe(3);
  });

  test('unknown, malformed and foreign ids are thread_not_found; a foreign cursor is 400', async () => {
    const page = await using(open, (store) => store.listThreads(mailbox, { limit: 1 }));
    for (const id of ['t1.bm9wZQ', 'nonsense', `${page.threads[0]!.threadId}x`]) {
      await expect(using(open, (store) => store.getThread(mailbox, id))).rejects.toBeInstanceOf(
        ThreadNotFoundError,
      );
    }
    await expect(
      using(open, (store) => store.getThread({ kind: 'path', path: 'INBOX' }, page.threads[0]!.threadId)),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
    await expect(
      using(open, (store) =>
        store.listThreads({ kind: 'path', path: 'INBOX' }, { limit: 1, cursor: page.nextCursor! }),
      ),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe('threads commands', () => {
  let recorder: FaultProxy;

  beforeAll(async () => {
    recorder = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
    await user.seed(
      'ThreadCommands',
      MESSAGES.map((message) => ({ raw: message })),
    );
  });

  afterAll(async () => {
    await recorder?.close();
  });

  async function names(through: FaultProxy, work: (store: ImapMailStore) => Promise<unknown>) {
    await through.whenIdle();
    through.reset();
    await using(
      () => openStore(user, { account: { port: through.port, tls: 'none', allowPlaintext: true } }),
      work,
    );
    await through.whenIdle();
    return {
      names: through.commands.map((c) => {
        const [, first, second] = c.line.split(' ');
        return first === 'UID' ? `UID ${second}` : (first ?? '');
      }),
      lines: through.commands.map((c) => c.line),
      roundTrips: through.flights.total,
    };
  }

  test('a page and a thread cost three commands after login, as a filtered list does', async () => {
    const box: MailboxRef = { kind: 'path', path: 'ThreadCommands' };
    // The first login to a server teaches the process its capabilities (THREAD, ESEARCH), which a
    // cold connection needs to send its THREAD or SEARCH with LOGIN (known-capabilities.ts).
    await names(recorder, (s) => s.listMailboxes({ counts: false }));
    await names(proxy, (s) => s.listMailboxes({ counts: false }));
    const filtered = await names(recorder, (s) =>
      s.listMessages(box, { limit: 10, filter: { seen: false } }),
    );
    const list = await names(recorder, (s) => s.listThreads(box, { limit: 10 }));
    expect(list.names).toEqual(['LOGIN', 'EXAMINE', 'UID THREAD', 'UID FETCH']);
    expect(list.lines[2]).toMatch(/ UID THREAD REFS UTF-8 ALL$/);
    expect(list.roundTrips).toBe(filtered.roundTrips);
    const page = await using(openStore.bind(null, user), (s) => s.listThreads(box, { limit: 10 }));
    const one = await names(recorder, (s) => s.getThread(box, page.threads[0]!.threadId));
    expect(one.names).toEqual(['LOGIN', 'EXAMINE', 'UID THREAD', 'UID FETCH']);
    const window = await names(proxy, (s) => s.listThreads(box, { limit: 10 }));
    expect(window.names).toEqual(['LOGIN', 'EXAMINE', 'FETCH', 'UID FETCH']);
    // Without THREAD the FETCH that groups needs the EXAMINE's EXISTS: it cannot travel with it.
    expect(window.roundTrips).toBe(filtered.roundTrips + 1);
  });

  test(`a thread of more than ${MAX_THREAD_LIST_IDS} messages lists its newest ${MAX_THREAD_LIST_IDS} ids and its whole count`, async () => {
    const path = 'ThreadLong';
    const total = MAX_THREAD_LIST_IDS + 30;
    const replies = Array.from({ length: total - 1 }, (_, i) =>
      raw(`r${i}`, 'Re: Plans', ['In-Reply-To: <a@example.org>', 'References: <a@example.org>']),
    );
    const seeded = await user.seed(
      path,
      [MESSAGES[0]!, ...replies].map((message) => ({ raw: message })),
    );
    const box: MailboxRef = { kind: 'path', path };
    const page = await using(openStore.bind(null, user), (s) => s.listThreads(box, { limit: 10 }));
    expect(page.threads).toHaveLength(1);
    const [thread] = page.threads;
    expect(thread!.count).toBe(total);
    expect(thread!.messageIds).toHaveLength(MAX_THREAD_LIST_IDS);
    // The newest ones, oldest first: the last id is the latest message's.
    expect(thread!.messageIds.at(-1)).toBe(thread!.latest.id);
    expect(seeded).toHaveLength(total);
  });

  test(`without THREAD, a mailbox of more than ${THREAD_WINDOW} messages answers partial, grouped over the newest ${THREAD_WINDOW}`, async () => {
    const path = 'ThreadWindow';
    // The conversation's root falls out of the window; its three replies are the newest messages.
    await user.seed(path, [
      { raw: MESSAGES[0]! },
      ...Array.from({ length: THREAD_WINDOW - 3 }, (_, i) => ({ raw: raw(`f${i}`, `filler ${i}`) })),
      { raw: MESSAGES[2]! },
      { raw: MESSAGES[3]! },
      { raw: MESSAGES[5]! },
    ]);
    const box: MailboxRef = { kind: 'path', path };
    const windowed = await using(servers['without THREAD (header window)'], (s) =>
      s.listThreads(box, { limit: 2 }),
    );
    expect(windowed.partial).toBe(true);
    expect(windowed.threads[0]!.count).toBe(3);
    expect(tagOf(windowed.threads[0]!.latest.messageId)).toBe('d');
    const full = await using(servers['with THREAD'], (s) => s.listThreads(box, { limit: 2 }));
    expect(full.partial).toBeUndefined();
    expect(full.threads[0]!.count).toBe(4);
  });
});
