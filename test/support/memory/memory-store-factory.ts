import type { Account } from '../../../lib/credentials/account.js';
import type { MailStoreFactory, StoreContext } from '../../../lib/mail/store.js';
import type { StoreCapabilities } from '../../../lib/mail/types.js';
import { buildCapabilities, buildMailbox, buildMessage, type MemoryData } from './builders.js';
import { MemoryMailStore } from './memory-mail-store.js';
import type { StoreBehaviour, StoreCall } from './store-behaviour.js';

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
          sort: ['arrival'],
          threads: false,
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
