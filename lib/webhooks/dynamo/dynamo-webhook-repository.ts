import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { afterDelivery, afterFailure } from '../delivery-transitions.js';
import type { WebhookEvent } from '../events.js';
import type { ActiveWebhook, PollerWebhookRepository } from '../poller-repository.js';
import {
  type CursorChange,
  createWebhookId,
  type DueDelivery,
  type FailureOutcome,
  type NewWebhook,
  newWebhookRecord,
  type QueuedEvent,
  type WebhookPatch,
  type WebhookRecord,
} from '../repository.js';
import { WebhookCommitTooLargeError, WebhookStoreContentionError, WebhookStoreError } from './errors.js';
import {
  accountKey,
  cursorSortKey,
  LOCATOR_SORT_KEY,
  queueSortKey,
  stagedPrefix,
  stagedSortKey,
  WEBHOOK_TABLE_KEYS,
  webhookPartition,
  webhookSortKey,
} from './table.js';

export interface DynamoWebhookRepositoryOptions {
  /** Used as given and never destroyed here: its owner closes it. */
  client: DynamoDBClient;
  tableName: string;
  now?: () => Date;
}

/**
 * Events are packed into queue chunks of about this many bytes of JSON
 * (one event larger than this gets a chunk of its own). A delivery reads
 * the head's chunk, so smaller chunks read less per delivery; a commit
 * writes more items.
 */
export const QUEUE_CHUNK_TARGET_BYTES = 32 * 1024;
/** The largest event (its JSON) one chunk item holds, under DynamoDB's 400 KB item limit. */
export const MAX_EVENT_BYTES = 350_000;
/** The largest cursor (mailbox path and state, UTF-8) one cursor item holds. */
export const MAX_CURSOR_BYTES = 350_000;
/** How often one change is tried against concurrent changes of the same webhook before it gives up. */
export const MAX_CONDITIONAL_ATTEMPTS = 50;

export function createDynamoWebhookRepository(
  options: DynamoWebhookRepositoryOptions,
): DynamoWebhookRepository {
  return new DynamoWebhookRepository(options);
}

type Item = Record<string, AttributeValue>;
type Attempt = 'applied' | 'rejected' | 'uncertain';

interface Chunk {
  events: WebhookEvent[];
  queuedAt: string;
}

interface Pending {
  commit: string;
  from: number;
  count: number;
}

/** The webhook item: the record and everything that orders its queue and cursors. */
interface WebhookRow {
  record: WebhookRecord;
  /** Bumped by every change of the record or the head; the condition of those changes. */
  rev: number;
  /** The last queue chunk's sequence number (0: none yet). */
  seq: number;
  /** The chunk holding the head event, and its index there; the queue is empty when headSeq > seq. */
  headSeq: number;
  headIndex: number;
  headAttempts: number;
  headFirstFailureAt: string | null;
  headNextAttemptAt: string | null;
  /** When the head is due; present exactly when the queue is not empty. */
  headDueAt: string | null;
  /** Mailbox key (a digest of the path) → the commit whose cursor record holds its state. */
  cursors: Record<string, string>;
  /** A commit whose chunks are staged and not yet copied into the queue. */
  pending: Pending | null;
}

/** What the `active` index gives of a webhook item: all it must project besides its keys. */
type ActiveRow = Pick<WebhookRow, 'record' | 'headDueAt' | 'headNextAttemptAt'>;

const PATCHABLE = [
  'url',
  'mailboxes',
  'events',
  'status',
  'lastError',
  'nextRetryAt',
  'disabledReason',
] as const satisfies ReadonlyArray<keyof WebhookPatch>;

const {
  partitionKey: PK,
  sortKey: SK,
  activeIndex: ACTIVE_INDEX,
  activeIndexPartitionKey: ACTIVE,
} = WEBHOOK_TABLE_KEYS;

/**
 * The webhook store on one DynamoDB table (see table.ts for the items).
 *
 * Every change is one conditional write of one item, which DynamoDB makes
 * atomically; no transactions. What orders a webhook's queue and holds its
 * cursors is its webhook item: a commit first writes what does not fit
 * there (the new cursor record, the events packed in staged chunks) under
 * keys nobody else uses, then makes them real with one conditional update
 * of the webhook item (the cursor still points at the record it was read
 * from, no other commit is pending, the sequence is the one read, the
 * webhook exists). A commit that loses leaves only its staged items, which
 * it removes; the winner's staged chunks are then copied to their
 * sequence numbers in the queue and the pending mark cleared, by the
 * committer or by whoever meets the mark first (a copy is idempotent).
 * Reads see staged chunks of a pending commit as the queue's tail.
 *
 * The head's retry state lives on the webhook item (only the head is ever
 * attempted), with `headDueAt`, present exactly while the queue holds
 * events, so the poller's Scan tells what is due without reading queues.
 * Deliveries, failures and updates are conditioned on the webhook item's
 * revision; a delivery that empties the queue also on its sequence, so a
 * commit landing meanwhile keeps its due time.
 *
 * A conditional write the client retried and the table then refused may
 * have been made by the first try: a commit checks for its own pointer,
 * pending mark or staged items (the first one marked done by the
 * roll-forward before it clears the mark), a revision for its write id,
 * before calling it lost, and before trying its commit point again; it
 * then never removes what it staged. Left behind, and removed only with
 * the webhook: staged items of a committer that stopped before its commit
 * point, whose commit point got no answer or was refused after such a
 * retry, a chunk copied again below the head by a late roll-forward, and a
 * cursor record or emptied chunk whose removal (tidying after the change
 * is made) failed. A pending mark whose staged chunks are gone, or a
 * cursor pointer whose record is gone (left by earlier versions), is
 * repaired by whoever meets it (#healPending, #dropDanglingCursor).
 */
