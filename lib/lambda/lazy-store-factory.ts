import type { Account } from '../credentials/account.js';
import { UnsupportedOperationError } from '../mail/errors.js';
import {
  MAIL_STORE_OPERATIONS,
  type MailStore,
  type MailStoreFactory,
  type StoreContext,
} from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';
import { lazy } from './lazy.js';

/**
 * A store whose adapter module is loaded on its first call. `close()` before
 * any call loads nothing: there is no session to end. Every operation of the
 * port is forwarded by name (MAIL_STORE_OPERATIONS), so a new operation
 * needs nothing here.
 */
function createLazyMailStore(
  capabilities: StoreCapabilities,
  open: () => Promise<MailStore>,
  extraOperations: readonly string[],
): MailStore {
  let opened: Promise<MailStore> | undefined;
  const forward =
    (name: string) =>
    async (...args: unknown[]): Promise<unknown> => {
      opened ??= open();
      const store = await opened;
      const method = (store as unknown as Record<string, unknown>)[name];
      if (typeof method !== 'function') {
        throw new UnsupportedOperationError(`This mail store has no ${name} operation.`);
      }
      return (method as (...given: unknown[]) => Promise<unknown>).apply(store, args);
    };
  const operations = Object.fromEntries(
    [...MAIL_STORE_OPERATIONS, ...extraOperations].map((name) => [name, forward(name)]),
  );
  return {
    ...operations,
    capabilities,
    async close(): Promise<void> {
      if (opened !== undefined) await (await opened).close();
    },
  } as MailStore;
}

/**
 * A store factory whose adapter (and everything it imports) is loaded the
 * first time a store of that protocol is used, not when the function starts.
 * On Lambda this keeps imapflow, libmime and the charset tables out of module
 * init: a cold start that serves a health check, the OpenAPI document or a
 * POP3 account never evaluates the IMAP code. Once loaded, stores come
 * straight from the real factory.
 *
 * @param capabilities What the adapter's stores report without connecting
 *   (must equal the real factory's answer: routes check it before opening).
 * @param extraOperations Methods the adapter's stores have beyond the port,
 *   forwarded too (the POP3 store's UIDL listing, which the webhook watcher
 *   looks for on the store it is given).
 */
export function createLazyStoreFactory(
  load: () => Promise<MailStoreFactory>,
  capabilities: (account: Account) => StoreCapabilities,
  extraOperations: readonly string[] = [],
): MailStoreFactory {
  const lazyFactory = lazy(load);
  const factory = () => lazyFactory.get();
  return {
    capabilities(account: Account): StoreCapabilities {
      const loaded = lazyFactory.current();
      return loaded ? loaded.capabilities(account) : capabilities(account);
    },
    open(account: Account, context: StoreContext): MailStore {
      const loaded = lazyFactory.current();
      if (loaded) return loaded.open(account, context);
      return createLazyMailStore(
        capabilities(account),
        async () => (await factory()).open(account, context),
        extraOperations,
      );
    },
  };
}
