import { randomBytes } from 'node:crypto';
import type { MessageSummary } from '../mail/types.js';

/**
 * What a webhook delivers. The body is `{"type", "timestamp", "data"}` and
 * nothing else; the event's id travels in the `webhook-id` header (Standard
 * Webhooks), so a receiver deduplicates retries by it.
 */

export const EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'mailbox.reset',
  'ping',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a subscription receives when it names no events: every mail event; `ping` is sent on request only. */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter((type) => type !== 'ping');

/** Where a mail event happened, and the mailbox's state after it (for `changes` since then). */
export interface MailboxEventData {
  account: string;
  /** The mailbox's full path (never a role: roles are resolved before watching). */
  mailbox: string;
  /** The opaque state token after this change, as `changes`/`wait` take it; null where there is none. */
  state: string | null;
}

export interface EventDataByType {
  /** The summary is the one the message list answers, so most receivers need not call back. */
  'message.created': MailboxEventData & { message: MessageSummary };
  'message.updated': MailboxEventData & { id: string; flags: string[] };
  'message.deleted': MailboxEventData & { ids: string[] };
  /** UIDVALIDITY changed or the stored state was lost: the receiver resynchronises. */
  'mailbox.reset': MailboxEventData;
  /** `webhook` is the subscription's id, so a receiver serving several can tell which one is tested. */
  ping: { account: string; webhook: string };
}

/** The JSON body a receiver gets. */
export type WebhookEventBody = {
  [T in EventType]: { type: T; timestamp: string; data: EventDataByType[T] };
}[EventType];

/** An event as the queue keeps it: the id is stored with it and sent unchanged on every retry. */
export type WebhookEvent = WebhookEventBody & { id: string };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** `msg_` and 26 Crockford base32 characters (a ULID: 48-bit milliseconds, then 80 random bits). */
export const EVENT_ID_PATTERN = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;

export function isEventId(value: string): boolean {
  return EVENT_ID_PATTERN.test(value);
}

/**
 * A new event id: unique (80 random bits per millisecond) and sorting by the
 * millisecond it was made in. Made once when the event is queued and stored
 * with it; a retry must reuse it, never make another.
 */
export function createEventId(
  now: Date = new Date(),
  random: (bytes: number) => Buffer = randomBytes,
): string {
  let time = now.getTime();
  if (!Number.isSafeInteger(time) || time < 0 || time >= 2 ** 48) throw new RangeError('time out of range');
  let head = '';
  for (let i = 0; i < TIME_CHARS; i += 1) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  // 80 bits are exactly 16 characters of 5 bits.
  const bytes = random(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < RANDOM_CHARS; i += 1) {
    tail = CROCKFORD[Number(bits & 31n)] + tail;
    bits >>= 5n;
  }
  return `msg_${head}${tail}`;
}

/**
 * An event to queue: a fresh id, `timestamp` when it happened (ISO 8601,
 * UTC). The timestamp belongs to the event and is the same on every retry;
 * the signature's `webhook-timestamp` is the time of each attempt.
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventDataByType[T],
  now: Date = new Date(),
): WebhookEvent {
  return { id: createEventId(now), type, timestamp: now.toISOString(), data } as WebhookEvent;
}

/**
 * The exact bytes that are signed and sent: the body's three keys in a fixed
 * order, never the id. Pure: an event read back from a store gives the same
 * text as when it was queued.
 */
export function eventPayload(event: WebhookEvent | WebhookEventBody): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