export class DynamoWebhookRepository implements PollerWebhookRepository {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => Date;
  /** Webhook id → account: the locator never changes. */
  readonly #accounts = new Map<string, string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: DynamoWebhookRepositoryOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#now = options.now ?? (() => new Date());
  }

  create(input: NewWebhook): Promise<WebhookRecord> {
    return this.#op(async () => {
      const at = this.#now().toISOString();
      let id = createWebhookId();
      for (let attempt = 0; ; attempt += 1) {
        const placed = await this.#conditional(
          new PutItemCommand({
            TableName: this.#table,
            Item: { [PK]: s(webhookPartition(id)), [SK]: s(LOCATOR_SORT_KEY), account: s(input.account) },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        );
        if (placed) break;
        if (attempt >= 3) throw new WebhookStoreError('could not find a free webhook id');
        id = createWebhookId();
      }
      const record = newWebhookRecord(id, input, at);
      // Refused only when a retry of this put finds it made: the id is new (its locator was just placed).
      await this.#conditional(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            [PK]: s(accountKey(input.account)),
            [SK]: s(webhookSortKey(id)),
            [ACTIVE]: s(input.account),
            rec: s(JSON.stringify(record)),
            rev: n(0),
            seq: n(0),
            headSeq: n(1),
            headIndex: n(0),
            headAttempts: n(0),
            cur: { M: {} },
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      this.#accounts.set(id, input.account);
      return structuredClone(record);
    });
  }

  get(account: string, id: string): Promise<WebhookRecord | undefined> {
    return this.#op(async () => (await this.#row(account, id))?.record);
  }

  list(account: string): Promise<WebhookRecord[]> {
    return this.#op(async () => {
      const items = await this.#query({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': s(accountKey(account)), ':prefix': s('WEBHOOK#') },
      });
      return items.map((item) => parseRow(item).record).sort(byCreation);
    });
  }

  update(account: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | undefined> {
    return this.#op(async () => {
      const changes: WebhookPatch = {};
      for (const key of PATCHABLE)
        if (patch[key] !== undefined) Object.assign(changes, { [key]: patch[key] });
      const keep =
        patch.keepCursors === undefined
          ? undefined
          : new Set(patch.keepCursors.map((path) => mailboxKey(path)));
      const onlyCursors = keep !== undefined && Object.keys(changes).length === 0;
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#row(account, id);
        if (row === undefined) return undefined;
        const current = row.record;
        // Cursors of other mailboxes: each pointer removed if it still names the record read.
        const dropped =
          keep === undefined ? [] : Object.entries(row.cursors).filter(([key]) => !keep.has(key));
        if (onlyCursors && dropped.length === 0) return structuredClone(current);
        const restart = changes.status === 'active' && current.status !== 'active';
        const record: WebhookRecord = onlyCursors
          ? current
          : {
              ...current,
              ...(restart ? { lastError: null, nextRetryAt: null, disabledReason: null } : {}),
              ...structuredClone(changes),
              updatedAt: this.#now().toISOString(),
            };
        const write = new UpdateBuilder();
        write.setRecord(record, row.rev);
        dropped.forEach(([key, commit], index) => {
          write.name(`#drop${index}`, key);
          write.remove(`cur.#drop${index}`);
          write.condition(`cur.#drop${index} = ${write.value(s(commit))}`);
        });
        if (restart) {
          // Queued events start afresh: only the head has ever been attempted.
          write.set('headAttempts', n(0));
          write.remove('headFirstFailureAt', 'headNextAttemptAt');
          if (!isEmpty(row)) {
            const chunk = await this.#chunk(id, row, row.headSeq);
            if (chunk === undefined) {
              await this.#settlePending(id, row);
              continue;
            }
            write.set('headDueAt', s(chunk.queuedAt));
          }
        }
        write.condition('attribute_exists(#pk)');
        if (await this.#revise(write, webhookKey(account, id))) {
          // Tidying: nothing points at these records any more; one left behind goes with the webhook.
          const obsolete = dropped.map(([, commit]) => cursorSortKey(commit));
          if (obsolete.length > 0) await this.#deleteKeys(id, obsolete).catch(() => undefined);
          return structuredClone(record);
        }
        await backoff(attempt);
      }
      throw contention('update');
    });
  }

  delete(account: string, id: string): Promise<boolean> {
    return this.#op(async () => {
      const deleted = await this.#attempt(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: webhookKey(account, id),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      if (deleted !== 'applied') {
        // A delete cut short before its items were removed is finished here. Refused on the client's retry
        // (`uncertain`), the first try most likely removed it: true, as no other caller will say it.
        const owned = (await this.#accountOf(id)) === account;
        if (owned) await this.#purge(id);
        return owned && deleted === 'uncertain';
      }
      await this.#purge(id);
      return true;
    });
  }

  listActive(): Promise<WebhookRecord[]> {
    return this.#op(async () => (await this.#scanActive(0, 1)).map((row) => row.record).sort(byCreation));
  }

  listActiveSegment(segment: number, segments: number): Promise<ActiveWebhook[]> {
    return this.#op(async () => {
      if (
        !Number.isInteger(segments) ||
        !Number.isInteger(segment) ||
        segments < 1 ||
        segments > 1000 ||
        segment < 0 ||
        segment >= segments
      ) {
        throw new RangeError('segment must be an integer in [0, segments) and segments in [1, 1000]');
      }
      const rows = await this.#scanActive(segment, segments);
      return rows.map((row) => ({ webhook: row.record, headDueAt: row.headDueAt }));
    });
  }

  getCursor(webhookId: string, mailbox: string): Promise<string | undefined> {
    return this.#op(async () => {
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(webhookId);
        const commit = row?.cursors[mailboxKey(mailbox)];
        if (commit === undefined) return undefined;
        const cursor = await this.#cursorRecord(webhookId, commit);
        // Missing: the cursor moved on and its old record was removed; read again.
        if (cursor !== undefined) return cursor.state;
        await this.#dropDanglingCursor(webhookId, mailboxKey(mailbox), commit);
      }
      throw contention('getCursor');
    });
  }

  listCursors(webhookId: string): Promise<Record<string, string>> {
    return this.#op(async () => {
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(webhookId);
        if (row === undefined) return {};
        const records = await Promise.all(
          Object.values(row.cursors).map((commit) => this.#cursorRecord(webhookId, commit)),
        );
        if (records.every((record) => record !== undefined)) {
          return Object.fromEntries(records.map((record) => [record!.mailbox, record!.state]));
        }
        const entries = Object.entries(row.cursors);
        for (const [index, record] of records.entries()) {
          if (record === undefined)
            await this.#dropDanglingCursor(webhookId, entries[index]![0], entries[index]![1]);
        }
      }
      throw contention('listCursors');
    });
  }

  commitChanges(webhookId: string, mailbox: string, change: CursorChange): Promise<boolean> {
    return this.#op(async () => {
      if (typeof change.nextState !== 'string') throw new TypeError('nextState must be a string');
      const cursorBytes = Buffer.byteLength(mailbox) + Buffer.byteLength(change.nextState);
      if (cursorBytes > MAX_CURSOR_BYTES) {
        throw new WebhookCommitTooLargeError(
          `a cursor of ${cursorBytes} bytes is over the ${MAX_CURSOR_BYTES} bytes one item holds`,
        );
      }
      return this.#append(
        webhookId,
        { mailbox, expected: change.expectedState, next: change.nextState },
        change.events,
      );
    });
  }

  enqueue(webhookId: string, events: WebhookEvent[]): Promise<boolean> {
    return this.#op(() => this.#append(webhookId, null, events));
  }

  listQueued(webhookId: string, limit: number): Promise<QueuedEvent[]> {
    return this.#op(async () => {
      const wanted = Math.max(0, Math.floor(limit));
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(webhookId);
        if (row === undefined || wanted === 0 || isEmpty(row)) return [];
        const queued = await this.#readQueue(webhookId, row, wanted);
        if (queued !== undefined) return queued;
        await this.#settlePending(webhookId, row);
      }
      throw contention('listQueued');
    });
  }

  /**
   * Scans the `active` index (every webhook that is not disabled, an
   * eventually consistent read), then reads each webhook whose head the
   * index shows due again, consistently, with its head's chunk: one index
   * page per 1 MB of active webhooks plus two reads per due webhook. The
   * AWS side does not call it: its poller reads `listActiveSegment`.
   */
  nextDue(now: Date, limit: number): Promise<DueDelivery[]> {
    return this.#op(async () => {
      const at = now.toISOString();
      const candidates = (await this.#scanActive(0, 1)).filter((row) => isDue(row, at));
      const due: Array<DueDelivery & { dueAt: string }> = [];
      for (const candidate of candidates) {
        const row = await this.#row(candidate.record.account, candidate.record.id);
        if (row === undefined || row.record.status === 'disabled' || !isDue(row, at)) continue;
        const chunk = await this.#chunk(row.record.id, row, row.headSeq);
        const event = chunk?.events[row.headIndex];
        if (chunk === undefined || event === undefined) continue;
        const queued = headQueued(row, event, chunk.queuedAt);
        due.push({ webhook: row.record, queued, dueAt: queued.nextAttemptAt ?? queued.queuedAt });
      }
      due.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || byCreation(a.webhook, b.webhook));
      return due.slice(0, Math.max(0, limit)).map(({ webhook, queued }) => ({ webhook, queued }));
    });
  }

  markDelivered(webhookId: string, eventId: string): Promise<boolean> {
    return this.#op(async () => {
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(webhookId);
        if (row === undefined || isEmpty(row)) return false;
        if (row.pending !== null) {
          await this.#rollForward(webhookId, row.pending);
          continue;
        }
        const chunk = await this.#chunk(webhookId, row, row.headSeq);
        if (chunk === undefined) continue;
        if (chunk.events[row.headIndex]?.id !== eventId) return false;
        let nextSeq = row.headSeq;
        let nextIndex = row.headIndex + 1;
        if (nextIndex >= chunk.events.length) {
          nextSeq += 1;
          nextIndex = 0;
        }
        const at = this.#now().toISOString();
        const status = afterDelivery(row.record, at);
        const write = new UpdateBuilder();
        if (status) write.setRecord({ ...row.record, ...status }, row.rev);
        else write.revise(row.rev);
        write.set('headSeq', n(nextSeq));
        write.set('headIndex', n(nextIndex));
        write.set('headAttempts', n(0));
        write.remove('headFirstFailureAt', 'headNextAttemptAt');
        write.condition('attribute_exists(#pk)');
        if (nextSeq > row.seq) {
          // The queue is empty after this, unless a commit came in meanwhile.
          write.remove('headDueAt');
          write.condition(`#seq = ${write.value(n(row.seq))}`);
          write.name('#seq', 'seq');
        } else if (nextSeq === row.headSeq) {
          write.set('headDueAt', s(chunk.queuedAt));
        } else {
          const next = await this.#chunk(webhookId, row, nextSeq);
          if (next === undefined) continue;
          write.set('headDueAt', s(next.queuedAt));
        }
        if (await this.#revise(write, webhookKey(row.record.account, webhookId))) {
          if (nextSeq !== row.headSeq) {
            // A chunk left behind is below the head, where nothing reads; deleting the webhook removes it.
            await this.#deleteKeys(webhookId, [queueSortKey(row.headSeq)]).catch(() => undefined);
          }
          return true;
        }
        await backoff(attempt);
      }
      throw contention('markDelivered');
    });
  }

  markFailed(webhookId: string, eventId: string, outcome: FailureOutcome): Promise<boolean> {
    return this.#op(async () => {
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(webhookId);
        if (row === undefined || isEmpty(row)) return false;
        const chunk = await this.#chunk(webhookId, row, row.headSeq);
        if (chunk === undefined) {
          await this.#settlePending(webhookId, row);
          continue;
        }
        const event = chunk.events[row.headIndex];
        if (event?.id !== eventId) return false;
        const head = headQueued(row, event, chunk.queuedAt);
        const failure = afterFailure(row.record, head, outcome, this.#now().toISOString());
        const write = new UpdateBuilder();
        write.setRecord({ ...row.record, ...failure.webhook }, row.rev);
        write.set('headAttempts', n(failure.head.attempts));
        write.setOrRemove('headFirstFailureAt', failure.head.firstFailureAt);
        write.setOrRemove('headNextAttemptAt', failure.head.nextAttemptAt);
        write.set('headDueAt', s(failure.head.nextAttemptAt ?? chunk.queuedAt));
        write.condition('attribute_exists(#pk)');
        if (await this.#revise(write, webhookKey(row.record.account, webhookId))) {
          return true;
        }
        await backoff(attempt);
      }
      throw contention('markFailed');
    });
  }

  acquireDeliveryLease(webhookId: string, owner: string, until: Date): Promise<boolean> {
    return this.#op(async () => {
      const account = await this.#accountOf(webhookId);
      if (account === undefined) return false;
      return this.#conditional(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: webhookKey(account, webhookId),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression:
            'attribute_exists(#pk) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :owner OR leaseUntil <= :now)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: {
            ':owner': s(owner),
            ':until': s(until.toISOString()),
            ':now': s(this.#now().toISOString()),
          },
        }),
      );
    });
  }

  releaseDeliveryLease(webhookId: string, owner: string): Promise<void> {
    return this.#op(async () => {
      const account = await this.#accountOf(webhookId);
      if (account === undefined) return;
      await this.#conditional(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: webhookKey(account, webhookId),
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'attribute_exists(#pk) AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':owner': s(owner) },
        }),
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }

  // --- commits --------------------------------------------------------------

  async #append(
    id: string,
    cursor: { mailbox: string; expected: string | null; next: string } | null,
    events: WebhookEvent[],
  ): Promise<boolean> {
    const chunks = packEvents(events);
    const commit = createCommitId();
    const queuedAt = this.#now().toISOString();
    const key = cursor ? mailboxKey(cursor.mailbox) : undefined;
    const stagedKeys = chunks.map((_, index) => stagedSortKey(commit, index));
    if (cursor) stagedKeys.push(cursorSortKey(commit));
    let staged = false;
    // The commit point may have been applied unheard of: the client sent it again and the retry was refused.
    let uncertain = false;
    // The commit point may still be applied: its request failed without an answer.
    let unanswered = false;
    let made = false;
    const done = async (from: number, previous: string | undefined): Promise<boolean> => {
      made = true;
      // Made: what follows is tidying that whoever comes next also does, so its failure is not this call's.
      const queue = chunks.map((chunkEvents, index) =>
        queueItem(id, from + index, JSON.stringify(chunkEvents), queuedAt),
      );
      const obsolete = previous === undefined ? [] : [cursorSortKey(previous)];
      const marker = chunks.length === 0 ? undefined : stagedItem(id, commit, 0, chunks[0]!, queuedAt);
      await this.#rollForward(id, { commit, from, count: chunks.length }, { queue, marker }, obsolete).catch(
        () => undefined,
      );
      return true;
    };
    /**
     * After an uncertain commit point: whether it was made after all. The
     * webhook item is read first: the pending mark or the cursor pointer is
     * this commit's. Else the staged marker (the first staged item, or the
     * cursor record of a commit without events), read after it, is gone or
     * marked done: a roll-forward marks it before it clears the pending
     * mark, and removes it only after; a cursor record is removed only once
     * a later commit replaced it. Nothing of this commit is removed once it
     * was uncertain, so a marker that is there and not done means not made.
     */
    const madeUnheard = async (read?: WebhookRow): Promise<boolean> => {
      if (!uncertain || stagedKeys.length === 0) return false;
      const row = read ?? (await this.#rowById(id));
      if (row === undefined) return false;
      if (row.pending?.commit === commit) {
        // Its chunks start where the pending mark says.
        await done(row.pending.from, undefined);
        return true;
      }
      if (key !== undefined && row.cursors[key] === commit) {
        made = true;
        return true;
      }
      const marker = await this.#get(webhookPartition(id), stagedKeys[0]!);
      if (marker === undefined || marker.done?.BOOL === true) {
        made = true;
        return true;
      }
      return false;
    };
    try {
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS; attempt += 1) {
        const row = await this.#rowById(id);
        if (row === undefined) return false;
        // A commit point that was uncertain is never applied again before it is known not made
        // (applied again at a new sequence, its events would be queued twice).
        if (await madeUnheard(row)) return true;
        if (chunks.length > 0 && row.pending !== null) {
          await this.#rollForward(id, row.pending);
          continue;
        }
        const previous = key === undefined ? undefined : row.cursors[key];
        if (cursor) {
          const stored = previous === undefined ? null : (await this.#cursorRecord(id, previous))?.state;
          // Undefined: the record moved on while being read; read again.
          if (stored === undefined) {
            if (previous !== undefined && key !== undefined)
              await this.#dropDanglingCursor(id, key, previous);
            continue;
          }
          // (Made unheard was ruled out above, on the row these were read from.)
          if (stored !== cursor.expected) return false;
        }
        if (!staged) {
          staged = true;
          await this.#stage(id, commit, cursor, chunks, queuedAt);
        }
        const write = new UpdateBuilder();
        write.condition('attribute_exists(#pk)');
        if (cursor && key !== undefined) {
          write.name('#mailbox', key);
          write.set('cur.#mailbox', s(commit));
          write.condition(
            previous === undefined
              ? 'attribute_not_exists(cur.#mailbox)'
              : `cur.#mailbox = ${write.value(s(previous))}`,
          );
        }
        if (chunks.length > 0) {
          write.name('#seq', 'seq');
          write.condition(`#seq = ${write.value(n(row.seq))} AND attribute_not_exists(pendId)`);
          write.set('#seq', n(row.seq + chunks.length));
          write.set('pendId', s(commit));
          write.set('pendFrom', n(row.seq + 1));
          write.set('pendN', n(chunks.length));
          write.setExpression('headDueAt', `if_not_exists(headDueAt, ${write.value(s(queuedAt))})`);
        }
        if (!write.hasChanges()) return true;
        let result: Attempt;
        try {
          result = await this.#attempt(write.command(this.#table, webhookKey(row.record.account, id)));
        } catch (error) {
          unanswered = true;
          throw error;
        }
        if (result === 'applied') return await done(row.seq + 1, previous);
        if (result === 'uncertain') uncertain = true;
        await backoff(attempt);
      }
      if (await madeUnheard()) return true;
      throw contention('commitChanges');
    } finally {
      // What a commit point names is removed only when no attempt at it may have been applied: one
      // that may still land (no answer) or may have landed unheard (uncertain) keeps it, as a made
      // commit whose staged items were gone would leave its pending mark and cursor pointing at nothing.
      if (staged && !made && !unanswered && !uncertain) {
        await this.#deleteKeys(id, stagedKeys).catch(() => undefined);
      }
    }
  }

  /** Writes the commit's cursor record and staged chunks, which nothing reads until the commit is made. */
  async #stage(
    id: string,
    commit: string,
    cursor: { mailbox: string; next: string } | null,
    chunks: WebhookEvent[][],
    queuedAt: string,
  ): Promise<void> {
    const items: Item[] = chunks.map((events, index) => stagedItem(id, commit, index, events, queuedAt));
    if (cursor) {
      items.push({
        [PK]: s(webhookPartition(id)),
        [SK]: s(cursorSortKey(commit)),
        mailbox: s(cursor.mailbox),
        state: s(cursor.next),
      });
    }
    await this.#batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
  }

  /**
   * Copies a made commit's staged chunks to their places in the queue
   * (`given.queue`: the copies, when the caller has them, with the first
   * staged item as it is: `given.marker`), marks the first staged item done,
   * clears the pending mark, then removes the staged chunks and `obsolete`
   * items. Anyone may do it, any number of times: the copies are the same,
   * and staged chunks are removed only after the mark, so missing ones mean
   * another caller finished (or the webhook was deleted); see #healPending
   * for a mark whose staged chunks are gone.
   */
  async #rollForward(
    id: string,
    pending: Pending,
    given?: { queue: Item[]; marker: Item | undefined },
    obsolete: string[] = [],
  ): Promise<void> {
    let copies = given?.queue;
    let marker = given?.marker;
    if (copies === undefined) {
      const staged = await this.#query({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: {
          ':pk': s(webhookPartition(id)),
          ':prefix': s(stagedPrefix(pending.commit)),
        },
      });
      if (staged.length !== pending.count) {
        await this.#healPending(id, pending);
        return;
      }
      copies = staged.map((item, index) => queueItem(id, pending.from + index, item.ev!.S!, item.at!.S!));
      marker = staged[0];
    }
    if (pending.count > 0) {
      // The marker tells a committer whose answer was lost that its commit was made (see #append).
      const done = marker === undefined ? [] : [{ ...marker, done: { BOOL: true } }];
      await this.#batchWrite([...copies, ...done].map((Item) => ({ PutRequest: { Item } })));
      const account = await this.#accountOf(id);
      if (account !== undefined) {
        await this.#conditional(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: webhookKey(account, id),
            UpdateExpression: 'REMOVE pendId, pendFrom, pendN',
            ConditionExpression: 'pendId = :commit',
            ExpressionAttributeValues: { ':commit': s(pending.commit) },
          }),
        );
      }
    }
    const staged = Array.from({ length: pending.count }, (_, index) => stagedSortKey(pending.commit, index));
    await this.#deleteKeys(id, [...staged, ...obsolete]);
  }

  /**
   * After a read found a chunk missing: a pending commit is rolled forward
   * (or healed), as a roll-forward that removed staged chunks between the
   * reads, or lost ones, would otherwise make every read try again.
   */
  async #settlePending(id: string, row: WebhookRow): Promise<void> {
    if (row.pending !== null) await this.#rollForward(id, row.pending);
  }

  /**
   * A pending mark whose staged chunks are not all there. Staged chunks go
   * only after the mark is cleared, so normally someone copied them and
   * cleared it meanwhile (the writes below are conditioned on the mark and
   * then change nothing). If the copies are all in the queue, the mark is
   * cleared. If they are not, the chunks are lost (a committer that removed
   * what it staged after its commit point was applied unheard, before that
   * was prevented): the mark is cleared and the sequence given back, so the
   * webhook is not blocked; its other events and later commits go on.
   */
  async #healPending(id: string, pending: Pending): Promise<void> {
    const row = await this.#rowById(id);
    if (row === undefined || row.pending?.commit !== pending.commit) return;
    const last = pending.from + pending.count - 1;
    const copied = await this.#query({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: {
        ':pk': s(webhookPartition(id)),
        ':first': s(queueSortKey(pending.from)),
        ':last': s(queueSortKey(last)),
      },
      ProjectionExpression: '#pk, #sk',
    });
    const write = new UpdateBuilder();
    write.remove('pendId', 'pendFrom', 'pendN');
    write.condition(`pendId = ${write.value(s(pending.commit))}`);
    if (copied.length !== pending.count) {
      write.name('#seq', 'seq');
      write.condition(`#seq = ${write.value(n(last))}`);
      write.set('#seq', n(pending.from - 1));
      if (row.headSeq >= pending.from) {
        // The queue held nothing before this commit: it is empty again.
        write.condition(`headSeq = ${write.value(n(row.headSeq))}`);
        write.remove('headDueAt');
      }
    }
    await this.#attempt(write.command(this.#table, webhookKey(row.record.account, id)));
    await this.#deleteKeys(
      id,
      Array.from({ length: pending.count }, (_, index) => stagedSortKey(pending.commit, index)),
    );
  }

  /**
   * A cursor pointer whose record is gone. A record is removed only after
   * its pointer moved on, so read again: if the pointer still names it, the
   * record was lost (see #healPending) and the pointer is removed; the
   * mailbox then starts afresh from its state at the next look.
   */
  async #dropDanglingCursor(id: string, key: string, commit: string): Promise<void> {
    const row = await this.#rowById(id);
    if (row === undefined || row.cursors[key] !== commit) return;
    if ((await this.#cursorRecord(id, commit)) !== undefined) return;
    const write = new UpdateBuilder();
    write.name('#mailbox', key);
    write.remove('cur.#mailbox');
    write.condition(`cur.#mailbox = ${write.value(s(commit))}`);
    await this.#attempt(write.command(this.#table, webhookKey(row.record.account, id)));
  }

  // --- reads ----------------------------------------------------------------

  async #row(account: string, id: string): Promise<WebhookRow | undefined> {
    const item = await this.#get(accountKey(account), webhookSortKey(id));
    return item && parseRow(item);
  }

  async #rowById(id: string): Promise<WebhookRow | undefined> {
    const account = await this.#accountOf(id);
    return account === undefined ? undefined : this.#row(account, id);
  }

  async #accountOf(id: string): Promise<string | undefined> {
    const known = this.#accounts.get(id);
    if (known !== undefined) return known;
    const locator = await this.#get(webhookPartition(id), LOCATOR_SORT_KEY);
    const account = locator?.account?.S;
    if (account !== undefined) this.#accounts.set(id, account);
    return account;
  }

  async #cursorRecord(id: string, commit: string): Promise<{ mailbox: string; state: string } | undefined> {
    const item = await this.#get(webhookPartition(id), cursorSortKey(commit));
    if (item === undefined) return undefined;
    return { mailbox: item.mailbox!.S!, state: item.state!.S! };
  }

  /** Chunk `seq` of the queue: staged while its commit is pending, then copied. Undefined: the row read is stale. */
  async #chunk(id: string, row: WebhookRow, seq: number): Promise<Chunk | undefined> {
    const { pending } = row;
    if (pending !== null && seq >= pending.from) {
      const staged = await this.#get(webhookPartition(id), stagedSortKey(pending.commit, seq - pending.from));
      if (staged !== undefined) return parseChunk(staged);
    }
    const item = await this.#get(webhookPartition(id), queueSortKey(seq));
    return item && parseChunk(item);
  }

  /** The first `limit` queued events, or undefined when the queue moved while it was read. */
  async #readQueue(id: string, row: WebhookRow, limit: number): Promise<QueuedEvent[] | undefined> {
    const out: QueuedEvent[] = [];
    const lastCopied = row.pending === null ? row.seq : row.pending.from - 1;
    let expected = row.headSeq;
    const take = (seq: number, chunk: Chunk): boolean => {
      const start = seq === row.headSeq ? row.headIndex : 0;
      for (let index = start; index < chunk.events.length && out.length < limit; index += 1) {
        const event = chunk.events[index]!;
        out.push(
          seq === row.headSeq && index === row.headIndex
            ? headQueued(row, event, chunk.queuedAt)
            : fresh(event, chunk.queuedAt),
        );
      }
      return out.length >= limit;
    };
    if (expected <= lastCopied) {
      let startKey: Item | undefined;
      do {
        const page = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            ConsistentRead: true,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: {
              ':pk': s(webhookPartition(id)),
              ':from': s(queueSortKey(row.headSeq)),
              ':to': s(queueSortKey(lastCopied)),
            },
            ExclusiveStartKey: startKey,
            Limit: Math.min(limit, 1000),
          }),
        );
        for (const item of page.Items ?? []) {
          const seq = Number(item[SK]!.S!.slice('QUEUE#'.length));
          if (seq !== expected) return undefined;
          expected += 1;
          if (take(seq, parseChunk(item))) return out;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      if (expected !== lastCopied + 1) return undefined;
    }
    for (let seq = expected; seq <= row.seq; seq += 1) {
      const chunk = await this.#chunk(id, row, seq);
      if (chunk === undefined) return undefined;
      if (take(seq, chunk)) return out;
    }
    return out;
  }

  /** The `active` index, which needs to project only `ACTIVE_INDEX_ATTRIBUTES`. */
  async #scanActive(segment: number, segments: number): Promise<ActiveRow[]> {
    const rows: ActiveRow[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          IndexName: ACTIVE_INDEX,
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) rows.push(parseActive(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return rows.filter((row) => row.record.status !== 'disabled');
  }

  async #get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { [PK]: s(pk), [SK]: s(sk) },
        ConsistentRead: true,
      }),
    );
    return result.Item;
  }

  async #query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          ...input,
          TableName: this.#table,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  // --- writes ---------------------------------------------------------------

  /** Removes every item of the webhook's partition, its locator last (so a cut-short delete can be finished). */
  async #purge(id: string): Promise<void> {
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          ConsistentRead: true,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': s(webhookPartition(id)) },
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []).map((item) => item[SK]!.S!).filter((sk) => sk !== LOCATOR_SORT_KEY);
      await this.#deleteKeys(id, keys);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    await this.#deleteKeys(id, [LOCATOR_SORT_KEY]);
    this.#accounts.delete(id);
  }

  async #deleteKeys(id: string, sortKeys: string[]): Promise<void> {
    await this.#batchWrite(
      sortKeys.map((sk) => ({ DeleteRequest: { Key: { [PK]: s(webhookPartition(id)), [SK]: s(sk) } } })),
    );
  }

  /** BatchWriteItem in pages of 25, sending unprocessed requests again a bounded number of times. */
  async #batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending = requests.slice(start, start + 25);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt >= 8) throw new WebhookStoreError('the table kept leaving batch writes unprocessed');
        if (attempt > 0) await backoff(attempt);
        const result = await this.#client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.#table]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.#table] ?? [];
      }
    }
  }

  /** Sends a conditional write: false when its condition failed, and only then. */
  async #conditional(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    try {
      if (command instanceof PutItemCommand) await this.#client.send(command);
      else if (command instanceof UpdateItemCommand) await this.#client.send(command);
      else await this.#client.send(command);
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Sends a conditional write. `rejected`: its condition failed on the one
   * request sent; `uncertain`: it failed on a retry the client made, so an
   * earlier try may have been applied without its answer arriving.
   */
  async #attempt(command: UpdateItemCommand | DeleteItemCommand): Promise<Attempt> {
    try {
      if (command instanceof UpdateItemCommand) await this.#client.send(command);
      else await this.#client.send(command);
      return 'applied';
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      return attempts > 1 ? 'uncertain' : 'rejected';
    }
  }

  /**
   * Sends a revision of the webhook item (`setRecord`): true when it was
   * made, including when the client's retry was refused because its first
   * try had been (the item then carries this write's id).
   */
  async #revise(write: UpdateBuilder, key: Item): Promise<boolean> {
    const result = await this.#attempt(write.command(this.#table, key));
    if (result !== 'uncertain') return result === 'applied';
    const item = await this.#get(key[PK]!.S!, key[SK]!.S!);
    return item?.writeId?.S === write.writeId;
  }

  #op<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new WebhookStoreError('the webhook store is closed'));
    const running = run();
    this.#inFlight.add(running);
    running.then(
      () => this.#inFlight.delete(running),
      () => this.#inFlight.delete(running),
    );
    return running;
  }
}

