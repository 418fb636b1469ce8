import type { ImapFlow } from 'imapflow';
import { UnsupportedOperationError, UpstreamUnavailableError } from '../../mail/errors.js';
import { sendCommand } from '../imapflow/index.js';
import { chunkUidSet } from '../wire/uid-set.js';
import { storeFlags } from './store-flags.js';

/**
 * Refuses before anything is sent when the server lacks UIDPLUS: without
 * `UID EXPUNGE` (RFC 4315 §2.1) the only way to remove a message is a plain
 * EXPUNGE, which also removes every other `\Deleted` message in the mailbox,
 * including ones another client merely marked.
 * @throws UnsupportedOperationError
 */
export function requireUidExpunge(client: ImapFlow, what: string): void {
  if (!client.capabilities.has('UIDPLUS')) {
    throw new UnsupportedOperationError(
      `${what} needs UID EXPUNGE (UIDPLUS), which this mail server does not offer; nothing was changed.`,
    );
  }
}

/**
 * Removes exactly these messages: `UID STORE <set> +FLAGS.SILENT (\Deleted)`
 * then `UID EXPUNGE <set>`, one pair per chunk. Never a plain EXPUNGE.
 * Callers check `requireUidExpunge` before changing anything else.
 */
export async function expungeUids(client: ImapFlow, uids: Iterable<number>): Promise<void> {
  requireUidExpunge(client, 'Removing a message');
  for (const set of chunkUidSet(uids)) {
    await storeFlags(client, set, '+FLAGS', ['\\Deleted'], { silent: true });
    await sendCommand(client, 'UID EXPUNGE', [{ type: 'SEQUENCE', value: set }]);
  }
}

/**
 * Which of `uids` exist in the selected mailbox: one `UID SEARCH UID <set>`
 * per chunk (one for any contiguous set).
 */
export async function existingUids(client: ImapFlow, uids: Iterable<number>): Promise<Set<number>> {
  const found = new Set<number>();
  for (const set of chunkUidSet(uids)) {
    const result = await client.search({ uid: set }, { uid: true });
    if (!Array.isArray(result)) throw new UpstreamUnavailableError('The mail server refused a search.');
    for (const uid of result) found.add(uid);
  }
  return found;
}
