import type { CredentialStore, OAuth2TokenWriter } from '../credentials/store.js';
import type { Logger } from '../mail/logger.js';
import { writeBackTo } from './refreshed-tokens.js';
import { OAuth2TokenManager } from './token-manager.js';

export interface TokenManagerDeps {
  /** Looks up the OAuth apps accounts name (`oauth2.app`). */
  credentials: Pick<CredentialStore, 'getOAuthApp'>;
  logger: Logger;
  /**
   * Where refreshed tokens are written back (compare-and-set on the stored
   * refresh token). The local server passes its file store; on AWS only
   * with MAILGATE_OAUTH_WRITE_BACK. Absent: tokens, rotated refresh tokens
   * included, live in this process only.
   */
  writeBack?: OAuth2TokenWriter;
  /** How long a token request may take; default 10 s. */
  timeoutMs?: number;
  /** MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: a token endpoint may be plain http on loopback. */
  allowLoopbackHttp?: boolean;
}

/**
 * The OAuth2 token manager an entry point hands to the IMAP and POP3 store
 * factories (their `tokens` option). One per process: its cache and its
 * single flight are per account across every request the process serves.
 */
export function createTokenManager(deps: TokenManagerDeps): OAuth2TokenManager {
  return new OAuth2TokenManager({
    apps: deps.credentials,
    logger: deps.logger.child({ component: 'oauth2' }),
    ...(deps.writeBack !== undefined ? { persistence: writeBackTo(deps.writeBack) } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    allowLoopbackHttp: deps.allowLoopbackHttp === true,
  });
}
