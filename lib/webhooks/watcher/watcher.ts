import type { Account } from '../../credentials/account.js';
import type { CredentialStore } from '../../credentials/store.js';
import { AccountNotFoundError, MailboxNotFoundError } from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import { silentLogger } from '../../mail/logger.js';
import type { MailStoreFactory } from '../../mail/store.js';
import { type AccessTokenSource, storedAccessTokenSource } from '../../oauth2/access-token-source.js';
import type { WebhookRecord, WebhookRepository } from '../repository.js';
import { checkMailbox, webhookMailboxRef } from '../watch-mailbox.js';
import { reconnectDelay, Semaphore, sleep, Wakeup } from './limits.js';
import { StatusReader } from './status-reader.js';
import {
  isRefusal,
  openWatchConnection,
  readStatuses,
  setNotify,
  type WatchConnection,
  wireKey,
  withTimeout,
} from './watch-connection.js';

/**
 * The local server's webhook watcher: it watches every mailbox an active
 * webhook names and, when one may have changed, runs `checkMailbox` for
 * each webhook on it (which queues the events and moves the cursor), then
 * wakes the deliverer.
 *
 * How a mailbox is watched, per account:
 * - IMAP with NOTIFY (RFC 5465): one connection for all of the account's
 *   watched mailboxes, `NOTIFY SET (mailboxes (…) (MessageNew
 *   MessageExpunge FlagChange MailboxName))`; each untagged STATUS (or
 *   LIST, for a mailbox deleted or created) names the mailbox to check; a
 *   refused NOTIFY SET falls back to IDLE. A keep-alive NOOP every
 *   `keepaliveMs`. A changed watched set takes a new connection (Dovecot
 *   2.3 holds the notifications after a second NOTIFY SET).
 * - IMAP with IDLE (or NOTIFY turned off): one connection per mailbox,
 *   EXAMINE and IDLE (renewed every `keepaliveMs`); EXISTS, EXPUNGE and
 *   FETCH trigger the check. At most `maxIdlePerAccount` per account (INBOX
 *   first, then by name): servers cap a user's connections; the account's
 *   other mailboxes are polled every `pollMs`. After a refused NOTIFY SET,
 *   NOTIFY is tried again every `notifyRetryMs`.
 * - IMAP with neither, and POP3: a check of every mailbox every `pollMs`.
 *
 * Checks are coalesced per (account, mailbox): at most one runs and one
 * more is pending, however many notifications arrive; at most
 * `maxChecksPerAccount` per account and `maxChecks` in all run at once, each
 * under `checkTimeoutMs`; a check takes its account's slot before a shared
 * one, so one account's hanging checks cannot hold every shared slot. A dropped connection comes back after a capped,
 * jittered backoff, and each (re)connect checks every mailbox it watches
 * (what changed while away); the back-off starts over only after a
 * connection was held `reconnectResetMs`. The watched set follows the store: `resync()`
 * (the routes' `changed`) and every `resyncMs`. Logs carry account and
 * webhook ids and error codes, never URLs, secrets or server text.
 */

export const DEFAULT_POLL_MS = 60_000;
export const DEFAULT_RESYNC_MS = 60_000;
export const DEFAULT_KEEPALIVE_MS = 25_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;
export const DEFAULT_RESOLVE_TIMEOUT_MS = 10_000;
/** IDLE connections per account: servers cap a user's connections (Dovecot 10 per user and address, Gmail about 15). */
export const DEFAULT_MAX_IDLE_PER_ACCOUNT = 5;
/** After a server refused NOTIFY SET: how long the account is watched with IDLE before NOTIFY is tried again. */
export const DEFAULT_NOTIFY_RETRY_MS = 3_600_000;
/** After names of an account could not be resolved: the first wait before asking its server again, doubling to the max. */
const RESOLVE_RETRY_MS = 60_000;
const RESOLVE_RETRY_MAX_MS = 15 * 60_000;
/** An IDLE the server ended sooner than this is restarted only after the rest of it (no hot loop). */
const MIN_IDLE_MS = 1_000;
/** A watch connection held at least this long starts the reconnect back-off over when it closes. */
export const DEFAULT_RECONNECT_RESET_MS = 30_000;
/** The least time between the end of one check of a mailbox and the start of the next. */
const MIN_CHECK_GAP_MS = 200;

