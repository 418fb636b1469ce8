import type { ImapFlow } from 'imapflow';
import { InvalidRequestError, isMailgateError, UpstreamUnavailableError } from '../../mail/errors.js';
import { decodeImapMessageId, encodeImapMessageId } from '../../mail/ids.js';
import type { BulkResult, BulkTarget } from '../../mail/writes.js';
import { buildSearchQuery } from '../read/search-query.js';
import { parseUidSet } from '../wire/uid-set.js';
import { existingUids } from './expunge-uids.js';

/** Most messages one bulk call may act on. */
export const MAX_BULK_MESSAGES = 10_000;

/** The messages a bulk call acts on, and the ids it will not touch. */
export interface BulkSelection {
  /** Ascending UIDs that exist in the selected mailbox. */
  uids: number[];
  /** The id to report for each UID (as the client gave it, for `ids`). */
  idOf: Map<number, string>;
  failed: BulkResult['failed'];
}

/** @throws InvalidRequestError beyond MAX_BULK_MESSAGES ids, before any connection. */
export function checkBulkSize(target: BulkTarget): void {
  if ('ids' in target && target.ids.length > MAX_BULK_MESSAGES) {
    throw new InvalidRequestError(`At most ${MAX_BULK_MESSAGES} messages per bulk call.`);
  }
}

/**
 * Turns `ids` or a `filter` into UIDs of the selected mailbox.
 * Ids are decoded against the mailbox: one of another mailbox or a
 * malformed one fails as `message_not_found`, one from before a UIDVALIDITY
 * change as `stale_message_id`; which of the rest exist costs one
 * `UID SEARCH UID <set>`. A filter is one `UID SEARCH RETURN (ALL)` with
 * the list's criteria (an empty filter means every message).
 * @throws InvalidRequestError when a filter matches more than MAX_BULK_MESSAGES
 */
export async function selectBulkTarget(
  client: ImapFlow,
  path: string,
  uidValidity: string,
  target: BulkTarget,
): Promise<BulkSelection> {
  if ('filter' in target) return selectByFilter(client, path, uidValidity, target.filter);
  const failed: BulkResult['failed'] = [];
  const idOf = new Map<number, string>();
  for (const id of target.ids) {
    try {
      const key = decodeImapMessageId(path, id);
      if (key.uidValidity !== uidValidity) failed.push({ id, code: 'stale_message_id' });
      else if (!idOf.has(key.uid)) idOf.set(key.uid, id);
    } catch (error) {
      if (!isMailgateError(error)) throw error;
      failed.push({ id, code: error.code });
    }
  }
  const existing = idOf.size > 0 ? await existingUids(client, idOf.keys()) : new Set<number>();
  for (const [uid, id] of idOf) if (!existing.has(uid)) failed.push({ id, code: 'message_not_found' });
  return { uids: [...existing].sort((a, b) => a - b), idOf, failed };
}

async function selectByFilter(
  client: ImapFlow,
  path: string,
  uidValidity: string,
  filter: Extract<BulkTarget, { filter: unknown }>['filter'],
): Promise<BulkSelection> {
  const query = buildSearchQuery(filter);
  // An empty filter would act on every message; a client that means that must name the messages.
  if (query === null) throw new InvalidRequestError('A bulk filter needs at least one criterion.');
  const result = await client.search(query, { uid: true, returnOptions: ['ALL', 'COUNT'] });
  if (!result) throw new UpstreamUnavailableError('The mail server refused the search.');
  const count = Array.isArray(result) ? result.length : (result.count ?? 0);
  if (count > MAX_BULK_MESSAGES) {
    throw new InvalidRequestError(
      `The filter matches ${count} messages; at most ${MAX_BULK_MESSAGES} per bulk call.`,
    );
  }
  const uids: number[] = [];
  if (Array.isArray(result)) uids.push(...result);
  else for (const [a, b] of parseUidSet(result.all)) for (let uid = a; uid <= b; uid++) uids.push(uid);
  uids.sort((a, b) => a - b);
  const idOf = new Map(uids.map((uid) => [uid, encodeImapMessageId(path, { uidValidity, uid })]));
  return { uids, idOf, failed: [] };
}
