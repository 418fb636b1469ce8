import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { isClosing, isQuiet } from '../imapflow/index.js';
import type { PooledConnection } from './pooled-connection.js';

/**
 * What a kept connection must satisfy to serve another request, and when a
 * request may move to a fresh connection after a kept one failed.
 */

/** The server-side identity connection caps are counted against (providers cap sessions per user). */
export function poolAccountKey(account: Account): string {
  return JSON.stringify([account.host, account.port, account.user]);
}

/**
 * A hash of the account document: any change (password, TLS, host, OAuth2
 * client or refresh token) makes kept connections unusable. Not the OAuth2
 * access token and its expiry, which the gateway itself replaces as it
 * refreshes: a kept connection is already authenticated, and every new
 * login asks the token source for the current token anyway.
 */
export function credentialsVersion(account: Account): string {
  const { oauth2 } = account;
  const document = oauth2
    ? { ...account, oauth2: { ...oauth2, accessToken: null, expiresAt: null } }
    : account;
  return createHash('sha256').update(JSON.stringify(document)).digest('base64url');
}

/** Kept connections need the pipelining socket (implicit TLS or plain), which tracks what crossed it. */
export function canPool(account: Account): boolean {
  return account.tls !== 'starttls';
}

/**
 * Called when a kept connection is handed to a request: byte counts start
 * anew, and the server must answer within `replyWithinMs` (see
 * PipeliningSocket.mark).
 */
export function markReused(connection: PooledConnection, replyWithinMs = 0): void {
  connection.socket?.mark(replyWithinMs);
}

/**
 * Whether a kept connection may be handed out: imapflow is neither closed
 * nor closing (a BYE arrived), and its socket is neither destroyed nor ended
 * by the server.
 */
export function isAlive({ client, socket }: PooledConnection): boolean {
  if (isClosing(client)) return false;
  return !socket || (!socket.destroyed && !socket.readableEnded);
}

/**
 * Healthy and idle: usable, nothing in flight or queued, no download, IDLE
 * or lock, every pipelined answer delivered, and no event listener a
 * request left behind (the mailbox watch removes its own).
 */
export function canReturn({ client, socket }: PooledConnection, listenersAtStart: number): boolean {
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
const HARMLESS = /^\S+ (SELECT|EXAMINE|STATUS|LIST|LSUB|NOOP|CAPABILITY|ID|NAMESPACE|UNSELECT)[ \r]/i;

/** One untagged BYE line and nothing else: the server ended the session without answering a command. */
const ONLY_BYE = /^\* BYE [^\r\n]*\r\n$/i;

/**
 * A request may start again on a fresh connection only when the kept one is
 * dead, every command sent since it was handed over is harmless (each write
 * starts with one: a literal's data would not, so a command with a literal
 * is never run twice), and the server answered none of them: it sent
 * nothing, or only a BYE. A command that changes anything is therefore never
 * sent twice, and no work is run again that relied on an answer of the old
 * connection (its selected mailbox).
 */
export function mayRetryFresh({ client, socket }: PooledConnection): boolean {
  if (!socket) return false;
  const dead = !client.usable || socket.destroyed;
  const { received, receivedHead, writes } = socket.sinceMark;
  const answeredNothing = received === 0 || (received === receivedHead.length && ONLY_BYE.test(receivedHead));
  return dead && answeredNothing && writes?.every((line) => HARMLESS.test(line)) === true;
}

/**
 * Closes the connection; resolves once its socket is closed, so a slot is
 * only reused after the old connection is gone (servers count both).
 */
export function closeFully({ client, socket }: PooledConnection): Promise<void> {
  client.close();
  return socket ? socket.fullyClosed() : Promise.resolve();
}