export interface WatcherOptions {
  repository: WebhookRepository;
  /** Where each webhook's account document comes from (the credential store). */
  accounts: Pick<CredentialStore, 'getAccount'>;
  /** The stores the checks read with: the same factory the routes use. */
  stores: MailStoreFactory;
  /** OAuth2 bearer tokens for the watch connections (the routes' token manager); the stored token otherwise. */
  tokens?: AccessTokenSource;
  logger?: Logger;
  /** Called after a check queued events (the deliverer's `wake`). */
  onQueued?: () => void;
  /** Use NOTIFY where the server has it (default true); false watches every mailbox with IDLE. */
  notify?: boolean;
  /** POP3, and IMAP without IDLE: how often each mailbox is checked. */
  pollMs?: number;
  /** How often the watched set is read again from the store. */
  resyncMs?: number;
  /**
   * IDLE connections per account (default 5): INBOX first, then the other mailboxes by name; the
   * rest are polled every `pollMs`.
   */
  maxIdlePerAccount?: number;
  /** After a refused NOTIFY SET, the account is watched with IDLE this long, then NOTIFY is tried again. */
  notifyRetryMs?: number;
  /** NOOP on a NOTIFY connection, IDLE renewal. */
  keepaliveMs?: number;
  checkTimeoutMs?: number;
  /** Resolving an account's webhook mailbox names (`~inbox`, paths) on its server. */
  resolveTimeoutMs?: number;
  maxChecks?: number;
  maxChecksPerAccount?: number;
  /** Reconnect backoff (ms): first wait about `reconnectBaseMs`, doubling up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** The back-off starts over only after a connection was held this long (default 30 s). */
  reconnectResetMs?: number;
  random?: () => number;
  /** The clock (ms), for the back-offs. */
  now?: () => number;
}

export type WatchMode = 'notify' | 'idle' | 'poll';

export interface WatcherStatus {
  accounts: Array<{ id: string; mode: WatchMode; mailboxes: string[]; connections: number }>;
}

export interface Watcher {
  /** Reads the active webhooks again and adjusts what is watched; resolves once applied. */
  resync(): Promise<void>;
  status(): WatcherStatus;
  /** Closes every connection, stops the timers and waits for the checks in flight. */
  stop(): Promise<void>;
}

interface MailboxEntry {
  path: string;
  webhooks: Map<string, WebhookRecord>;
  running: Promise<void> | null;
  pending: boolean;
}

interface Runner {
  abort: AbortController;
  current: WatchConnection | null;
  /** NOTIFY: the watched set changed, set it again. */
  kick(): void;
}

interface AccountEntry {
  id: string;
  account: Account;
  fingerprint: string;
  mailboxes: Map<string, MailboxEntry>;
  /** A webhook's mailbox name (`~inbox`, a path) → the path it resolved to. */
  resolved: Map<string, string>;
  mode: WatchMode;
  notifyRunner: Runner | null;
  idleRunners: Map<string, Runner>;
  pollTimer: NodeJS.Timeout | null;
  /** After a refused NOTIFY SET: when NOTIFY is tried again. */
  notifyRetry: NodeJS.Timeout | null;
  checks: Semaphore;
}

