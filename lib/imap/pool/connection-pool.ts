import { ConnectionWaitTimeoutError, UpstreamThrottledError } from '../../mail/errors.js';
import { closeFully, isAlive } from './connection-reuse.js';
import type { PooledConnection } from './pooled-connection.js';

export interface ConnectionPoolOptions {
  /** How long a connection is kept after a request, in ms; 0 keeps none (the cap still applies). */
  idleMs: number;
  /**
   * Idle connections kept per account; the rest are closed as they are
   * released. Kept ones close after `idleMs` unused, so keeping up to the
   * cap costs nothing once the account is quiet, and keeping fewer than the
   * requests that run at once makes every burst log in again (DECISIONS D14).
   */
  maxIdlePerAccount: number;
  /** Connections per account at any moment, busy and idle; further requests wait for one. */
  maxPerAccount: number;
  /**
   * Connections of an account that long requests (downloads, change waits)
   * may never hold, so a short request always finds one (default 2; long
   * requests keep at least one connection whatever the cap).
   */
  reservedPerAccount?: number;
  /**
   * Requests that may wait for a connection of one account (default 64);
   * one more is refused at once with `upstream_throttled`.
   */
  maxWaitingPerAccount?: number;
  /**
   * After a kept connection is handed to a request, how long the server may
   * stay silent once a command has left (default 3000 ms) before the
   * connection counts as dead and the request moves to a fresh one when
   * nothing it sent changed anything. 0: no timer.
   */
  firstReplyMs?: number;
  /**
   * How long a closed connection still holds its slot after its socket
   * closed (default 50 ms): the server only counts it gone once the close
   * reached it, and providers cap sessions on their side.
   */
  closeGraceMs?: number;
}

/** Short requests answer in a few round trips; long ones (downloads, change waits) hold a connection for long. */
export type LeaseKind = 'short' | 'long';

/** One request's claim on a connection slot of an account; give it back with `release` exactly once. */
export interface Lease {
  readonly account: string;
  readonly version: string;
  readonly kind: LeaseKind;
  /** A kept, authenticated connection, or null: the holder opens a fresh one in this slot. */
  readonly connection: PooledConnection | null;
}

/** Seconds a client is asked to wait when an account's queue is full. */
const QUEUE_FULL_RETRY_AFTER = 2;
const DEFAULT_RESERVED = 2;
const DEFAULT_MAX_WAITING = 64;
const DEFAULT_FIRST_REPLY_MS = 3_000;

interface IdleEntry {
  connection: PooledConnection;
  version: string;
  timer: NodeJS.Timeout;
  onClose: () => void;
}

interface Waiter {
  version: string;
  kind: LeaseKind;
  grant: (lease: Lease) => void;
}

/** What the pool did since it was created, for benchmarks and metrics. */
export interface PoolCounters {
  /** Slots granted to requests. */
  leases: number;
  /** Of those, slots without a kept connection: the holder opened (and logged in on) a new one. */
  fresh: number;
  /** Connections closed by the pool: over `maxIdlePerAccount`, idle past `idleMs`, unusable or of another version. */
  retired: number;
}

interface AccountSlots {
  busy: number;
  /** Busy slots held by long requests. */
  busyLong: number;
  /** Connections closed but whose sockets are not yet: they still count against the cap. */
  closing: number;
  idle: IdleEntry[];
  waiters: Waiter[];
}

/**
 * Authenticated IMAP connections kept for a few seconds between requests,
 * per account (the server-side identity: host, port, user). A kept
 * connection is only handed to a request whose account document hashes to
 * the same `version`, so changed credentials never ride an old login; idle
 * ones of another version are closed when asked. Nothing about the selected
 * mailbox is trusted across requests: the session selects again.
 *
 * Fair sharing: long requests hold at most `maxPerAccount - reservedPerAccount`
 * connections of an account; waiters are served in order, each as soon as a
 * slot it may use frees; at most `maxWaitingPerAccount` wait. An account
 * with nothing open, kept or awaited is forgotten.
 *
 * Timers are unref'd, so an idle pool never keeps the process alive.
 */
