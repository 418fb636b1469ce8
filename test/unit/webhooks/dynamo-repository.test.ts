import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  ACTIVE_INDEX_ATTRIBUTES,
  createDynamoWebhookRepository,
  type DynamoWebhookRepository,
  MAX_CURSOR_BYTES,
  MAX_EVENT_BYTES,
  WEBHOOK_TABLE_KEYS,
  WebhookCommitTooLargeError,
  webhookTableDefinition,
} from '../../../lib/webhooks/dynamo/index.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { describeWebhookRepositoryContract } from './repository-contract.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

let dynamo: DynaliteHandle | undefined;
const server = async () => {
  dynamo ??= await startDynalite();
  return dynamo;
};
const freshTable = async () => {
  const handle = await server();
  const name = `webhooks-${randomBytes(6).toString('hex')}`;
  await handle.createTable(name);
  return { handle, name };
};

afterAll(async () => {
  await dynamo?.close();
});

describeWebhookRepositoryContract('DynamoWebhookRepository on dynalite', async ({ now }) => {
  const { handle, name } = await freshTable();
  const open = () => createDynamoWebhookRepository({ client: handle.client, tableName: name, now });
  let repository = open();
  return {
    repository,
    async reopen() {
      await repository.close();
      repository = open();
      return repository;
    },
    async dispose() {
      await repository.close();
    },
  };
});

const T0 = Date.parse('2026-05-01T12:00:00.000Z');

