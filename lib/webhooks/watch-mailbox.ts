import { MailgateError, UnsupportedOperationError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import type { MailStore } from '../mail/store.js';
import { MAILBOX_ROLES, type MailboxRef, type MailboxRole } from '../mail/types.js';
import type { ChangeSet } from '../mail/writes.js';
import type { CheckMailboxResult } from './check-result.js';
import { createEvent, type EventType, type WebhookEvent } from './events.js';
import type { WebhookRecord, WebhookRepository } from './repository.js';
import { checkPop3Mailbox, hasUidlListing } from './watch-pop3.js';

/**
 * The change-to-events step of the watcher: for one webhook and one of its
 * mailboxes, what changed since the stored cursor becomes queued events,
 * and the cursor moves with them in one compare-and-set
 * (`commitChanges`). The loop that decides when to call it (IDLE, NOTIFY,
 * polling) lives elsewhere; this does one look and returns.
 */

/** Changes asked for per `changes` call, and so about the events per commit (see `maxChanges`). */
export const DEFAULT_MAX_CHANGES_PER_COMMIT = 500;
/** Pages committed in one call at most; the next call goes on from the cursor. */
export const DEFAULT_MAX_PAGES_PER_CHECK = 20;

export interface CheckMailboxInput {
  repository: WebhookRepository;
  /** An open store for the webhook's account; the caller closes it. */
  store: MailStore;
  webhook: WebhookRecord;
  /** As the webhook names it (`INBOX`, `~inbox`, `~~path`), or already parsed. */
  mailbox: string | MailboxRef;
  logger: Logger;
  /**
   * Asked of `changes` per page. A page is never cut inside one modification
   * sequence (docs/SYNC.md), so a commit can hold more events than this
   * when one STORE or APPEND touched more messages.
   */
  maxChanges?: number;
  maxPages?: number;
  now?: () => Date;
}

export type { CheckMailboxResult } from './check-result.js';

/** A webhook's mailbox entry as a reference: `~role`, `~~path` for a path starting with `~`, else a path. */
export function webhookMailboxRef(name: string): MailboxRef {
  if (name.startsWith('~~')) return { kind: 'path', path: name.slice(1) };
  if (name.startsWith('~')) {
    const role = name.slice(1);
    if ((MAILBOX_ROLES as readonly string[]).includes(role))
      return { kind: 'role', role: role as MailboxRole };
  }
  return { kind: 'path', path: name };
}

/**
 * Looks at one mailbox for one webhook and commits what it finds:
 *
 * - no cursor yet: the cursor is set to the mailbox's current state with no
 *   events (a new subscription starts from now, not from the history);
 * - else `changes` since the cursor, page by page: `message.created` (with
 *   the list summary), `message.updated` (id, flags), one `message.deleted`
 *   (ids), only the types the webhook subscribed to, each page committed
 *   with the state it reaches;
 * - the state expired (UIDVALIDITY changed, or a state the server no longer
 *   knows): one `mailbox.reset` and the cursor moved to the current state.
 *
 * A POP3 maildrop has no state: its cursor is the set of UIDLs seen, and
 * a look diffs it against the server's UIDL listing (watch-pop3.ts), with
 * `message.created` and `message.deleted` only and `state: null`.
 *
 * When `commitChanges` answers false another watcher moved the cursor
 * first; this one stops there, having queued nothing for that page.
 *
 * @throws UnsupportedOperationError when the mailbox has no state and no
 *   UIDL listing (an IMAP server without CONDSTORE), when a POP3 server has
 *   no UIDL, or when a POP3 maildrop's UIDLs do not fit in a cursor.
 * @throws the store's domain errors (MailboxNotFoundError, upstream errors) otherwise.
 */
export async function checkMailbox(input: CheckMailboxInput): Promise<CheckMailboxResult> {
  const { repository, store, webhook } = input;
  const maxChanges = input.maxChanges ?? DEFAULT_MAX_CHANGES_PER_COMMIT;
  const maxPages = input.maxPages ?? DEFAULT_MAX_PAGES_PER_CHECK;
  const now = input.now ?? (() => new Date());
  const ref = typeof input.mailbox === 'string' ? webhookMailboxRef(input.mailbox) : input.mailbox;

  const status = await store.getMailbox(ref);
  const path = status.path;
  const logger = input.logger.child({ webhook: webhook.id, mailbox: path });
  const at: MailboxRef = { kind: 'path', path };
  const wanted = new Set<EventType>(webhook.events);

  let cursor = await repository.getCursor(webhook.id, path);
  if (status.state === null && hasUidlListing(store)) {
    return checkPop3Mailbox({
      repository,
      store,
      webhookId: webhook.id,
      account: webhook.account,
      mailbox: path,
      total: status.total,
      cursor,
      wanted,
      logger,
      maxChanges,
      maxPages,
      now,
    });
  }
  if (cursor === undefined) {
    const state = requireState(status.state, path);
    const done = await repository.commitChanges(webhook.id, path, {
      expectedState: null,
      nextState: state,
      events: [],
    });
    logger.debug(done ? 'webhook cursor started' : 'webhook cursor started elsewhere');
    return { committed: 0, reset: false };
  }

  let committed = 0;
  for (let page = 0; page < maxPages; page += 1) {
    let changes: ChangeSet;
    try {
      changes = await store.changes(at, cursor, { maxChanges });
    } catch (error) {
      if (!isStateExpired(error)) throw error;
      return { committed: committed + (await reset(input, at, cursor, wanted, now(), logger)), reset: true };
    }
    const events = changeEvents(webhook.account, path, changes, wanted, now());
    if (changes.state === cursor && events.length === 0) break;
    const done = await repository.commitChanges(webhook.id, path, {
      expectedState: cursor,
      nextState: changes.state,
      events,
    });
    if (!done) {
      logger.debug('webhook cursor moved by another watcher');
      break;
    }
    committed += events.length;
    if (!changes.removedComplete) logger.debug('removals not reported by this server (no QRESYNC)');
    if (events.length > 0) logger.debug('webhook events queued', { events: events.length });
    cursor = changes.state;
    if (!changes.hasMore) break;
  }
  return { committed, reset: false };
}

/** The state expired: one `mailbox.reset` (if subscribed) and the cursor at the mailbox's current state. */
async function reset(
  input: CheckMailboxInput,
  at: MailboxRef,
  cursor: string,
  wanted: ReadonlySet<EventType>,
  time: Date,
  logger: Logger,
): Promise<number> {
  const status = await input.store.getMailbox(at);
  const state = requireState(status.state, status.path);
  const events = wanted.has('mailbox.reset')
    ? [createEvent('mailbox.reset', { account: input.webhook.account, mailbox: status.path, state }, time)]
    : [];
  const done = await input.repository.commitChanges(input.webhook.id, status.path, {
    expectedState: cursor,
    nextState: state,
    events,
  });
  logger.warn(
    done ? 'webhook cursor reset: the stored state expired' : 'webhook cursor reset by another watcher',
  );
  return done ? events.length : 0;
}

/** One page of changes as events, in the order created, updated, deleted, all carrying the page's state. */
function changeEvents(
  account: string,
  mailbox: string,
  changes: ChangeSet,
  wanted: ReadonlySet<EventType>,
  time: Date,
): WebhookEvent[] {
  const base = { account, mailbox, state: changes.state };
  const events: WebhookEvent[] = [];
  if (wanted.has('message.created')) {
    for (const message of changes.created)
      events.push(createEvent('message.created', { ...base, message }, time));
  }
  if (wanted.has('message.updated')) {
    for (const { id, flags } of changes.updated) {
      events.push(createEvent('message.updated', { ...base, id, flags }, time));
    }
  }
  if (wanted.has('message.deleted') && changes.removed.length > 0) {
    events.push(createEvent('message.deleted', { ...base, ids: [...changes.removed] }, time));
  }
  return events;
}

function requireState(state: string | null, path: string): string {
  if (state === null) {
    throw new UnsupportedOperationError(
      `The mailbox ${JSON.stringify(path)} has no change state (POP3, or a server without CONDSTORE), so it cannot be watched.`,
    );
  }
  return state;
}

function isStateExpired(error: unknown): boolean {
  return error instanceof MailgateError && error.code === 'state_expired';
}
