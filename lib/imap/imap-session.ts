import { ImapFlow } from 'imapflow';
import type { Account } from '../credentials/account.js';
import { type MailgateError, UpstreamTimeoutError, UpstreamUnavailableError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import { buildClientOptions } from './client-options.js';
import {
  enableExtensions,
  openCommandLine,
  requestServerId,
  skipListBeforeSelect,
  skipSessionPreamble,
  statusCommandLine,
  unselectMailbox,
} from './imapflow-internals.js';
import { mapImapError } from './map-imap-error.js';
import { createPipeliningTransport } from './pipelining-transport.js';

/** `read` opens with EXAMINE (RFC 9051 §6.3.3), so nothing we do can change flags; `write` with SELECT. */
export type MailboxMode = 'read' | 'write';

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

/** A command a request will send first, announced so it can travel in LOGIN's flight. */
export type PlannedCommand =
  | { kind: 'open'; path: string; mode: MailboxMode }
  | { kind: 'status'; path: string; query: { uidValidity?: true; uidNext?: true; messages?: true } };

export interface ImapSessionContext {
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The one IMAP connection of one request: every command the store sends goes
 * through here. It connects on first use, keeps the selected mailbox so a
 * second operation on it costs no EXAMINE, turns every failure into a domain
 * error, and closes the socket at once when the request's signal aborts
 * (imapflow then rejects whatever is pending).
 */
export class ImapSession {
  readonly #account: Account;
  readonly #signal: AbortSignal;
  readonly #logger: Logger;
  #client: ImapFlow | null = null;
  #connecting: Promise<ImapFlow> | null = null;
  #opened: OpenedMailbox | null = null;
  /** The commands the first operations send, pipelined with LOGIN when the connection allows. */
  #plan: PlannedCommand[] = [];
  #closed = false;
  readonly #abortWaiters = new Set<(error: MailgateError) => void>();
  readonly #onAbort = () => this.#abort();

  constructor(account: Account, context: ImapSessionContext) {
    this.#account = account;
    this.#signal = context.signal;
    this.#logger = context.logger;
    this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Runs `work` on the connected client and maps any failure to a domain
   * error; rejects promptly when the request aborts, whatever imapflow does.
   */
  async run<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    try {
      const client = await this.#untilAborted(this.#connect());
      return await this.#untilAborted(work(client));
    } catch (error) {
      throw this.#translate(error);
    }
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
    const current = this.#opened;
    const reuse = !options.refresh && !options.qresync;
    if (reuse && current && current.path === path && (mode === 'read' || current.mode === 'write'))
      return current;
    if (!this.#connecting && !options.qresync && this.#plan.length === 0)
      this.#plan = [{ kind: 'open', path, mode }];
    return this.run(async (client) => {
      this.#opened = null;
      skipListBeforeSelect(client, path);
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
    if (!this.#connecting) this.#plan = [...commands];
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
    this.#client?.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #connect(): Promise<ImapFlow> {
    if (this.#connecting) return this.#connecting;
    this.#connecting = (async () => {
      if (this.#closed) throw new UpstreamUnavailableError('The mail session is already closed.');
      const options = buildClientOptions(this.#account, this.#logger);
      // STARTTLS needs imapflow's own socket upgrade; the pipelining transport has none.
      if (this.#account.tls !== 'starttls')
        options.transport = createPipeliningTransport(() => this.#pipelined());
      const client = new ImapFlow(options);
      // Without a listener a late socket error would be thrown as an uncaught 'error' event.
      client.on('error', (error: unknown) => {
        this.#logger.debug('imap connection error', { code: (error as { code?: unknown }).code });
      });
      this.#client = client;
      const endSkip = skipSessionPreamble(client, { sendId: this.#account.sendId === true });
      try {
        await client.connect();
      } finally {
        endSkip();
        this.#plan = [];
      }
      return client;
    })();
    return this.#connecting;
  }

  /** What to send in LOGIN's flight: the planned commands up to the first one that cannot be pipelined. */
  #pipelined(): string[] {
    const client = this.#client;
    if (!client) return [];
    const lines: string[] = [];
    for (const command of this.#plan) {
      const line =
        command.kind === 'open'
          ? openCommandLine(client, command.path, command.mode === 'read')
          : statusCommandLine(client, command.path, command.query);
      if (!line) break;
      lines.push(line);
    }
    return lines;
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
    this.#client?.close();
    for (const waiter of this.#abortWaiters) waiter(error);
    this.#abortWaiters.clear();
  }

  #abortError(): MailgateError {
    const reason: unknown = this.#signal.reason;
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
