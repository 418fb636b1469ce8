import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Account, AccountDocument } from '../../../lib/credentials/account.js';
import { createImapStoreFactory } from '../../../lib/imap/index.js';
import { UnsupportedOperationError } from '../../../lib/mail/errors.js';
import { encodePop3MessageId } from '../../../lib/mail/ids.js';
import { type LogFields, type Logger, silentLogger } from '../../../lib/mail/logger.js';
import type { MailStore } from '../../../lib/mail/store.js';
import { createPop3Client, createPop3StoreFactory, type Pop3MailStore } from '../../../lib/pop3/index.js';
import {
  DEFAULT_EVENT_TYPES,
  type EventDataByType,
  type EventType,
  type WebhookEvent,
} from '../../../lib/webhooks/events.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import {
  decodePop3Cursor,
  encodePop3Cursor,
  MAX_POP3_WATCHED_MESSAGES,
  Pop3CursorTooLargeError,
} from '../../../lib/webhooks/pop3-cursor.js';
import type { CursorChange, WebhookRecord, WebhookRepository } from '../../../lib/webhooks/repository.js';
import { type CheckMailboxResult, checkMailbox } from '../../../lib/webhooks/watch-mailbox.js';
import type { UidlListingSource } from '../../../lib/webhooks/watch-pop3.js';
import {
  buildFakeMessage,
  type FakeMessage,
  type FakePop3Server,
  startFakePop3Server,
} from '../../support/fake-pop3-server.js';
import {
  type FaultProxy,
  startFaultProxy,
  transformLines,
  withoutCapability,
} from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';

// The POP3 store is what checkMailbox diffs UIDLs with; this fails to compile if it stops offering that.
const _offersUidlListing: (store: Pop3MailStore) => UidlListingSource = (store) => store;

// The store factory as the local server builds it (lib/local/create-local-deps.ts).
const pop3Stores = createPop3StoreFactory();