export class ImapConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #maxLong: number;
  readonly #maxWaiting: number;
  readonly #accounts = new Map<string, AccountSlots>();
  readonly #counters: PoolCounters = { leases: 0, fresh: 0, retired: 0 };
  #closed = false;

  constructor(options: ConnectionPoolOptions) {
    const maxPerAccount = Math.max(1, options.maxPerAccount);
    this.#options = { ...options, maxPerAccount };
    this.#maxLong = Math.max(1, maxPerAccount - (options.reservedPerAccount ?? DEFAULT_RESERVED));
    this.#maxWaiting = Math.max(0, options.maxWaitingPerAccount ?? DEFAULT_MAX_WAITING);
  }

  /** How long the server may stay silent on a kept connection's first command (ms; 0: no limit). */
  get firstReplyMs(): number {
    return this.#options.firstReplyMs ?? DEFAULT_FIRST_REPLY_MS;
  }

  /**
   * A slot for `account`: a kept connection of `version` when one is idle,
   * else a free slot, else waits in line until one it may use frees up.
   * @throws UpstreamThrottledError when `maxWaitingPerAccount` requests already wait;
   *   ConnectionWaitTimeoutError when `signal` aborts with a timeout while waiting
   *   (the signal's reason for any other abort).
   */
  async acquire(
    account: string,
    version: string,
    signal: AbortSignal,
    kind: LeaseKind = 'short',
  ): Promise<Lease> {
    signal.throwIfAborted();
    const slots = this.#slots(account);
    // Nobody in line may be passed, except long requests held back by their share when this one is short.
    const inTurn = slots.waiters.every((waiter) => waiter.kind === 'long' && kind === 'short');
    const lease = inTurn ? this.#claim(account, slots, version, kind) : null;
    if (lease) return lease;
    if (slots.waiters.length >= this.#maxWaiting) {
      this.#forgetIfUnused(account, slots);
      throw new UpstreamThrottledError(
        "Too many requests are waiting for this account's mail server; retry shortly.",
        QUEUE_FULL_RETRY_AFTER,
      );
    }
    return this.#wait(account, slots, { version, kind }, signal);
  }

  /**
   * Gives a slot back. `connection` is kept for the next request only when
   * `reusable` and there is room; otherwise it is closed (no LOGOUT: closing
   * the socket ends the session).
   */
  release(lease: Lease, connection: PooledConnection | null, reusable: boolean): void {
    const slots = this.#slots(lease.account);
    slots.busy -= 1;
    if (lease.kind === 'long') slots.busyLong -= 1;
    const keep =
      connection !== null &&
      reusable &&
      !this.#closed &&
      this.#options.idleMs > 0 &&
      slots.idle.length < this.#options.maxIdlePerAccount &&
      isAlive(connection);
    if (keep) this.#keep(lease.account, slots, connection, lease.version);
    else if (connection) this.#retire(lease.account, slots, connection);
    this.#serve(lease.account, slots);
  }

  /** Connections open per account, busy and idle (for tests and metrics). */
  openConnections(account: string): number {
    const slots = this.#accounts.get(account);
    return slots ? slots.busy + slots.closing + slots.idle.length : 0;
  }

  /** Leases granted, fresh ones among them and connections retired, since the pool was created (a copy). */
  get counters(): PoolCounters {
    return { ...this.#counters };
  }

  /** Accounts the pool holds state for: those with a connection open, kept or awaited. */
  get trackedAccounts(): number {
    return this.#accounts.size;
  }

  /** Closes every idle connection and keeps none from now on (process shutdown). */
  close(): void {
    this.#closed = true;
    for (const [account, slots] of this.#accounts)
      for (const entry of [...slots.idle]) this.#drop(account, slots, entry);
  }

  /** A lease for `version` and `kind` when one may be had now; closes idle connections of other versions. */
  #claim(account: string, slots: AccountSlots, version: string, kind: LeaseKind): Lease | null {
    if (kind === 'long' && slots.busyLong >= this.#maxLong) return null;
    for (const entry of slots.idle.filter((e) => e.version !== version)) this.#drop(account, slots, entry);
    for (let entry = slots.idle.pop(); entry; entry = slots.idle.pop()) {
      this.#unwatch(entry);
      // Closed by the server while kept, or closing (a BYE arrived): never handed out.
      if (!isAlive(entry.connection)) {
        this.#retire(account, slots, entry.connection);
        continue;
      }
      return this.#lease(account, slots, version, kind, entry.connection);
    }
    if (slots.busy + slots.closing + slots.idle.length < this.#options.maxPerAccount)
      return this.#lease(account, slots, version, kind, null);
    return null;
  }

  #lease(
    account: string,
    slots: AccountSlots,
    version: string,
    kind: LeaseKind,
    connection: PooledConnection | null,
  ): Lease {
    slots.busy += 1;
    if (kind === 'long') slots.busyLong += 1;
    this.#counters.leases += 1;
    if (connection === null) this.#counters.fresh += 1;
    return { account, version, kind, connection };
  }

  /** Grants waiters in order while slots they may use are free; a long waiter over its share lets short ones pass. */
  #serve(account: string, slots: AccountSlots): void {
    for (const waiter of [...slots.waiters]) {
      const lease = this.#claim(account, slots, waiter.version, waiter.kind);
      if (!lease) {
        if (waiter.kind === 'short') break;
        continue;
      }
      slots.waiters.splice(slots.waiters.indexOf(waiter), 1);
      waiter.grant(lease);
    }
    this.#forgetIfUnused(account, slots);
  }

  #wait(
    account: string,
    slots: AccountSlots,
    wanted: { version: string; kind: LeaseKind },
    signal: AbortSignal,
  ): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        ...wanted,
        grant: (lease) => {
          signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = () => {
        const at = slots.waiters.indexOf(waiter);
        if (at !== -1) slots.waiters.splice(at, 1);
        // A short waiter behind a long one over its share may go now.
        this.#serve(account, slots);
        reject(waitAborted(signal));
      };
      slots.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #keep(account: string, slots: AccountSlots, connection: PooledConnection, version: string): void {
    const entry: IdleEntry = {
      connection,
      version,
      timer: setTimeout(() => this.#drop(account, slots, entry), this.#options.idleMs),
      // The server ended it (BYE, idle timeout, cut): it must not be handed out.
      onClose: () => this.#drop(account, slots, entry),
    };
    entry.timer.unref();
    connection.client.once('close', entry.onClose);
    slots.idle.push(entry);
  }

  #drop(account: string, slots: AccountSlots, entry: IdleEntry): void {
    const at = slots.idle.indexOf(entry);
    if (at === -1) return;
    slots.idle.splice(at, 1);
    this.#unwatch(entry);
    this.#retire(account, slots, entry.connection);
  }

  /** Closes a connection; its slot frees once the socket is really closed. */
  #retire(account: string, slots: AccountSlots, connection: PooledConnection): void {
    slots.closing += 1;
    this.#counters.retired += 1;
    let closed: Promise<void>;
    try {
      closed = closeFully(connection);
    } catch {
      closed = Promise.resolve();
    }
    void closed.then(() => {
      const timer = setTimeout(() => {
        slots.closing -= 1;
        this.#serve(account, slots);
      }, this.#options.closeGraceMs ?? 50);
      timer.unref();
    });
  }

  #unwatch(entry: IdleEntry): void {
    clearTimeout(entry.timer);
    entry.connection.client.off('close', entry.onClose);
  }

  #slots(account: string): AccountSlots {
    let slots = this.#accounts.get(account);
    if (!slots) {
      slots = { busy: 0, busyLong: 0, closing: 0, idle: [], waiters: [] };
      this.#accounts.set(account, slots);
    }
    return slots;
  }

  /** Forgets an account with nothing open, kept or awaited: the map only holds accounts in use. */
  #forgetIfUnused(account: string, slots: AccountSlots): void {
    const unused =
      slots.busy === 0 && slots.closing === 0 && slots.idle.length === 0 && slots.waiters.length === 0;
    if (unused && this.#accounts.get(account) === slots) this.#accounts.delete(account);
  }
}

/** Why a wait ended: a timeout is the gateway's own saturation (503), anything else keeps its reason. */
function waitAborted(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  const timedOut =
    reason instanceof Error && (reason.name === 'TimeoutError' || reason.name === 'UpstreamTimeoutError');
  return timedOut ? new ConnectionWaitTimeoutError(undefined, undefined, { cause: reason }) : reason;
}

/** Creates a pool; see ImapConnectionPool. */
export function createImapConnectionPool(options: ConnectionPoolOptions): ImapConnectionPool {
  return new ImapConnectionPool(options);
}
