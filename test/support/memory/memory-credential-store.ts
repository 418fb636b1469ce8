import type { Account, OAuthApp } from '../../../lib/credentials/account.js';
import type { CredentialStore, TokenGrant } from '../../../lib/credentials/store.js';
import { buildAccount } from './builders.js';

/** A CredentialStore over plain maps that records lookups and invalidations. */
export class MemoryCredentialStore implements CredentialStore {
  readonly lookups: string[] = [];
  readonly invalidated: string[] = [];

  constructor(
    readonly accounts: Account[] = [buildAccount()],
    readonly tokens: Record<string, TokenGrant> = {},
    readonly oauthApps: Record<string, OAuthApp> = {},
  ) {}

  async getAccount(id: string) {
    this.lookups.push(id);
    return this.accounts.find((account) => account.id === id);
  }

  async listAccountIds() {
    return this.accounts.map((account) => account.id);
  }

  invalidateAccount(id: string) {
    this.invalidated.push(id);
  }

  async verifyToken(token: string) {
    return Object.hasOwn(this.tokens, token) ? this.tokens[token] : undefined;
  }

  async getOAuthApp(name: string) {
    return Object.hasOwn(this.oauthApps, name) ? this.oauthApps[name] : undefined;
  }
}
