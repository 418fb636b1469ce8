import type { Account } from '../credentials/account.js';
import type { OAuth2TokenUpdate } from '../credentials/store.js';
import { ConfigurationError } from '../mail/errors.js';

/**
 * Where a protocol adapter gets the bearer token for an OAuth2 account at
 * the moment it logs in (never earlier: a kept account document may hold a
 * token that expired since). Implemented by the OAuth2 token manager; a
 * static source serves accounts that hold only an access token.
 */
export interface AccessTokenSource {
  /**
   * A token valid for at least the refresh margin: the cached one, else the
   * stored one if still fresh, else a refreshed one (one refresh per account
   * at a time, however many requests ask).
   * @throws UpstreamAuthError (the refresh token was refused: re-consent
   *   needed), OAuthProviderUnavailableError, OAuthProviderTimeoutError,
   *   ConfigurationError (an account that has neither a usable token nor a way to refresh).
   */
  accessToken(account: Account, signal: AbortSignal): Promise<string>;

  /**
   * The server refused a login with `refused`. Returns a token to retry with
   * once, or undefined when retrying cannot help (the account cannot be
   * refreshed, or `refused` was refreshed less than a minute ago: the
   * server refuses the login for another reason). When another request
   * already replaced `refused`, returns that token without a new refresh.
   * @throws as accessToken.
   */
  afterRefusal(account: Account, refused: string, signal: AbortSignal): Promise<string | undefined>;
}

/** What a process holds for OAuth2 accounts beyond their stored documents (the OAuth2 token manager). */
export interface OAuthTokenHolder {
  /** The tokens held for the account beyond its document (see OAuth2TokenManager.held). */
  held(account: Account): OAuth2TokenUpdate | undefined;
  /** Drops what is held for the account: its next login starts from the document it is given. */
  forget(accountId: string): void;
}

/** For accounts with a fixed access token and no refresh: the stored token, and no retry. */
export const storedAccessTokenSource: AccessTokenSource = {
  async accessToken(account) {
    const token = account.oauth2?.accessToken;
    if (token === undefined) throw new ConfigurationError(`account "${account.id}": no OAuth2 access token`);
    return token;
  },
  async afterRefusal() {
    return undefined;
  },
};
