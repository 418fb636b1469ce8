import type { AdminCredentialStore } from '../credentials/store.js';
import { lazy } from './lazy.js';

/** The store's methods that return a promise: each is forwarded once the store is built. */
type AsyncMethod = {
  // biome-ignore lint/suspicious/noExplicitAny: any function shape that returns a promise
  [K in keyof AdminCredentialStore]: AdminCredentialStore[K] extends (...args: any[]) => Promise<unknown>
    ? K
    : never;
}[keyof AdminCredentialStore];

/**
 * The write side of the credential store, built on first use (see
 * createLazyCredentialStore: the AWS SDK stays out of module init). The
 * admin function's only store: it verifies tokens with the very object it
 * writes through, so a token it revokes stops working there at once.
 *
 * Typed as the whole interface, so a method added to AdminCredentialStore
 * fails to compile here until it is forwarded.
 */
export function createLazyAdminCredentialStore(
  load: () => Promise<AdminCredentialStore>,
): AdminCredentialStore {
  const lazyStore = lazy(load);
  const forward = <K extends AsyncMethod>(name: K): AdminCredentialStore[K] =>
    (async (...args: unknown[]) => {
      const store = await lazyStore.get();
      return (store[name] as (...given: unknown[]) => Promise<unknown>).apply(store, args);
    }) as AdminCredentialStore[K];
  return {
    getAccount: forward('getAccount'),
    listAccountIds: forward('listAccountIds'),
    invalidateAccount(id: string): void {
      lazyStore.current()?.invalidateAccount(id);
    },
    verifyToken: forward('verifyToken'),
    getOAuthApp: forward('getOAuthApp'),
    updateOAuth2Tokens: forward('updateOAuth2Tokens'),
    putAccount: forward('putAccount'),
    removeAccount: forward('removeAccount'),
    putOAuthApp: forward('putOAuthApp'),
    removeOAuthApp: forward('removeOAuthApp'),
    listOAuthAppNames: forward('listOAuthAppNames'),
    createToken: forward('createToken'),
    listTokens: forward('listTokens'),
    revokeToken: forward('revokeToken'),
  };
}
