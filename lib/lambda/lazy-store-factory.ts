import type { Account } from '../credentials/account.js';
import {
  MAIL_STORE_OPERATIONS,
  type MailStore,
  type MailStoreFactory,
  type MailStoreOperation,
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
function createLazyMailStore(capabilities: StoreCapabilities, open: () => Promise<MailStore>): MailStore {
  let opened: Promise<MailStore> | undefined;
  const forward =
    (name: MailStoreOperation) =>
    async (...args: unknown[]): Promise<unknown> => {
      opened ??= open();
      const store = await opened;
      return (store[name] as (...given: unknown[]) => Promise<unknown>).apply(store, args);
    };
  const operations = Object.fromEntries(MAIL_STORE_OPERATIONS.map((name) => [name, forward(name)]));
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
 */
export function createLazyStoreFactory(
  load: () => Promise<MailStoreFactory>,
  capabilities: (account: Account) => StoreCapabilities,
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
      return createLazyMailStore(capabilities(account), async () => (await factory()).open(account, context));
    },
  };
}
