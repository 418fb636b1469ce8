import type { Account, AccountDocument } from './account.js';

export type TokenScope = 'read' | 'write';

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
}

/** Write side used by the admin CLI. */
export interface AdminCredentialStore extends CredentialStore {
  putAccount(id: string, document: AccountDocument): Promise<void>;
  removeAccount(id: string): Promise<boolean>;
  /** Stores a new token and returns it in clear, once. */
  createToken(grant: { accounts: string[] | '*'; scope: TokenScope; label?: string }): Promise<{
    token: string;
    record: TokenRecord;
  }>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(tokenId: string): Promise<boolean>;
}
