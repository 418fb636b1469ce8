import { afterDelivery, afterFailure } from '../delivery-transitions.js';
import type { WebhookEvent } from '../events.js';
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
  type WebhookRepository,
} from '../repository.js';
import type { DirectoryLock } from './directory-lock.js';
import type { Entry } from './entries.js';
import type { Journal } from './journal.js';
import type { WebhookState } from './state.js';

/**
 * The local server's webhook store: everything in memory, every change a
 * line appended to a log and fsynced before the call resolves (see
 * `openLocalWebhookStore` for the files).
 *
 * A change is checked against memory and applied there in the same
 * synchronous step as it is appended, so two calls never both pass one
 * check (the compare-and-set of `commitChanges`), and the order in memory is
 * the order in the log. Reads first wait until nothing is waiting to be
 * written, so they never return a change a crash could still lose (under a
 * steady stream of changes a read waits for the first pause).
 */
export class LocalWebhookStore implements WebhookRepository {
  readonly directory: string;
  /** Bytes of an unfinished write cut from the log's end when it was opened (0 after a clean close). */
  readonly discardedBytes: number;
  readonly #state: WebhookState;
  readonly #journal: Journal;
  readonly #lock: DirectoryLock;
  readonly #now: () => Date;

  /** Use `openLocalWebhookStore`. */
  constructor(parts: {
    directory: string;
    discardedBytes: number;
    state: WebhookState;
    journal: Journal;
    lock: DirectoryLock;
    now: () => Date;
  }) {
    this.directory = parts.directory;
    this.discardedBytes = parts.discardedBytes;
    this.#state = parts.state;
    this.#journal = parts.journal;
    this.#lock = parts.lock;
    this.#now = parts.now;
  }

