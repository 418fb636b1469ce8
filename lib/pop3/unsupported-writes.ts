import { UnsupportedOperationError } from '../mail/errors.js';
import type { Mailbox, ThreadDetail, ThreadPage } from '../mail/types.js';
import type { BulkResult, ChangeSet, MessageRef, WaitResult } from '../mail/writes.js';

function refuse(what: string): Promise<never> {
  return Promise.reject(new UnsupportedOperationError(`POP3 cannot ${what}: RFC 1939 has no such command.`));
}

/**
 * The operations RFC 1939 has no command for. POP3's capabilities say so up
 * front; these answers hold even if a caller asks anyway.
 */
export abstract class Pop3UnsupportedWrites {
  listThreads(): Promise<ThreadPage> {
    return Promise.reject(new UnsupportedOperationError('POP3 accounts cannot group messages into threads.'));
  }

  getThread(): Promise<ThreadDetail> {
    return Promise.reject(new UnsupportedOperationError('POP3 accounts cannot group messages into threads.'));
  }

  updateFlags(): Promise<{ id: string; flags: string[] }> {
    return refuse('keep flags');
  }

  moveMessage(): Promise<MessageRef> {
    return refuse('move messages (it has a single mailbox)');
  }

  copyMessage(): Promise<MessageRef> {
    return refuse('copy messages (it has a single mailbox)');
  }

  appendMessage(): Promise<MessageRef> {
    return refuse('store new messages');
  }

  createMailbox(): Promise<Mailbox> {
    return refuse('create mailboxes');
  }

  renameMailbox(): Promise<Mailbox> {
    return refuse('rename mailboxes');
  }

  deleteMailbox(): Promise<void> {
    return refuse('delete mailboxes');
  }

  bulk(): Promise<BulkResult> {
    return refuse('act on many messages in one command');
  }

  changes(): Promise<ChangeSet> {
    return refuse('report changes since a state');
  }

  wait(): Promise<WaitResult> {
    return refuse('wait for changes');
  }
}
