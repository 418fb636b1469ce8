import type { Account } from '../credentials/account.js';
import type { CredentialStore, TokenGrant } from '../credentials/store.js';
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
  };
}
