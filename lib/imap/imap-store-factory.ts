import type { Account } from '../credentials/account.js';
import type { DownloadIdleOptions } from '../mail/download-idle.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';
import { type AccessTokenSource, storedAccessTokenSource } from '../oauth2/access-token-source.js';
import { ImapMailStore } from './imap-mail-store.js';
import type { ImapConnectionPool } from './pool/connection-pool.js';
import { imapCapabilities } from './session/imap-capabilities.js';

export interface ImapStoreFactoryOptions {
  /** Keeps authenticated connections between requests (off when absent). */
  pool?: ImapConnectionPool;
  /** When a streamed download counts as stalled (DEFAULT_DOWNLOAD_IDLE otherwise). */
  downloadIdle?: Partial<DownloadIdleOptions>;
  /**
   * Where an OAuth2 account's bearer token comes from when a connection
   * logs in, and the one refreshed token to retry with after a refusal
   * (the OAuth2 token manager); by default the token stored in the account,
   * without retry.
   */
  tokens?: AccessTokenSource;
}

/** Opens one ImapMailStore per request; nothing connects until the store's first call. */
export function createImapStoreFactory(options: ImapStoreFactoryOptions = {}): MailStoreFactory {
  return {
    capabilities(_account: Account): StoreCapabilities {
      return imapCapabilities();
    },
    open(account: Account, context: StoreContext): MailStore {
      return new ImapMailStore(account, context, options.pool, {
        downloadIdle: options.downloadIdle ?? {},
        tokens: options.tokens ?? storedAccessTokenSource,
      });
    },
  };
}
