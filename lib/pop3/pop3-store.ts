import { Readable } from 'node:stream';
import type { Account } from '../credentials/account.js';
import { DEFAULT_DOWNLOAD_IDLE, type DownloadIdleOptions, guardDownload } from '../mail/download-idle.js';
import {
  MailboxNotFoundError,
  MessageNotFoundError,
  OAuthProviderTimeoutError,
  PayloadTooLargeError,
  UnsupportedOperationError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../mail/errors.js';
import { decodePop3MessageId } from '../mail/ids.js';
import { isInboxRef } from '../mail/mailbox-path.js';
import { boundedBodyBytes } from '../mail/read-limits.js';
import type { MailStore, StoreContext } from '../mail/store.js';
import type {
  Download,
  GetMessageOptions,
  ListQuery,
  Mailbox,
  MailboxRef,
  MailboxStatus,
  Message,
  MessagePage,
  MessageScope,
  MessageSummary,
  ProbeResult,
} from '../mail/types.js';
import { type DeleteOptions, type DeleteOutcome, trashOnlyRefusal } from '../mail/writes.js';
import { formatContentType, partName } from '../mime/index.js';
import { type AccessTokenSource, storedAccessTokenSource } from '../oauth2/access-token-source.js';
import { createPop3Client, type Pop3Client } from './client.js';
import type { MessageUid } from './commands/uidl.js';
import { listPop3Messages } from './list-messages.js';
import { mapPop3Error } from './map-error.js';
import { buildPop3Message, extractAttachment } from './message-content.js';
import { Pop3Error } from './pop3-error.js';
import { MAX_BUFFERED_MESSAGE_BYTES } from './read-limits.js';
import { POP3_CAPABILITIES } from './store-capabilities.js';
import { Pop3UnsupportedWrites } from './unsupported-writes.js';
import { listUidls, summariesByNumber } from './watch-listing.js';

export interface Pop3StoreOptions {
  /** Headers a filtered listing may read per request before it answers `partial: true`. */
  scanWindow: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** When a streamed download counts as stalled (DEFAULT_DOWNLOAD_IDLE otherwise). */
  downloadIdle?: Partial<DownloadIdleOptions>;
  /** Largest message read whole (a message as JSON, an attachment); larger is 413. Raw downloads stream. */
  maxMessageBytes: number;
  /**
   * Where an OAuth2 account's bearer token comes from at login, and the one
   * refreshed token to retry with after a refusal (the OAuth2 token
   * manager); the token stored in the account, without retry, by default.
   */
  tokens?: AccessTokenSource;
}

export const DEFAULT_POP3_STORE_OPTIONS: Pop3StoreOptions = {
  scanWindow: 500,
  commandTimeoutMs: 20_000,
  connectTimeoutMs: 10_000,
  maxMessageBytes: MAX_BUFFERED_MESSAGE_BYTES,
};

/** Only INBOX exists on a POP3 account (RFC 1939 has a single maildrop). */
function assertInbox(mailbox: MailboxRef): void {
  if (!isInboxRef(mailbox)) throw new MailboxNotFoundError('A POP3 account has only INBOX.');
}

/** A POP3 id always names a message of INBOX: a scope, if given, must be INBOX. */
function assertInScope(scope: MessageScope): void {
  if (scope) assertInbox(scope);
}

/**
 * The MailStore port over one POP3 session. Message ids carry the UIDL, so
 * each call that names a message first maps its UIDL to the session's
 * message number; a UIDL the server no longer lists is `message_not_found`.
 */
/** A message's keys that only its whole source gives: the rest come from its header block. */
const WHOLE_MESSAGE_KEYS = [
  'hasAttachments',
  'attachments',
  'structureTruncated',
  'preview',
  'encodingProblem',
];

function needsWholeMessage(fields: ReadonlySet<string>): boolean {
  return WHOLE_MESSAGE_KEYS.some((key) => fields.has(key));
}

export class Pop3MailStore extends Pop3UnsupportedWrites implements MailStore {
  readonly capabilities = POP3_CAPABILITIES;
  private readonly account: Account;
  private readonly context: StoreContext;
  private readonly options: Pop3StoreOptions;
  private connecting: Promise<Pop3Client> | null = null;
  private closed = false;

  constructor(
    account: Account,
    context: StoreContext,
    options: Pop3StoreOptions = DEFAULT_POP3_STORE_OPTIONS,
  ) {
    super();
    this.account = account;
    this.context = context;
    this.options = options;
  }

  private session(): Promise<Pop3Client> {
    if (this.closed)
      return Promise.reject(new UpstreamUnavailableError('This POP3 session has already ended.'));
    this.connecting ??= this.login();
    return this.connecting;
  }

  /**
   * Opens the session. An OAuth2 account asks its token source now, and
   * when the server refuses that token logs in once more, on a new session,
   * with the token `afterRefusal` gives: one refresh, one retry, never a
   * loop (a fresh session, not a second AUTH on the refused one: a server
   * may end the session after a failed AUTH).
   * @throws UpstreamAuthError, UpstreamUnavailableError, UpstreamTimeoutError, ConfigurationError
   */
  private async login(): Promise<Pop3Client> {
    const { account, context } = this;
    if (!account.oauth2) return this.connect(this.client(undefined));
    const tokens = this.options.tokens ?? storedAccessTokenSource;
    const token = await this.untilAborted(tokens.accessToken(account, context.signal));
    const first = this.client(token);
    try {
      return await this.connect(first);
    } catch (error) {
      if (!first.loginRefused) throw error;
      const retryWith = await this.untilAborted(tokens.afterRefusal(account, token, context.signal));
      if (retryWith === undefined || retryWith === token) throw error;
      context.logger.debug('pop3 login refused the OAuth2 token; logging in once more with a new one');
      return this.connect(this.client(retryWith));
    }
  }

  /**
   * A token request that failed because the request ended fails as an
   * aborted session does, except at the deadline: then the provider had not
   * answered yet (`oauth_provider_timeout`), and the server was never asked.
   */
  private async untilAborted<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      if (!this.context.signal.aborted) throw error;
      if (error instanceof OAuthProviderTimeoutError && isDeadline(this.context.signal.reason)) throw error;
      throw mapPop3Error(new Pop3Error('aborted', 'POP3 session aborted', { phase: 'auth', cause: error }));
    }
  }

  /** A client for one session of the account. @throws UpstreamUnavailableError once the store is closed. */
  private client(accessToken: string | undefined): Pop3Client {
    // The request may have ended while a token was fetched.
    if (this.closed) throw new UpstreamUnavailableError('This POP3 session has already ended.');
    const { account } = this;
    return createPop3Client({
      host: account.host,
      port: account.port,
      tls: account.tls,
      allowPlaintext: account.allowPlaintext,
      tlsOptions: account.tlsOptions,
      user: account.user,
      password: account.password,
      accessToken,
      commandTimeoutMs: this.options.commandTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      greetingTimeoutMs: this.options.connectTimeoutMs,
      signal: this.context.signal,
    });
  }

  private async connect(client: Pop3Client): Promise<Pop3Client> {
    await client.connect();
    this.context.logger.debug('pop3 session open', { pipelining: client.pipelining });
    return client;
  }

  /**
   * A message read whole, within `maxMessageBytes`: a larger one is never read.
   * @throws MessageNotFoundError, PayloadTooLargeError, UpstreamUnavailableError
   */
  private async readWhole(client: Pop3Client, id: string): Promise<Buffer> {
    const whole = await client.retrWhole(await this.locate(client, id), this.options.maxMessageBytes);
    if (whole.kind === 'message') return whole.bytes;
    throw new PayloadTooLargeError(
      `This message is ${whole.size} bytes; a POP3 message is read whole for this answer only up to ${this.options.maxMessageBytes} bytes. Its raw download (rawUrl) streams at any size.`,
    );
  }

  /** The session's message number for an id. @throws MessageNotFoundError */
  private async locate(client: Pop3Client, id: string): Promise<number> {
    const uid = decodePop3MessageId(id);
    const entry = (await client.uidl()).find((item) => item.uid === uid);
    if (!entry) throw new MessageNotFoundError();
    return entry.number;
  }

  async probe(): Promise<ProbeResult> {
    const client = await this.session();
    const implementation = client.capabilities.args('IMPLEMENTATION').join(' ');
    return {
      server: { name: implementation || null, capabilities: client.capabilities.tags },
      capabilities: POP3_CAPABILITIES,
    };
  }

  async listMailboxes(options: { counts: boolean }): Promise<Mailbox[]> {
    const inbox: Mailbox = {
      path: 'INBOX',
      name: 'INBOX',
      parent: null,
      delimiter: null,
      role: 'inbox',
      specialUse: null,
      subscribed: true,
    };
    if (!options.counts) return [inbox];
    const { count } = await (await this.session()).stat();
    return [{ ...inbox, total: count, uidNext: null }];
  }

  async getMailbox(mailbox: MailboxRef): Promise<MailboxStatus> {
    assertInbox(mailbox);
    const { count } = await (await this.session()).stat();
    return {
      path: 'INBOX',
      name: 'INBOX',
      role: 'inbox',
      total: count,
      unseen: null,
      uidNext: null,
      uidValidity: null,
      highestModseq: null,
      state: null,
    };
  }

  async listMessages(mailbox: MailboxRef, query: ListQuery): Promise<MessagePage> {
    assertInbox(mailbox);
    return listPop3Messages(await this.session(), query, { scanWindow: this.options.scanWindow });
  }

  /**
   * Every message's UIDL with its number in this session, for a webhook
   * watcher's UIDL diff (POP3 has no change state).
   * @throws UnsupportedOperationError when the server has no UIDL command
   */
  async uidlListing(): Promise<MessageUid[]> {
    return listUidls(await this.session());
  }

  /**
   * The list summaries of messages named by their number in this session
   * (from `uidlListing`), in that order. @throws MessageNotFoundError
   */
  async summariesByNumber(numbers: readonly number[]): Promise<MessageSummary[]> {
    return summariesByNumber(await this.session(), numbers);
  }

  async getMessage(scope: MessageScope, id: string, options: GetMessageOptions): Promise<Message> {
    assertInScope(scope);
    if (options.markSeen)
      throw new UnsupportedOperationError('POP3 has no flags: a message cannot be marked seen.');
    const client = await this.session();
    if (options.body === 'none' && options.fields && !needsWholeMessage(options.fields)) {
      // Only header fields: the header block (TOP n 0), and the size from LIST n when asked.
      const number = await this.locate(client, id);
      const header = await client.top(number, 0);
      const size = options.fields.has('size') ? (await client.listOne(number)).size : 0;
      return buildPop3Message(header, id, size, { ...options, maxBodyBytes: null });
    }
    const raw = await this.readWhole(client, id);
    return buildPop3Message(raw, id, raw.length, {
      ...options,
      maxBodyBytes: boundedBodyBytes(options.maxBodyBytes),
    });
  }

  async openRaw(scope: MessageScope, id: string): Promise<Download> {
    assertInScope(scope);
    const client = await this.session();
    const stream = await client.retr(await this.locate(client, id));
    // A stalled stream (a trickling server, a client that stopped reading) ends the session.
    const body = guardDownload(stream, {
      ...DEFAULT_DOWNLOAD_IDLE,
      ...this.options.downloadIdle,
      onStall: () => void this.close(),
    });
    // LIST sizes are the server's count (RFC 1939 §5) and not always exact: no Content-Length promised.
    return { contentType: 'message/rfc822', filename: null, disposition: 'attachment', size: null, body };
  }

  async openAttachment(scope: MessageScope, id: string, attachmentId: string): Promise<Download> {
    assertInScope(scope);
    const raw = await this.readWhole(await this.session(), id);
    const { node, bytes } = extractAttachment(raw, attachmentId);
    return {
      contentType: formatContentType(node),
      filename: partName(node),
      disposition: 'attachment',
      size: bytes.length,
      body: Readable.from([bytes]),
    };
  }

  /**
   * Deletes one message for good (POP3 has no Trash, so `permanent` changes nothing): DELE, then QUIT, whose +OK is the commit
   * point (RFC 1939 §6). Any failure before that leaves the message in place.
   * Ends the session. `trashOnly` is refused (there is no Trash).
   * @throws MessageNotFoundError, UpstreamUnavailableError, UpstreamTimeoutError,
   *   UnsupportedOperationError (`trashOnly`)
   */
  async deleteMessage(scope: MessageScope, id: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    assertInScope(scope);
    // No Trash to move to: a delete that must not expunge is refused before connecting.
    if (options?.trashOnly && !options.permanent) throw trashOnlyRefusal(false);
    const client = await this.session();
    try {
      await client.dele(await this.locate(client, id));
      await client.quit();
      return { kind: 'expunged' };
    } finally {
      this.closed = true;
      client.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    if (!pending) return;
    const client = await pending.catch(() => null);
    client?.close();
  }
}

/** Whether a request's abort is its deadline (rather than a client that left). */
function isDeadline(reason: unknown): boolean {
  return (
    reason instanceof UpstreamTimeoutError || (reason instanceof Error && reason.name === 'TimeoutError')
  );
}
