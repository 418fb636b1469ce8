import type { QueuedEvent, WebhookRecord } from '../repository.js';
import { type Entry, encodeEntry } from './entries.js';

/** One webhook and what hangs off it. */
export interface Slot {
  record: WebhookRecord;
  /** Mailbox path → the state its events were computed up to. */
  cursors: Map<string, string>;
  /** Oldest first. */
  queue: QueuedEvent[];
}

/** Queued events per snapshot line: a line stays small however long a queue grows. */
const EVENTS_PER_SNAPSHOT_LINE = 100;

/**
 * The store's current contents, and nothing of their history: replaying the
 * snapshot and then the log through `apply` rebuilds them. `apply` is the
 * only way they change, during replay and at run time alike, so what is in
 * memory is what a restart would read back.
 */
export class WebhookState {
  readonly #slots = new Map<string, Slot>();

  slot(id: string): Slot | undefined {
    return this.#slots.get(id);
  }

  slots(): IterableIterator<Slot> {
    return this.#slots.values();
  }

  /** Applies one entry. Entries for a webhook that is gone change nothing (it was deleted after). */
  apply(entry: Entry): void {
    switch (entry.op) {
      case 'put': {
        const slot = this.#slots.get(entry.webhook.id);
        if (slot === undefined) {
          this.#slots.set(entry.webhook.id, { record: entry.webhook, cursors: new Map(), queue: [] });
          return;
        }
        slot.record = entry.webhook;
        for (const mailbox of entry.dropCursors ?? []) slot.cursors.delete(mailbox);
        if (entry.restart) {
          for (const queued of slot.queue) {
            queued.attempts = 0;
            queued.firstFailureAt = null;
            queued.nextAttemptAt = null;
          }
        }
        return;
      }
      case 'delete':
        this.#slots.delete(entry.id);
        return;
      case 'commit': {
        const slot = this.#slots.get(entry.id);
        if (slot === undefined) return;
        if (entry.mailbox !== undefined && entry.state !== undefined) {
          slot.cursors.set(entry.mailbox, entry.state);
        }
        for (const queued of entry.events) slot.queue.push(queued);
        return;
      }
      case 'delivered': {
        const slot = this.#slots.get(entry.id);
        if (slot === undefined || slot.queue[0]?.event.id !== entry.eventId) return;
        slot.queue.shift();
        if (entry.webhook) Object.assign(slot.record, entry.webhook);
        return;
      }
      case 'failed': {
        const slot = this.#slots.get(entry.id);
        const head = slot?.queue[0];
        if (slot === undefined || head?.event.id !== entry.eventId) return;
        head.attempts = entry.attempts;
        head.firstFailureAt = entry.firstFailureAt;
        head.nextAttemptAt = entry.nextAttemptAt;
        Object.assign(slot.record, entry.webhook);
        return;
      }
      case 'snapshot':
      case 'end':
        return;
    }
  }

  /**
   * The contents as snapshot lines: the header, entries that rebuild every
   * webhook, its cursors and its queue, and a trailer counting them. Made
   * in one synchronous pass, so it is the state at one instant.
   */
  snapshotLines(generation: number): string[] {
    const lines = [encodeEntry({ op: 'snapshot', version: 1, generation })];
    for (const { record, cursors, queue } of this.#slots.values()) {
      lines.push(encodeEntry({ op: 'put', webhook: record }));
      for (const [mailbox, state] of cursors) {
        lines.push(encodeEntry({ op: 'commit', id: record.id, mailbox, state, events: [] }));
      }
      for (let i = 0; i < queue.length; i += EVENTS_PER_SNAPSHOT_LINE) {
        const events = queue.slice(i, i + EVENTS_PER_SNAPSHOT_LINE);
        lines.push(encodeEntry({ op: 'commit', id: record.id, events }));
      }
    }
    lines.push(encodeEntry({ op: 'end', lines: lines.length }));
    return lines;
  }
}
