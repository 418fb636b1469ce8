import type { Account } from '../../../lib/credentials/account.js';
import {
  AttachmentNotFoundError,
  MailboxNotFoundError,
  MessageNotFoundError,
  UnsupportedOperationError,
  UpstreamTimeoutError,
} from '../../../lib/mail/errors.js';
import { isInboxRef, sameMailboxPath } from '../../../lib/mail/mailbox-path.js';
import type { MailStore, StoreContext } from '../../../lib/mail/store.js';
import type {
  Download,
  Mailbox,
  MailboxRef,
  MailboxStatus,
  Message,
  MessageScope,
  StoreCapabilities,
} from '../../../lib/mail/types.js';
import { isDefaultSort } from '../../../lib/mail/types.js';
import {
  type AppendInput,
  type BulkAction,
  type BulkResult,
  type BulkTarget,
  type DeleteOptions,
  type DeleteOutcome,
  type FlagChange,
  type MessageRef,
  trashOnlyRefusal,
  type WaitResult,
} from '../../../lib/mail/writes.js';
import { formatContentType, partName } from '../../../lib/mime/index.js';
import type { MemoryData } from './builders.js';
import { runBulk } from './bulk.js';
import { listMemoryMessages } from './list-messages.js';
import { createMailboxIn, deleteMailboxIn, mailboxStatus, renameMailboxIn } from './mailboxes.js';
import { addRawMessage, applyFlagChange, expunge, placeCopy, setFlags } from './message-edits.js';
import { messageView } from './message-view.js';
import { rawAttachment } from './raw-message.js';
import type { StoreBehaviour, StoreCall } from './store-behaviour.js';
import { changedSince, computeChanges, currentState, recordChange, waitForChange } from './sync-journal.js';

