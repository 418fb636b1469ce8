import { randomBytes } from 'node:crypto';
import type { EventType, WebhookEvent } from './events.js';

/**
 * The webhook storage port: subscriptions, the state each watched mailbox's
 * events were computed up to (its cursor), and each subscription's delivery
 * queue. The local server's store (local-store/) and the DynamoDB adapter
 * implement it; the routes, the watcher and the deliverer only see this.
 *
 * The guarantee it exists for (issue #12): a cursor advances only together
 * with the events computed up to it (`commitChanges`), so a crash either
 * keeps both or neither, and two watchers never both advance one cursor.
 * Every method that resolves has made its change durable.
 */

export type WebhookStatus = 'active' | 'failing' | 'disabled';

export interface WebhookRecord {
  /** `wh_` and 24 hex digits (96 random bits). */
  id: string;
  account: string;
  url: string;
  /** As the client gave them: paths or `~role`s (the watcher resolves roles). */
  mailboxes: string[];
  events: EventType[];
  /** The `whsec_…` signing key. A secret: never logged, shown to the client only at creation. */
  secret: string;
  status: WebhookStatus;
  /** Why the last delivery attempt failed (a safe, fixed phrase: see deliver.ts); null once one succeeds. */
  lastError: string | null;
  /** ISO 8601: when a `failing` webhook's head event is tried again. */
  nextRetryAt: string | null;
  /** Why a `disabled` webhook was disabled. */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewWebhook = Pick<WebhookRecord, 'account' | 'url' | 'mailboxes' | 'events' | 'secret'>;

/**
 * What `update` may change. Setting `status: "active"` on a webhook that is
 * not active re-enables it: `lastError`, `nextRetryAt` and `disabledReason`
 * are cleared (unless the patch sets them) and its queued events start
 * afresh (due now, no failures counted), so a receiver back after a day is
 * not disabled again by its first failure.
 */
export type WebhookPatch = Partial<
  Pick<
    WebhookRecord,
    'url' | 'mailboxes' | 'events' | 'status' | 'lastError' | 'nextRetryAt' | 'disabledReason'
  >
> & {
  /**
   * Mailbox paths whose cursors stay; every other cursor of the webhook is
   * dropped in the same change (its queued events stay). Given with new
   * `mailboxes` (the paths they resolve to), so a mailbox removed and later
   * named again starts from then instead of replaying what arrived in
   * between. Not a field of the record; a patch with nothing else changes
   * only cursors and leaves the record (and `updatedAt`) as it was.
   */
  keepCursors?: readonly string[];
};

/** An event in a webhook's queue. */
export interface QueuedEvent {
  /** As it was queued: its id is the `webhook-id` of every attempt, `eventPayload(event)` its body. */
  event: WebhookEvent;
  /** Failed attempts in a row (the `attempt` that `nextRetry` takes, before this one). */
  attempts: number;
  /** ISO 8601: when the first of those failures happened; null while none has. */
  firstFailureAt: string | null;
  /** ISO 8601: not to be tried before then; null when due at once. */
  nextAttemptAt: string | null;
  queuedAt: string;
}

/** What the watcher computed for one mailbox since its stored state. */
export interface CursorChange {
  /** The state the events were computed from: the stored one, or null when none is stored yet. */
  expectedState: string | null;
  /** The mailbox's state after these events. */
  nextState: string;
  /** In order; may be empty (the state moved with nothing to tell, or a first look). */
  events: WebhookEvent[];
}

/** One event to attempt now, with the webhook it goes to (its URL and secret). */
export interface DueDelivery {
  webhook: WebhookRecord;
  queued: QueuedEvent;
}

export type FailureOutcome =
  /** Try again at `nextAttemptAt`; the webhook becomes `failing`. */
  | { error: string; nextAttemptAt: Date }
  /** Give up: the webhook becomes `disabled` with `reason`; its queue and cursors are kept. */
  | { disable: string; error?: string };

export interface WebhookRepository {
  create(input: NewWebhook): Promise<WebhookRecord>;
  /** Undefined for an unknown id and for another account's. */
  get(account: string, id: string): Promise<WebhookRecord | undefined>;
  /** The account's webhooks, oldest first. */
  list(account: string): Promise<WebhookRecord[]>;
  /** The updated record; undefined (and nothing changed) for an unknown id or another account's. */
  update(account: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | undefined>;
  /** Deletes the webhook with its cursors and its queue. False for an unknown id or another account's. */
  delete(account: string, id: string): Promise<boolean>;
  /** Every account's webhooks that are not disabled: what the watcher watches. */
  listActive(): Promise<WebhookRecord[]>;

  getCursor(webhookId: string, mailbox: string): Promise<string | undefined>;
  /** Every mailbox path with a stored state, for one webhook. */
  listCursors(webhookId: string): Promise<Record<string, string>>;
  /**
   * Appends `events` to the webhook's queue and sets the mailbox's cursor
   * to `nextState`, both or neither, if the stored state still equals
   * `expectedState` (a compare-and-set: of two watchers that computed from
   * the same state, one wins). False, with nothing changed, when the state
   * moved or the webhook is gone.
   */
  commitChanges(webhookId: string, mailbox: string, change: CursorChange): Promise<boolean>;
  /** Appends events that belong to no cursor (a `ping`). False when the webhook is gone. */
  enqueue(webhookId: string, events: WebhookEvent[]): Promise<boolean>;
  /** The webhook's queue in order, at most `limit` events from the head. */
  listQueued(webhookId: string, limit: number): Promise<QueuedEvent[]>;

  /**
   * The head event of each webhook that is not disabled and whose head is
   * due at `now`, earliest due first, at most `limit`. Only heads: an event
   * is attempted after the one before it is delivered, so each webhook's
   * events arrive in order.
   */
  nextDue(now: Date, limit: number): Promise<DueDelivery[]>;
  /** Removes the head event if it is `eventId`; a `failing` webhook becomes `active`. False otherwise. */
  markDelivered(webhookId: string, eventId: string): Promise<boolean>;
  /** Counts a failed attempt of the head event `eventId` (false if it is not the head). */
  markFailed(webhookId: string, eventId: string, outcome: FailureOutcome): Promise<boolean>;

  /** Waits for writes in flight and releases the store; later calls fail. */
  close(): Promise<void>;
}

export const WEBHOOK_ID_PATTERN = /^wh_[0-9a-f]{24}$/;

/** A new webhook id: `wh_` and 96 random bits in hex. */
export function createWebhookId(): string {
  return `wh_${randomBytes(12).toString('hex')}`;
}

/** A new webhook's record: active, no failures, created and updated `at` (ISO 8601). Every adapter's `create` makes it so. */
export function newWebhookRecord(id: string, input: NewWebhook, at: string): WebhookRecord {
  return {
    id,
    account: input.account,
    url: input.url,
    mailboxes: [...input.mailboxes],
    events: [...input.events],
    secret: input.secret,
    status: 'active',
    lastError: null,
    nextRetryAt: null,
    disabledReason: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** Whether `value` has the form of a webhook id (a route's path parameter, before asking a store). */
export function isWebhookId(value: string): boolean {
  return WEBHOOK_ID_PATTERN.test(value);
}
