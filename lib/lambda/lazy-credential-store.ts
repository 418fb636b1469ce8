import type { Account, OAuthApp } from '../credentials/account.js';
import type { CredentialStore, OAuth2TokenWriter, TokenGrant } from '../credentials/store.js';
import { lazy } from './lazy.js';

/**
 * A credential store built on its first use. On Lambda the Secrets Manager
 * store brings the AWS SDK with it, whose module evaluation and client
 * construction cost more than the rest of the JSON API together; requests
 * that never read a credential (health, the OpenAPI document, docs, 404s)
 * should not pay for it at every cold start.
 *
 * `invalidateAccount` before the store exists does nothing: nothing can be
 * cached in a store that has not been built.
 */
export function createLazyCredentialStore(load: () => Promise<CredentialStore>): CredentialStore {
  const lazyStore = lazy(load);
  const store = () => lazyStore.get();
  return {
    async getAccount(id: string): Promise<Account | undefined> {
      return (await store()).getAccount(id);
    },
    async listAccountIds(): Promise<string[]> {
      return (await store()).listAccountIds();
    },
    invalidateAccount(id: string): void {
      lazyStore.current()?.invalidateAccount(id);
    },
    async verifyToken(token: string): Promise<TokenGrant | undefined> {
      return (await store()).verifyToken(token);
    },
    async getOAuthApp(name: string): Promise<OAuthApp | undefined> {
      return (await store()).getOAuthApp(name);
    },
  };
}

/**
 * The write-back of refreshed OAuth2 tokens (MAILGATE_OAUTH_WRITE_BACK) for a
 * function that otherwise only reads: its store is built on the first write.
 */
export function createLazyTokenWriter(load: () => Promise<OAuth2TokenWriter>): OAuth2TokenWriter {
  const lazyWriter = lazy(load);
  return {
    async updateOAuth2Tokens(id, expectedRefreshToken, next) {
      return (await lazyWriter.get()).updateOAuth2Tokens(id, expectedRefreshToken, next);
    },
  };
}