  async create(input: NewWebhook): Promise<WebhookRecord> {
    let id = createWebhookId();
    while (this.#state.slot(id)) id = createWebhookId();
    const at = this.#now().toISOString();
    const webhook = newWebhookRecord(id, input, at);
    await this.#change({ op: 'put', webhook });
    return structuredClone(webhook);
  }

  async get(account: string, id: string): Promise<WebhookRecord | undefined> {
    await this.#journal.settled();
    const record = this.#owned(account, id)?.record;
    return record && structuredClone(record);
  }

  async list(account: string): Promise<WebhookRecord[]> {
    await this.#journal.settled();
    const records = [...this.#state.slots()].map((slot) => slot.record).filter((r) => r.account === account);
    return structuredClone(records.sort(byCreation));
  }

  async update(account: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | undefined> {
    this.#journal.assertOpen();
    const slot = this.#owned(account, id);
    if (slot === undefined) return undefined;
    const current = slot.record;
    const changes: WebhookPatch = {};
    for (const key of PATCHABLE) if (patch[key] !== undefined) Object.assign(changes, { [key]: patch[key] });
    const keep = patch.keepCursors === undefined ? undefined : new Set(patch.keepCursors);
    const dropCursors = keep === undefined ? [] : [...slot.cursors.keys()].filter((path) => !keep.has(path));
    const onlyCursors = keep !== undefined && Object.keys(changes).length === 0;
    if (onlyCursors && dropCursors.length === 0) return structuredClone(current);
    const restart = changes.status === 'active' && current.status !== 'active';
    const webhook: WebhookRecord = onlyCursors
      ? structuredClone(current)
      : {
          ...current,
          ...(restart ? { lastError: null, nextRetryAt: null, disabledReason: null } : {}),
          ...structuredClone(changes),
          updatedAt: this.#now().toISOString(),
        };
    await this.#change({
      op: 'put',
      webhook,
      ...(restart ? { restart } : {}),
      ...(dropCursors.length > 0 ? { dropCursors } : {}),
    });
    return structuredClone(webhook);
  }

  async delete(account: string, id: string): Promise<boolean> {
    this.#journal.assertOpen();
    if (this.#owned(account, id) === undefined) return false;
    await this.#change({ op: 'delete', id });
    return true;
  }

  async listActive(): Promise<WebhookRecord[]> {
    await this.#journal.settled();
    const records = [...this.#state.slots()]
      .map((slot) => slot.record)
      .filter((r) => r.status !== 'disabled');
    return structuredClone(records.sort(byCreation));
  }

  async getCursor(webhookId: string, mailbox: string): Promise<string | undefined> {
    await this.#journal.settled();
    return this.#state.slot(webhookId)?.cursors.get(mailbox);
  }

  async listCursors(webhookId: string): Promise<Record<string, string>> {
    await this.#journal.settled();
    return Object.fromEntries(this.#state.slot(webhookId)?.cursors ?? []);
  }

  async commitChanges(webhookId: string, mailbox: string, change: CursorChange): Promise<boolean> {
    this.#journal.assertOpen();
    if (typeof change.nextState !== 'string') throw new TypeError('nextState must be a string');
    const slot = this.#state.slot(webhookId);
    if (slot === undefined || (slot.cursors.get(mailbox) ?? null) !== change.expectedState) return false;
    const events = this.#queue(change.events);
    await this.#change({ op: 'commit', id: webhookId, mailbox, state: change.nextState, events });
    return true;
  }

  async enqueue(webhookId: string, events: WebhookEvent[]): Promise<boolean> {
    this.#journal.assertOpen();
    if (this.#state.slot(webhookId) === undefined) return false;
    await this.#change({ op: 'commit', id: webhookId, events: this.#queue(events) });
    return true;
  }

  async listQueued(webhookId: string, limit: number): Promise<QueuedEvent[]> {
    await this.#journal.settled();
    return structuredClone(this.#state.slot(webhookId)?.queue.slice(0, Math.max(0, limit)) ?? []);
  }

  async nextDue(now: Date, limit: number): Promise<DueDelivery[]> {
    await this.#journal.settled();
    const at = now.getTime();
    const due: Array<DueDelivery & { dueAt: number }> = [];
    for (const { record, queue } of this.#state.slots()) {
      const head = queue[0];
      if (head === undefined || record.status === 'disabled') continue;
      const dueAt = Date.parse(head.nextAttemptAt ?? head.queuedAt);
      if (head.nextAttemptAt === null || dueAt <= at) due.push({ webhook: record, queued: head, dueAt });
    }
    due.sort((a, b) => a.dueAt - b.dueAt || byCreation(a.webhook, b.webhook));
    return due
      .slice(0, Math.max(0, limit))
      .map(({ webhook, queued }) => structuredClone({ webhook, queued }));
  }

  async markDelivered(webhookId: string, eventId: string): Promise<boolean> {
    this.#journal.assertOpen();
    const slot = this.#state.slot(webhookId);
    if (slot === undefined || slot.queue[0]?.event.id !== eventId) return false;
    const webhook = afterDelivery(slot.record, this.#now().toISOString());
    const delivered = { op: 'delivered', id: webhookId, eventId } as const;
    await this.#change(webhook ? { ...delivered, webhook } : delivered);
    return true;
  }

  async markFailed(webhookId: string, eventId: string, outcome: FailureOutcome): Promise<boolean> {
    this.#journal.assertOpen();
    const slot = this.#state.slot(webhookId);
    const head = slot?.queue[0];
    if (slot === undefined || head === undefined || head.event.id !== eventId) return false;
    const failure = afterFailure(slot.record, head, outcome, this.#now().toISOString());
    await this.#change({ op: 'failed', id: webhookId, eventId, ...failure.head, webhook: failure.webhook });
    return true;
  }

  async close(): Promise<void> {
    try {
      await this.#journal.close();
    } finally {
      await this.#lock.release();
    }
  }

  /** Applies the change in memory and resolves once it is durable. */
  #change(entry: Entry): Promise<void> {
    this.#journal.assertOpen();
    const durable = this.#journal.append(entry);
    this.#state.apply(entry);
    return durable;
  }

  #owned(account: string, id: string) {
    const slot = this.#state.slot(id);
    return slot?.record.account === account ? slot : undefined;
  }

  #queue(events: WebhookEvent[]): QueuedEvent[] {
    const queuedAt = this.#now().toISOString();
    return events.map((event) => ({
      event: structuredClone(event),
      attempts: 0,
      firstFailureAt: null,
      nextAttemptAt: null,
      queuedAt,
    }));
  }
}

const PATCHABLE = [
  'url',
  'mailboxes',
  'events',
  'status',
  'lastError',
  'nextRetryAt',
  'disabledReason',
] as const satisfies ReadonlyArray<keyof WebhookPatch>;

function byCreation(a: WebhookRecord, b: WebhookRecord): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}
