import { UnsupportedOperationError, UpstreamUnavailableError } from '../mail/errors.js';
import { encodePop3MessageId } from '../mail/ids.js';
import type { Logger } from '../mail/logger.js';
import { isAcceptedUidl } from '../mail/pop3-uidl.js';
import type { MailStore } from '../mail/store.js';
import type { MessageSummary } from '../mail/types.js';
import type { CheckMailboxResult } from './check-result.js';
import { createEvent, type EventType, type WebhookEvent } from './events.js';
import {
  decodePop3Cursor,
  encodePop3Cursor,
  MAX_POP3_WATCHED_MESSAGES,
  Pop3CursorTooLargeError,
} from './pop3-cursor.js';
import type { WebhookRepository } from './repository.js';

/**
 * Watching a POP3 maildrop: POP3 has no change state (RFC 1939), so a look
 * diffs the server's UIDL listing against the UIDLs the cursor holds
 * (pop3-cursor.ts). UIDLs new since the cursor are `message.created`, with
 * the summary the message list gives; UIDLs gone are `message.deleted`,
 * with the message ids the API uses for them. POP3 events carry
 * `state: null`, as the mailbox's own status does: there is no state a
 * client could pass to `changes`.
 */

/** What a store offers for a UIDL diff beyond the MailStore port (the POP3 store has it). */
export interface UidlListingSource {
  /** Every message's UIDL with its number in this session. @throws UnsupportedOperationError without UIDL */
  uidlListing(): Promise<Array<{ number: number; uid: string }>>;
  /** The list summaries of messages by number in this session, in the order asked. */
  summariesByNumber(numbers: readonly number[]): Promise<MessageSummary[]>;
}

export function hasUidlListing(store: MailStore): store is MailStore & UidlListingSource {
  const candidate = store as Partial<UidlListingSource>;
  return typeof candidate.uidlListing === 'function' && typeof candidate.summariesByNumber === 'function';
}

export interface CheckPop3Input {
  repository: WebhookRepository;
  store: UidlListingSource;
  webhookId: string;
  account: string;
  /** The mailbox's path (POP3 has only INBOX). */
  mailbox: string;
  /** Messages in the maildrop (STAT), as getMailbox reported them: past the cap the UIDLs are not even read. */
  total: number;
  /** The stored cursor, read before the listing; undefined when none is stored yet. */
  cursor: string | undefined;
  wanted: ReadonlySet<EventType>;
  logger: Logger;
  maxChanges: number;
  maxPages: number;
  now: () => Date;
}

type Change = { kind: 'gone'; uid: string } | { kind: 'arrived'; uid: string; number: number };

/**
 * One look at a POP3 maildrop for one webhook:
 *
 * - no cursor yet: the current UIDLs become the cursor, with no events;
 * - a cursor that does not decode (damaged, another version or protocol):
 *   one `mailbox.reset` and the cursor at the current UIDLs;
 * - else the UIDLs gone, then the new ones in arrival order, at most
 *   `maxChanges` of them a page, each page committed with the cursor it
 *   reaches (one `message.deleted` for the page's gone ones, a
 *   `message.created` per new one), at most `maxPages` pages; the next look
 *   goes on from there. Summaries are read for a page's new messages only,
 *   and only when the webhook wants `message.created`.
 *
 * A UIDL the server lists twice counts once (RFC 1939 §7 says they are
 * unique; the first message with it stands for both).
 * @throws UnsupportedOperationError without UIDL, for a UIDL no message id
 *   can carry, or when the UIDLs do not fit in a cursor (Pop3CursorTooLargeError,
 *   checked on the message count and on where the pages lead before the
 *   first commit, and on each page's cursor before it is written)
 */
