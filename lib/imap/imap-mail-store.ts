import type { Account } from '../credentials/account.js';
import type { DownloadIdleOptions } from '../mail/download-idle.js';
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
  ProbeResult,
  StoreCapabilities,
  ThreadDetail,
  ThreadPage,
  ThreadQuery,
} from '../mail/types.js';
import type {
  AppendInput,
  BulkAction,
  BulkResult,
  BulkTarget,
  ChangeSet,
  DeleteOutcome,
  FlagChange,
  MessageRef,
  WaitResult,
} from '../mail/writes.js';
import type { AccessTokenSource } from '../oauth2/access-token-source.js';
import type { ImapConnectionPool } from './pool/connection-pool.js';
import { getMailbox } from './read/get-mailbox.js';
import { getMessage } from './read/get-message.js';
import { listMailboxes } from './read/list-mailboxes.js';
import { listMessages } from './read/list-messages.js';
import { openAttachment } from './read/open-attachment.js';
import { openRaw } from './read/open-raw.js';
import { getThread, listThreads } from './read/threads.js';
import { capabilitiesForServer, imapCapabilities } from './session/imap-capabilities.js';
import { ImapSession } from './session/imap-session.js';
import { changes, waitForChange } from './sync/index.js';
import { appendMessage } from './writes/append-message.js';
import { bulk } from './writes/bulk.js';
import { createMailbox } from './writes/create-mailbox.js';
import { deleteMailbox } from './writes/delete-mailbox.js';
import { deleteMessage } from './writes/delete-message.js';
import { renameMailbox } from './writes/rename-mailbox.js';
import { transferMessage } from './writes/transfer-message.js';
import { updateFlags } from './writes/update-flags.js';

/**
 * The IMAP adapter of the MailStore port. One instance serves one
 * request over one connection (opened on the first call, see ImapSession);
 * each operation lives in its own module and takes the session.
 */
export class ImapMailStore implements MailStore {
  readonly capabilities: StoreCapabilities = imapCapabilities();
  readonly #session: ImapSession;

  /**
   * @param pool where connections are kept between requests (see ImapConnectionPool); none by default.
   * @param options when a streamed download counts as stalled (DEFAULT_DOWNLOAD_IDLE otherwise);
   *   where an OAuth2 account's bearer token comes from at login (the stored token otherwise).
   */
  constructor(
    account: Account,
    context: StoreContext,
    pool?: ImapConnectionPool,
    options: { downloadIdle?: Partial<DownloadIdleOptions>; tokens?: AccessTokenSource } = {},
  ) {
    this.#session = new ImapSession(account, {
      ...context,
      ...(pool ? { pool } : {}),
      ...(options.downloadIdle ? { downloadIdle: options.downloadIdle } : {}),
      ...(options.tokens ? { tokens: options.tokens } : {}),
    });
  }

  async probe(): Promise<ProbeResult> {
    const capabilities = await this.#session.capabilities();
    return {
      server: { name: await this.#session.serverName(), capabilities: [...capabilities].sort() },
      capabilities: capabilitiesForServer(capabilities),
    };
  }

  listMailboxes(options: { counts: boolean }): Promise<Mailbox[]> {
    return listMailboxes(this.#session, options);
  }

  getMailbox(mailbox: MailboxRef): Promise<MailboxStatus> {
    return getMailbox(this.#session, mailbox);
  }

  listMessages(mailbox: MailboxRef, query: ListQuery): Promise<MessagePage> {
    return listMessages(this.#session, mailbox, query);
  }

  listThreads(mailbox: MailboxRef, query: ThreadQuery): Promise<ThreadPage> {
    return listThreads(this.#session, mailbox, query);
  }

  getThread(mailbox: MailboxRef, threadId: string): Promise<ThreadDetail> {
    return getThread(this.#session, mailbox, threadId);
  }

  getMessage(scope: MessageScope, id: string, options: GetMessageOptions): Promise<Message> {
    return getMessage(this.#session, scope, id, {
      ...options,
      maxBodyBytes: boundedBodyBytes(options.maxBodyBytes),
    });
  }

  openRaw(scope: MessageScope, id: string): Promise<Download> {
    return openRaw(this.#session, scope, id);
  }

  openAttachment(scope: MessageScope, id: string, attachmentId: string): Promise<Download> {
    return openAttachment(this.#session, scope, id, attachmentId);
  }

  updateFlags(scope: MessageScope, id: string, change: FlagChange): Promise<{ id: string; flags: string[] }> {
    return updateFlags(this.#session, scope, id, change);
  }

  moveMessage(scope: MessageScope, id: string, to: MailboxRef): Promise<MessageRef> {
    return transferMessage(this.#session, scope, id, to, 'move');
  }

  copyMessage(scope: MessageScope, id: string, to: MailboxRef): Promise<MessageRef> {
    return transferMessage(this.#session, scope, id, to, 'copy');
  }

  deleteMessage(scope: MessageScope, id: string, options: { permanent: boolean }): Promise<DeleteOutcome> {
    return deleteMessage(this.#session, scope, id, options);
  }

  appendMessage(mailbox: MailboxRef, input: AppendInput): Promise<MessageRef> {
    return appendMessage(this.#session, mailbox, input);
  }

  createMailbox(path: string): Promise<Mailbox> {
    return createMailbox(this.#session, path);
  }

  renameMailbox(mailbox: MailboxRef, newPath: string): Promise<Mailbox> {
    return renameMailbox(this.#session, mailbox, newPath);
  }

  deleteMailbox(mailbox: MailboxRef): Promise<void> {
    return deleteMailbox(this.#session, mailbox);
  }

  bulk(mailbox: MailboxRef, target: BulkTarget, action: BulkAction): Promise<BulkResult> {
    return bulk(this.#session, mailbox, target, action);
  }

  changes(mailbox: MailboxRef, since: string, options: { maxChanges: number }): Promise<ChangeSet> {
    return changes(this.#session, mailbox, since, options);
  }

  wait(mailbox: MailboxRef, since: string, timeoutSeconds: number): Promise<WaitResult> {
    return waitForChange(this.#session, mailbox, since, timeoutSeconds);
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}
