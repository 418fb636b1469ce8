import type { FetchQueryObject, ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { DEFAULT_DOWNLOAD_IDLE, type DownloadIdleOptions } from '../../mail/download-idle.js';
import {
  ConnectionWaitTimeoutError,
  type MailgateError,
  OAuthProviderTimeoutError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import type { AccessTokenSource } from '../../oauth2/access-token-source.js';
import {
  enableExtensions,
  requestServerId,
  skipListBeforeSelect,
  unselectMailbox,
} from '../imapflow/index.js';
import type { ImapConnectionPool } from '../pool/connection-pool.js';
import { mapImapError } from './map-imap-error.js';
import { type AfterOpen, type MailboxMode, type PlannedCommand, plannedLines } from './planned-command.js';
import { SessionConnection } from './session-connection.js';

export type { AfterOpen, MailboxMode, PlannedCommand } from './planned-command.js';

export interface OpenedMailbox {
  path: string;
  mode: MailboxMode;
  /** EXISTS at open time. */
  exists: number;
  /** Decimal string (imapflow hands out a bigint). */
  uidValidity: string;
  uidNext: number | null;
  /** HIGHESTMODSEQ as a decimal string; null unless CONDSTORE is enabled and the mailbox keeps mod-sequences. */
  highestModseq: string | null;
}

export interface OpenOptions {
  /** Select again even when `path` is already selected, for fresh UIDNEXT/HIGHESTMODSEQ. */
  refresh?: boolean;
  /**
   * QRESYNC parameters (RFC 7162 §3.2.5): the server then reports, during the
   * SELECT, what vanished and what changed since `modseq`, as imapflow
   * `expunge` and `flags` events. Needs `enable(['QRESYNC'])` first.
   */
  qresync?: { uidValidity: string; modseq: string };
}

export interface ImapSessionContext {
  signal: AbortSignal;
  logger: Logger;
  /** Where authenticated connections are kept between requests; none: one connection per session. */
  pool?: ImapConnectionPool;
  /** When a streamed download counts as stalled (see guardDownload); defaults otherwise. */
  downloadIdle?: Partial<DownloadIdleOptions>;
  /** Where an OAuth2 account's bearer token comes from at each login; the stored token by default. */
  tokens?: AccessTokenSource;
}

/**
 * The one IMAP connection of one request: every command the store sends goes
 * through here. It connects on first use, keeps the selected mailbox so a
 * second operation on it costs no EXAMINE, turns every failure into a domain
 * error, and closes the socket at once when the request's signal aborts
 * (imapflow then rejects whatever is pending).
 */
export class ImapSession {
  readonly #signal: AbortSignal;
  readonly #logger: Logger;
  readonly #connection: SessionConnection;
  readonly #downloadIdle: DownloadIdleOptions;
  #abortedWith: MailgateError | null = null;
  /** Cleared by anything that leaves the connection unfit for another request (errors, ENABLE). */
  #reusable = true;
  #opened: OpenedMailbox | null = null;
  /** The commands the first operations send, pipelined with LOGIN when the connection allows. */
  #plan: PlannedCommand[] = [];
  /** The command the next operation sends right after the next SELECT/EXAMINE (see `afterOpen`). */
  #afterOpen: AfterOpen | null = null;
  #closed = false;
  readonly #abortWaiters = new Set<(error: MailgateError) => void>();
  readonly #onAbort = () => this.#abort();

  constructor(account: Account, context: ImapSessionContext) {
    this.#signal = context.signal;
    this.#logger = context.logger;
    this.#downloadIdle = { ...DEFAULT_DOWNLOAD_IDLE, ...context.downloadIdle };
    this.#connection = new SessionConnection({
      account,
      logger: context.logger,
      signal: context.signal,
      ...(context.pool ? { pool: context.pool } : {}),
      ...(context.tokens ? { tokens: context.tokens } : {}),
    });
    this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Runs `work` on the connected client and maps any failure to a domain
   * error; rejects promptly when the request aborts, whatever imapflow does.
   */
  async run<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    try {
      // A closed session's connection may already be in another request's hands.
      if (this.#closed) throw new UpstreamUnavailableError('The mail session is already closed.');
      const client = await this.#untilAborted(this.#connect());
      try {
        return await this.#untilAborted(work(client));
      } catch (error) {
        const fresh = this.#closed ? null : this.#connection.replaceDead(client);
        if (!fresh) throw error;
        return await this.#untilAborted(fresh.then(work));
      }
    } catch (error) {
      this.#reusable = false;
      throw this.#translate(error);
    }
  }

  /**
   * Announces that this session will hold its connection long (a download,
   * a change wait), before it connects: with a pool it then takes only a
   * connection long requests may have, so short ones always find one.
   */
  holdLong(): void {
    this.#connection.holdLong();
  }

  /** When a streamed download of this session counts as stalled. */
  get downloadIdle(): DownloadIdleOptions {
    return this.#downloadIdle;
  }

  /** Bytes read from this session's connection so far, a running count; null before it connects. */
  get receivedBytes(): number | null {
    return this.#connection.receivedBytes;
  }

  /** Server capabilities (refreshed after login). */
  async capabilities(): Promise<Set<string>> {
    return this.run(async (client) => new Set(client.capabilities.keys()));
  }

  /** The server's name from ID, asked for here unless the session sent ID at login (`sendId`). */
  async serverName(): Promise<string | null> {
    return this.run(async (client) => {
      if (!client.serverInfo) await requestServerId(client);
      const name = client.serverInfo?.name;
      return typeof name === 'string' ? name : null;
    });
  }

  /**
   * Makes `path` the selected mailbox. Reuses the current selection when it
   * is the same mailbox and allows the mode (a SELECTed mailbox also serves reads).
   * @throws MailboxNotFoundError
   */
  async open(path: string, mode: MailboxMode, options: OpenOptions = {}): Promise<OpenedMailbox> {
    // The announcement holds for this open only, whether or not it sends anything.
    const after = options.qresync ? null : this.#afterOpen;
    this.#afterOpen = null;
    const current = this.#opened;
    const reuse = !options.refresh && !options.qresync;
    if (reuse && current && current.path === path && (mode === 'read' || current.mode === 'write'))
      return current;
    if (!this.#connection.started && !options.qresync && this.#plan.length === 0) {
      this.#plan = [{ kind: 'open', path, mode }, ...(after ? [after] : [])];
    }
    return this.run(async (client) => {
      this.#opened = null;
      skipListBeforeSelect(client, path);
      // A connection whose LOGIN flight carried the open and the FETCH ignores this (see pipelineAfter).
      if (after !== null) this.#pipelineAfterOpen(client, path, mode, after);
      const mailbox = await client.mailboxOpen(path, {
        readOnly: mode === 'read',
        ...(options.qresync
          ? { uidValidity: options.qresync.uidValidity, changedSince: options.qresync.modseq }
          : {}),
      });
      if (!mailbox || typeof mailbox.exists !== 'number') {
        throw new UpstreamUnavailableError('The mail server did not open the mailbox.');
      }
      const opened: OpenedMailbox = {
        path,
        mode,
        exists: mailbox.exists,
        uidValidity: String(mailbox.uidValidity ?? ''),
        uidNext: typeof mailbox.uidNext === 'number' ? mailbox.uidNext : null,
        highestModseq:
          mailbox.highestModseq !== undefined && !mailbox.noModseq ? mailbox.highestModseq.toString() : null,
      };
      this.#opened = opened;
      return opened;
    });
  }

  /**
   * Announces the commands the next operations will send first, in order, so
   * they travel with LOGIN (RFC 9051 §5.5). Only heeded before the session
   * connects; a wrong guess costs the guess's answer, never a result.
   */
  plan(commands: readonly PlannedCommand[]): void {
    if (!this.#connection.started) this.#plan = [...commands];
  }

  /**
   * Announces the command the operation after the next `open` sends first
   * (a `UID FETCH` of the id's message, a `UID SORT`, a `UID THREAD`), so
   * it travels in the SELECT/EXAMINE's flight (RFC 9051 §5.5): with LOGIN
   * and the open on a cold connection, with the open on a kept one (or
   * after a LIST or an AUTHENTICATE that nothing could follow). Its answer
   * is held and handed over only when imapflow sends the very same line,
   * which the caller does only after checking the UIDVALIDITY the open
   * reported (of the id, of the cursor): a recreated mailbox never gets an
   * answer meant for the old one. An unclaimed answer is dropped with the
   * connection (never kept), and a failed open drops it. Only commands
   * that read are announced (BODY.PEEK items, SORT, THREAD).
   */
  afterOpen(command: AfterOpen): void {
    this.#afterOpen = command;
  }

  /** `afterOpen` of `fetchOne(uid, query, {uid: true})`. */
  fetchAfterOpen(uid: number, query: FetchQueryObject): void {
    this.afterOpen({ kind: 'fetch', uid, query });
  }

  #pipelineAfterOpen(client: ImapFlow, path: string, mode: MailboxMode, after: AfterOpen): void {
    // Nothing when CONDSTORE is on (a FETCH gets MODSEQ) or the server lacks what the line needs.
    const [open, next] = plannedLines(client, [{ kind: 'open', path, mode }, after]);
    if (open && next) this.#connection.pipelineAfter(open, [next]);
  }

  /**
   * ENABLEs extensions (RFC 5161), e.g. CONDSTORE so SELECT reports
   * HIGHESTMODSEQ and FETCH honours CHANGEDSINCE, or QRESYNC. ENABLE is only
   * valid while no mailbox is selected, so a selected one is first left
   * without expunging anything. Returns what the session has enabled; an
   * extension the server does not advertise is simply not in it.
   */
  async enable(extensions: readonly string[]): Promise<ReadonlySet<string>> {
    return this.run(async (client) => {
      const missing = extensions.filter((name) => !client.enabled.has(name.toUpperCase()));
      if (missing.length === 0) return new Set(client.enabled);
      // Enabled extensions change what the server sends for the rest of the session: never lend it out.
      this.#reusable = false;
      if (client.mailbox) {
        this.#opened = null;
        await unselectMailbox(client);
      }
      await enableExtensions(client, missing);
      return new Set(client.enabled);
    });
  }

  /** Releases the socket at once (no LOGOUT round trip). Safe to call repeatedly and mid-download. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#connection.release(this.#reusable);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Connects on first use, handing down what the first commands are (see `plan`). */
  #connect(): Promise<ImapFlow> {
    return this.#connection.connect(this.#plan);
  }

  #untilAborted<T>(work: Promise<T>): Promise<T> {
    if (this.#signal.aborted) {
      work.catch(() => undefined);
      return Promise.reject(this.#abortError());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (error: MailgateError) => reject(error);
      this.#abortWaiters.add(onAbort);
      work.then(resolve, reject).finally(() => this.#abortWaiters.delete(onAbort));
    });
  }

  #abort(): void {
    const error = this.#abortError();
    this.#closed = true;
    // Whatever was in flight is unknown: the connection is destroyed, never lent out.
    this.#connection.release(false);
    for (const waiter of this.#abortWaiters) waiter(error);
    this.#abortWaiters.clear();
  }

  /** What the request's abort means, decided once, when it happens (whether a slot was awaited then). */
  #abortError(): MailgateError {
    this.#abortedWith ??= this.#abortReason();
    return this.#abortedWith;
  }

  #abortReason(): MailgateError {
    const reason: unknown = this.#signal.reason;
    const timedOut =
      reason instanceof UpstreamTimeoutError || (reason instanceof Error && reason.name === 'TimeoutError');
    // The deadline passed while every connection of the account was busy: the server was never asked.
    if (timedOut && this.#connection.waitingForSlot)
      return new ConnectionWaitTimeoutError(undefined, undefined, { cause: reason });
    // The deadline passed while the OAuth2 provider refreshed the access token: the server was never asked.
    if (timedOut && this.#connection.waitingForToken) {
      return OAuthProviderTimeoutError.pastDeadline({ cause: reason });
    }
    if (reason instanceof UpstreamTimeoutError) return reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new UpstreamTimeoutError(undefined, { cause: reason });
    }
    return new UpstreamUnavailableError('The request was cancelled before the mail server answered.', {
      cause: reason,
    });
  }

  #translate(error: unknown): MailgateError {
    if (this.#signal.aborted) return this.#abortError();
    if (this.#closed) {
      return new UpstreamUnavailableError('The mail session was closed before the operation finished.', {
        cause: error,
      });
    }
    return mapImapError(error);
  }
}
