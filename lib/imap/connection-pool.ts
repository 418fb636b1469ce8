import type { ImapFlow } from 'imapflow';
import { closeFully } from './connection-reuse.js';

export interface ConnectionPoolOptions {
  /** How long a connection is kept after a request, in ms; 0 keeps none (the cap still applies). */
  idleMs: number;
  /** Idle connections kept per account. */
  maxIdlePerAccount: number;
  /** Connections per account at any moment, busy and idle; further requests wait for one. */
  maxPerAccount: number;
  /**
   * How long a closed connection still holds its slot after its socket
   * closed (default 50 ms): the server only counts it gone once the close
   * reached it, and providers cap sessions on their side.
   */
  closeGraceMs?: number;
}

/** One request's claim on a connection slot of an account; give it back with `release` exactly once. */
export interface Lease {
  readonly account: string;
  readonly version: string;
  /** A kept, authenticated connection, or null: the holder opens a fresh one in this slot. */
  readonly client: ImapFlow | null;
}

interface IdleEntry {
  client: ImapFlow;
  version: string;
  timer: NodeJS.Timeout;
  onClose: () => void;
}

interface AccountSlots {
  busy: number;
  /** Connections closed but whose sockets are not yet: they still count against the cap. */
  closing: number;
  idle: IdleEntry[];
  waiters: Array<() => void>;
}

/**
 * Authenticated IMAP connections kept for a few seconds between requests,
 * per account (the server-side identity: host, port, user). A kept
 * connection is only handed to a request whose account document hashes to
 * the same `version`, so changed credentials never ride an old login; idle
 * ones of another version are closed when asked. Nothing about the selected
 * mailbox is trusted across requests: the session selects again.
 *
 * Timers are unref'd, so an idle pool never keeps the process alive.
 */
export class ImapConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #accounts = new Map<string, AccountSlots>();
  #closed = false;

  constructor(options: ConnectionPoolOptions) {
    this.#options = { ...options, maxPerAccount: Math.max(1, options.maxPerAccount) };
  }

  /**
   * A slot for `account`: a kept connection of `version` when one is idle,
   * else a free slot, else waits until one frees up or `signal` aborts
   * (rejects with the signal's reason).
   */
  async acquire(account: string, version: string, signal: AbortSignal): Promise<Lease> {
    for (;;) {
      signal.throwIfAborted();
      const slots = this.#slots(account);
      for (const entry of slots.idle.filter((e) => e.version !== version)) this.#drop(slots, entry);
      const entry = slots.idle.pop();
      if (entry) {
        this.#unwatch(entry);
        if (!entry.client.usable) {
          this.#retire(slots, entry.client);
          continue;
        }
        slots.busy += 1;
        return { account, version, client: entry.client };
      }
      if (slots.busy + slots.closing + slots.idle.length < this.#options.maxPerAccount) {
        slots.busy += 1;
        return { account, version, client: null };
      }
      await this.#waitForSlot(slots, signal);
    }
  }

  /**
   * Gives a slot back. `client` is kept for the next request only when
   * `reusable` and there is room; otherwise it is closed (no LOGOUT: closing
   * the socket ends the session).
   */
  release(lease: Lease, client: ImapFlow | null, reusable: boolean): void {
    const slots = this.#slots(lease.account);
    slots.busy -= 1;
    const keep =
      client !== null &&
      reusable &&
      !this.#closed &&
      this.#options.idleMs > 0 &&
      slots.idle.length < this.#options.maxIdlePerAccount &&
      client.usable;
    if (keep) this.#keep(slots, client, lease.version);
    else if (client) this.#retire(slots, client);
    this.#wakeOne(slots);
  }

  /** Connections open per account, busy and idle (for tests and metrics). */
  openConnections(account: string): number {
    const slots = this.#accounts.get(account);
    return slots ? slots.busy + slots.closing + slots.idle.length : 0;
  }

  /** Closes every idle connection and keeps none from now on (process shutdown). */
  close(): void {
    this.#closed = true;
    for (const slots of this.#accounts.values())
      for (const entry of [...slots.idle]) this.#drop(slots, entry);
  }

  #keep(slots: AccountSlots, client: ImapFlow, version: string): void {
    const entry: IdleEntry = {
      client,
      version,
      timer: setTimeout(() => this.#drop(slots, entry), this.#options.idleMs),
      // The server ended it (BYE, idle timeout, cut): it must not be handed out.
      onClose: () => this.#drop(slots, entry),
    };
    entry.timer.unref();
    client.once('close', entry.onClose);
    slots.idle.push(entry);
  }

  #drop(slots: AccountSlots, entry: IdleEntry): void {
    const at = slots.idle.indexOf(entry);
    if (at === -1) return;
    slots.idle.splice(at, 1);
    this.#unwatch(entry);
    this.#retire(slots, entry.client);
  }

  /** Closes a connection; its slot frees once the socket is really closed. */
  #retire(slots: AccountSlots, client: ImapFlow): void {
    slots.closing += 1;
    let closed: Promise<void>;
    try {
      closed = closeFully(client);
    } catch {
      closed = Promise.resolve();
    }
    void closed.then(() => {
      const timer = setTimeout(() => {
        slots.closing -= 1;
        this.#wakeOne(slots);
      }, this.#options.closeGraceMs ?? 50);
      timer.unref();
    });
  }

  #unwatch(entry: IdleEntry): void {
    clearTimeout(entry.timer);
    entry.client.off('close', entry.onClose);
  }

  #slots(account: string): AccountSlots {
    let slots = this.#accounts.get(account);
    if (!slots) {
      slots = { busy: 0, closing: 0, idle: [], waiters: [] };
      this.#accounts.set(account, slots);
    }
    return slots;
  }

  #wakeOne(slots: AccountSlots): void {
    slots.waiters.shift()?.();
  }

  #waitForSlot(slots: AccountSlots, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = slots.waiters.indexOf(wake);
        if (at !== -1) slots.waiters.splice(at, 1);
        reject(signal.reason);
      };
      slots.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Creates a pool; see ImapConnectionPool. */
export function createImapConnectionPool(options: ConnectionPoolOptions): ImapConnectionPool {
  return new ImapConnectionPool(options);
}
