import type { CredentialStore, OAuth2TokenWriter } from '../credentials/store.js';
import type { Logger } from '../mail/logger.js';
import { type RefreshedTokenPersistence, writeBackTo } from './refreshed-tokens.js';
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

/**
 * The refreshed tokens of a verifying login stay with it: the account API
 * stores them with the document (OAuth2TokenManager.held). Nothing is
 * written to the credential store, where the account is not (yet) this
 * document; and without a port the manager would warn that a rotated
 * refresh token lives in this process only.
 */
const keptByTheVerification: RefreshedTokenPersistence = {
  saveRefreshed: async () => true,
};

/**
 * The OAuth2 token manager of one verifying login (`?verify=true`): empty
 * when it starts, dropped after the login, writing nothing back; so nothing
 * the mail routes' manager holds for the account id answers for the
 * document, and nothing the verification refreshes replaces it. Built with
 * the same settings as the process's own manager (MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP).
 */
export function createVerificationTokenManager(
  deps: Omit<TokenManagerDeps, 'writeBack'>,
): OAuth2TokenManager {
  return new OAuth2TokenManager({
    apps: deps.credentials,
    logger: deps.logger.child({ component: 'oauth2', verification: true }),
    persistence: keptByTheVerification,
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    allowLoopbackHttp: deps.allowLoopbackHttp === true,
  });
}
