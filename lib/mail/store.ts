import type { Account } from '../credentials/account.js';
import type { Logger } from './logger.js';
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
  ProbeResult,
  StoreCapabilities,
  ThreadDetail,
  ThreadPage,
  ThreadQuery,
} from './types.js';
import type { MailStoreWrites } from './writes.js';

/**
 * The port every protocol adapter implements. One instance serves one HTTP
 * request: it connects lazily on the first call and must be closed with
 * `close()` (idempotent). All methods throw only domain errors (lib/mail/errors).
 * The write and sync half is declared in writes.ts.
 */
export interface MailStore extends MailStoreWrites {
  /** Capabilities known without connecting. */
  readonly capabilities: StoreCapabilities;

  /** Connects and reports the server's own capability list. */
  probe(): Promise<ProbeResult>;

  /** @throws UpstreamAuthError, UpstreamUnavailableError, UpstreamTimeoutError */
  listMailboxes(options: { counts: boolean }): Promise<Mailbox[]>;

  /** @throws MailboxNotFoundError */
  getMailbox(mailbox: MailboxRef): Promise<MailboxStatus>;

  /**
   * Newest first unless `query.sort` asks otherwise.
   * @throws MailboxNotFoundError, InvalidRequestError (bad cursor), UnsupportedOperationError (filter, sort)
   */
  listMessages(mailbox: MailboxRef, query: ListQuery): Promise<MessagePage>;

  /** Conversations, newest first. @throws MailboxNotFoundError, InvalidRequestError (bad cursor), UnsupportedOperationError */
  listThreads(mailbox: MailboxRef, query: ThreadQuery): Promise<ThreadPage>;

  /** One conversation's summaries. @throws MailboxNotFoundError, ThreadNotFoundError, UnsupportedOperationError */
  getThread(mailbox: MailboxRef, threadId: string): Promise<ThreadDetail>;

  /** @throws MessageNotFoundError, StaleMessageIdError */
  getMessage(scope: MessageScope, id: string, options: GetMessageOptions): Promise<Message>;

  /** The RFC 5322 source, streamed. @throws MessageNotFoundError, StaleMessageIdError */
  openRaw(scope: MessageScope, id: string): Promise<Download>;

  /** One attachment's transfer-decoded bytes, streamed. @throws AttachmentNotFoundError */
  openAttachment(scope: MessageScope, id: string, attachmentId: string): Promise<Download>;

  /** Ends the session and releases the socket. Safe to call more than once. */
  close(): Promise<void>;
}

export interface StoreContext {
  /** Aborted when the request's deadline passes or the client goes away: the store must close its socket. */
  signal: AbortSignal;
  logger: Logger;
}

/** Opens per-request stores for accounts; the wiring in functions/ picks one per protocol. */
export interface MailStoreFactory {
  capabilities(account: Account): StoreCapabilities;
  open(account: Account, context: StoreContext): MailStore;
}

/** The operations of the port: every method but `capabilities` and `close`. */
export type MailStoreOperation = Exclude<keyof MailStore, 'capabilities' | 'close'>;

/**
 * Every operation by name, for wrappers that forward them generically (the
 * lazy Lambda store): adding an operation to the port means adding it here,
 * and the type below fails to compile until it is.
 */
export const MAIL_STORE_OPERATIONS = [
  'probe',
  'listMailboxes',
  'getMailbox',
  'listMessages',
  'listThreads',
  'getThread',
  'getMessage',
  'openRaw',
  'openAttachment',
  'updateFlags',
  'moveMessage',
  'copyMessage',
  'deleteMessage',
  'appendMessage',
  'createMailbox',
  'renameMailbox',
  'deleteMailbox',
  'bulk',
  'changes',
  'wait',
] as const satisfies readonly MailStoreOperation[];

type UnlistedOperation = Exclude<MailStoreOperation, (typeof MAIL_STORE_OPERATIONS)[number]>;
/** Compiles only while MAIL_STORE_OPERATIONS names every operation of the port. */
export const EVERY_OPERATION_LISTED: [UnlistedOperation] extends [never] ? true : UnlistedOperation = true;
