import type { Account, AccountDocument, OAuthApp } from './account.js';

/**
 * `read`: GET on the granted accounts' mail. `write`: every mail route of the
 * granted accounts. `admin`: the account API (store and remove accounts, mint
 * and revoke read/write tokens) and the account list without `probe`, but no
 * mail at all; its grant is always every account (`accounts: '*'`).
 */
export type TokenScope = 'read' | 'write' | 'admin';

/** The scopes, in the order the CLI and the documents list them. */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const satisfies readonly TokenScope[];

/** What a bearer token grants. `accounts: '*'` grants every account. */
export interface TokenGrant {
  tokenId: string;
  accounts: string[] | '*';
  scope: TokenScope;
}

/** A stored token: the grant plus a hash of the token, never the token itself. */
export interface TokenRecord extends TokenGrant {
  /** Hex SHA-256 of the whole presented token. */
  hash: string;
  label: string | null;
  createdAt: string;
}

/**
 * Read side used by the HTTP layer on every request.
 * Implementations: the local JSON file and AWS Secrets Manager.
 */
export interface CredentialStore {
  /**
   * @returns the account, or undefined when no such account is stored.
   * @throws ConfigurationError when the stored document is malformed (names the account and field, never a value).
   */
  getAccount(id: string): Promise<Account | undefined>;

  /** Ids of every stored account. */
  listAccountIds(): Promise<string[]>;

  /** Forget any cached copy, e.g. after the mail server refused the credentials, so a rotated password applies at once. */
  invalidateAccount(id: string): void;

  /** Resolves a presented bearer token in constant time per candidate; undefined when unknown or revoked. */
  verifyToken(token: string): Promise<TokenGrant | undefined>;

  /**
   * The OAuth app (shared client registration) an account names in `oauth2.app`.
   * @returns undefined when no such app is stored.
   * @throws ConfigurationError when the stored app is malformed (names the app and field, never a value).
   */
  getOAuthApp(name: string): Promise<OAuthApp | undefined>;
}

/** The token fields of a stored OAuth2 account that a refresh replaces. */
export interface OAuth2TokenUpdate {
  accessToken: string;
  /** ISO 8601 */
  expiresAt: string;
  /** Present when the provider issued a new refresh token (rotation). */
  refreshToken?: string;
}

/** Writes refreshed OAuth2 tokens back to the stored account. */
export interface OAuth2TokenWriter {
  /**
   * Compare-and-set: rewrites only `oauth2.accessToken`, `oauth2.expiresAt`
   * and (when given) `oauth2.refreshToken` of the stored account, and only
   * while its stored `oauth2.refreshToken` still equals
   * `expectedRefreshToken`. Anything else in the document is kept as stored.
   * @returns false, changing nothing, when the account is gone, is not an
   *   OAuth2 account or holds another refresh token (re-consented meanwhile).
   */
  updateOAuth2Tokens(id: string, expectedRefreshToken: string, next: OAuth2TokenUpdate): Promise<boolean>;
}

/** Write side used by the admin CLI and the account API (`admin` tokens). */
export interface AdminCredentialStore extends CredentialStore, OAuth2TokenWriter {
  putAccount(id: string, document: AccountDocument): Promise<void>;
  removeAccount(id: string): Promise<boolean>;
  /** Stores (or replaces) an OAuth app under `name`. */
  putOAuthApp(name: string, app: OAuthApp): Promise<void>;
  removeOAuthApp(name: string): Promise<boolean>;
  /** Names of the stored OAuth apps, sorted. */
  listOAuthAppNames(): Promise<string[]>;
  /** Stores a new token and returns it in clear, once. */
  createToken(grant: { accounts: string[] | '*'; scope: TokenScope; label?: string }): Promise<{
    token: string;
    record: TokenRecord;
  }>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(tokenId: string): Promise<boolean>;
}
