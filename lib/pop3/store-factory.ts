import type { Account } from '../credentials/account.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';
import { DEFAULT_POP3_STORE_OPTIONS, Pop3MailStore, type Pop3StoreOptions } from './pop3-store.js';
import { POP3_CAPABILITIES } from './store-capabilities.js';

/** Opens one Pop3MailStore (one POP3 session) per request. */
export function createPop3StoreFactory(options: Partial<Pop3StoreOptions> = {}): MailStoreFactory {
  const settings: Pop3StoreOptions = { ...DEFAULT_POP3_STORE_OPTIONS, ...options };
  return {
    capabilities(_account: Account): StoreCapabilities {
      return POP3_CAPABILITIES;
    },
    open(account: Account, context: StoreContext): MailStore {
      return new Pop3MailStore(account, context, settings);
    },
  };
}