/** Builds one UpdateItem: SET/REMOVE clauses, a condition, and their placeholders. */
class UpdateBuilder {
  /** Stored by `setRecord`, so a write whose answer was lost can be recognised as made. */
  readonly writeId = randomBytes(12).toString('hex');
  readonly #sets: string[] = [];
  readonly #removes: string[] = [];
  readonly #conditions: string[] = [];
  readonly #names: Record<string, string> = { '#pk': PK };
  readonly #values: Record<string, AttributeValue> = {};

  name(placeholder: string, name: string): void {
    this.#names[placeholder] = name;
  }

  value(value: AttributeValue): string {
    const placeholder = `:v${Object.keys(this.#values).length}`;
    this.#values[placeholder] = value;
    return placeholder;
  }

  set(path: string, value: AttributeValue): void {
    this.#sets.push(`${path} = ${this.value(value)}`);
  }

  setExpression(path: string, expression: string): void {
    this.#sets.push(`${path} = ${expression}`);
  }

  setOrRemove(path: string, value: string | null): void {
    if (value === null) this.remove(path);
    else this.set(path, s(value));
  }

  remove(...paths: string[]): void {
    this.#removes.push(...paths);
  }

  condition(expression: string): void {
    this.#conditions.push(`(${expression})`);
  }

