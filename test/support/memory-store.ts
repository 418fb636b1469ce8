import type { Account } from '../../lib/credentials/account.js';
import type { CredentialStore, TokenGrant } from '../../lib/credentials/store.js';
import {
  AttachmentNotFoundError,
  MailboxNotFoundError,
  MessageNotFoundError,
  UpstreamTimeoutError,
} from '../../lib/mail/errors.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../../lib/mail/store.js';
import type {
  Download,
  Mailbox,
  MailboxRef,
  MailboxStatus,
  Message,
  MessageSummary,
  StoreCapabilities,
} from '../../lib/mail/types.js';
import { FILTER_NAMES } from '../../lib/mail/types.js';

/** An in-memory MailStore for HTTP tests: records every call and can hang or fail on demand. */

export function buildAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: 'alpha',
    protocol: 'imap',
    host: '127.0.0.1',
    port: 993,
    tls: 'implicit',
    user: 'alice',
    password: 'hunter2-stored-password',
    ...overrides,
  } as Account;
}

export function buildCapabilities(overrides: Partial<StoreCapabilities> = {}): StoreCapabilities {
  return {
    mailboxes: true,
    flags: true,
    move: true,
    copy: true,
    append: true,
    changes: false,
    wait: false,
    bulk: true,
    filters: [...FILTER_NAMES],
    ...overrides,
  };
}

export function buildMailbox(overrides: Partial<Mailbox> = {}): Mailbox {
  return {
    path: 'INBOX',
    name: 'INBOX',
    parent: null,
    delimiter: '/',
    role: 'inbox',
    specialUse: null,
    subscribed: true,
    ...overrides,
  };
}

export function buildSummary(overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    id: 'i-msg-1',
    mailbox: 'INBOX',
    uid: 1,
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: '2026-01-02T03:04:05.000Z',
    date: '2026-01-02T03:04:00.000Z',
    size: 1234,
    subject: 'Hello',
    from: { name: 'Bob', address: 'bob@example.test' },
    to: [{ name: null, address: 'alice@example.test' }],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: 'abc@example.test',
    inReplyTo: null,
    references: [],
    hasAttachments: false,
    ...overrides,
  };
}

export function buildMessage(overrides: Partial<Message> = {}): Message {
  return {
    ...buildSummary(),
    headers: [{ name: 'Subject', value: 'Hello' }],
    text: 'Hi Alice',
    html: null,
    textTruncated: false,
    htmlTruncated: false,
    encodingProblem: false,
    attachments: [],
    ...overrides,
  };
}

export function buildDownload(overrides: Partial<Download> & { chunks?: Uint8Array[] } = {}): Download {
  const { chunks = [new TextEncoder().encode('Subject: Hello\r\n\r\nHi\r\n')], ...rest } = overrides;
  return {
    contentType: 'message/rfc822',
    filename: null,
    disposition: 'attachment',
    size: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    body: (async function* () {
      yield* chunks;
    })(),
    ...rest,
  };
}

export interface MemoryData {
  mailboxes: Mailbox[];
  messages: Message[];
  /** Downloads by `messageId` (raw) or `messageId/attachmentId`; each is built fresh per call. */
  downloads: Record<string, () => Download>;
}

export interface StoreBehaviour {
  /** Every call waits until the request's signal aborts (a server that never answers). */
  hang?: boolean;
  /** Every call throws this. */
  fail?: Error;
}

export interface StoreCall {
  method: string;
  args: unknown[];
}

export class MemoryMailStore implements MailStore {
  readonly calls: StoreCall[] = [];
  closeCount = 0;

  constructor(
    readonly account: Account,
    readonly context: StoreContext,
    readonly capabilities: StoreCapabilities,
    private readonly data: MemoryData,
    private readonly behaviour: StoreBehaviour,
  ) {}

  private async enter(method: string, args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    if (this.behaviour.fail) throw this.behaviour.fail;
    if (this.behaviour.hang) {
      await new Promise<never>((_, reject) => {
        const abort = () => reject(new UpstreamTimeoutError());
        if (this.context.signal.aborted) abort();
        else this.context.signal.addEventListener('abort', abort, { once: true });
      });
    }
  }

