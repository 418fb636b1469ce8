import { type ErrorCode, UnsupportedOperationError } from './errors.js';
import type { Mailbox, MailboxRef, MessageFilter, MessageScope, MessageSummary } from './types.js';

/** A flag change: add and/or remove, or replace the whole set. Flags are IMAP flags or keywords (atoms). */
export type FlagChange = { add: string[]; remove: string[] } | { set: string[] };

export interface MessageRef {
  id: string;
  /** The mailbox path the message is in now. */
  mailbox: string;
}

export type DeleteOutcome = { kind: 'moved'; id: string; mailbox: string } | { kind: 'expunged' };

export interface AppendInput {
  raw: Buffer;
  flags: string[];
  /** INTERNALDATE to set; the server's clock when null. */
  date: Date | null;
}

export type BulkTarget = { ids: string[] } | { filter: MessageFilter };

export type BulkAction =
  | { action: 'flag'; flags: FlagChange }
  | { action: 'move' | 'copy'; to: MailboxRef }
  | { action: 'delete'; permanent: boolean };

export interface BulkResult {
  /** Messages the ids or filter named that exist. */
  matched: number;
  done: number;
  /** Every id that was not done, with why (e.g. `message_not_found`, `stale_message_id`). */
  failed: Array<{ id: string; code: ErrorCode }>;
  /** For move and copy: old id → new id. */
  ids?: Record<string, string>;
}

export interface ChangeSet {
  /** The state to pass as `since` next time. */
  state: string;
  created: MessageSummary[];
  updated: Array<{ id: string; flags: string[] }>;
  removed: string[];
  /**
   * False when the server cannot report removals since `since` (no QRESYNC):
   * `removed` is then empty and the client must compare its list to learn them.
   */
  removedComplete: boolean;
  /** More changes remain after `maxChanges`; call again with `state`. */
  hasMore: boolean;
}

export interface WaitResult {
  changed: boolean;
  state: string;
}

/**
 * The write and sync half of the port. Every method acts on exactly the
 * message or mailbox named, or changes nothing and throws a domain error.
 * Adapters that cannot do an operation throw UnsupportedOperationError and
 * say so in their capabilities.
 */
/** How deleteMessage deletes. */
export interface DeleteOptions {
  permanent: boolean;
  /** Move to the Trash or refuse; never expunge in its place (without `permanent`). */
  trashOnly?: boolean;
}

/**
 * The refusal of a `trashOnly` delete that cannot move to the Trash: the
 * account has none (`hasTrash` false, or POP3), or the message is in it.
 */
export function trashOnlyRefusal(hasTrash: boolean): UnsupportedOperationError {
  const why = hasTrash ? 'The message is already in the Trash' : 'This account has no Trash mailbox';
  return new UnsupportedOperationError(`${why}: pass permanent: true to delete it for good.`);
}

export interface MailStoreWrites {
  /** @throws MessageNotFoundError, StaleMessageIdError, InvalidRequestError (bad keyword) */
  updateFlags(scope: MessageScope, id: string, change: FlagChange): Promise<{ id: string; flags: string[] }>;
  /** @throws MailboxNotFoundError (destination), MessageNotFoundError, StaleMessageIdError */
  moveMessage(scope: MessageScope, id: string, to: MailboxRef): Promise<MessageRef>;
  copyMessage(scope: MessageScope, id: string, to: MailboxRef): Promise<MessageRef>;
  /**
   * To the Trash role, or expunged for good with `permanent` (or when already in Trash, or POP3).
   * `trashOnly` (not with `permanent`) refuses instead of that fallback: nothing is expunged
   * unless it was asked for.
   * @throws UnsupportedOperationError (`trashOnly`: no Trash, already in Trash, POP3)
   */
  deleteMessage(scope: MessageScope, id: string, options: DeleteOptions): Promise<DeleteOutcome>;
  /** @throws MailboxNotFoundError, InvalidRequestError (not a plausible message) */
  appendMessage(mailbox: MailboxRef, input: AppendInput): Promise<MessageRef>;
  /** @throws MailboxExistsError, InvalidRequestError */
  createMailbox(path: string): Promise<Mailbox>;
  /** @throws MailboxNotFoundError, MailboxExistsError, InvalidRequestError (INBOX) */
  renameMailbox(mailbox: MailboxRef, newPath: string): Promise<Mailbox>;
  /** @throws MailboxNotFoundError, InvalidRequestError (INBOX) */
  deleteMailbox(mailbox: MailboxRef): Promise<void>;
  /** One UID-set command per action; partial success reported per id. */
  bulk(mailbox: MailboxRef, target: BulkTarget, action: BulkAction): Promise<BulkResult>;
  /** @throws StateExpiredError, UnsupportedOperationError (no CONDSTORE) */
  changes(mailbox: MailboxRef, since: string, options: { maxChanges: number }): Promise<ChangeSet>;
  /** Resolves when the mailbox changes after `since` or after `timeoutSeconds`. @throws StateExpiredError */
  wait(mailbox: MailboxRef, since: string, timeoutSeconds: number): Promise<WaitResult>;
}
