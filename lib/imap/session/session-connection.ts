import type { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import {
  guardStaleSelection,
  listAllCommandLine,
  openCommandLine,
  statusCommandLine,
} from '../imapflow/index.js';
import type { ImapConnectionPool, Lease, LeaseKind } from '../pool/connection-pool.js';
import {
  canPool,
  canReturn,
  credentialsVersion,
  markReused,
  mayRetryFresh,
  poolAccountKey,
  watchListeners,
} from '../pool/connection-reuse.js';
import type { PipeliningSocket } from '../wire/pipelining-socket.js';
import type { MailboxMode } from './imap-session.js';
import { openImapConnection } from './open-connection.js';

/** A command a request will send first, announced so it can travel in LOGIN's flight. */
export type PlannedCommand =
  | { kind: 'open'; path: string; mode: MailboxMode }
  | { kind: 'list-all' }
  | { kind: 'status'; path: string; query: { uidValidity?: true; uidNext?: true; messages?: true } };

/** The lines to send in LOGIN's flight: the planned commands up to the first that cannot be pipelined. */
export function plannedLines(client: ImapFlow, plan: readonly PlannedCommand[]): string[] {
  const lines: string[] = [];
  for (const command of plan) {
    const line =
      command.kind === 'open'
        ? openCommandLine(client, command.path, command.mode === 'read')
        : command.kind === 'list-all'
          ? listAllCommandLine()
          : statusCommandLine(client, command.path, command.query);
    if (!line) break;
    lines.push(line);
  }
  return lines;
}

export interface SessionConnectionOptions {
  account: Account;
  logger: Logger;
  signal: AbortSignal;
  pool?: ImapConnectionPool;
  /** Asked when LOGIN is written on a fresh connection: the lines to pipeline with it. */
  plan: (client: ImapFlow) => string[];
}

function closed(): UpstreamUnavailableError {
  return new UpstreamUnavailableError('The mail session is already closed.');
}

/**
 * Where one session's connection comes from and goes back to: a kept one
 * from the pool (same account and credentials version) or a fresh one, and
 * at the end either back to the pool (only when idle and healthy) or closed.
 */
export class SessionConnection {
  readonly #options: SessionConnectionOptions;
  readonly #pool: ImapConnectionPool | null;
  #lease: Lease | null = null;
  /** The socket of a connection that came from the pool; a dead one may be replaced once. */
  #reused: PipeliningSocket | null = null;
  #listenersAtStart = 0;
  #client: ImapFlow | null = null;
  #connecting: Promise<ImapFlow> | null = null;
  #released = false;
  #kind: LeaseKind = 'short';
  #waitingForSlot = false;
  /** Removes the guard against the previous request's selected mailbox (see guardStaleSelection). */
  #unguard: () => void = () => undefined;

  constructor(options: SessionConnectionOptions) {
    this.#options = options;
    this.#pool = options.pool && canPool(options.account) ? options.pool : null;
  }

  get client(): ImapFlow | null {
    return this.#client;
  }

  get started(): boolean {
    return this.#connecting !== null;
  }

  /** True while the session waits for the pool to free a connection of the account. */
  get waitingForSlot(): boolean {
    return this.#waitingForSlot;
  }

  /** Bytes imapflow has read from the current connection, a running count (imapflow's `stats()`); null before connecting. */
  get receivedBytes(): number | null {
    return this.#client ? this.#client.stats().received : null;
  }

  /**
   * This session will hold its connection long (a download, a change wait):
   * it may only take a connection the pool lets long requests have. Heeded
   * before the first connect only.
   */
  holdLong(): void {
    if (!this.started) this.#kind = 'long';
  }

  /** The authenticated client, connecting (or leasing) on first call. */
  connect(): Promise<ImapFlow> {
    // Once released, the connection may already serve another request.
    if (this.#released) return Promise.reject(closed());
    this.#connecting ??= this.#acquire();
    return this.#connecting;
  }

  /**
   * After `client` failed: a fresh connection to run the work again on, when
   * the failed one was kept, is dead and had answered nothing since it was
   * handed over (see mayRetryFresh), else null. At most once per session.
   */
  replaceDead(client: ImapFlow): Promise<ImapFlow> | null {
    const socket = this.#reused;
    if (!socket || client !== this.#client || this.#released || !mayRetryFresh(client, socket)) return null;
    this.#reused = null;
    this.#unguard();
    this.#options.logger.debug('imap kept connection was dead before answering; opening a fresh one');
    client.close();
    // imapflow forgets a dead socket; wait on the kept one, so the slot never holds two connections.
    this.#connecting = socket.fullyClosed().then(() => {
      // The request may have ended while the dead socket closed: then open nothing.
      if (this.#released) throw closed();
      return this.#openFresh();
    });
    return this.#connecting;
  }

  /** Returns the connection to the pool when `reusable` and it is idle and healthy, else closes it. Once. */
  release(reusable: boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.#unguard();
    const client = this.#client;
    const lease = this.#lease;
    this.#lease = null;
    if (!lease || !this.#pool) {
      client?.close();
      return;
    }
    const keep = reusable && client !== null && canReturn(client, this.#listenersAtStart);
    this.#pool.release(lease, client, keep);
  }

  async #acquire(): Promise<ImapFlow> {
    if (this.#released) throw closed();
    const { account, signal } = this.#options;
    if (this.#pool) {
      this.#waitingForSlot = true;
      let lease: Lease;
      try {
        lease = await this.#pool.acquire(
          poolAccountKey(account),
          credentialsVersion(account),
          signal,
          this.#kind,
        );
      } finally {
        this.#waitingForSlot = false;
      }
      if (this.#released) {
        this.#pool.release(lease, null, false);
        throw closed();
      }
      this.#lease = lease;
      if (lease.client) {
        this.#client = lease.client;
        this.#listenersAtStart = watchListeners(lease.client);
        this.#reused = markReused(lease.client, this.#pool.firstReplyMs);
        this.#unguard = guardStaleSelection(lease.client);
        return lease.client;
      }
    }
    return this.#openFresh();
  }

  #openFresh(): Promise<ImapFlow> {
    const { account, logger, plan } = this.#options;
    const opening = openImapConnection(account, logger, () => plan(opening.client));
    this.#client = opening.client;
    this.#listenersAtStart = watchListeners(opening.client);
    return opening.ready;
  }
}
