import type { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import { type AccessTokenSource, storedAccessTokenSource } from '../../oauth2/access-token-source.js';
import { guardStaleSelection } from '../imapflow/index.js';
import type { ImapConnectionPool, Lease, LeaseKind } from '../pool/connection-pool.js';
import {
  canPool,
  canReturn,
  closeFully,
  credentialsVersion,
  markReused,
  mayRetryFresh,
  poolAccountKey,
  watchListeners,
} from '../pool/connection-reuse.js';
import type { PooledConnection } from '../pool/pooled-connection.js';
import { isLoginRefusal } from './map-imap-error.js';
import { openImapConnection } from './open-connection.js';
import type { PlannedCommand } from './planned-command.js';

export interface SessionConnectionOptions {
  account: Account;
  logger: Logger;
  signal: AbortSignal;
  pool?: ImapConnectionPool;
  /** Where an OAuth2 account's bearer token comes from at each fresh login; the stored token by default. */
  tokens?: AccessTokenSource;
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
  readonly #tokens: AccessTokenSource;
  #lease: Lease | null = null;
  /** The connection as it came from the pool; a dead one may be replaced once. */
  #reused: PooledConnection | null = null;
  #listenersAtStart = 0;
  #connection: PooledConnection | null = null;
  /** What the first commands are, for a fresh connection to send with LOGIN. */
  #plan: readonly PlannedCommand[] = [];
  #connecting: Promise<ImapFlow> | null = null;
  #released = false;
  #kind: LeaseKind = 'short';
  #waitingForSlot = false;
  #waitingForToken = false;
  /** Removes the guard against the previous request's selected mailbox (see guardStaleSelection). */
  #unguard: () => void = () => undefined;

  constructor(options: SessionConnectionOptions) {
    this.#options = options;
    this.#pool = options.pool && canPool(options.account) ? options.pool : null;
    this.#tokens = options.tokens ?? storedAccessTokenSource;
  }

  get client(): ImapFlow | null {
    return this.#connection?.client ?? null;
  }

  get started(): boolean {
    return this.#connecting !== null;
  }

  /** True while the session waits for the pool to free a connection of the account. */
  get waitingForSlot(): boolean {
    return this.#waitingForSlot;
  }

  /** True while the session waits for the OAuth2 token source (a refresh at the provider), before any login. */
  get waitingForToken(): boolean {
    return this.#waitingForToken;
  }

  /** Bytes imapflow has read from the current connection, a running count (imapflow's `stats()`); null before connecting. */
  get receivedBytes(): number | null {
    return this.#connection ? this.#connection.client.stats().received : null;
  }

  /**
   * This session will hold its connection long (a download, a change wait):
   * it may only take a connection the pool lets long requests have. Heeded
   * before the first connect only.
   */
  holdLong(): void {
    if (!this.started) this.#kind = 'long';
  }

  /**
   * The authenticated client, connecting (or leasing) on first call. `plan`,
   * heeded on the first call only, names the commands the request sends
   * first: a fresh connection sends them in LOGIN's flight.
   */
  connect(plan: readonly PlannedCommand[] = []): Promise<ImapFlow> {
    // Once released, the connection may already serve another request.
    if (this.#released) return Promise.reject(closed());
    if (!this.#connecting) {
      this.#plan = plan;
      this.#connecting = this.#acquire();
    }
    return this.#connecting;
  }

  /**
   * After `client` failed: a fresh connection to run the work again on, when
   * the failed one was kept, is dead and had answered nothing since it was
   * handed over (see mayRetryFresh), else null. At most once per session.
   */
  replaceDead(client: ImapFlow): Promise<ImapFlow> | null {
    const reused = this.#reused;
    if (!reused || client !== this.#connection?.client || this.#released || !mayRetryFresh(reused))
      return null;
    this.#reused = null;
    this.#unguard();
    this.#options.logger.debug('imap kept connection was dead before answering; opening a fresh one');
    // Wait until the kept socket has closed, so the slot never holds two connections.
    this.#connecting = closeFully(reused).then(() => {
      // The request may have ended while the dead socket closed: then open nothing.
      if (this.#released) throw closed();
      // The work runs again from its start: it plans nothing.
      return this.#openFresh([]);
    });
    return this.#connecting;
  }

  /**
   * Sends `lines` in the flight of the next command imapflow writes, when it
   * is exactly `trigger` (see PipeliningSocket.pipelineAfter). Only on a
   * connection whose login pipeline is through (a kept one, or a fresh one
   * past its LOGIN flight); otherwise nothing is pipelined.
   */
  pipelineAfter(trigger: string, lines: readonly string[]): void {
    if (this.#released) return;
    this.#connection?.socket?.pipelineAfter(trigger, lines);
  }

  /** Returns the connection to the pool when `reusable` and it is idle and healthy, else closes it. Once. */
  release(reusable: boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.#unguard();
    const connection = this.#connection;
    const lease = this.#lease;
    this.#lease = null;
    if (!lease || !this.#pool) {
      connection?.client.close();
      return;
    }
    const keep = reusable && connection !== null && canReturn(connection, this.#listenersAtStart);
    this.#pool.release(lease, connection, keep);
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
      const kept = lease.connection;
      if (kept) {
        this.#connection = kept;
        this.#listenersAtStart = watchListeners(kept.client);
        markReused(kept, this.#pool.firstReplyMs);
        this.#reused = kept;
        this.#unguard = guardStaleSelection(kept.client);
        return kept.client;
      }
    }
    return this.#openFresh(this.#plan);
  }

  /**
   * A fresh, authenticated connection. An OAuth2 account asks its token
   * source at this moment (a kept connection never stands in for a login
   * with the current token), and when the server refuses that token it logs
   * in once more, on a new connection, with the token `afterRefusal` gives:
   * one refresh, one retry, never a loop. The refused connection is closed
   * first, so the account's pool slot never holds two.
   */
  async #openFresh(plan: readonly PlannedCommand[]): Promise<ImapFlow> {
    const { account, signal } = this.#options;
    if (!account.oauth2) return this.#open(plan, {});
    const token = await this.#whileWaitingForToken(this.#tokens.accessToken(account, signal));
    try {
      return await this.#open(plan, { accessToken: token });
    } catch (error) {
      const refused = this.#connection;
      if (!isLoginRefusal(error) || !refused) throw error;
      const [retryWith] = await Promise.all([
        this.#whileWaitingForToken(this.#tokens.afterRefusal(account, token, signal)),
        closeFully(refused),
      ]);
      if (retryWith === undefined || retryWith === token) throw error;
      this.#options.logger.debug('imap login refused the OAuth2 token; logging in once more with a new one');
      return this.#open(plan, { accessToken: retryWith });
    }
  }

  async #whileWaitingForToken<T>(request: Promise<T>): Promise<T> {
    this.#waitingForToken = true;
    try {
      return await request;
    } finally {
      this.#waitingForToken = false;
    }
  }

  #open(plan: readonly PlannedCommand[], credentials: { accessToken?: string }): Promise<ImapFlow> {
    // The request may have ended while a token was fetched or a refused connection closed.
    if (this.#released) return Promise.reject(closed());
    const { account, logger } = this.#options;
    const opening = openImapConnection(account, logger, { plan, ...credentials });
    this.#connection = opening.connection;
    this.#listenersAtStart = watchListeners(opening.connection.client);
    return opening.ready.then(({ client }) => client);
  }
}
