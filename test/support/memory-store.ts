import type { Account } from '../../lib/credentials/account.js';
import type { CredentialStore, TokenGrant } from '../../lib/credentials/store.js';
import type { ErrorCode } from '../../lib/mail/errors.js';
import {
  AttachmentNotFoundError,
  InvalidRequestError,
  isMailgateError,
  MailboxNotFoundError,
  MessageNotFoundError,
  UnsupportedOperationError,
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
import type {
  AppendInput,
  BulkAction,
  BulkResult,
  BulkTarget,
  DeleteOutcome,
  FlagChange,
  MessageRef,
  WaitResult,
} from '../../lib/mail/writes.js';
import {
  applyFlagChange,
  changedSince,
  computeChanges,
  createMailboxIn,
  currentState,
  deleteMailboxIn,
  expunge,
  listenForChanges,
  matchesFilter,
  messageFromRaw,
  placeCopy,
  recordChange,
  renameMailboxIn,
  setFlags,
} from './memory-writes.js';

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
    changes: true,
    wait: true,
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

/**
 * A small account for write tests: INBOX with three messages, Archive and
 * Trash by role, and a Projects tree; fresh objects on every call.
 */
export function buildMailData(): MemoryData {
  return {
    mailboxes: [
      buildMailbox(),
      buildMailbox({ path: 'Archive', name: 'Archive', role: 'archive', specialUse: '\\Archive' }),
      buildMailbox({ path: 'Trash', name: 'Trash', role: 'trash', specialUse: '\\Trash' }),
      buildMailbox({ path: 'Projects', name: 'Projects', role: null }),
      buildMailbox({ path: 'Projects/2026', name: '2026', parent: 'Projects', role: null }),
    ],
    messages: [
      buildMessage({ id: 'i-1', uid: 1, subject: 'Invoice', flags: [], size: 1000 }),
      buildMessage({ id: 'i-2', uid: 2, subject: 'Holiday', flags: ['\\Seen'], seen: true, size: 2000 }),
      buildMessage({ id: 'i-3', uid: 3, subject: 'Invoice again', flags: ['$Forwarded'], size: 3000 }),
      buildMessage({ id: 't-1', uid: 1, mailbox: 'Trash', subject: 'Old' }),
    ],
    downloads: {},
  };
}

export interface StoreBehaviour {
  /** Every call waits until the request's signal aborts (a server that never answers). */
  hang?: boolean;
  /** Every call throws this. */
  fail?: Error;
  /** In a bulk action, these messages fail with the given error and the others are done. */
  failIds?: Record<string, Error>;
}

export interface StoreCall {
  method: string;
  args: unknown[];
}

export class MemoryMailStore implements MailStore {
  readonly calls: StoreCall[] = [];
  closeCount = 0;
  /** Waits that ended on their own (a change or the timeout), not by an abort. */
  waitsEnded = 0;

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
      state: this.capabilities.changes ? currentState(this.data) : null,
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

  /** A real adapter refuses what its capabilities deny, whatever the HTTP layer checked. */
  private require(capability: keyof Omit<StoreCapabilities, 'filters'>): void {
    if (!this.capabilities[capability]) {
      throw new UnsupportedOperationError(`This ${this.account.protocol} store cannot do '${capability}'.`);
    }
  }

  async updateFlags(ref: MailboxRef, id: string, change: FlagChange) {
    await this.enter('updateFlags', [ref, id, change]);
    this.require('flags');
    const message = this.message(ref, id);
    setFlags(message, applyFlagChange(message.flags, change));
    recordChange(this.data, message.mailbox, message.id, 'updated');
    return { id: message.id, flags: [...message.flags] };
  }

  async moveMessage(ref: MailboxRef, id: string, to: MailboxRef): Promise<MessageRef> {
    await this.enter('moveMessage', [ref, id, to]);
    this.require('move');
    const message = this.message(ref, id);
    const copy = placeCopy(this.data, message, this.resolve(to));
    expunge(this.data, message);
    return { id: copy.id, mailbox: copy.mailbox };
  }

  async copyMessage(ref: MailboxRef, id: string, to: MailboxRef): Promise<MessageRef> {
    await this.enter('copyMessage', [ref, id, to]);
    this.require('copy');
    const copy = placeCopy(this.data, this.message(ref, id), this.resolve(to));
    return { id: copy.id, mailbox: copy.mailbox };
  }

  async deleteMessage(ref: MailboxRef, id: string, options: { permanent: boolean }): Promise<DeleteOutcome> {
    await this.enter('deleteMessage', [ref, id, options]);
    return this.discard(ref, this.message(ref, id), options.permanent);
  }

  private discard(ref: MailboxRef, message: Message, permanent: boolean): DeleteOutcome {
    const inTrash = this.resolve(ref).role === 'trash';
    if (permanent || inTrash || this.account.protocol === 'pop3') {
      expunge(this.data, message);
      return { kind: 'expunged' };
    }
    const copy = placeCopy(this.data, message, this.resolve({ kind: 'role', role: 'trash' }));
    expunge(this.data, message);
    return { kind: 'moved', id: copy.id, mailbox: copy.mailbox };
  }

  async appendMessage(ref: MailboxRef, input: AppendInput): Promise<MessageRef> {
    await this.enter('appendMessage', [ref, input]);
    this.require('append');
    const mailbox = this.resolve(ref);
    const message = messageFromRaw(this.data, mailbox, input);
    this.data.messages.push(message);
    const raw = new Uint8Array(input.raw);
    this.data.downloads[message.id] = () => buildDownload({ chunks: [raw] });
    recordChange(this.data, mailbox.path, message.id, 'created');
    return { id: message.id, mailbox: mailbox.path };
  }

  async createMailbox(path: string) {
    await this.enter('createMailbox', [path]);
    this.require('mailboxes');
    return { ...createMailboxIn(this.data, path) };
  }

  async renameMailbox(ref: MailboxRef, newPath: string) {
    await this.enter('renameMailbox', [ref, newPath]);
    this.require('mailboxes');
    return { ...renameMailboxIn(this.data, this.resolve(ref), newPath) };
  }

  async deleteMailbox(ref: MailboxRef) {
    await this.enter('deleteMailbox', [ref]);
    this.require('mailboxes');
    deleteMailboxIn(this.data, this.resolve(ref));
  }

  async bulk(ref: MailboxRef, target: BulkTarget, action: BulkAction): Promise<BulkResult> {
    await this.enter('bulk', [ref, target, action]);
    this.require('bulk');
    const mailbox = this.resolve(ref);
    const inMailbox = this.data.messages.filter((message) => message.mailbox === mailbox.path);
    const failed: BulkResult['failed'] = [];
    let chosen: Message[];
    if ('ids' in target) {
      chosen = [];
      for (const id of target.ids) {
        const found = inMailbox.find((message) => message.id === id);
        if (found) chosen.push(found);
        else failed.push({ id, code: 'message_not_found' });
      }
    } else {
      chosen = inMailbox.filter((message) => matchesFilter(message, target.filter));
      if (chosen.length > BULK_LIMIT) {
        throw new InvalidRequestError(`The filter matches more than ${BULK_LIMIT} messages.`);
      }
    }
    const result: BulkResult = { matched: chosen.length, done: 0, failed };
    if (action.action === 'move' || action.action === 'copy') result.ids = {};
    for (const message of chosen) {
      try {
        const done = this.bulkOne(ref, message, action);
        if (done && result.ids) result.ids[message.id] = done;
        result.done += 1;
      } catch (error) {
        const code: ErrorCode = isMailgateError(error) ? error.code : 'internal_error';
        failed.push({ id: message.id, code });
      }
    }
    return result;
  }

  private bulkOne(ref: MailboxRef, message: Message, action: BulkAction): string | null {
    const failure = this.behaviour.failIds?.[message.id];
    if (failure) throw failure;
    if (action.action === 'flag') {
      setFlags(message, applyFlagChange(message.flags, action.flags));
      recordChange(this.data, message.mailbox, message.id, 'updated');
      return null;
    }
    if (action.action === 'delete') {
      this.discard(ref, message, action.permanent);
      return null;
    }
    const copy = placeCopy(this.data, message, this.resolve(action.to));
    if (action.action === 'move') expunge(this.data, message);
    return copy.id;
  }

  async changes(ref: MailboxRef, since: string, options: { maxChanges: number }) {
    await this.enter('changes', [ref, since, options]);
    this.require('changes');
    return computeChanges(this.data, this.resolve(ref).path, since, options.maxChanges);
  }

  /** Like IDLE: answers at the first change to this mailbox, or `changed: false` after the timeout. */
  async wait(ref: MailboxRef, since: string, timeoutSeconds: number): Promise<WaitResult> {
    await this.enter('wait', [ref, since, timeoutSeconds]);
    this.require('wait');
    const path = this.resolve(ref).path;
    if (changedSince(this.data, path, since)) return { changed: true, state: currentState(this.data) };
    const signal = this.context.signal;
    const changed = await new Promise<boolean>((resolve, reject) => {
      const finish = (outcome: boolean | Error) => {
        clearTimeout(timer);
        stopListening();
        signal.removeEventListener('abort', onAbort);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onAbort = () => finish(new UpstreamTimeoutError());
      const timer = setTimeout(() => finish(false), timeoutSeconds * 1000);
      const stopListening = listenForChanges(this.data, (mailbox) => {
        if (mailbox === path) finish(true);
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    this.waitsEnded += 1;
    return { changed, state: currentState(this.data) };
  }

  async close() {
    this.closeCount += 1;
  }
}

/** As the contract says: at most this many messages per bulk call. */
export const BULK_LIMIT = 10_000;

/** Opens MemoryMailStores over shared data and keeps every store it opened. */
export class MemoryStoreFactory implements MailStoreFactory {
  readonly opened: MemoryMailStore[] = [];
  behaviour: StoreBehaviour = {};
  /** Applied to IMAP accounts' capabilities, e.g. a server without CONDSTORE: `{ changes: false }`. */
  imapOverrides: Partial<StoreCapabilities> = {};

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
          changes: false,
          wait: false,
          filters: ['from', 'to', 'subject', 'since', 'before'],
        })
      : buildCapabilities(this.imapOverrides);
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