let directory: string;
let repository: LocalWebhookStore;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mailgate-watch-pop3-'));
  repository = await openLocalWebhookStore({ directory });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await repository?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** A mail user of its own (POP3 has one INBOX per user, so tests never see each other's mail) and an IMAP client on it. */
async function freshUser(): Promise<{ user: MailUser; other: ImapFlow }> {
  const user = await createMailUser('webhook-watch-pop3');
  const other = await connectOther(user);
  cleanups.push(() => other.logout().catch(() => undefined));
  return { user, other };
}

function pop3Account(user: MailUser, overrides: Partial<AccountDocument> = {}): Account {
  return {
    id: 'acc_pop',
    ...user.account({ protocol: 'pop3', port: user.server.ports.pop3s, tls: 'implicit', ...overrides }),
  } as Account;
}

/** An account through a proxy on Dovecot's plain POP3 port, which records the commands the watcher sends. */
async function proxied(
  user: MailUser,
  faults: { transformToClient?: Parameters<typeof startFaultProxy>[0]['transformToClient'] } & {
    transformToServer?: Parameters<typeof startFaultProxy>[0]['transformToServer'];
  } = {},
): Promise<{ account: Account; proxy: FaultProxy }> {
  const proxy = await startFaultProxy({
    target: { host: '127.0.0.1', port: user.server.ports.pop3 },
    protocol: 'pop3',
    ...faults,
  });
  cleanups.push(() => proxy.close());
  return { account: pop3Account(user, { port: proxy.port, tls: 'none', allowPlaintext: true }), proxy };
}

function fakeAccount(server: FakePop3Server): Account {
  return {
    id: 'acc_pop',
    protocol: 'pop3',
    host: '127.0.0.1',
    port: server.port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  } as Account;
}

async function withStore<T>(account: Account, work: (store: MailStore) => Promise<T>): Promise<T> {
  const store = pop3Stores.open(account, { signal: new AbortController().signal, logger: silentLogger });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function createWebhook(events: EventType[] = [...DEFAULT_EVENT_TYPES]): Promise<WebhookRecord> {
  return repository.create({
    account: 'acc_pop',
    url: 'https://receiver.example/hook',
    mailboxes: ['~inbox'],
    events,
    secret: 'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWM=',
  });
}

interface CheckOptions {
  repository?: WebhookRepository;
  maxChanges?: number;
  maxPages?: number;
  logger?: Logger;
}

/** One look, with a store of its own, as the watcher does per check. */
function check(
  account: Account,
  webhook: WebhookRecord,
  options: CheckOptions = {},
): Promise<CheckMailboxResult> {
  return withStore(account, (store) =>
    checkMailbox({
      repository: options.repository ?? repository,
      store,
      webhook,
      mailbox: '~inbox',
      logger: options.logger ?? silentLogger,
      ...(options.maxChanges ? { maxChanges: options.maxChanges } : {}),
      ...(options.maxPages ? { maxPages: options.maxPages } : {}),
    }),
  );
}

async function queued(webhook: WebhookRecord): Promise<WebhookEvent[]> {
  return (await repository.listQueued(webhook.id, 100_000)).map((entry) => entry.event);
}

function dataOf<T extends EventType>(events: WebhookEvent[], type: T): EventDataByType[T][] {
  return events.filter((event) => event.type === type).map((event) => event.data as EventDataByType[T]);
}

/** The UIDLs the server lists now, in message-number order (a POP3 session of its own). */
async function serverUidls(user: MailUser): Promise<string[]> {
  const client = createPop3Client({ ...pop3Account(user), commandTimeoutMs: 10_000 });
  await client.connect();
  try {
    return (await client.uidl()).map((entry) => entry.uid);
  } finally {
    client.close();
  }
}

async function cursorUidls(webhook: WebhookRecord): Promise<string[] | null> {
  const cursor = await repository.getCursor(webhook.id, 'INBOX');
  if (cursor === undefined) throw new Error('no cursor');
  return decodePop3Cursor(cursor);
}

async function append(other: ImapFlow, subjects: string[]): Promise<void> {
  for (const subject of subjects) await other.append('INBOX', buildMessage(subject));
}

/** The repository with some methods replaced (the store keeps private fields, so no prototype tricks). */
function overriding(overrides: Partial<WebhookRepository>): WebhookRepository {
  return new Proxy(repository, {
    get(target, key) {
      if (key in overrides) return overrides[key as keyof WebhookRepository];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as WebhookRepository;
}

/** A repository that records every commit it passes on. */
function recording(): { repository: WebhookRepository; commits: Array<CursorChange & { done: boolean }> } {
  const commits: Array<CursorChange & { done: boolean }> = [];
  return {
    commits,
    repository: overriding({
      commitChanges: async (id, mailbox, change) => {
        const done = await repository.commitChanges(id, mailbox, change);
        commits.push({ ...change, done });
        return done;
      },
    }),
  };
}

function recordingLogger(): { logger: Logger; warnings: Array<{ message: string; fields?: LogFields }> } {
  const warnings: Array<{ message: string; fields?: LogFields }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(message, fields) {
      warnings.push({ message, ...(fields ? { fields } : {}) });
    },
    error() {},
    child: () => logger,
  };
  return { logger, warnings };
}

const sorted = (uidls: string[]) => [...uidls].sort();

describe('checkMailbox on POP3 (UIDL diff) against Dovecot', () => {
  test('a first look stores the current UIDLs with no events; new mail is message.created with the list summary; POP3 DELE is message.deleted', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    await append(other, ['history 1', 'history 2']);
    const webhook = await createWebhook();

    expect(await check(account, webhook)).toEqual({ committed: 0, reset: false });
    expect(await queued(webhook)).toEqual([]);
    expect(await cursorUidls(webhook)).toEqual(sorted(await serverUidls(user)));
    expect(await serverUidls(user)).toHaveLength(2);

    await append(other, ['first', 'second']);
    expect(await check(account, webhook)).toEqual({ committed: 2, reset: false });
    const events = await queued(webhook);
    expect(events.map((event) => event.type)).toEqual(['message.created', 'message.created']);
    const created = dataOf(events, 'message.created');
    expect(created.map((data) => data.message.subject)).toEqual(['first', 'second']);
    for (const data of created)
      expect(data).toMatchObject({ account: 'acc_pop', mailbox: 'INBOX', state: null });
    const uidls = await serverUidls(user);
    expect(created.map((data) => data.message.id)).toEqual(uidls.slice(2).map(encodePop3MessageId));
    // The summary is the list route's: the same object listMessages gives for the message.
    const listed = await withStore(account, (store) =>
      store.listMessages({ kind: 'role', role: 'inbox' }, { limit: 10, filter: {} }),
    );
    for (const data of created) {
      expect(data.message).toEqual(listed.messages.find((message) => message.id === data.message.id));
    }
    expect(await cursorUidls(webhook)).toEqual(sorted(uidls));

    // Deleted through POP3 itself: DELE, then QUIT.
    const firstId = created[0]!.message.id;
    await withStore(account, (store) =>
      store.deleteMessage({ kind: 'role', role: 'inbox' }, firstId, { permanent: true }),
    );
    expect(await check(account, webhook)).toEqual({ committed: 1, reset: false });
    const tail = (await queued(webhook)).slice(2);
    expect(tail.map((event) => event.type)).toEqual(['message.deleted']);
    expect(tail[0]!.data).toEqual({ account: 'acc_pop', mailbox: 'INBOX', state: null, ids: [firstId] });
    expect(await cursorUidls(webhook)).toEqual(sorted(await serverUidls(user)));

    // Nothing changed since: nothing queued, the cursor stays as it was.
    const before = await repository.getCursor(webhook.id, 'INBOX');
    expect(await check(account, webhook)).toEqual({ committed: 0, reset: false });
    expect(await queued(webhook)).toHaveLength(3);
    expect(await repository.getCursor(webhook.id, 'INBOX')).toBe(before);
    const ids = (await queued(webhook)).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a message expunged through IMAP on the same maildir is message.deleted with its POP3 id', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    await append(other, ['stays', 'goes']);
    const webhook = await createWebhook();
    await check(account, webhook);
    const [, goes] = await serverUidls(user);

    await other.mailboxOpen('INBOX');
    const { uid } = (await other.fetchOne('*', { uid: true }, { uid: false })) as { uid: number };
    expect(await other.messageDelete(String(uid), { uid: true })).toBe(true);

    expect(await check(account, webhook)).toEqual({ committed: 1, reset: false });
    const events = await queued(webhook);
    expect(events.map((event) => event.type)).toEqual(['message.deleted']);
    expect(dataOf(events, 'message.deleted')[0]!.ids).toEqual([encodePop3MessageId(goes!)]);
    expect(await cursorUidls(webhook)).toEqual(await serverUidls(user));
  });

  test('only the subscribed event types are queued, the cursor still moves past the rest, and no header is read when message.created is not wanted', async () => {
    const { user, other } = await freshUser();
    const { account, proxy } = await proxied(user);
    await append(other, ['old']);
    const deletedOnly = await createWebhook(['message.deleted']);
    const createdOnly = await createWebhook(['message.created']);
    await check(account, deletedOnly);
    await check(account, createdOnly);
    const [old] = await serverUidls(user);

    await append(other, ['n1', 'n2']);
    await withStore(account, (store) =>
      store.deleteMessage({ kind: 'role', role: 'inbox' }, encodePop3MessageId(old!), { permanent: true }),
    );
    const now = sorted(await serverUidls(user));

    proxy.reset();
    expect(await check(account, deletedOnly)).toEqual({ committed: 1, reset: false });
    expect((await queued(deletedOnly)).map((event) => event.type)).toEqual(['message.deleted']);
    expect(dataOf(await queued(deletedOnly), 'message.deleted')[0]!.ids).toEqual([encodePop3MessageId(old!)]);
    expect(await cursorUidls(deletedOnly)).toEqual(now);
    const lines = proxy.commands.map((command) => command.line.split(' ')[0]);
    expect(lines).toContain('UIDL');
    expect(lines).not.toContain('TOP');

    proxy.reset();
    expect(await check(account, createdOnly)).toEqual({ committed: 2, reset: false });
    const created = await queued(createdOnly);
    expect(created.map((event) => event.type)).toEqual(['message.created', 'message.created']);
    expect(dataOf(created, 'message.created').map((data) => data.message.subject)).toEqual(['n1', 'n2']);
    expect(await cursorUidls(createdOnly)).toEqual(now);
    // Headers (and the preview's first body lines) of the two new messages only.
    expect(proxy.commands.filter((command) => command.line.startsWith('TOP ')).map((c) => c.line)).toEqual([
      'TOP 1 16',
      'TOP 2 16',
    ]);
  });

  test('two looks from the same cursor at once queue the changes once (compare-and-set)', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    const webhook = await createWebhook();
    await check(account, webhook);
    await append(other, ['r1', 'r2', 'r3']);

    // Both read the cursor before either commits.
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const racing = overriding({
      getCursor: async (id, mailbox) => {
        const cursor = await repository.getCursor(id, mailbox);
        arrived += 1;
        if (arrived === 2) release();
        await bothRead;
        return cursor;
      },
    });
    const results = await Promise.all([
      check(account, webhook, { repository: racing }),
      check(account, webhook, { repository: racing }),
    ]);

    expect(results.map((result) => result.committed).sort()).toEqual([0, 3]);
    const events = await queued(webhook);
    expect(dataOf(events, 'message.created').map((data) => data.message.subject)).toEqual(['r1', 'r2', 'r3']);
    expect(events).toHaveLength(3);
    expect(await cursorUidls(webhook)).toEqual(sorted(await serverUidls(user)));
  });

  test('a cursor that does not decode gives one mailbox.reset and the cursor at the current UIDLs', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    await append(other, ['a', 'b']);
    const webhook = await createWebhook();
    const quiet = await createWebhook(['message.created', 'message.deleted']);
    await check(account, webhook);
    await check(account, quiet);
    const good = (await repository.getCursor(webhook.id, 'INBOX'))!;
    // Damaged in storage, and one of another protocol (an IMAP state).
    const damaged = `${good.slice(0, -4)}AAAA`;
    expect(decodePop3Cursor(damaged)).toBeNull();
    expect(
      await repository.commitChanges(webhook.id, 'INBOX', {
        expectedState: good,
        nextState: damaged,
        events: [],
      }),
    ).toBe(true);
    expect(
      await repository.commitChanges(quiet.id, 'INBOX', {
        expectedState: good,
        nextState: 'c1.imap-state',
        events: [],
      }),
    ).toBe(true);
    await append(other, ['c']);

    expect(await check(account, webhook)).toEqual({ committed: 1, reset: true });
    const events = await queued(webhook);
    expect(events.map((event) => event.type)).toEqual(['mailbox.reset']);
    expect(events[0]!.data).toEqual({ account: 'acc_pop', mailbox: 'INBOX', state: null });
    const uidls = await serverUidls(user);
    expect(await repository.getCursor(webhook.id, 'INBOX')).toBe(encodePop3Cursor(uidls));

    // A webhook without mailbox.reset: the cursor moves all the same, nothing queued.
    expect(await check(account, quiet)).toEqual({ committed: 0, reset: true });
    expect(await queued(quiet)).toEqual([]);
    expect(await repository.getCursor(quiet.id, 'INBOX')).toBe(encodePop3Cursor(uidls));

    // From there on, changes are reported again.
    await append(other, ['after reset']);
    expect(await check(account, webhook)).toEqual({ committed: 1, reset: false });
    expect(dataOf(await queued(webhook), 'message.created')[0]!.message.subject).toBe('after reset');
  });

  test('new messages are committed a page of maxChanges at a time, each commit the cursor before plus that page', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    await append(other, ['kept', 'removed']);
    const webhook = await createWebhook();
    await check(account, webhook);
    const [kept, removed] = await serverUidls(user);
    const start = (await repository.getCursor(webhook.id, 'INBOX'))!;

    await append(other, ['p1', 'p2', 'p3']);
    let { repository: counting, commits } = recording();
    expect(await check(account, webhook, { repository: counting, maxChanges: 2 })).toEqual({
      committed: 3,
      reset: false,
    });
    const [, , p1, p2, p3] = await serverUidls(user);
    expect(commits.map((commit) => commit.events.length)).toEqual([2, 1]);
    expect(commits.map((commit) => commit.done)).toEqual([true, true]);
    expect(commits[0]!.expectedState).toBe(start);
    expect(decodePop3Cursor(commits[0]!.nextState)).toEqual(sorted([kept!, removed!, p1!, p2!]));
    expect(commits[1]!.expectedState).toBe(commits[0]!.nextState);
    expect(decodePop3Cursor(commits[1]!.nextState)).toEqual(sorted([kept!, removed!, p1!, p2!, p3!]));
    expect(dataOf(await queued(webhook), 'message.created').map((data) => data.message.subject)).toEqual([
      'p1',
      'p2',
      'p3',
    ]);

    // Deletions come first, in the same pages: one gone and two new with maxChanges 2 is two commits.
    await withStore(account, (store) =>
      store.deleteMessage({ kind: 'role', role: 'inbox' }, encodePop3MessageId(removed!), {
        permanent: true,
      }),
    );
    await append(other, ['p4', 'p5']);
    ({ repository: counting, commits } = recording());
    expect(await check(account, webhook, { repository: counting, maxChanges: 2 })).toEqual({
      committed: 3,
      reset: false,
    });
    const now = await serverUidls(user);
    const [p4, p5] = now.slice(-2);
    expect(commits.map((commit) => commit.events.map((event) => event.type))).toEqual([
      ['message.deleted', 'message.created'],
      ['message.created'],
    ]);
    expect(decodePop3Cursor(commits[0]!.nextState)).toEqual(sorted([kept!, p1!, p2!, p3!, p4!]));
    expect(decodePop3Cursor(commits[1]!.nextState)).toEqual(sorted(now));
    expect(commits[1]!.nextState).not.toContain(removed);
    expect(p5).toBeDefined();
  });

  test('at most maxPages commits per look; the next look goes on from the cursor', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    const webhook = await createWebhook();
    await check(account, webhook);
    await append(other, ['q1', 'q2', 'q3']);

    expect(await check(account, webhook, { maxChanges: 1, maxPages: 2 })).toEqual({
      committed: 2,
      reset: false,
    });
    expect(await cursorUidls(webhook)).toEqual(sorted((await serverUidls(user)).slice(0, 2)));
    expect(await check(account, webhook, { maxChanges: 1, maxPages: 2 })).toEqual({
      committed: 1,
      reset: false,
    });
    expect(dataOf(await queued(webhook), 'message.created').map((data) => data.message.subject)).toEqual([
      'q1',
      'q2',
      'q3',
    ]);
    expect(await cursorUidls(webhook)).toEqual(sorted(await serverUidls(user)));
  });

  test('a look that fails after its first page keeps that page; the next look queues only the rest', async () => {
    const { user, other } = await freshUser();
    const account = pop3Account(user);
    const webhook = await createWebhook();
    await check(account, webhook);
    await append(other, ['c1', 'c2', 'c3']);

    let calls = 0;
    const failing = overriding({
      commitChanges: async (id, mailbox, change) => {
        calls += 1;
        if (calls === 2) throw new Error('store down');
        return repository.commitChanges(id, mailbox, change);
      },
    });
    await expect(check(account, webhook, { repository: failing, maxChanges: 2 })).rejects.toThrow(
      'store down',
    );
    expect(dataOf(await queued(webhook), 'message.created').map((data) => data.message.subject)).toEqual([
      'c1',
      'c2',
    ]);

    expect(await check(account, webhook, { maxChanges: 2 })).toEqual({ committed: 1, reset: false });
    expect(dataOf(await queued(webhook), 'message.created').map((data) => data.message.subject)).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
  });

  test('a server without UIDL is refused with unsupported_operation and no cursor is stored', async () => {
    const { user, other } = await freshUser();
    await append(other, ['x']);
    // Dovecot as a server without UIDL: not in CAPA, and the command unknown.
    const { account, proxy } = await proxied(user, {
      transformToClient: withoutCapability('UIDL'),
      transformToServer: transformLines((line) => (line === 'UIDL' ? 'XUIDL' : line)),
    });
    const webhook = await createWebhook();

    const failure = check(account, webhook);
    await expect(failure).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(failure).rejects.toThrow(/does not support UIDL/);
    expect(proxy.commands.map((command) => command.line)).toContain('UIDL');
    expect(await repository.listCursors(webhook.id)).toEqual({});
    expect(await queued(webhook)).toEqual([]);
  });
});

