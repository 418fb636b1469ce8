import type { Account } from '../credentials/account.js';
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
  ProbeResult,
  StoreCapabilities,
} from '../mail/types.js';
import { getMailbox } from './get-mailbox.js';
import { getMessage } from './get-message.js';
import { capabilitiesForServer, imapCapabilities } from './imap-capabilities.js';
import { ImapSession } from './imap-session.js';
import { listMailboxes } from './list-mailboxes.js';
import { listMessages } from './list-messages.js';
import { openAttachment } from './open-attachment.js';
import { openRaw } from './open-raw.js';

/**
 * The IMAP adapter of the MailStore port, read side. One instance serves one
 * request over one connection (opened on the first call, see ImapSession);
 * each operation lives in its own module and takes the session.
 */
export class ImapMailStore implements MailStore {
  readonly capabilities: StoreCapabilities = imapCapabilities();
  readonly #session: ImapSession;

  constructor(account: Account, context: StoreContext) {
    this.#session = new ImapSession(account, context);
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

  getMessage(mailbox: MailboxRef, id: string, options: GetMessageOptions): Promise<Message> {
    return getMessage(this.#session, mailbox, id, options);
  }

  openRaw(mailbox: MailboxRef, id: string): Promise<Download> {
    return openRaw(this.#session, mailbox, id);
  }

  openAttachment(mailbox: MailboxRef, id: string, attachmentId: string): Promise<Download> {
    return openAttachment(this.#session, mailbox, id, attachmentId);
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}