/** A store on a fresh table, with a clock the test moves, and the table's items to count. */
describe('DynamoWebhookRepository on dynalite: beyond the contract', () => {
  let handle: DynaliteHandle;
  let table: string;
  let clock: number;
  let repo: DynamoWebhookRepository;
  const opened: DynamoWebhookRepository[] = [];
  const open = (client: DynamoDBClient = handle.client) => {
    const store = createDynamoWebhookRepository({ client, tableName: table, now: () => new Date(clock) });
    opened.push(store);
    return store;
  };
  const at = (ms: number) => new Date(T0 + ms);

  /** Every item's keys, read with a paginated Scan. */
  const scanKeys = async (): Promise<Array<{ pk: string; sk: string }>> => {
    const keys: Array<{ pk: string; sk: string }> = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await handle.client.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ProjectionExpression: 'pk, sk' }),
      );
      for (const item of page.Items ?? []) keys.push({ pk: item.pk!.S!, sk: item.sk!.S! });
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return keys;
  };
  const kinds = async (webhookId: string) => {
    const counts: Record<string, number> = {};
    for (const { pk, sk } of await scanKeys()) {
      if (pk !== `WEBHOOK#${webhookId}`) continue;
      const kind = sk.split('#')[0]!;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    return counts;
  };

  beforeAll(async () => {
    handle = await server();
  });
  beforeEach(async () => {
    ({ name: table } = await freshTable());
    clock = T0;
    repo = open();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  test('the table definition is what the tests create: pk/sk strings and a sparse index of active webhooks by account', () => {
    expect(WEBHOOK_TABLE_KEYS).toEqual({
      partitionKey: 'pk',
      sortKey: 'sk',
      activeIndex: 'active',
      activeIndexPartitionKey: 'activeAccount',
    });
    const definition = webhookTableDefinition();
    expect(definition.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(definition.GlobalSecondaryIndexes.map((index) => [index.IndexName, index.KeySchema])).toEqual([
      [
        'active',
        [
          { AttributeName: 'activeAccount', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      ],
    ]);
  });

  test('an active index projecting only ACTIVE_INDEX_ATTRIBUTES serves listActive, segments and nextDue', async () => {
    const definition = webhookTableDefinition();
    const narrow = `narrow-${randomBytes(6).toString('hex')}`;
    await handle.client.send(
      new CreateTableCommand({
        TableName: narrow,
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes.map((index) => ({
          ...index,
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ACTIVE_INDEX_ATTRIBUTES] },
        })),
      }),
    );
    await handle.waitActive(narrow);
    const store = createDynamoWebhookRepository({
      client: handle.client,
      tableName: narrow,
      now: () => new Date(clock),
    });
    opened.push(store);
    const one = await store.create(buildNewWebhook());
    clock += 1;
    const two = await store.create(buildNewWebhook({ account: 'globex' }));
    const e1 = buildCreated(1);
    await store.commitChanges(one.id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] });
    await store.markFailed(one.id, e1.id, { error: 'HTTP 500', nextAttemptAt: at(5000) });
    const failing = await store.get('acme', one.id);
    expect((await store.listActive()).map((w) => w.id)).toEqual([one.id, two.id]);
    expect(await store.listActiveSegment(0, 1)).toEqual(
      expect.arrayContaining([
        { webhook: failing, headDueAt: at(5000).toISOString() },
        { webhook: two, headDueAt: null },
      ]),
    );
    expect(await store.nextDue(at(4999), 10)).toEqual([]);
    expect((await store.nextDue(at(5000), 10)).map((d) => d.queued.event.id)).toEqual([e1.id]);
  });

  test('segments 1, 3 and 7 each partition listActive exactly, every account whole in one segment', async () => {
    const accounts = Array.from({ length: 40 }, (_, i) => `account-${i}`);
    const disabled = new Set<string>();
    let created = 0;
    for (const [i, account] of accounts.entries()) {
      for (let k = 0; k < 1 + (i % 3); k += 1) {
        const webhook = await repo.create(buildNewWebhook({ account }));
        created += 1;
        if ((i + k) % 5 === 0) {
          await repo.update(account, webhook.id, { status: 'disabled', disabledReason: 'paused' });
          disabled.add(webhook.id);
        }
      }
    }
    const active = (await repo.listActive()).map((w) => w.id).sort();
    expect(created).toBe(79);
    expect(active.length).toBe(created - disabled.size);
    for (const id of disabled) expect(active).not.toContain(id);
    for (const segments of [1, 3, 7]) {
      const parts = await Promise.all(
        Array.from({ length: segments }, (_, segment) => repo.listActiveSegment(segment, segments)),
      );
      const ids = parts.flat().map((a) => a.webhook.id);
      expect(ids.sort()).toEqual(active);
      const segmentOf = new Map<string, number>();
      for (const [segment, part] of parts.entries()) {
        for (const { webhook } of part) {
          expect(segmentOf.get(webhook.account) ?? segment).toBe(segment);
          segmentOf.set(webhook.account, segment);
        }
      }
      if (segments > 1) expect(parts.filter((part) => part.length > 0).length).toBeGreaterThan(1);
    }
    await expect(repo.listActiveSegment(3, 3)).rejects.toThrow(RangeError);
    await expect(repo.listActiveSegment(0, 1001)).rejects.toThrow(RangeError);
  });

  test('listActiveSegment tells when each queue head is due: null when empty, queued time, then the retry', async () => {
    const idle = await repo.create(buildNewWebhook());
    const busy = await repo.create(buildNewWebhook());
    const e1 = buildCreated(1);
    clock += 100;
    await repo.commitChanges(busy.id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] });
    const dueAt = async () =>
      Object.fromEntries((await repo.listActiveSegment(0, 1)).map((a) => [a.webhook.id, a.headDueAt]));
    expect(await dueAt()).toEqual({ [idle.id]: null, [busy.id]: at(100).toISOString() });
    await repo.markFailed(busy.id, e1.id, { error: 'HTTP 500', nextAttemptAt: at(9000) });
    expect((await dueAt())[busy.id]).toBe(at(9000).toISOString());
    await repo.markDelivered(busy.id, e1.id);
    expect((await dueAt())[busy.id]).toBeNull();
  });

  test('a delivery lease: one owner at a time, extended by its owner, free once expired or released by it', async () => {
    const { id } = await repo.create(buildNewWebhook());
    expect(await repo.acquireDeliveryLease(id, 'a', at(30_000))).toBe(true);
    expect(await repo.acquireDeliveryLease(id, 'b', at(30_000))).toBe(false);
    expect(await repo.acquireDeliveryLease(id, 'a', at(60_000))).toBe(true);
    clock = T0 + 45_000;
    expect(await repo.acquireDeliveryLease(id, 'b', at(90_000))).toBe(false);
    await repo.releaseDeliveryLease(id, 'b');
    expect(await repo.acquireDeliveryLease(id, 'b', at(90_000))).toBe(false);
    clock = T0 + 60_000;
    expect(await repo.acquireDeliveryLease(id, 'b', at(90_000))).toBe(true);
    expect(await repo.acquireDeliveryLease(id, 'a', at(120_000))).toBe(false);
    await repo.releaseDeliveryLease(id, 'a');
    expect(await repo.acquireDeliveryLease(id, 'a', at(120_000))).toBe(false);
    await repo.releaseDeliveryLease(id, 'b');
    expect(await repo.acquireDeliveryLease(id, 'a', at(120_000))).toBe(true);
    // Two owners at once from two stores: exactly one gets it.
    const other = open();
    await repo.releaseDeliveryLease(id, 'a');
    const results = await Promise.all([
      repo.acquireDeliveryLease(id, 'x', at(200_000)),
      other.acquireDeliveryLease(id, 'y', at(200_000)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.acquireDeliveryLease('wh_000000000000000000000000', 'a', at(1))).toBe(false);
    await repo.releaseDeliveryLease('wh_000000000000000000000000', 'a');
    // The lease does not touch the record.
    expect(await repo.get('acme', id)).toMatchObject({ status: 'active', updatedAt: at(0).toISOString() });
    await repo.delete('acme', id);
    expect(await repo.acquireDeliveryLease(id, 'x', at(300_000))).toBe(false);
  });

  test('an event or cursor no item can hold is refused, and nothing of the commit is written', async () => {
    const { id } = await repo.create(buildNewWebhook());
    await repo.commitChanges(id, 'INBOX', {
      expectedState: null,
      nextState: 's1',
      events: [buildCreated(1)],
    });
    const before = await scanKeys();
    const huge = buildCreated(2);
    (huge.data as { message: { subject: string } }).message.subject = 'x'.repeat(MAX_EVENT_BYTES);
    await expect(
      repo.commitChanges(id, 'INBOX', {
        expectedState: 's1',
        nextState: 's2',
        events: [buildCreated(3), huge],
      }),
    ).rejects.toThrow(WebhookCommitTooLargeError);
    await expect(repo.enqueue(id, [huge])).rejects.toThrow(/over the 350000 bytes one queue item holds/);
    await expect(
      repo.commitChanges(id, 'INBOX', {
        expectedState: 's1',
        nextState: 'y'.repeat(MAX_CURSOR_BYTES),
        events: [buildCreated(3)],
      }),
    ).rejects.toThrow(WebhookCommitTooLargeError);
    expect(await scanKeys()).toEqual(before);
    expect(await repo.getCursor(id, 'INBOX')).toBe('s1');
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toHaveLength(1);
  });

  test('the largest event and the largest cursor the limits allow are stored and read back whole', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const largest = buildCreated(1);
    const padding = MAX_EVENT_BYTES - (Buffer.byteLength(JSON.stringify(largest)) + 1);
    (largest.data as { message: { subject: string } }).message.subject += 'x'.repeat(padding);
    expect(Buffer.byteLength(JSON.stringify(largest)) + 1).toBe(MAX_EVENT_BYTES);
    const state = 'c'.repeat(MAX_CURSOR_BYTES - Buffer.byteLength('INBOX'));
    expect(
      await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: state, events: [largest] }),
    ).toBe(true);
    expect((await repo.listQueued(id, 10)).map((q) => q.event)).toEqual([largest]);
    expect(await repo.getCursor(id, 'INBOX')).toBe(state);
  });

  test('a page of 1,500 events (about 3 MB) is one commit, queued in order across many items', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const events = Array.from({ length: 1500 }, (_, i) => {
      const event = buildCreated(i + 1);
      (event.data as { message: { subject: string } }).message.subject = `${i} ${'s'.repeat(1800)}`;
      return event;
    });
    expect(await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 'big', events })).toBe(
      true,
    );
    const queued = await repo.listQueued(id, 2000);
    expect(queued.map((q) => q.event)).toEqual(events);
    expect((await kinds(id)).QUEUE).toBeGreaterThan(50);
    expect((await kinds(id)).STAGE).toBeUndefined();
  });

  test('a cursor of about 300 KB round-trips and is compared whole', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const large = `state:${'0123456789abcdef'.repeat(300 * 64)}`;
    expect(Buffer.byteLength(large)).toBeGreaterThan(300_000);
    expect(await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: large, events: [] })).toBe(
      true,
    );
    expect(await repo.getCursor(id, 'INBOX')).toBe(large);
    expect(await repo.listCursors(id)).toEqual({ INBOX: large });
    expect(
      await repo.commitChanges(id, 'INBOX', { expectedState: `${large}x`, nextState: 's', events: [] }),
    ).toBe(false);
    expect(
      await repo.commitChanges(id, 'INBOX', { expectedState: large, nextState: `${large}!`, events: [] }),
    ).toBe(true);
    expect(await repo.getCursor(id, 'INBOX')).toBe(`${large}!`);
    expect((await kinds(id)).CURSOR).toBe(1);
  });

  test('two watchers (two stores) committing from the same cursor at once: exactly one wins, every round', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const other = open();
    let state = 's0';
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: state, events: [] });
    const winners: string[] = [];
    for (let round = 1; round <= 10; round += 1) {
      const change = (watcher: string) => ({
        expectedState: state,
        nextState: `${watcher}${round}`,
        events: [buildCreated(round * 10 + (watcher === 'a' ? 1 : 2))],
      });
      const [a, b] = await Promise.all([
        repo.commitChanges(id, 'INBOX', change('a')),
        other.commitChanges(id, 'INBOX', change('b')),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      state = a ? `a${round}` : `b${round}`;
      winners.push(a ? 'a' : 'b');
      expect(await other.getCursor(id, 'INBOX')).toBe(state);
    }
    const queued = await repo.listQueued(id, 100);
    expect(queued.map((q) => (q.event.data as { state: string }).state)).toEqual(
      winners.map((w, i) => `s${(i + 1) * 10 + (w === 'a' ? 1 : 2)}`),
    );
    // The losers left nothing behind: one cursor record, no staged chunks.
    expect(await kinds(id)).toEqual({ META: 1, CURSOR: 1, QUEUE: 10 });
  });

  test('concurrent commits to two mailboxes from two stores keep one total order and lose no event', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const other = open();
    const chain = async (store: DynamoWebhookRepository, mailbox: string) => {
      let state: string | null = null;
      for (let n = 1; n <= 12; n += 1) {
        const ok = await store.commitChanges(id, mailbox, {
          expectedState: state,
          nextState: `s${n}`,
          events: [buildCreated(2 * n - 1, mailbox), buildCreated(2 * n, mailbox)],
        });
        expect(ok).toBe(true);
        state = `s${n}`;
      }
    };
    await Promise.all([chain(repo, 'INBOX'), chain(other, 'Sent')]);
    const queued = await repo.listQueued(id, 100);
    expect(queued).toHaveLength(48);
    expect((await other.listQueued(id, 100)).map((q) => q.event.id)).toEqual(queued.map((q) => q.event.id));
    for (const mailbox of ['INBOX', 'Sent']) {
      const uids = queued
        .map((q) => q.event.data as { mailbox: string; message: { uid: number } })
        .filter((data) => data.mailbox === mailbox)
        .map((data) => data.message.uid);
      expect(uids).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    }
    // Delivered head by head, in that order, until nothing is left.
    for (const { event } of queued) {
      const [due] = await other.nextDue(new Date(clock), 10);
      expect(due!.queued.event.id).toBe(event.id);
      expect(await repo.markDelivered(id, event.id)).toBe(true);
    }
    expect(await repo.listQueued(id, 10)).toEqual([]);
    expect(await kinds(id)).toEqual({ META: 1, CURSOR: 2 });
  });

  test('deliveries racing commits: every event delivered once, in order, and the head due time kept exact', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const deliverer = open();
    const committed: string[] = [];
    let committing = true;
    const watcher = (async () => {
      let state: string | null = null;
      for (let n = 1; n <= 25; n += 1) {
        const event = buildCreated(n);
        expect(
          await repo.commitChanges(id, 'INBOX', {
            expectedState: state,
            nextState: `s${n}`,
            events: [event],
          }),
        ).toBe(true);
        committed.push(event.id);
        state = `s${n}`;
      }
      committing = false;
    })();
    const delivered: string[] = [];
    const dueAt = async () => (await deliverer.listActiveSegment(0, 1))[0]!.headDueAt;
    while (committing || delivered.length < 25) {
      const [due] = await deliverer.nextDue(new Date(clock), 1);
      if (due === undefined) {
        // Nothing was due: the queue was empty. Only this loop removes events, so a queue
        // found holding one now holds it still, and must show a due time.
        if ((await deliverer.listQueued(id, 1)).length > 0) expect(await dueAt()).not.toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      expect(await deliverer.markDelivered(id, due.queued.event.id)).toBe(true);
      delivered.push(due.queued.event.id);
    }
    await watcher;
    expect(delivered).toEqual(committed);
    expect(await dueAt()).toBeNull();
    expect(await repo.listQueued(id, 10)).toEqual([]);
    expect(await kinds(id)).toEqual({ META: 1, CURSOR: 1 });
  });

  test('re-enabling resets every queued event and makes the head due; a plain update resets nothing', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const events = [buildCreated(1), buildCreated(2), buildCreated(3)];
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's3', events });
    clock += 1000;
    await repo.markFailed(id, events[0]!.id, { error: 'HTTP 500', nextAttemptAt: at(6000) });
    await repo.update('acme', id, { url: 'https://other.example.com/hook' });
    expect((await repo.listQueued(id, 1))[0]).toMatchObject({
      attempts: 1,
      nextAttemptAt: at(6000).toISOString(),
    });
    await repo.update('acme', id, { status: 'failing' });
    expect((await repo.listQueued(id, 1))[0]).toMatchObject({ attempts: 1 });
    clock += 86_400_000;
    await repo.markFailed(id, events[0]!.id, { disable: 'Deliveries failed for 24 hours.' });
    expect(await repo.listActiveSegment(0, 1)).toEqual([]);
    clock += 1000;
    const enabled = await repo.update('acme', id, { status: 'active' });
    expect(enabled).toMatchObject({
      status: 'active',
      lastError: null,
      nextRetryAt: null,
      disabledReason: null,
    });
    expect(await repo.listQueued(id, 10)).toEqual(
      events.map((event) => ({
        event,
        attempts: 0,
        firstFailureAt: null,
        nextAttemptAt: null,
        queuedAt: at(0).toISOString(),
      })),
    );
    expect(await repo.listActiveSegment(0, 1)).toEqual([
      { webhook: enabled, headDueAt: at(0).toISOString() },
    ]);
  });

  test('re-enabling clears lastError, nextRetryAt and disabledReason unless the patch sets them', async () => {
    const { id } = await repo.create(buildNewWebhook());
    await repo.update('acme', id, { status: 'disabled', disabledReason: 'paused', lastError: 'HTTP 500' });
    expect(await repo.update('acme', id, { status: 'active', lastError: 'kept by hand' })).toMatchObject({
      status: 'active',
      lastError: 'kept by hand',
      disabledReason: null,
      nextRetryAt: null,
    });
  });

  test('delete removes every item of a webhook with 1,000 queued events, and only its items', async () => {
    const keep = await repo.create(buildNewWebhook({ account: 'globex' }));
    await repo.commitChanges(keep.id, 'INBOX', {
      expectedState: null,
      nextState: 'k',
      events: [buildCreated(1)],
    });
    const kept = await scanKeys();
    const { id } = await repo.create(buildNewWebhook());
    for (let page = 0; page < 4; page += 1) {
      // About 2 KB each: the webhook's items take more than one 1 MB page to list.
      const events = Array.from({ length: 250 }, (_, i) => {
        const event = buildCreated(page * 250 + i + 1);
        (event.data as { message: { subject: string } }).message.subject = 'd'.repeat(1500);
        return event;
      });
      await repo.commitChanges(id, 'INBOX', {
        expectedState: page === 0 ? null : `p${page}`,
        nextState: `p${page + 1}`,
        events,
      });
    }
    await repo.commitChanges(id, 'Sent', { expectedState: null, nextState: 'x', events: [] });
    expect(await repo.listQueued(id, 2000)).toHaveLength(1000);
    expect((await scanKeys()).length).toBeGreaterThan(kept.length + 20);
    expect(await repo.delete('acme', id)).toBe(true);
    expect(await scanKeys()).toEqual(kept);
    expect(await repo.delete('acme', id)).toBe(false);
    expect(await repo.commitChanges(id, 'INBOX', { expectedState: 'p4', nextState: 'p5', events: [] })).toBe(
      false,
    );
    expect(await scanKeys()).toEqual(kept);
  });

  test('a commit after the webhook is deleted is refused and leaves nothing behind', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const other = open();
    await other.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] });
    expect(await repo.delete('acme', id)).toBe(true);
    // `other` still knows the webhook's account: its commit gets as far as the webhook item.
    expect(
      await other.commitChanges(id, 'INBOX', {
        expectedState: 's1',
        nextState: 's2',
        events: [buildCreated(2)],
      }),
    ).toBe(false);
    expect(await other.enqueue(id, [buildCreated(3)])).toBe(false);
    expect(await scanKeys()).toEqual([]);
  });

  test('close waits for writes in flight, refuses later calls, and leaves the client to its owner', async () => {
    const { id } = await repo.create(buildNewWebhook());
    let settled = false;
    const commit = repo
      .commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [buildCreated(1)] })
      .finally(() => {
        settled = true;
      });
    await repo.close();
    expect(settled).toBe(true);
    expect(await commit).toBe(true);
    await expect(repo.get('acme', id)).rejects.toThrow(/closed/);
    await expect(repo.enqueue(id, [])).rejects.toThrow(/closed/);
    const again = open();
    expect(await again.getCursor(id, 'INBOX')).toBe('s1');
  });

  /**
   * A store on a client that loses the table's answer to the first request
   * `matches` picks after the table applied it, so the SDK sends the request
   * again and the table refuses the repeat (a fault dynalite cannot make).
   */
  const lossyStore = (matches: (command: string, input: Record<string, unknown>) => boolean) => {
    const client = new DynamoDBClient({
      endpoint: handle.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let lost = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = (args as unknown as { input?: Record<string, unknown> }).input ?? {};
        if (lost === 0 && matches(context.commandName ?? '', input)) {
          lost += 1;
          throw Object.assign(new Error('the answer was lost'), { name: 'TimeoutError', $metadata: {} });
        }
        return result;
      },
      { step: 'finalizeRequest', name: 'loseOneAnswer', priority: 'low' },
    );
    const store = open(client);
    return {
      store,
      lost: () => lost,
      async dispose() {
        await store.close();
        client.destroy();
      },
    };
  };
  const updating = (fragment: string) => (command: string, input: Record<string, unknown>) =>
    command === 'UpdateItemCommand' && String(input.UpdateExpression).includes(fragment);

  test('a commit whose answer is lost and whose retry is refused is reported made, once', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const lossy = lossyStore(updating('pendId'));
    try {
      const e1 = buildCreated(1);
      expect(
        await lossy.store.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] }),
      ).toBe(true);
      expect(lossy.lost()).toBe(1);
      expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e1.id]);
      expect(await repo.getCursor(id, 'INBOX')).toBe('s1');
      expect(await kinds(id)).toEqual({ META: 1, CURSOR: 1, QUEUE: 1 });
    } finally {
      await lossy.dispose();
    }
  });

  test('a cursor-only commit whose answer is lost is reported made', async () => {
    const { id } = await repo.create(buildNewWebhook());
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] });
    const lossy = lossyStore(updating('cur.'));
    try {
      expect(
        await lossy.store.commitChanges(id, 'INBOX', { expectedState: 's1', nextState: 's2', events: [] }),
      ).toBe(true);
      expect(lossy.lost()).toBe(1);
      expect(await repo.getCursor(id, 'INBOX')).toBe('s2');
      expect(await repo.listQueued(id, 10)).toEqual([]);
    } finally {
      await lossy.dispose();
    }
  });

  test('a failure, an update and a delete whose answers are lost are reported made and applied once', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const e1 = buildCreated(1);
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] });
    clock += 1000;
    const failing = lossyStore(updating('headAttempts'));
    try {
      expect(await failing.store.markFailed(id, e1.id, { error: 'HTTP 500', nextAttemptAt: at(6000) })).toBe(
        true,
      );
      expect(failing.lost()).toBe(1);
      expect((await repo.listQueued(id, 1))[0]).toMatchObject({ attempts: 1 });
    } finally {
      await failing.dispose();
    }
    const updating_ = lossyStore(updating('rec'));
    try {
      const updated = await updating_.store.update('acme', id, { url: 'https://other.example.com/' });
      expect(updating_.lost()).toBe(1);
      expect(updated).toMatchObject({ url: 'https://other.example.com/' });
      expect(await repo.get('acme', id)).toEqual(updated);
    } finally {
      await updating_.dispose();
    }
    const deleting = lossyStore((command) => command === 'DeleteItemCommand');
    try {
      expect(await deleting.store.delete('acme', id)).toBe(true);
      expect(deleting.lost()).toBe(1);
      expect(await scanKeys()).toEqual([]);
    } finally {
      await deleting.dispose();
    }
  });

  /**
   * A store whose client loses the table's answer to the first request
   * `matches` picks (applied; the SDK's repeat is refused), then runs
   * `afterLoss` (another party acting before the store hears back), and
   * fails the next `failGets` GetItem requests outright.
   */
  const faultyStore = (
    matches: (command: string, input: Record<string, unknown>) => boolean,
    options: { afterLoss?: () => Promise<void>; failGets?: number } = {},
  ) => {
    const client = new DynamoDBClient({
      endpoint: handle.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let lost = 0;
    let failGets = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = (args as unknown as { input?: Record<string, unknown> }).input ?? {};
        if (lost === 0 && matches(context.commandName ?? '', input)) {
          lost += 1;
          await options.afterLoss?.();
          failGets = options.failGets ?? 0;
          throw Object.assign(new Error('the answer was lost'), { name: 'TimeoutError', $metadata: {} });
        }
        return result;
      },
      { step: 'finalizeRequest', name: 'loseOneAnswer', priority: 'low' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (failGets > 0 && context.commandName === 'GetItemCommand') {
          failGets -= 1;
          throw Object.assign(new Error('Service unavailable'), {
            name: 'ValidationException',
            $fault: 'client',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failGets' },
    );
    const store = open(client);
    return {
      store,
      lost: () => lost,
      async dispose() {
        await store.close();
        client.destroy();
      },
    };
  };

  test('a commit point whose answer is lost, then a read that fails: the call fails, the commit stands whole and the webhook goes on', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const e1 = buildCreated(1);
    const faulty = faultyStore(updating('pendId'), { failGets: 1 });
    try {
      await expect(
        faulty.store.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] }),
      ).rejects.toThrow();
      expect(faulty.lost()).toBe(1);
    } finally {
      await faulty.dispose();
    }
    // The commit was made: its events and cursor are there, nothing of it was removed.
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e1.id]);
    expect(await repo.getCursor(id, 'INBOX')).toBe('s1');
    expect(await repo.markDelivered(id, e1.id)).toBe(true);
    const e2 = buildCreated(2);
    expect(
      await repo.commitChanges(id, 'INBOX', { expectedState: 's1', nextState: 's2', events: [e2] }),
    ).toBe(true);
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e2.id]);
  });

  test('a cursor-only commit point whose answer is lost, then a read that fails: the cursor stays readable', async () => {
    const { id } = await repo.create(buildNewWebhook());
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] });
    const faulty = faultyStore(updating('cur.'), { failGets: 1 });
    try {
      await expect(
        faulty.store.commitChanges(id, 'INBOX', { expectedState: 's1', nextState: 's2', events: [] }),
      ).rejects.toThrow();
    } finally {
      await faulty.dispose();
    }
    expect(await repo.getCursor(id, 'INBOX')).toBe('s2');
    expect(await repo.listCursors(id)).toEqual({ INBOX: 's2' });
  });

  test('an enqueue whose commit point is rolled forward by a deliverer before its answer arrives is queued once', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const e1 = buildCreated(1);
    const other = open();
    const faulty = faultyStore(updating('pendId'), {
      // A deliverer meets the pending mark and rolls the commit forward.
      afterLoss: async () => {
        expect(await other.markDelivered(id, 'evt_not_the_head')).toBe(false);
      },
    });
    try {
      expect(await faulty.store.enqueue(id, [e1])).toBe(true);
      expect(faulty.lost()).toBe(1);
    } finally {
      await faulty.dispose();
    }
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e1.id]);
  });

  test('a pending commit whose staged items are gone no longer blocks the webhook: the mark is cleared and the sequence given back', async () => {
    const { id } = await repo.create(buildNewWebhook());
    const e1 = buildCreated(1);
    const e2 = buildCreated(2);
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [e1] });
    // A store whose roll-forward fails after the commit point: the commit stands, pending.
    const client = new DynamoDBClient({
      endpoint: handle.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    let pointMade = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as unknown as { input?: Record<string, unknown> }).input ?? {};
        if (pointMade && context.commandName === 'BatchWriteItemCommand')
          throw new Error('table unavailable');
        const result = await next(args);
        if (updating('pendId')(context.commandName ?? '', input)) pointMade = true;
        return result;
      },
      { step: 'initialize', name: 'failRollForward' },
    );
    const stalled = open(client);
    expect(
      await stalled.commitChanges(id, 'INBOX', { expectedState: 's1', nextState: 's2', events: [e2] }),
    ).toBe(true);
    // The staged items vanish (as a committer that removed them wrongly once left it).
    const staged = (await scanKeys()).filter(
      (key) => key.pk === `WEBHOOK#${id}` && key.sk.startsWith('STAGE#'),
    );
    expect(staged).toHaveLength(1);
    await handle.client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: staged.map((key) => ({
            DeleteRequest: { Key: { pk: { S: key.pk }, sk: { S: key.sk } } },
          })),
        },
      }),
    );
    // Not blocked: the lost commit's event is gone, the one before it is delivered, new commits go on.
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e1.id]);
    expect(await repo.markDelivered(id, e1.id)).toBe(true);
    expect(await repo.listQueued(id, 10)).toEqual([]);
    const e3 = buildCreated(3);
    expect(await repo.enqueue(id, [e3])).toBe(true);
    expect((await repo.listQueued(id, 10)).map((q) => q.event.id)).toEqual([e3.id]);
    expect(await repo.markDelivered(id, e3.id)).toBe(true);
    expect((await repo.listActiveSegment(0, 1)).find((each) => each.webhook.id === id)?.headDueAt).toBeNull();
    client.destroy();
  });

  test('a cursor pointer whose record is gone no longer blocks the webhook: the mailbox starts afresh', async () => {
    const { id } = await repo.create(buildNewWebhook());
    await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] });
    await repo.commitChanges(id, 'Sent', { expectedState: null, nextState: 't1', events: [] });
    const cursors = (await scanKeys()).filter(
      (key) => key.pk === `WEBHOOK#${id}` && key.sk.startsWith('CURSOR#'),
    );
    expect(cursors).toHaveLength(2);
    // The INBOX record vanishes (as a committer that removed it wrongly once left it).
    const item = await handle.client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#st = :s',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':s': { S: 's1' } },
      }),
    );
    expect(item.Items).toHaveLength(1);
    await handle.client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: [{ DeleteRequest: { Key: { pk: item.Items![0]!.pk!, sk: item.Items![0]!.sk! } } }],
        },
      }),
    );
    expect(await repo.listCursors(id)).toEqual({ Sent: 't1' });
    expect(await repo.getCursor(id, 'INBOX')).toBeUndefined();
    expect(await repo.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's5', events: [] })).toBe(
      true,
    );
    expect(await repo.getCursor(id, 'INBOX')).toBe('s5');
  });
});
