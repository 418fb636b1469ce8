import type { Account } from '../credentials/account.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';
import { imapCapabilities } from './imap-capabilities.js';
import { ImapMailStore } from './imap-mail-store.js';

/** Opens one ImapMailStore per request; nothing connects until the store's first call. */
export function createImapStoreFactory(): MailStoreFactory {
  return {
    capabilities(_account: Account): StoreCapabilities {
      return imapCapabilities();
    },
    open(account: Account, context: StoreContext): MailStore {
      return new ImapMailStore(account, context);
    },
  };
}