export async function checkPop3Mailbox(input: CheckPop3Input): Promise<CheckMailboxResult> {
  const { repository, store, webhookId, mailbox, logger } = input;
  if (input.total > MAX_POP3_WATCHED_MESSAGES) {
    throw new Pop3CursorTooLargeError(
      input.total,
      `more than the ${MAX_POP3_WATCHED_MESSAGES} a watched POP3 mailbox may hold`,
    );
  }
  const current = currentUidls(await store.uidlListing(), logger);

  if (input.cursor === undefined) {
    const done = await repository.commitChanges(webhookId, mailbox, {
      expectedState: null,
      nextState: encodePop3Cursor(current.keys()),
      events: [],
    });
    logger.debug(done ? 'webhook cursor started' : 'webhook cursor started elsewhere', {
      messages: current.size,
    });
    return { committed: 0, reset: false };
  }

  const seen = decodePop3Cursor(input.cursor);
  if (seen === null) return reset(input, input.cursor, current);

  const known = new Set(seen);
  const changes: Change[] = [
    ...seen.filter((uid) => !current.has(uid)).map((uid): Change => ({ kind: 'gone', uid })),
    ...[...current]
      .filter(([uid]) => !known.has(uid))
      .sort(([, a], [, b]) => a - b)
      .map(([uid, number]): Change => ({ kind: 'arrived', uid, number })),
  ];
  if (changes.length === 0) return { committed: 0, reset: false };
  // Where the pages lead must fit in a cursor before any of them is committed.
  encodePop3Cursor(current.keys());

  const pageSize = Math.max(1, Math.floor(input.maxChanges));
  let cursor = input.cursor;
  let committed = 0;
  for (let page = 0, start = 0; page < input.maxPages && start < changes.length; page += 1) {
    const slice = changes.slice(start, start + pageSize);
    start += slice.length;
    const gone = slice.filter((change) => change.kind === 'gone').map((change) => change.uid);
    const arrived = slice.filter((change) => change.kind === 'arrived');
    for (const uid of gone) known.delete(uid);
    for (const { uid } of arrived) known.add(uid);
    const nextState = encodePop3Cursor(known);
    const events = await pageEvents(input, gone, arrived);
    const done = await repository.commitChanges(webhookId, mailbox, {
      expectedState: cursor,
      nextState,
      events,
    });
    if (!done) {
      logger.debug('webhook cursor moved by another watcher');
      break;
    }
    committed += events.length;
    cursor = nextState;
    if (events.length > 0) logger.debug('webhook events queued', { events: events.length });
  }
  return { committed, reset: false };
}

/** UIDL to its (first) message number; a UIDL listed twice counts once. */
function currentUidls(listing: Array<{ number: number; uid: string }>, logger: Logger): Map<string, number> {
  const current = new Map<string, number>();
  let duplicates = 0;
  for (const { number, uid } of listing) {
    if (!isAcceptedUidl(uid)) {
      throw new UnsupportedOperationError(
        'The POP3 server lists a UIDL longer than a message id can carry (140 characters), so its mailbox cannot be watched.',
      );
    }
    const first = current.get(uid);
    if (first === undefined || number < first) current.set(uid, number);
    if (first !== undefined) duplicates += 1;
  }
  if (duplicates > 0) {
    logger.warn('pop3 server lists the same UIDL for several messages; each UIDL counts once', {
      duplicates,
    });
  }
  return current;
}

/** One page's events: its gone messages as one `message.deleted`, then a `message.created` per new one. */
async function pageEvents(
  input: CheckPop3Input,
  gone: string[],
  arrived: Array<{ uid: string; number: number }>,
): Promise<WebhookEvent[]> {
  const { wanted } = input;
  const base = { account: input.account, mailbox: input.mailbox, state: null };
  const events: WebhookEvent[] = [];
  const time = input.now();
  if (wanted.has('message.deleted') && gone.length > 0) {
    events.push(createEvent('message.deleted', { ...base, ids: gone.map(encodePop3MessageId) }, time));
  }
  if (wanted.has('message.created') && arrived.length > 0) {
    const summaries = await input.store.summariesByNumber(arrived.map(({ number }) => number));
    arrived.forEach(({ uid }, index) => {
      const message = summaries[index];
      // Message numbers hold for the whole session (RFC 1939 §3); a server that renumbers is not trusted.
      if (message?.id !== encodePop3MessageId(uid)) {
        throw new UpstreamUnavailableError(
          'The POP3 server answered for another message than the one asked.',
        );
      }
      events.push(createEvent('message.created', { ...base, message }, time));
    });
  }
  return events;
}

/** The cursor does not decode: one `mailbox.reset` (if subscribed) and the cursor at the current UIDLs. */
async function reset(
  input: CheckPop3Input,
  cursor: string,
  current: Map<string, number>,
): Promise<CheckMailboxResult> {
  const events = input.wanted.has('mailbox.reset')
    ? [
        createEvent(
          'mailbox.reset',
          { account: input.account, mailbox: input.mailbox, state: null },
          input.now(),
        ),
      ]
    : [];
  const done = await input.repository.commitChanges(input.webhookId, input.mailbox, {
    expectedState: cursor,
    nextState: encodePop3Cursor(current.keys()),
    events,
  });
  input.logger.warn(
    done
      ? 'webhook cursor reset: the stored POP3 cursor did not decode'
      : 'webhook cursor reset by another watcher',
  );
  return { committed: done ? events.length : 0, reset: true };
}