describe('checkMailbox without a change state on IMAP', () => {
  test('an IMAP server without CONDSTORE is still refused: no UIDL diff there, no cursor stored', async () => {
    const { user } = await freshUser();
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: (chunk, i) =>
        withoutCapability('QRESYNC')(withoutCapability('CONDSTORE')(chunk, i), i),
    });
    cleanups.push(() => proxy.close());
    const account = {
      id: 'acc_pop',
      ...user.account({ port: proxy.port, tls: 'none', allowPlaintext: true }),
    } as Account;
    const store = createImapStoreFactory().open(account, {
      signal: new AbortController().signal,
      logger: silentLogger,
    });
    cleanups.push(() => store.close());
    expect((await store.getMailbox({ kind: 'role', role: 'inbox' })).state).toBeNull();
    const webhook = await createWebhook();

    await expect(
      checkMailbox({ repository, store, webhook, mailbox: '~inbox', logger: silentLogger }),
    ).rejects.toThrow(UnsupportedOperationError);
    await expect(
      checkMailbox({ repository, store, webhook, mailbox: '~inbox', logger: silentLogger }),
    ).rejects.toThrow(/no change state/);
    expect(await repository.listCursors(webhook.id)).toEqual({});
  });
});

describe('checkMailbox on POP3: what Dovecot cannot produce on demand (a scripted server)', () => {
  async function fakeServer(messages: FakeMessage[]): Promise<FakePop3Server> {
    const server = await startFakePop3Server({ messages });
    cleanups.push(() => server.close());
    return server;
  }

  const message = (uid: string, subject: string) =>
    buildFakeMessage({ uid, raw: Buffer.from(`Subject: ${subject}\r\n\r\n${subject}\r\n`) });

  test('a UIDL listed for two messages counts once: one created, no deletion while either remains, and a warning', async () => {
    const server = await fakeServer([
      message('one', 'one'),
      message('twin', 'twin A'),
      message('twin', 'twin B'),
    ]);
    const account = fakeAccount(server);
    const webhook = await createWebhook();
    const { logger, warnings } = recordingLogger();

    expect(await check(account, webhook, { logger })).toEqual({ committed: 0, reset: false });
    expect(await cursorUidls(webhook)).toEqual(['one', 'twin']);
    expect(warnings).toEqual([expect.objectContaining({ fields: { duplicates: 1 } })]);

    server.maildrop.push(message('pair', 'pair A'), message('pair', 'pair B'));
    expect(await check(account, webhook, { logger })).toEqual({ committed: 1, reset: false });
    const created = dataOf(await queued(webhook), 'message.created');
    // The first message with the UIDL stands for both.
    expect(created.map((data) => [data.message.id, data.message.subject])).toEqual([
      [encodePop3MessageId('pair'), 'pair A'],
    ]);

    // One of the twins gone: the UIDL is still listed, nothing to tell.
    server.maildrop.splice(1, 1);
    expect(await check(account, webhook, { logger })).toEqual({ committed: 0, reset: false });
    server.maildrop.splice(1, 1);
    expect(await check(account, webhook, { logger })).toEqual({ committed: 1, reset: false });
    expect(dataOf(await queued(webhook), 'message.deleted')[0]!.ids).toEqual([encodePop3MessageId('twin')]);
    expect(await cursorUidls(webhook)).toEqual(['one', 'pair']);
  });

  test('UIDLs that do not fit in a cursor refuse the mailbox: no cursor stored at a first look, the cursor kept at a later one', async () => {
    // 140 characters of noise each: about 153 characters of cursor per message, so 1,800 do not fit in 256 KiB.
    const server = await fakeServer(Array.from({ length: 1_800 }, (_, i) => message(noiseUidl(i), `m${i}`)));
    const account = fakeAccount(server);
    const webhook = await createWebhook();

    await expect(check(account, webhook)).rejects.toBeInstanceOf(Pop3CursorTooLargeError);
    await expect(check(account, webhook)).rejects.toThrow(/1800 messages/);
    expect(await repository.listCursors(webhook.id)).toEqual({});

    // Fewer messages: watched; growing past the cap again refuses without losing the cursor or queuing half.
    const extra = server.maildrop.splice(1_000);
    expect(await check(account, webhook)).toEqual({ committed: 0, reset: false });
    const cursor = await repository.getCursor(webhook.id, 'INBOX');
    server.maildrop.push(...extra);
    await expect(check(account, webhook)).rejects.toBeInstanceOf(Pop3CursorTooLargeError);
    expect(await repository.getCursor(webhook.id, 'INBOX')).toBe(cursor);
    expect(await queued(webhook)).toEqual([]);
  });

  test('a maildrop of more than 100,000 messages is refused from its STAT, without reading its UIDL listing', async () => {
    const raw = Buffer.from('Subject: many\r\n\r\nmany\r\n');
    const server = await fakeServer(
      Array.from({ length: MAX_POP3_WATCHED_MESSAGES + 1 }, (_, i) => ({ uid: `m${i}`, raw })),
    );
    const account = fakeAccount(server);
    const webhook = await createWebhook();

    const failure = check(account, webhook);
    await expect(failure).rejects.toBeInstanceOf(Pop3CursorTooLargeError);
    await expect(failure).rejects.toThrow(/100001 messages/);
    const commands = server.sessions.flatMap((session) => session.commands);
    expect(commands).toContain('STAT');
    expect(commands).not.toContain('UIDL');
    expect(await repository.listCursors(webhook.id)).toEqual({});

    // One fewer is watched.
    server.maildrop.pop();
    expect(await check(account, webhook)).toEqual({ committed: 0, reset: false });
    expect(await cursorUidls(webhook)).toHaveLength(MAX_POP3_WATCHED_MESSAGES);
  });

  test('bounded work: 20,000 new messages are read a page at a time, at most maxPages pages a look', async () => {
    const server = await fakeServer([]);
    const account = fakeAccount(server);
    const webhook = await createWebhook();
    await check(account, webhook);
    server.maildrop.push(...Array.from({ length: 20_000 }, (_, i) => message(`u${i}`, `s${i}`)));

    const { repository: counting, commits } = recording();
    const sessions = server.sessions.length;
    expect(await check(account, webhook, { repository: counting, maxChanges: 150, maxPages: 3 })).toEqual({
      committed: 450,
      reset: false,
    });
    expect(commits.map((commit) => commit.events.length)).toEqual([150, 150, 150]);
    const commands = server.sessions.slice(sessions).flatMap((session) => session.commands);
    expect(commands.filter((line) => line.startsWith('TOP ')).length).toBe(450);
    expect(commands.filter((line) => line === 'UIDL').length).toBe(1);
    expect(await cursorUidls(webhook)).toHaveLength(450);
    expect(dataOf(await queued(webhook), 'message.created').map((data) => data.message.subject)).toEqual(
      Array.from({ length: 450 }, (_, i) => `s${i}`),
    );
  });
});

/** 140 characters from 0x21–0x7E that do not compress, different for each `i`. */
function noiseUidl(i: number): string {
  let text = '';
  let state = createHash('sha256').update(`noise ${i}`).digest();
  while (text.length < 140) {
    state = createHash('sha256').update(state).digest();
    for (const byte of state) if (text.length < 140) text += String.fromCharCode(0x21 + (byte % 94));
  }
  return text;
}
