import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Account } from '../credentials/account.js';
import { isQuiet } from './imapflow-internals.js';
import type { PipeliningSocket } from './pipelining-socket.js';

/**
 * What a kept connection must satisfy to serve another request, and when a
 * request may move to a fresh connection after a kept one failed.
 */

/** Each connection's socket, remembered from the transport: imapflow forgets it once closed. */
const sockets = new WeakMap<ImapFlow, PipeliningSocket>();

export function rememberSocket(client: ImapFlow, socket: PipeliningSocket): void {
  sockets.set(client, socket);
}

function socketOf(client: ImapFlow): PipeliningSocket | undefined {
  return sockets.get(client);
}

/** The server-side identity connection caps are counted against (providers cap sessions per user). */
export function poolAccountKey(account: Account): string {
  return JSON.stringify([account.host, account.port, account.user]);
}

/** A hash of the whole account document: any change (password, TLS, host) makes kept connections unusable. */
export function credentialsVersion(account: Account): string {
  return createHash('sha256').update(JSON.stringify(account)).digest('base64url');
}

/** Kept connections need the pipelining socket (implicit TLS or plain), which tracks what crossed it. */
export function canPool(account: Account): boolean {
  return account.tls !== 'starttls';
}

/**
 * Called when a kept connection is handed to a request: byte counts start
 * anew. Returns its socket, to ask mayRetryFresh later (imapflow forgets the
 * socket once the connection closes).
 */
export function markReused(client: ImapFlow): PipeliningSocket | null {
  const socket = socketOf(client);
  socket?.mark();
  return socket ?? null;
}

/**
 * Healthy and idle: usable, nothing in flight or queued, no download, IDLE
 * or lock, every pipelined answer delivered, and no event listener a
 * request left behind (the mailbox watch removes its own).
 */
export function canReturn(client: ImapFlow, listenersAtStart: number): boolean {
  const socket = socketOf(client);
  return (
    socket?.settled === true &&
    !socket.destroyed &&
    isQuiet(client) &&
    watchListeners(client) === listenersAtStart
  );
}

export function watchListeners(client: ImapFlow): number {
  return ['flags', 'expunge', 'exists', 'vanished'].reduce((n, name) => n + client.listenerCount(name), 0);
}

/**
 * Commands that change no message or mailbox: if a kept connection died
 * before answering one of them, nothing happened on the server.
 */
const HARMLESS_FIRST = /^\S+ (SELECT|EXAMINE|STATUS|LIST|LSUB|NOOP|CAPABILITY|ID|NAMESPACE)[ \r]/i;

/**
 * A request may start again on a fresh connection only when the kept one is
 * dead, the server sent not a byte since it was handed over, and the only
 * command that can have been sent (imapflow keeps one in flight) is harmless.
 * A write is therefore never sent twice.
 */
export function mayRetryFresh(client: ImapFlow, socket: PipeliningSocket): boolean {
  const dead = !client.usable || socket.destroyed;
  const { received, firstWrite } = socket.sinceMark;
  return dead && received === 0 && (firstWrite === null || HARMLESS_FIRST.test(firstWrite));
}

/**
 * Closes the connection; resolves once its socket is closed, so a slot is
 * only reused after the old connection is gone (servers count both).
 */
export function closeFully(client: ImapFlow): Promise<void> {
  const socket = socketOf(client);
  client.close();
  return socket ? socket.fullyClosed() : Promise.resolve();
}