export function startWatcher(options: WatcherOptions): Watcher {
  const { repository, stores } = options;
  const logger = options.logger ?? silentLogger;
  const tokens = options.tokens ?? storedAccessTokenSource;
  const useNotify = options.notify !== false;
  const pollMs = positive(options.pollMs ?? DEFAULT_POLL_MS, 'pollMs');
  const resyncMs = positive(options.resyncMs ?? DEFAULT_RESYNC_MS, 'resyncMs');
  const keepaliveMs = positive(options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS, 'keepaliveMs');
  const checkTimeoutMs = positive(options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, 'checkTimeoutMs');
  const perAccount = options.maxChecksPerAccount ?? 2;
  const random = options.random ?? Math.random;
  const maxIdle = options.maxIdlePerAccount ?? DEFAULT_MAX_IDLE_PER_ACCOUNT;
  if (!(Number.isInteger(maxIdle) && maxIdle >= 1))
    throw new RangeError('maxIdlePerAccount must be an integer above 0');
  const notifyRetryMs = positive(options.notifyRetryMs ?? DEFAULT_NOTIFY_RETRY_MS, 'notifyRetryMs');
  const now = options.now ?? Date.now;
  const reconnectResetMs = positive(
    options.reconnectResetMs ?? DEFAULT_RECONNECT_RESET_MS,
    'reconnectResetMs',
  );
  const resolveTimeoutMs = positive(
    options.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
    'resolveTimeoutMs',
  );
  /** Accounts whose names could not be resolved (the server failed or timed out): when to ask again. */
  const resolveBackoff = new Map<string, { failures: number; retryAt: number }>();
  /**
   * Accounts that do not exist, not watched: → null when the credential store has none (watched
   * again once it has), → the fingerprint when a check or login was told so (watched again once the
   * stored account changes). Warned of once.
   */
  const missing = new Map<string, string | null>();
  const globalChecks = new Semaphore(options.maxChecks ?? 16);

  const accounts = new Map<string, AccountEntry>();
  /** Checks and connection loops in flight, for stop(). */
  const background = new Set<Promise<unknown>>();
  let stopped = false;
  /** Aborted by stop(): ends the waits between checks. */
  const halt = new AbortController();

  const track = (work: Promise<unknown>): void => {
    const settled = work.catch(() => undefined).finally(() => background.delete(settled));
    background.add(settled);
  };

  // ---- checks ---------------------------------------------------------------

  const trigger = (entry: AccountEntry, path: string): void => {
    if (stopped) return;
    const mailbox = entry.mailboxes.get(path);
    if (!mailbox || accounts.get(entry.id) !== entry) return;
    if (mailbox.running) {
      mailbox.pending = true;
      return;
    }
    const run = (async () => {
      // The account's slot first, then a shared one: an account whose checks hang holds at most
      // its own share of the shared slots, never all of them.
      await entry.checks.run(() =>
        globalChecks.run(async () => {
          mailbox.pending = false;
          if (!stopped && entry.mailboxes.get(path) === mailbox) await check(entry, mailbox);
        }),
      );
      // Changes told during the check get one more, after a breath: a server that never stops
      // notifying costs a check every MIN_CHECK_GAP_MS at most, not a loop.
      if (mailbox.pending) await sleep(MIN_CHECK_GAP_MS, halt.signal);
    })()
      .catch((error: unknown) =>
        logger.error('webhook check failed', { account: entry.id, ...errorFields(error) }),
      )
      .finally(() => {
        mailbox.running = null;
        if (mailbox.pending) trigger(entry, path);
      });
    mailbox.running = run;
    track(run);
  };

  const triggerAll = (entry: AccountEntry): void => {
    for (const path of entry.mailboxes.keys()) trigger(entry, path);
  };

  const check = async (entry: AccountEntry, mailbox: MailboxEntry): Promise<void> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), checkTimeoutMs);
    const log = logger.child({ account: entry.id });
    // stop() abandons the check too.
    const signal = AbortSignal.any([controller.signal, halt.signal]);
    const store = stores.open(entry.account, { signal, logger: log });
    let queued = 0;
    let replaced = false;
    try {
      for (const webhook of [...mailbox.webhooks.values()]) {
        if (stopped) break;
        try {
          const result = await checkMailbox({
            repository,
            store,
            webhook,
            mailbox: { kind: 'path', path: mailbox.path },
            logger: log,
          });
          queued += result.committed;
          if (result.reset) replaced = true;
        } catch (error) {
          if (isAccountNotFound(error)) {
            accountGone(entry);
            break;
          }
          if (error instanceof MailboxNotFoundError) replaced = true;
          log.warn('webhook mailbox check failed', { webhook: webhook.id, ...errorFields(error) });
        }
      }
    } finally {
      clearTimeout(timer);
      await store.close().catch(() => undefined);
    }
    if (queued > 0) options.onQueued?.();
    // The mailbox was deleted (and maybe created again): an IDLE on the old one may hear nothing
    // more (Dovecot tells it only at its next command), so that connection starts over.
    if (replaced) void entry.idleRunners.get(mailbox.path)?.current?.close();
  };

  // ---- connections ----------------------------------------------------------

  const newRunner = (loop: (runner: Runner, kicks: Wakeup) => Promise<void>): Runner => {
    const kicks = new Wakeup();
    const runner: Runner = {
      abort: new AbortController(),
      current: null,
      kick: () => kicks.wake(),
    };
    track(loop(runner, kicks));
    return runner;
  };

  const stopRunner = (runner: Runner | null): void => {
    if (!runner) return;
    runner.abort.abort();
    runner.kick();
    void runner.current?.close();
  };

  /** Opens, sets up and holds one connection after another until the runner is stopped. */
  const connectionLoop = async (
    entry: AccountEntry,
    runner: Runner,
    /** `again`: reconnect at once (the watched set changed); `closed`: after the backoff. */
    hold: (watch: WatchConnection) => Promise<'switched' | 'closed' | 'again'>,
    what: Record<string, string>,
  ): Promise<void> => {
    let attempt = 0;
    const signal = runner.abort.signal;
    while (!signal.aborted && !stopped) {
      let watch: WatchConnection | null = null;
      try {
        watch = await openWatchConnection(entry.account, {
          logger: logger.child({ account: entry.id }),
          tokens,
          signal,
        });
        runner.current = watch;
        if (signal.aborted) break;
        const began = now();
        const held = await hold(watch);
        if (held === 'switched') return;
        // A server that drops each connection soon after it is set up keeps the back-off growing.
        if (held === 'again') attempt = -1;
        else if (now() - began >= reconnectResetMs) attempt = 0;
        if (!signal.aborted && held === 'closed') {
          logger.info('webhook watch connection closed; reconnecting', { account: entry.id, ...what });
        }
      } catch (error) {
        if (isAccountNotFound(error)) {
          accountGone(entry);
          break;
        }
        if (!signal.aborted) {
          logger.warn('webhook watch connection failed', {
            account: entry.id,
            ...what,
            ...errorFields(error),
          });
        }
      } finally {
        runner.current = null;
        await watch?.close();
      }
      if (signal.aborted || stopped) break;
      attempt += 1;
      if (attempt === 0) continue;
      const wait = reconnectDelay(attempt, random, options.reconnectBaseMs, options.reconnectMaxMs);
      logger.debug('webhook watch reconnecting', {
        account: entry.id,
        ...what,
        attempt: String(attempt),
        waitMs: wait,
      });
      await sleep(wait, signal);
    }
  };

  const startNotify = (entry: AccountEntry): Runner =>
    newRunner(async (runner, kicks) => {
      const signal = runner.abort.signal;
      await connectionLoop(
        entry,
        runner,
        async (watch) => {
          if (!watch.has('NOTIFY')) return switchMode(entry, watch.has('IDLE') ? 'idle' : 'poll');
          let byWire = new Map<string, string>();
          const reader = new StatusReader({
            mailbox(name) {
              const path = byWire.get(wireKey(name));
              if (path !== undefined) trigger(entry, path);
            },
            unknown: () => triggerAll(entry),
          });
          // imapflow's own socket (STARTTLS) cannot be read beside it: watch with IDLE instead.
          if (!readStatuses(watch, reader)) return switchMode(entry, 'idle');
          const watched = pathsKey(entry);
          try {
            byWire = await setNotify(watch, [...entry.mailboxes.keys()]);
          } catch (error) {
            // A server that advertises NOTIFY but refuses this request is watched with IDLE for a while.
            if (isRefusal(error)) {
              retryNotifyLater(entry);
              return switchMode(entry, watch.has('IDLE') ? 'idle' : 'poll');
            }
            throw error;
          }
          logger.debug('webhook watch by NOTIFY', { account: entry.id, mailboxes: entry.mailboxes.size });
          triggerAll(entry);
          // One handler each for the whole connection, not one per round.
          const closed = watch.closed.then(() => 'closed' as const);
          let kicked = kicks.next().then(() => 'kicked' as const);
          while (!signal.aborted && !watch.isClosed) {
            const timer = new AbortController();
            const woke = await Promise.race([
              closed,
              kicked,
              sleep(keepaliveMs, timer.signal).then(() => 'keepalive' as const),
            ]);
            timer.abort();
            if (woke === 'closed' || signal.aborted) break;
            // A kick during the NOOP stays pending in `kicked`: the next round sees it at once.
            if (woke === 'keepalive') {
              await watch.command((client) => client.noop());
              continue;
            }
            kicks.take();
            kicked = kicks.next().then(() => 'kicked' as const);
            // A new set on a fresh connection: Dovecot (2.3) answers a second NOTIFY SET with OK but
            // then holds its notifications until the next command.
            if (pathsKey(entry) !== watched) return 'again';
          }
          return 'closed';
        },
        { mode: 'notify' },
      );
    });

  const startIdle = (entry: AccountEntry, path: string): Runner =>
    newRunner(async (runner) => {
      const signal = runner.abort.signal;
      await connectionLoop(
        entry,
        runner,
        async (watch) => {
          if (!watch.has('IDLE')) return switchMode(entry, 'poll');
          try {
            await watch.command((client) => client.mailboxOpen(path, { readOnly: true }));
          } catch (error) {
            // Gone or unreadable: a check tells each webhook on it why (and queues a reset once it is back).
            trigger(entry, path);
            throw error;
          }
          const changed = () => trigger(entry, path);
          watch.client.on('exists', changed);
          watch.client.on('expunge', changed);
          watch.client.on('flags', changed);
          trigger(entry, path);
          const closed = watch.closed.then(() => 'closed' as const);
          try {
            while (!signal.aborted && !watch.isClosed) {
              const began = performance.now();
              const idling = watch.client.idle().catch(() => false);
              const timer = new AbortController();
              const woke = await Promise.race([
                idling.then(() => 'ended' as const),
                closed,
                sleep(keepaliveMs, timer.signal).then(() => 'renew' as const),
              ]);
              timer.abort();
              if (woke === 'closed' || signal.aborted) break;
              // NOOP ends the IDLE (imapflow sends DONE first) and checks the server is there.
              if (woke === 'renew') await watch.command((client) => client.noop());
              await withTimeout(idling, 20_000, () => void watch.close());
              const spent = performance.now() - began;
              if (woke === 'ended' && spent < MIN_IDLE_MS) await sleep(MIN_IDLE_MS - spent, signal);
            }
          } finally {
            watch.client.off('exists', changed);
            watch.client.off('expunge', changed);
            watch.client.off('flags', changed);
          }
          return 'closed';
        },
        { mode: 'idle' },
      );
    });

  /** The server lacks what the mode needs: watch the account another way from now on. */
  const switchMode = (entry: AccountEntry, mode: WatchMode): 'switched' => {
    logger.info('webhook watch mode chosen', { account: entry.id, mode });
    entry.mode = mode;
    // Not awaited: the caller is one of the runners being stopped.
    queueMicrotask(() => {
      if (accounts.get(entry.id) === entry && !stopped) applyConnections(entry);
    });
    return 'switched';
  };

  /** NOTIFY was refused: after `notifyRetryMs` the account tries it again (on a new connection). */
  const retryNotifyLater = (entry: AccountEntry): void => {
    if (entry.notifyRetry) clearTimeout(entry.notifyRetry);
    entry.notifyRetry = setTimeout(() => {
      entry.notifyRetry = null;
      if (accounts.get(entry.id) !== entry || stopped || entry.mode === 'notify') return;
      entry.mode = 'notify';
      applyConnections(entry);
    }, notifyRetryMs);
    entry.notifyRetry.unref();
  };

  /** The mailboxes that get an IDLE connection: INBOX first, then by name, `maxIdle` at most. */
  const idlePaths = (entry: AccountEntry): Set<string> =>
    new Set(
      [...entry.mailboxes.keys()]
        .sort(
          (a, b) =>
            Number(wireKey(b) === 'INBOX') - Number(wireKey(a) === 'INBOX') || (a < b ? -1 : a > b ? 1 : 0),
        )
        .slice(0, maxIdle),
    );

  /** Every mailbox without a connection of its own that tells of changes (all of them in poll mode). */
  const pollUnwatched = (entry: AccountEntry): void => {
    for (const path of entry.mailboxes.keys()) if (!entry.idleRunners.has(path)) trigger(entry, path);
  };

  /** Starts and stops connections and timers so they match the account's mode and mailboxes. */
  const applyConnections = (entry: AccountEntry): void => {
    if (entry.mode !== 'notify') {
      stopRunner(entry.notifyRunner);
      entry.notifyRunner = null;
    }
    const idling = entry.mode === 'idle' ? idlePaths(entry) : new Set<string>();
    for (const [path, runner] of entry.idleRunners) {
      if (!idling.has(path)) {
        stopRunner(runner);
        entry.idleRunners.delete(path);
      }
    }
    const polled = entry.mode === 'poll' || (entry.mode === 'idle' && entry.mailboxes.size > idling.size);
    if (!polled && entry.pollTimer) {
      clearInterval(entry.pollTimer);
      entry.pollTimer = null;
    }
    if (entry.mode === 'notify') {
      if (entry.notifyRunner) entry.notifyRunner.kick();
      else entry.notifyRunner = startNotify(entry);
    }
    for (const path of idling)
      if (!entry.idleRunners.has(path)) entry.idleRunners.set(path, startIdle(entry, path));
    if (polled && !entry.pollTimer) {
      pollUnwatched(entry);
      entry.pollTimer = setInterval(() => pollUnwatched(entry), pollMs);
      entry.pollTimer.unref();
    }
  };

  /** The account does not exist: its watch stops (one warning) until the stored account changes. */
  const accountGone = (entry: AccountEntry): void => {
    if (accounts.get(entry.id) !== entry) return;
    if (!missing.has(entry.id)) {
      logger.warn('webhook account not found; its webhooks are not watched', { account: entry.id });
    }
    missing.set(entry.id, entry.fingerprint);
    dropAccount(entry);
  };

  const dropAccount = (entry: AccountEntry): void => {
    if (accounts.get(entry.id) === entry) accounts.delete(entry.id);
    entry.mailboxes.clear();
    stopRunner(entry.notifyRunner);
    entry.notifyRunner = null;
    for (const runner of entry.idleRunners.values()) stopRunner(runner);
    entry.idleRunners.clear();
    if (entry.pollTimer) clearInterval(entry.pollTimer);
    entry.pollTimer = null;
    if (entry.notifyRetry) clearTimeout(entry.notifyRetry);
    entry.notifyRetry = null;
  };

  // ---- the watched set ------------------------------------------------------

  /** Resolves what it can; false when the server failed (not merely a mailbox that does not exist). */
  const resolveNames = async (entry: AccountEntry, names: string[]): Promise<boolean> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), resolveTimeoutMs);
    let answered = true;
    const signal = AbortSignal.any([controller.signal, halt.signal]);
    const store = stores.open(entry.account, {
      signal,
      logger: logger.child({ account: entry.id }),
    });
    try {
      for (const name of names) {
        try {
          const status = await store.getMailbox(webhookMailboxRef(name));
          entry.resolved.set(name, status.path);
        } catch (error) {
          if (!(error instanceof MailboxNotFoundError)) answered = false;
          logger.warn('webhook mailbox not watched: it could not be opened', {
            account: entry.id,
            ...errorFields(error),
          });
          if (signal.aborted) break;
        }
      }
    } finally {
      clearTimeout(timer);
      await store.close().catch(() => undefined);
    }
    return answered;
  };

  /** Resolves the names not yet known, unless the account's server failed lately (then waits its back-off). */
  const resolveUnknown = async (entry: AccountEntry, names: string[]): Promise<void> => {
    const unresolved = names.filter((name) => !entry.resolved.has(name));
    if (unresolved.length === 0) return;
    const backoff = resolveBackoff.get(entry.id);
    if (backoff && now() < backoff.retryAt) return;
    if (await resolveNames(entry, unresolved)) {
      resolveBackoff.delete(entry.id);
      return;
    }
    const failures = (backoff?.failures ?? 0) + 1;
    const wait = Math.min(RESOLVE_RETRY_MAX_MS, RESOLVE_RETRY_MS * 2 ** Math.min(10, failures - 1));
    resolveBackoff.set(entry.id, { failures, retryAt: now() + wait });
  };

  const resyncOnce = async (): Promise<void> => {
    if (stopped) return;
    const active = await repository.listActive();
    const byAccount = new Map<string, WebhookRecord[]>();
    for (const webhook of active) {
      const list = byAccount.get(webhook.account) ?? [];
      list.push(webhook);
      byAccount.set(webhook.account, list);
    }
    for (const entry of [...accounts.values()]) if (!byAccount.has(entry.id)) dropAccount(entry);
    for (const id of [...resolveBackoff.keys()]) if (!byAccount.has(id)) resolveBackoff.delete(id);
    for (const id of [...missing.keys()]) if (!byAccount.has(id)) missing.delete(id);
    // Each account on its own: a server that hangs delays only its own account's webhooks.
    await Promise.all(
      [...byAccount].map(([id, webhooks]) =>
        syncAccount(id, webhooks).catch((error: unknown) =>
          logger.error('webhook account watch could not be set up', { account: id, ...errorFields(error) }),
        ),
      ),
    );
  };

  /** Brings one account's watch in line with its active webhooks. */
  const syncAccount = async (id: string, webhooks: WebhookRecord[]): Promise<void> => {
    if (stopped) return;
    let account: Account | undefined;
    try {
      account = await options.accounts.getAccount(id);
    } catch (error) {
      if (!isAccountNotFound(error)) {
        logger.warn('webhook account could not be read', { account: id, ...errorFields(error) });
        return;
      }
    }
    let entry = accounts.get(id);
    if (!account) {
      if (entry) dropAccount(entry);
      if (!missing.has(id)) {
        logger.warn('webhook account not found; its webhooks are not watched', { account: id });
      }
      missing.set(id, null);
      return;
    }
    const fingerprint = connectionFingerprint(account);
    const gone = missing.get(id);
    if (gone === fingerprint) return;
    missing.delete(id);
    if (entry && entry.fingerprint !== fingerprint) {
      dropAccount(entry);
      entry = undefined;
    }
    // Refreshed tokens (same fingerprint) are taken by the next connection and check.
    if (entry) entry.account = account;
    if (!entry) {
      entry = {
        id,
        account,
        fingerprint,
        mailboxes: new Map(),
        resolved: new Map(),
        mode: account.protocol === 'pop3' ? 'poll' : useNotify ? 'notify' : 'idle',
        notifyRunner: null,
        idleRunners: new Map(),
        pollTimer: null,
        notifyRetry: null,
        checks: new Semaphore(perAccount),
      };
      accounts.set(id, entry);
    }
    const names = [...new Set(webhooks.flatMap((webhook) => webhook.mailboxes))];
    await resolveUnknown(entry, names);
    if (stopped || accounts.get(id) !== entry) return;

    const desired = new Map<string, Map<string, WebhookRecord>>();
    for (const webhook of webhooks) {
      for (const name of webhook.mailboxes) {
        const path = entry.resolved.get(name);
        if (path === undefined) continue;
        const hooks = desired.get(path) ?? new Map<string, WebhookRecord>();
        hooks.set(webhook.id, webhook);
        desired.set(path, hooks);
      }
    }
    if (desired.size === 0) {
      dropAccount(entry);
      return;
    }
    const fresh: string[] = [];
    for (const [path, hooks] of desired) {
      let mailbox = entry.mailboxes.get(path);
      if (!mailbox) {
        mailbox = { path, webhooks: new Map(), running: null, pending: false };
        entry.mailboxes.set(path, mailbox);
      }
      for (const webhookId of hooks.keys()) if (!mailbox.webhooks.has(webhookId)) fresh.push(path);
      mailbox.webhooks = hooks;
    }
    for (const path of [...entry.mailboxes.keys()]) if (!desired.has(path)) entry.mailboxes.delete(path);
    applyConnections(entry);
    // A webhook new to a mailbox (created, re-enabled): its first look, or what it missed while disabled.
    for (const path of new Set(fresh)) trigger(entry, path);
  };

  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const resync = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (queued) return queued;
    const next: Promise<void> = (running ?? Promise.resolve()).then(async () => {
      queued = null;
      running = next;
      try {
        await resyncOnce();
      } catch (error) {
        logger.error('webhook watch list could not be read; trying again later', errorFields(error));
      } finally {
        if (running === next) running = null;
      }
    });
    queued = next;
    track(next);
    return next;
  };

  const resyncTimer = setInterval(() => void resync(), resyncMs);
  resyncTimer.unref();
  void resync();

  return {
    resync,
    status() {
      return {
        accounts: [...accounts.values()].map((entry) => ({
          id: entry.id,
          mode: entry.mode,
          mailboxes: [...entry.mailboxes.keys()],
          connections:
            (entry.notifyRunner?.current ? 1 : 0) +
            [...entry.idleRunners.values()].filter((runner) => runner.current !== null).length,
        })),
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      halt.abort();
      clearInterval(resyncTimer);
      for (const entry of [...accounts.values()]) dropAccount(entry);
      while (background.size > 0) await Promise.all([...background]);
    },
  };
}

/**
 * What decides how the account connects: a change here starts its watch again. The OAuth2
 * tokens and their expiry are left out, so a refreshed token written back does not.
 */
function connectionFingerprint(account: Account): string {
  if (!account.oauth2) return JSON.stringify(account);
  const { accessToken: _a, expiresAt: _e, refreshToken: _r, ...client } = account.oauth2;
  return JSON.stringify({ ...account, oauth2: client });
}

function isAccountNotFound(error: unknown): boolean {
  return (
    error instanceof AccountNotFoundError ||
    (error as { code?: unknown } | null)?.code === 'account_not_found'
  );
}

function pathsKey(entry: AccountEntry): string {
  return JSON.stringify([...entry.mailboxes.keys()].sort());
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a number of ms above 0`);
  return value;
}

/** An error's name and code: enough to act on, nothing a message could quote (a URL, a secret, server text). */
export function errorFields(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { error: 'unknown' };
  const code = (error as { code?: unknown }).code;
  return { error: error.name, ...(typeof code === 'string' ? { code } : {}) };
}
