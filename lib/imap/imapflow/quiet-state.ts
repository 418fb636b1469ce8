import type { ImapFlow } from 'imapflow';
import { internalsOf } from './client-internals.js';

/**
 * Whether imapflow is between commands, read from its queue, lock and
 * close state: what decides if a kept connection may serve another request
 * (lib/imap/pool) and whether it is still usable after leaving a mailbox.
 */

/**
 * True when imapflow has nothing in flight or queued, no IDLE, no open
 * download and no mailbox lock: the connection could serve another request.
 * False whenever a field is missing, so a changed imapflow never reuses.
 */
export function isQuiet(client: ImapFlow): boolean {
  const state = internalsOf(client);
  return (
    state.usable === true &&
    state.currentRequest === false &&
    Array.isArray(state.requestQueue) &&
    state.requestQueue.length === 0 &&
    state.idling === false &&
    state._openDownloads === 0 &&
    state.currentLock === false
  );
}

/**
 * True when imapflow will not send another command: closed, or closing
 * after a BYE or an error (imapflow marks the client unusable only on a
 * later tick). True whenever a field is missing, so a changed imapflow
 * never hands a connection on.
 */
export function isClosing(client: ImapFlow): boolean {
  const state = internalsOf(client);
  return (
    state.usable !== true ||
    state.isClosed !== false ||
    state._closePending !== false ||
    state.states?.LOGOUT === undefined ||
    state.state === state.states.LOGOUT
  );
}
