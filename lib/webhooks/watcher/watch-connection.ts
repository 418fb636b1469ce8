import type { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { enableExtensions, mailboxArgument, sendCommand } from '../../imap/imapflow/index.js';
import { closeFully } from '../../imap/pool/connection-reuse.js';
import type { PooledConnection } from '../../imap/pool/pooled-connection.js';
import { isLoginRefusal } from '../../imap/session/map-imap-error.js';
import { openImapConnection } from '../../imap/session/open-connection.js';
import type { Logger } from '../../mail/logger.js';
import type { AccessTokenSource } from '../../oauth2/access-token-source.js';
import type { StatusReader } from './status-reader.js';

/**
 * One long-lived IMAP connection of the watcher, opened and authenticated
 * the way every session of lib/imap is (openImapConnection: TLS, the
 * pipelining socket, LOGIN or an OAuth2 bearer from the token source, with
 * one retry after a refused token), and the few commands a watch sends,
 * each under a timeout that closes the connection when it passes.
 */

/** Connect, greeting and login together. */
export const OPEN_TIMEOUT_MS = 30_000;
/** Any one command of a watch (NOTIFY SET, ENABLE, EXAMINE, NOOP). */
export const COMMAND_TIMEOUT_MS = 20_000;

export class WatchTimeoutError extends Error {
  readonly code = 'watch_timeout';
  constructor() {
    super('An IMAP command of the watcher timed out.');
    this.name = 'WatchTimeoutError';
  }
}

export interface WatchConnection {
  readonly client: ImapFlow;
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  has(capability: string): boolean;
  /** Runs one command; past `COMMAND_TIMEOUT_MS` the connection is closed and this rejects. */
  command<T>(run: (client: ImapFlow) => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
  /** The client and the socket under it (whose bytes the NOTIFY reader sees; null for STARTTLS, imapflow's own). */
  readonly connection: PooledConnection;
}

export interface OpenWatchOptions {
  logger: Logger;
  tokens: AccessTokenSource;
  timeoutMs?: number;
  /** Abandons the open (the watch is stopped): the socket is closed and the open rejects. */
  signal?: AbortSignal;
}

export async function openWatchConnection(
  account: Account,
  options: OpenWatchOptions,
): Promise<WatchConnection> {
  const timeoutMs = options.timeoutMs ?? OPEN_TIMEOUT_MS;
  const stop = options.signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  if (!account.oauth2) return open(account, options.logger, {}, timeoutMs, stop);
  const token = await options.tokens.accessToken(account, signal);
  try {
    return await open(account, options.logger, { accessToken: token }, timeoutMs, stop);
  } catch (error) {
    if (!isLoginRefusal(error) || stop?.aborted) throw error;
    const retry = await options.tokens.afterRefusal(account, token, signal);
    if (retry === undefined || retry === token) throw error;
    return open(account, options.logger, { accessToken: retry }, timeoutMs, stop);
  }
}

export class WatchAbortedError extends Error {
  readonly code = 'watch_stopped';
  constructor() {
    super('The watch was stopped.');
    this.name = 'WatchAbortedError';
  }
}

async function open(
  account: Account,
  logger: Logger,
  credentials: { accessToken?: string },
  timeoutMs: number,
  stop: AbortSignal | undefined,
): Promise<WatchConnection> {
  if (stop?.aborted) throw new WatchAbortedError();
  const opening = openImapConnection(account, logger, credentials);
  const pooled = opening.connection;
  let onStop: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onStop = () => {
      void closeFully(pooled);
      reject(new WatchAbortedError());
    };
    stop?.addEventListener('abort', onStop, { once: true });
  });
  stopped.catch(() => undefined);
  try {
    await withTimeout(Promise.race([opening.ready, stopped]), timeoutMs, () => void closeFully(pooled));
  } catch (error) {
    await closeFully(pooled).catch(() => undefined);
    throw error;
  } finally {
    if (onStop) stop?.removeEventListener('abort', onStop);
  }
  return wrap(pooled);
}

function wrap(pooled: PooledConnection): WatchConnection {
  const client = pooled.client;
  let isClosed = false;
  const closed = new Promise<void>((resolve) => {
    client.once('close', () => {
      isClosed = true;
      resolve();
    });
  });
  return {
    client,
    closed,
    get isClosed() {
      return isClosed || !client.usable;
    },
    has: (capability) => client.capabilities.has(capability),
    command: (run, timeoutMs = COMMAND_TIMEOUT_MS) =>
      withTimeout(run(client), timeoutMs, () => void closeFully(pooled)),
    close: async () => {
      await closeFully(pooled).catch(() => undefined);
    },
    connection: pooled,
  };
}

/** Settles like `work`, or rejects with WatchTimeoutError after `ms` (calling `onTimeout` first). */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new WatchTimeoutError());
    }, ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const NOTIFY_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName'] as const;

/**
 * CONDSTORE on (so a flag change in a mailbox that is not selected is told
 * with its HIGHESTMODSEQ) and `NOTIFY SET (mailboxes (<paths>) (MessageNew
 * MessageExpunge FlagChange))` (RFC 5465 §3.1, §5.3: FlagChange needs the
 * other two). A later NOTIFY SET replaces the earlier one. Returns each
 * path by its name on the wire, which the server's STATUS responses carry.
 */
export async function setNotify(
  watch: WatchConnection,
  paths: readonly string[],
): Promise<Map<string, string>> {
  const byWire = new Map<string, string>();
  const names = paths.map((path) => {
    const argument = mailboxArgument(watch.client, path);
    if (!Array.isArray(argument)) byWire.set(wireKey(argument.value), path);
    return argument;
  });
  if (watch.has('CONDSTORE') && !watch.client.enabled.has('CONDSTORE')) {
    await watch.command((client) => enableExtensions(client, ['CONDSTORE']));
  }
  const events = NOTIFY_EVENTS.map((value) => ({ type: 'ATOM' as const, value }));
  const group =
    names.length === 0
      ? [{ type: 'ATOM' as const, value: 'NONE' }]
      : [
          { type: 'ATOM' as const, value: 'SET' },
          [{ type: 'ATOM' as const, value: 'mailboxes' }, names, events],
        ];
  await watch.command((client) => sendCommand(client, 'NOTIFY', group));
  return byWire;
}

/** INBOX is case-insensitive (RFC 9051 §5.1); every other name compares exactly. */
/** The server answered the command NO or BAD (it does not take it), as opposed to a lost connection. */
export function isRefusal(error: unknown): boolean {
  const status = (error as { responseStatus?: unknown } | null)?.responseStatus;
  return status === 'NO' || status === 'BAD';
}

export function wireKey(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** Feeds the connection's bytes to a StatusReader from now on; false when the transport is not ours (STARTTLS). */
export function readStatuses(watch: WatchConnection, reader: StatusReader): boolean {
  const socket = watch.connection.socket;
  if (!socket) return false;
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  return true;
}