  private resolve(ref: MailboxRef): Mailbox {
    const found = this.data.mailboxes.find((mailbox) =>
      ref.kind === 'role' ? mailbox.role === ref.role : mailbox.path === ref.path,
    );
    if (!found) throw new MailboxNotFoundError();
    return found;
  }

  private message(ref: MailboxRef, id: string): Message {
    const mailbox = this.resolve(ref);
    const found = this.data.messages.find((message) => message.id === id && message.mailbox === mailbox.path);
    if (!found) throw new MessageNotFoundError();
    return found;
  }

  async probe() {
    await this.enter('probe', []);
    return {
      server: { name: 'Memory', capabilities: ['IMAP4rev1', 'IDLE'] },
      capabilities: this.capabilities,
    };
  }

  async listMailboxes(options: { counts: boolean }) {
    await this.enter('listMailboxes', [options]);
    return this.data.mailboxes;
  }

  async getMailbox(ref: MailboxRef): Promise<MailboxStatus> {
    await this.enter('getMailbox', [ref]);
    const mailbox = this.resolve(ref);
    const messages = this.data.messages.filter((message) => message.mailbox === mailbox.path);
    return {
      path: mailbox.path,
      name: mailbox.name,
      role: mailbox.role,
      total: messages.length,
      unseen: messages.filter((message) => !message.seen).length,
      uidNext: messages.length + 1,
      uidValidity: '1',
      highestModseq: null,
      state: null,
    };
  }

  async listMessages(ref: MailboxRef, query: Parameters<MailStore['listMessages']>[1]) {
    await this.enter('listMessages', [ref, query]);
    const mailbox = this.resolve(ref);
    const messages = this.data.messages.filter((message) => message.mailbox === mailbox.path);
    return { messages: messages.slice(0, query.limit), nextCursor: null, total: messages.length };
  }

  async getMessage(ref: MailboxRef, id: string, options: Parameters<MailStore['getMessage']>[2]) {
    await this.enter('getMessage', [ref, id, options]);
    return this.message(ref, id);
  }

  async openRaw(ref: MailboxRef, id: string) {
    await this.enter('openRaw', [ref, id]);
    this.message(ref, id);
    const download = this.data.downloads[id];
    if (!download) throw new MessageNotFoundError();
    return download();
  }

  async openAttachment(ref: MailboxRef, id: string, attachmentId: string) {
    await this.enter('openAttachment', [ref, id, attachmentId]);
    this.message(ref, id);
    const download = this.data.downloads[`${id}/${attachmentId}`];
    if (!download) throw new AttachmentNotFoundError();
    return download();
  }

  async close() {
    this.closeCount += 1;
  }
}

/** Opens MemoryMailStores over shared data and keeps every store it opened. */
export class MemoryStoreFactory implements MailStoreFactory {
  readonly opened: MemoryMailStore[] = [];
  behaviour: StoreBehaviour = {};

  constructor(
    readonly data: MemoryData = { mailboxes: [buildMailbox()], messages: [buildMessage()], downloads: {} },
  ) {}

  capabilities(account: Account): StoreCapabilities {
    return account.protocol === 'pop3'
      ? buildCapabilities({
          mailboxes: false,
          flags: false,
          move: false,
          copy: false,
          append: false,
          bulk: false,
        })
      : buildCapabilities();
  }

  open(account: Account, context: StoreContext): MemoryMailStore {
    const store = new MemoryMailStore(
      account,
      context,
      this.capabilities(account),
      this.data,
      this.behaviour,
    );
    this.opened.push(store);
    return store;
  }

  /** Every call made on any store, in order. */
  get calls(): StoreCall[] {
    return this.opened.flatMap((store) => store.calls);
  }
}

/** A CredentialStore over plain maps that records lookups and invalidations. */
export class MemoryCredentialStore implements CredentialStore {
  readonly lookups: string[] = [];
  readonly invalidated: string[] = [];

  constructor(
    readonly accounts: Account[] = [buildAccount()],
    readonly tokens: Record<string, TokenGrant> = {},
  ) {}

  async getAccount(id: string) {
    this.lookups.push(id);
    return this.accounts.find((account) => account.id === id);
  }

  async listAccountIds() {
    return this.accounts.map((account) => account.id);
  }

  invalidateAccount(id: string) {
    this.invalidated.push(id);
  }

  async verifyToken(token: string) {
    return Object.hasOwn(this.tokens, token) ? this.tokens[token] : undefined;
  }
}
