import type { ErrorCode } from '../../../lib/mail/errors.js';
import { InvalidRequestError, isMailgateError } from '../../../lib/mail/errors.js';
import type { Message, MessageFilter, MessageSummary } from '../../../lib/mail/types.js';
import type { BulkAction, BulkResult, BulkTarget } from '../../../lib/mail/writes.js';

/** As the contract says: at most this many messages per bulk call. */
export const BULK_LIMIT = 10_000;

/**
 * A bulk call over one mailbox's messages: picks the targets, runs `one` on
 * each, and reports per message, so one failure does not stop the others.
 * `one` returns the new id of a moved or copied message, otherwise null.
 */
export function runBulk(
  inMailbox: Message[],
  target: BulkTarget,
  action: BulkAction,
  one: (message: Message) => string | null,
): BulkResult {
  const failed: BulkResult['failed'] = [];
  let chosen: Message[];
  if ('ids' in target) {
    chosen = [];
    for (const id of target.ids) {
      const found = inMailbox.find((message) => message.id === id);
      if (found) chosen.push(found);
      else failed.push({ id, code: 'message_not_found' });
    }
  } else {
    chosen = inMailbox.filter((message) => matchesFilter(message, target.filter));
    if (chosen.length > BULK_LIMIT) {
      throw new InvalidRequestError(`The filter matches more than ${BULK_LIMIT} messages.`);
    }
  }
  const result: BulkResult = { matched: chosen.length, done: 0, failed };
  if (action.action === 'move' || action.action === 'copy') result.ids = {};
  for (const message of chosen) {
    try {
      const done = one(message);
      if (done && result.ids) result.ids[message.id] = done;
      result.done += 1;
    } catch (error) {
      const code: ErrorCode = isMailgateError(error) ? error.code : 'internal_error';
      failed.push({ id: message.id, code });
    }
  }
  return result;
}

/** The list filters a bulk `filter` can use, evaluated on the summary as a server's SEARCH would. */
export function matchesFilter(message: Message, filter: MessageFilter): boolean {
  const contains = (value: string | null | undefined, needle: string | undefined) =>
    needle === undefined || (value ?? '').toLowerCase().includes(needle.toLowerCase());
  const addresses = (list: MessageSummary['to']) =>
    list.map((a) => `${a.name ?? ''} ${a.address ?? ''}`).join(' ');
  const received = message.receivedAt === null ? null : Date.parse(message.receivedAt);
  return (
    (filter.seen === undefined || message.seen === filter.seen) &&
    (filter.flagged === undefined || message.flagged === filter.flagged) &&
    (filter.answered === undefined || message.answered === filter.answered) &&
    (filter.draft === undefined || message.draft === filter.draft) &&
    contains(message.subject, filter.subject) &&
    contains(message.from ? addresses([message.from]) : null, filter.from) &&
    contains(addresses(message.to), filter.to) &&
    contains(addresses(message.cc), filter.cc) &&
    contains(`${message.subject ?? ''} ${message.text ?? ''}`, filter.text) &&
    contains(message.text, filter.body) &&
    (filter.larger === undefined || message.size > filter.larger) &&
    (filter.smaller === undefined || message.size < filter.smaller) &&
    (filter.since === undefined || (received !== null && received >= filter.since.at.getTime())) &&
    (filter.before === undefined || (received !== null && received < filter.before.at.getTime())) &&
    (filter.headers ?? []).every((want) =>
      message.headers.some(
        (h) => h.name.toLowerCase() === want.name.toLowerCase() && contains(h.value, want.value),
      ),
    )
  );
}
