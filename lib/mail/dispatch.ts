import type { Account } from '../credentials/account.js';
import type { MailStore, MailStoreFactory, StoreContext } from './store.js';
import type { Protocol, StoreCapabilities } from './types.js';

/** One factory that hands each account to the adapter for its protocol. */
export function createProtocolDispatcher(factories: Record<Protocol, MailStoreFactory>): MailStoreFactory {
  return {
    capabilities(account: Account): StoreCapabilities {
      return factories[account.protocol].capabilities(account);
    },
    open(account: Account, context: StoreContext): MailStore {
      return factories[account.protocol].open(account, context);
    },
  };
}
