import { createEvent, type WebhookEvent } from '../../../lib/webhooks/events.js';
import { buildSummary } from './store-builders.js';

/**
 * What local-store-child.ts commits in its loop, so the crash test can tell
 * exactly which events each acknowledged commit queued: commit `n` of a
 * mailbox sets its cursor to `n` and queues `eventsInCommit(n)` events with
 * uids `uidOf(n, 0…)`.
 */

export const CRASH_MAILBOXES = ['INBOX', 'Sent', 'Archive/2026', 'Grüße'];

/** How many events commit `n` of a mailbox queues (1 to 3). */
export function eventsInCommit(n: number): number {
  return 1 + ((n - 1) % 3);
}

/** The uid of the `index`th event of commit `n`. */
export function uidOf(n: number, index: number): number {
  return n * 10 + index;
}

/** Every event's uid that commits 1…`n` queue, in order. */
export function uidsUpTo(n: number): number[] {
  const uids: number[] = [];
  for (let c = 1; c <= n; c += 1) for (let i = 0; i < eventsInCommit(c); i += 1) uids.push(uidOf(c, i));
  return uids;
}

/**
 * The events of commit `n`. `padding` bytes of references make each event
 * that much larger, so that a write takes long enough for a kill to land
 * in the middle of it.
 */
export function eventsFor(mailbox: string, n: number, padding = 0): WebhookEvent[] {
  return Array.from({ length: eventsInCommit(n) }, (_, index) =>
    createEvent('message.created', {
      account: 'acme',
      mailbox,
      state: String(n),
      message: {
        ...buildSummary(uidOf(n, index), mailbox),
        references: padding > 0 ? ['x'.repeat(padding)] : [],
      },
    }),
  );
}
