import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { createImapStoreFactory } from '../../../lib/imap/index.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailStore } from '../../../lib/mail/store.js';
import {
  DEFAULT_EVENT_TYPES,
  type EventDataByType,
  type EventType,
  type WebhookEvent,
} from '../../../lib/webhooks/events.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRecord, WebhookRepository } from '../../../lib/webhooks/repository.js';
import { type CheckMailboxResult, checkMailbox } from '../../../lib/webhooks/watch-mailbox.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';

// The IMAP store factory as the local server builds it (lib/local/create-local-deps.ts); POP3 looks are in watch-pop3.test.ts.
const imapStores = createImapStoreFactory();

let user: MailUser;
let other: ImapFlow;
let directory: string;
let repository: LocalWebhookStore;

beforeAll(async () => {
  user = await createMailUser('webhook-watch');
  other = await connectOther(user);
  directory = await mkdtemp(join(tmpdir(), 'mailgate-watch-'));
  repository = await openLocalWebhookStore({ directory });
});

afterAll(async () => {
  await other?.logout();
  await repository?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function imapAccount(): Account {
  return { id: 'acc_watch', ...user.account() } as Account;
}

async function withStore<T>(account: Account, work: (store: MailStore) => Promise<T>): Promise<T> {
  const store = imapStores.open(account, { signal: new AbortController().signal, logger: silentLogger });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function createWebhook(mailbox: string, events: EventType[] = [...DEFAULT_EVENT_TYPES]) {
  return repository.create({
    account: 'acc_watch',
    url: 'https://receiver.example/hook',
    mailboxes: [mailbox],
    events,
    secret: 'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWM=',
  });
}

/** One look, with a store of its own, as the watcher does per check. */
function check(
  webhook: WebhookRecord,
  mailbox: string,
  options: { repository?: WebhookRepository; maxChanges?: number; account?: Account } = {},
): Promise<CheckMailboxResult> {
  return withStore(options.account ?? imapAccount(), (store) =>
    checkMailbox({
      repository: options.repository ?? repository,
      store,
      webhook,
      mailbox,
      logger: silentLogger,
      ...(options.maxChanges ? { maxChanges: options.maxChanges } : {}),
    }),
  );
}

/** The webhook's queue so far; each test drains nothing, so it reads past the events it saw before. */
async function queued(webhook: WebhookRecord): Promise<WebhookEvent[]> {
  return (await repository.listQueued(webhook.id, 10_000)).map((entry) => entry.event);
}

function dataOf<T extends EventType>(events: WebhookEvent[], type: T): EventDataByType[T][] {
  return events.filter((event) => event.type === type).map((event) => event.data as EventDataByType[T]);
}

/** The store with some methods replaced (the store keeps private fields, so no prototype tricks). */
function overriding(overrides: Partial<WebhookRepository>): WebhookRepository {
  return new Proxy(repository, {
    get(target, key) {
      if (key in overrides) return overrides[key as keyof WebhookRepository];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as WebhookRepository;
}

async function stateOf(path: string): Promise<string> {
  const status = await withStore(imapAccount(), (store) => store.getMailbox({ kind: 'path', path }));
  if (!status.state) throw new Error('no state');
  return status.state;
}

async function append(path: string, subjects: string[]): Promise<number[]> {
  const uids: number[] = [];
  for (const subject of subjects) {
    const appended = await other.append(path, buildMessage(subject));
    if (!appended || appended.uid === undefined) throw new Error('append without APPENDUID');
    uids.push(appended.uid);
  }
  return uids;
}

describe('checkMailbox on IMAP', () => {
  test('a first look starts at the current state with no events; later looks report created, updated and deleted', async () => {
    await other.mailboxCreate('Life');
    await append('Life', ['history']);
    const webhook = await createWebhook('Life');

    expect(await check(webhook, 'Life')).toEqual({ committed: 0, reset: false });
    expect(await queued(webhook)).toEqual([]);
    expect(await repository.getCursor(webhook.id, 'Life')).toBe(await stateOf('Life'));

    const [first, second] = await append('Life', ['first', 'second']);
    expect(await check(webhook, 'Life')).toEqual({ committed: 2, reset: false });
    const afterCreate = await queued(webhook);
    expect(afterCreate.map((event) => event.type)).toEqual(['message.created', 'message.created']);
    const created = dataOf(afterCreate, 'message.created');
    expect(created.map((data) => data.message.subject)).toEqual(['first', 'second']);
    expect(created.map((data) => data.message.uid)).toEqual([first, second]);
    const cursor = await repository.getCursor(webhook.id, 'Life');
    expect(cursor).toBe(await stateOf('Life'));
    for (const data of created)
      expect(data).toMatchObject({ account: 'acc_watch', mailbox: 'Life', state: cursor });
    // The summary is the list route's: the same object listMessages gives for the message.
    const listed = await withStore(imapAccount(), (store) =>
      store.listMessages({ kind: 'path', path: 'Life' }, { limit: 10, filter: {} }),
    );
    const listedFirst = listed.messages.find((message) => message.id === created[0]!.message.id);
    expect(listedFirst).toBeDefined();
    expect(created[0]!.message).toEqual({ ...listedFirst, flags: expect.any(Array) });
    const [firstId, secondId] = created.map((data) => data.message.id);

    await other.mailboxOpen('Life');
    await other.messageFlagsAdd(String(first), ['\\Flagged', '$Important'], { uid: true });
    expect(await check(webhook, 'Life')).toEqual({ committed: 1, reset: false });
    const updated = dataOf((await queued(webhook)).slice(2), 'message.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.id).toBe(firstId);
    expect(updated[0]!.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Important']));

    expect(await other.messageDelete(String(second), { uid: true })).toBe(true);
    expect(await check(webhook, 'Life')).toEqual({ committed: 1, reset: false });
    const tail = (await queued(webhook)).slice(3);
    expect(tail.map((event) => event.type)).toEqual(['message.deleted']);
    expect(dataOf(tail, 'message.deleted')[0]!.ids).toEqual([secondId]);

    // Nothing changed since: nothing queued, the cursor stays.
    const before = await repository.getCursor(webhook.id, 'Life');
    expect(await check(webhook, 'Life')).toEqual({ committed: 0, reset: false });
    expect(await queued(webhook)).toHaveLength(4);
    expect(await repository.getCursor(webhook.id, 'Life')).toBe(before);
    // Every event's id was made once, and they are all distinct.
    const ids = (await queued(webhook)).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('only the event types the webhook subscribed to are queued, and the cursor still moves past the rest', async () => {
    await other.mailboxCreate('Filtered');
    const webhook = await createWebhook('Filtered', ['message.deleted']);
    await check(webhook, 'Filtered');

    const [a, b] = await append('Filtered', ['a', 'b']);
    await other.mailboxOpen('Filtered');
    await other.messageFlagsAdd(String(a), ['\\Seen'], { uid: true });
    expect(await other.messageDelete(String(b), { uid: true })).toBe(true);

    expect(await check(webhook, 'Filtered')).toEqual({ committed: 1, reset: false });
    const events = await queued(webhook);
    expect(events.map((event) => event.type)).toEqual(['message.deleted']);
    expect(await repository.getCursor(webhook.id, 'Filtered')).toBe(await stateOf('Filtered'));
  });

  test('a role resolves to its path once: the cursor and the events name the path', async () => {
    const webhook = await createWebhook('~inbox', ['message.created']);
    expect(await check(webhook, '~inbox')).toEqual({ committed: 0, reset: false });
    expect(await repository.listCursors(webhook.id)).toEqual({ INBOX: await stateOf('INBOX') });

    await append('INBOX', ['to the inbox']);
    expect(await check(webhook, '~inbox')).toEqual({ committed: 1, reset: false });
    const [data] = dataOf(await queued(webhook), 'message.created');
    expect(data).toMatchObject({ mailbox: 'INBOX', message: { subject: 'to the inbox' } });
  });

  test('a recreated mailbox (new UIDVALIDITY) gives one mailbox.reset and the cursor at its new state', async () => {
    await other.mailboxCreate('Reborn');
    await append('Reborn', ['old']);
    const webhook = await createWebhook('Reborn');
    await check(webhook, 'Reborn');
    const oldValidity = (
      await withStore(imapAccount(), (s) => s.getMailbox({ kind: 'path', path: 'Reborn' }))
    ).uidValidity;

    await other.mailboxClose().catch(() => undefined);
    await other.mailboxDelete('Reborn');
    await other.mailboxCreate('Reborn');
    await append('Reborn', ['new']);
    const status = await withStore(imapAccount(), (s) => s.getMailbox({ kind: 'path', path: 'Reborn' }));
    expect(status.uidValidity).not.toBe(oldValidity);

    expect(await check(webhook, 'Reborn')).toEqual({ committed: 1, reset: true });
    const events = await queued(webhook);
    expect(events.map((event) => event.type)).toEqual(['mailbox.reset']);
    expect(events[0]!.data).toEqual({ account: 'acc_watch', mailbox: 'Reborn', state: status.state });
    expect(await repository.getCursor(webhook.id, 'Reborn')).toBe(status.state);

    // From the new state on, changes are reported again.
    await append('Reborn', ['after reset']);
    expect(await check(webhook, 'Reborn')).toEqual({ committed: 1, reset: false });
    expect(dataOf(await queued(webhook), 'message.created')[0]!.message.subject).toBe('after reset');
  });

  test('two looks from the same cursor at once queue the changes once (compare-and-set)', async () => {
    await other.mailboxCreate('Race');
    const webhook = await createWebhook('Race');
    await check(webhook, 'Race');
    await append('Race', ['r1', 'r2', 'r3']);

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
      check(webhook, 'Race', { repository: racing }),
      check(webhook, 'Race', { repository: racing }),
    ]);

    expect(results.map((result) => result.committed).sort()).toEqual([0, 3]);
    const events = await queued(webhook);
    expect(dataOf(events, 'message.created').map((data) => data.message.subject)).toEqual(['r1', 'r2', 'r3']);
    expect(await repository.getCursor(webhook.id, 'Race')).toBe(await stateOf('Race'));
  });

  test('a large change set is committed page by page, each page with the state it reaches', async () => {
    await other.mailboxCreate('Many');
    const webhook = await createWebhook('Many');
    await check(webhook, 'Many');
    // One APPEND each: every message its own modification sequence, so pages can be cut between them.
    await append('Many', ['m1', 'm2', 'm3', 'm4', 'm5']);

    const commits: Array<{ expected: string | null; next: string; events: number }> = [];
    const counting = overriding({
      commitChanges: async (id, mailbox, change) => {
        commits.push({
          expected: change.expectedState,
          next: change.nextState,
          events: change.events.length,
        });
        return repository.commitChanges(id, mailbox, change);
      },
    });
    expect(await check(webhook, 'Many', { repository: counting, maxChanges: 2 })).toEqual({
      committed: 5,
      reset: false,
    });

    expect(commits.map((commit) => commit.events)).toEqual([2, 2, 1]);
    for (let i = 1; i < commits.length; i += 1) expect(commits[i]!.expected).toBe(commits[i - 1]!.next);
    const events = await queued(webhook);
    expect(dataOf(events, 'message.created').map((data) => data.message.subject)).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
    // Each event carries the state of the page it was committed with.
    expect(events.map((event) => (event.data as { state: string }).state)).toEqual([
      commits[0]!.next,
      commits[0]!.next,
      commits[1]!.next,
      commits[1]!.next,
      commits[2]!.next,
    ]);
    expect(await repository.getCursor(webhook.id, 'Many')).toBe(await stateOf('Many'));
  });
});