async function drain(download: Download): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of download.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An in-memory MailStore for HTTP tests: records every call and can hang or fail on demand. */
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

  /** A store without mailboxes (POP3) has INBOX alone, whatever else the shared data holds. */
  private resolve(ref: MailboxRef): Mailbox {
    if (!this.capabilities.mailboxes && !isInboxRef(ref)) throw new MailboxNotFoundError();
    const found = this.data.mailboxes.find((mailbox) =>
      ref.kind === 'role' ? mailbox.role === ref.role : sameMailboxPath(mailbox.path, ref.path),
    );
    if (!found) throw new MailboxNotFoundError();
    return found;
  }

  /** Ids are unique across mailboxes here, so an id alone finds its message, as with the real adapters. */
  private message(scope: MessageScope, id: string): Message {
    const path = scope ? this.resolve(scope).path : null;
    const found = this.data.messages.find(
      (message) => message.id === id && (path === null || message.mailbox === path),
    );
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

  async listMailboxes(options: { counts: boolean }): Promise<Mailbox[]> {
    await this.enter('listMailboxes', [options]);
    const listed = this.capabilities.mailboxes
      ? this.data.mailboxes
      : this.data.mailboxes.filter((mailbox) => mailbox.role === 'inbox');
    if (!options.counts) return listed.map((mailbox) => ({ ...mailbox }));
    return listed.map((mailbox) => {
      const { total, unseen, uidNext } = mailboxStatus(this.data, mailbox, false);
      return { ...mailbox, total, unseen: unseen ?? 0, uidNext };
    });
  }

  async getMailbox(ref: MailboxRef): Promise<MailboxStatus> {
    await this.enter('getMailbox', [ref]);
    return mailboxStatus(this.data, this.resolve(ref), this.capabilities.changes);
  }

  async listMessages(ref: MailboxRef, query: Parameters<MailStore['listMessages']>[1]) {
    await this.enter('listMessages', [ref, query]);
    // Sorting and threads are tested against Dovecot (test/integration/http/gateway-sort*, -threads*).
    if (!isDefaultSort(query.sort))
      throw new UnsupportedOperationError('The in-memory store lists by arrival only.');
    return listMemoryMessages(this.data, this.resolve(ref), query, this.capabilities.filters);
  }

  async listThreads(ref: MailboxRef, query: Parameters<MailStore['listThreads']>[1]): Promise<never> {
    await this.enter('listThreads', [ref, query]);
    this.require('threads');
    throw new UnsupportedOperationError('The in-memory store has no threads.');
  }

  async getThread(ref: MailboxRef, threadId: string): Promise<never> {
    await this.enter('getThread', [ref, threadId]);
    this.require('threads');
    throw new UnsupportedOperationError('The in-memory store has no threads.');
  }

  async getMessage(ref: MessageScope, id: string, options: Parameters<MailStore['getMessage']>[2]) {
    await this.enter('getMessage', [ref, id, options]);
    const message = this.message(ref, id);
    if (options.markSeen) {
      this.require('flags');
      if (!message.seen) {
        setFlags(message, [...message.flags, '\\Seen']);
        recordChange(this.data, message.mailbox, message.id, 'updated');
      }
    }
    return messageView(message, options);
  }

  async openRaw(ref: MessageScope, id: string) {
    await this.enter('openRaw', [ref, id]);
    this.message(ref, id);
    const download = this.data.downloads[id];
    if (!download) throw new MessageNotFoundError();
    return download();
  }

  async openAttachment(ref: MessageScope, id: string, attachmentId: string): Promise<Download> {
    await this.enter('openAttachment', [ref, id, attachmentId]);
    this.message(ref, id);
    const download = this.data.downloads[`${id}/${attachmentId}`];
    if (download) return download();
    const source = this.data.downloads[id];
    const found = source ? rawAttachment(await drain(source()), attachmentId) : null;
    if (!found) throw new AttachmentNotFoundError();
    return {
      contentType: formatContentType(found.node),
      filename: partName(found.node),
      disposition: found.node.disposition === 'inline' ? 'inline' : 'attachment',
      size: found.bytes.length,
      body: (async function* () {
        yield new Uint8Array(found.bytes);
      })(),
    };
  }

  /** A real adapter refuses what its capabilities deny, whatever the HTTP layer checked. */
  private require(capability: keyof Omit<StoreCapabilities, 'filters' | 'sort'>): void {
    if (!this.capabilities[capability]) {
      throw new UnsupportedOperationError(`This ${this.account.protocol} store cannot do '${capability}'.`);
    }
  }

  async updateFlags(ref: MessageScope, id: string, change: FlagChange) {
    await this.enter('updateFlags', [ref, id, change]);
    this.require('flags');
    const message = this.message(ref, id);
    setFlags(message, applyFlagChange(message.flags, change));
    recordChange(this.data, message.mailbox, message.id, 'updated');
    return { id: message.id, flags: [...message.flags] };
  }

  async moveMessage(ref: MessageScope, id: string, to: MailboxRef): Promise<MessageRef> {
    await this.enter('moveMessage', [ref, id, to]);
    this.require('move');
    const message = this.message(ref, id);
    const copy = placeCopy(this.data, message, this.resolve(to));
    expunge(this.data, message);
    return { id: copy.id, mailbox: copy.mailbox };
  }

  async copyMessage(ref: MessageScope, id: string, to: MailboxRef): Promise<MessageRef> {
    await this.enter('copyMessage', [ref, id, to]);
    this.require('copy');
    const copy = placeCopy(this.data, this.message(ref, id), this.resolve(to));
    return { id: copy.id, mailbox: copy.mailbox };
  }

  async deleteMessage(ref: MessageScope, id: string, options: DeleteOptions): Promise<DeleteOutcome> {
    await this.enter('deleteMessage', [ref, id, options]);
    const message = this.message(ref, id);
    if (options.trashOnly && !options.permanent) {
      const trash = this.account.protocol === 'pop3' ? undefined : this.trashMailbox();
      if (trash === undefined || trash.path === message.mailbox) throw trashOnlyRefusal(trash !== undefined);
    }
    return this.discard(message, options.permanent);
  }

  /** The Trash role's mailbox, if the data has one. */
  private trashMailbox(): Mailbox | undefined {
    return this.data.mailboxes.find((mailbox) => mailbox.role === 'trash');
  }

  private discard(message: Message, permanent: boolean): DeleteOutcome {
    const inTrash = this.resolve({ kind: 'path', path: message.mailbox }).role === 'trash';
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
    const message = addRawMessage(this.data, mailbox, input);
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
    return runBulk(inMailbox, target, action, (message) => this.bulkOne(ref, message, action));
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
      this.discard(message, action.permanent);
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
    const changed = await waitForChange(this.data, path, this.context.signal, timeoutSeconds);
    this.waitsEnded += 1;
    return { changed, state: currentState(this.data) };
  }

  async close() {
    this.closeCount += 1;
  }
}
