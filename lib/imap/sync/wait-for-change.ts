import { setTimeout as delay } from 'node:timers/promises';
import type { MailboxRef } from '../../mail/types.js';
import type { WaitResult } from '../../mail/writes.js';
import type { ImapSession } from '../session/imap-session.js';
import { type MailboxWatch, watchMailbox } from './mailbox-watch.js';
import { checkSince, currentState, prepareSync } from './sync-session.js';
import { decodeSyncState, encodeSyncState, type SyncState } from './sync-state.js';

/** How often a server without IDLE is asked with NOOP. */
export const POLL_INTERVAL_MS = 1_000;

/**
 * Resolves as soon as the mailbox changes after `since`, or with
 * `changed: false` after `timeoutSeconds`; `state` is the mailbox's state then.
 *
 * EXAMINE with CONDSTORE enabled gives HIGHESTMODSEQ and UIDNEXT; if either
 * moved past `since`, the answer is immediate. Otherwise IDLE (RFC 2177)
 * until the server sends EXISTS, EXPUNGE, VANISHED or FETCH, then DONE and
 * EXAMINE again for the new state. Without IDLE, NOOP every second (RFC 9051
 * §6.1.2: any command may carry those updates). When the request's signal
 * aborts, the session closes the socket, which ends IDLE at once.
 *
 * Degradation: a server with CONDSTORE but not QRESYNC need not raise
 * HIGHESTMODSEQ on expunge (RFC 7162 §3.2.10 asks it of QRESYNC servers), so
 * an expunge before the wait began may go unnoticed; one during it is seen.
 *
 * @throws StateExpiredError, UnsupportedOperationError (no CONDSTORE), InvalidRequestError, MailboxNotFoundError
 */
export async function waitForChange(
  session: ImapSession,
  ref: MailboxRef,
  since: string,
  timeoutSeconds: number,
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  // The wait holds the connection: a pool keeps it out of the share of short requests.
  session.holdLong();
  const from = decodeSyncState(since);
  const sync = await prepareSync(session, ref, 'CONDSTORE');
  const before = currentState(await session.open(sync.path, 'read', { refresh: true }));
  checkSince(from, before);
  if (movedPast(from, before)) return { changed: true, state: encodeSyncState(before) };

  // Untagged responses are only read while a command (here IDLE or NOOP) runs, so
  // nothing that happened after the EXAMINE can slip past a watch begun now.
  const watch = await session.run(async (client) => watchMailbox(client));
  let changed: boolean;
  try {
    changed = sync.idle
      ? await idleUntil(session, watch, deadline)
      : await pollUntil(session, watch, deadline);
  } finally {
    watch.stop();
  }
  if (!changed) return { changed: false, state: encodeSyncState(before) };
  const after = currentState(await session.open(sync.path, 'read', { refresh: true }));
  checkSince(from, after);
  return { changed: true, state: encodeSyncState(after) };
}

function movedPast(from: SyncState, now: SyncState): boolean {
  return from.modseq < now.modseq || from.removedModseq < now.modseq || from.uidNext < now.uidNext;
}

async function idleUntil(session: ImapSession, watch: MailboxWatch, deadline: number): Promise<boolean> {
  const outcome = await session.run(async (client) => {
    const idling = client.idle();
    idling.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        watch.changed.then(() => 'changed' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
        }),
        idling.then(() => 'ended' as const),
      ]);
      // imapflow ends IDLE with DONE before the next command (RFC 2177 §3). After a change
      // that command is the EXAMINE for the new state; after the timeout a NOOP, whose
      // answer also carries any update that raced the timer.
      if (result === 'timeout') {
        await client.noop();
        await idling;
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  });
  // The server ended or refused IDLE on its own: keep watching by polling.
  if (outcome === 'ended' && !watch.hasChanged) return pollUntil(session, watch, deadline);
  return watch.hasChanged;
}

async function pollUntil(session: ImapSession, watch: MailboxWatch, deadline: number): Promise<boolean> {
  while (!watch.hasChanged) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await session.run(() => delay(Math.min(POLL_INTERVAL_MS, remaining)));
    await session.run((client) => client.noop());
  }
  return watch.hasChanged;
}
