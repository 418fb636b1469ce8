import type { Config } from '../config/env.js';
import type { AdminCredentialStore } from '../credentials/store.js';
import type { AccountVerifier, AppDeps } from '../http/app-env.js';
import {
  type ConnectionPoolOptions,
  createImapConnectionPool,
  createImapStoreFactory,
  type ImapConnectionPool,
} from '../imap/index.js';
import { createProtocolDispatcher } from '../mail/dispatch.js';
import type { Logger } from '../mail/logger.js';
import type { AccessTokenSource } from '../oauth2/access-token-source.js';
import { createTokenManager, createVerificationTokenManager } from '../oauth2/create-token-manager.js';
import { writesBackTokens } from '../oauth2/write-back-policy.js';
import { createPop3StoreFactory } from '../pop3/index.js';

export interface LocalDeps extends AppDeps {
  admin: AdminCredentialStore;
  /** The kept IMAP connections, when reuse is on: close it when the server stops. */
  pool: ImapConnectionPool | undefined;
  /** The OAuth2 token manager the stores log in with, for connections held beside them (the webhook watcher). */
  tokens: AccessTokenSource;
}

/**
 * What the Node server (`npm start`, and the tests' gateway) hands to the
 * app: one credential store that also serves the account API, one OAuth2
 * token manager both adapters share (refreshed tokens written back to the
 * accounts file, see write-back-policy), and the IMAP pool when `reuse`.
 * A verifying login of the account API goes around both: a token manager
 * of its own and a new connection (see AccountVerifier).
 */
export function createLocalDeps(input: {
  credentials: AdminCredentialStore;
  config: Config;
  logger: Logger;
  reuse: ConnectionPoolOptions | null;
}): LocalDeps {
  const { credentials, config, logger, reuse } = input;
  const pool = reuse ? createImapConnectionPool(reuse) : undefined;
  const allowLoopbackHttp = config.MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP === true;
  const tokens = createTokenManager({
    credentials,
    logger,
    ...(writesBackTokens(config) ? { writeBack: credentials } : {}),
    allowLoopbackHttp,
  });
  const stores = createProtocolDispatcher({
    imap: createImapStoreFactory(pool ? { pool, tokens } : { tokens }),
    pop3: createPop3StoreFactory({ tokens }),
  });
  const verifier: AccountVerifier = {
    open(account, context) {
      const own = createVerificationTokenManager({ credentials, logger: context.logger, allowLoopbackHttp });
      const login = createProtocolDispatcher({
        imap: createImapStoreFactory({ tokens: own }),
        pop3: createPop3StoreFactory({ tokens: own }),
      });
      return { store: login.open(account, context), tokens: () => own.held(account) };
    },
  };
  return {
    credentials,
    admin: credentials,
    stores,
    config,
    logger,
    verifier,
    oauthTokens: tokens,
    pool,
    tokens,
  };
}