  /** The record, a new revision (conditioned on the one read), and its place in the `active` index. */
  setRecord(record: WebhookRecord, rev: number): void {
    this.set('rec', s(JSON.stringify(record)));
    this.revise(rev);
    this.name('#active', ACTIVE);
    if (record.status === 'disabled') this.remove('#active');
    else this.set('#active', s(record.account));
  }

  /** A new revision (conditioned on the one read) that leaves the record as it is. */
  revise(rev: number): void {
    this.set('rev', n(rev + 1));
    this.set('writeId', s(this.writeId));
    this.condition(`rev = ${this.value(n(rev))}`);
  }

  hasChanges(): boolean {
    return this.#sets.length > 0 || this.#removes.length > 0;
  }

  command(table: string, key: Item): UpdateItemCommand {
    const clauses = [];
    if (this.#sets.length > 0) clauses.push(`SET ${this.#sets.join(', ')}`);
    if (this.#removes.length > 0) clauses.push(`REMOVE ${this.#removes.join(', ')}`);
    const names = { ...this.#names };
    const text = `${clauses.join(' ')} ${this.#conditions.join(' ')}`;
    for (const placeholder of Object.keys(names)) if (!text.includes(placeholder)) delete names[placeholder];
    return new UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: clauses.join(' '),
      ConditionExpression: this.#conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ...(Object.keys(this.#values).length > 0 ? { ExpressionAttributeValues: this.#values } : {}),
    });
  }
}

function s(value: string): AttributeValue {
  return { S: value };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function webhookKey(account: string, id: string): Item {
  return { [PK]: s(accountKey(account)), [SK]: s(webhookSortKey(id)) };
}

function optionalString(value: AttributeValue | undefined): string | null {
  return value?.S ?? null;
}

function parseRow(item: Item): WebhookRow {
  const pendId = item.pendId?.S;
  const cursors: Record<string, string> = {};
  for (const [key, value] of Object.entries(item.cur?.M ?? {}))
    if (value.S !== undefined) cursors[key] = value.S;
  return {
    record: JSON.parse(item.rec!.S!) as WebhookRecord,
    rev: Number(item.rev!.N),
    seq: Number(item.seq!.N),
    headSeq: Number(item.headSeq!.N),
    headIndex: Number(item.headIndex!.N),
    headAttempts: Number(item.headAttempts!.N),
    headFirstFailureAt: optionalString(item.headFirstFailureAt),
    headNextAttemptAt: optionalString(item.headNextAttemptAt),
    headDueAt: optionalString(item.headDueAt),
    cursors,
    pending:
      pendId === undefined
        ? null
        : { commit: pendId, from: Number(item.pendFrom!.N), count: Number(item.pendN!.N) },
  };
}

function queueItem(id: string, seq: number, events: string, queuedAt: string): Item {
  return { [PK]: s(webhookPartition(id)), [SK]: s(queueSortKey(seq)), ev: s(events), at: s(queuedAt) };
}

function parseActive(item: Item): ActiveRow {
  return {
    record: JSON.parse(item.rec!.S!) as WebhookRecord,
    headDueAt: optionalString(item.headDueAt),
    headNextAttemptAt: optionalString(item.headNextAttemptAt),
  };
}

function parseChunk(item: Item): Chunk {
  return { events: JSON.parse(item.ev!.S!) as WebhookEvent[], queuedAt: item.at!.S! };
}

/** A staged chunk of commit `commit`: its events and their queued time. */
function stagedItem(
  id: string,
  commit: string,
  index: number,
  events: WebhookEvent[],
  queuedAt: string,
): Item {
  return {
    [PK]: s(webhookPartition(id)),
    [SK]: s(stagedSortKey(commit, index)),
    ev: s(JSON.stringify(events)),
    at: s(queuedAt),
  };
}

function isEmpty(row: WebhookRow): boolean {
  return row.headSeq > row.seq;
}

function isDue(row: ActiveRow, at: string): boolean {
  if (row.headDueAt === null) return false;
  return row.headNextAttemptAt === null || Date.parse(row.headNextAttemptAt) <= Date.parse(at);
}

function headQueued(row: WebhookRow, event: WebhookEvent, queuedAt: string): QueuedEvent {
  return {
    event,
    attempts: row.headAttempts,
    firstFailureAt: row.headFirstFailureAt,
    nextAttemptAt: row.headNextAttemptAt,
    queuedAt,
  };
}

function fresh(event: WebhookEvent, queuedAt: string): QueuedEvent {
  return { event, attempts: 0, firstFailureAt: null, nextAttemptAt: null, queuedAt };
}

/** Events in chunks of about QUEUE_CHUNK_TARGET_BYTES; an event no item can hold refuses the whole commit. */
export function packEvents(events: WebhookEvent[]): WebhookEvent[][] {
  const chunks: WebhookEvent[][] = [];
  let current: WebhookEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (size > MAX_EVENT_BYTES) {
      throw new WebhookCommitTooLargeError(
        `an event of ${size} bytes is over the ${MAX_EVENT_BYTES} bytes one queue item holds`,
      );
    }
    if (current.length > 0 && bytes + size > QUEUE_CHUNK_TARGET_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The key of a mailbox in the webhook item's cursor map: a digest, so any path fits. */
function mailboxKey(mailbox: string): string {
  return createHash('sha256').update(mailbox).digest('hex').slice(0, 32);
}

function createCommitId(): string {
  return randomBytes(12).toString('hex');
}

function byCreation(a: WebhookRecord, b: WebhookRecord): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

function contention(what: string): WebhookStoreContentionError {
  return new WebhookStoreContentionError(
    `${what} lost its conditional write ${MAX_CONDITIONAL_ATTEMPTS} times to concurrent changes`,
  );
}

async function backoff(attempt: number): Promise<void> {
  await sleep(Math.random() * Math.min(100, 2 ** Math.min(attempt, 7)));
}
