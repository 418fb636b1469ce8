import type { Account } from '../credentials/account.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';
import { lazy } from './lazy.js';

type Forwarded = Exclude<keyof MailStore, 'capabilities' | 'close'>;
type Result<K extends Forwarded> = Awaited<ReturnType<MailStore[K]>>;

/**
 * A store whose adapter module is loaded on its first call. `close()` before
 * any call loads nothing: there is no session to end.
 */
class LazyMailStore implements MailStore {
  readonly capabilities: StoreCapabilities;
  readonly #open: () => Promise<MailStore>;
  #store: Promise<MailStore> | undefined;

  constructor(capabilities: StoreCapabilities, open: () => Promise<MailStore>) {
    this.capabilities = capabilities;
    this.#open = open;
  }

  async #call<K extends Forwarded>(name: K, args: Parameters<MailStore[K]>): Promise<Result<K>> {
    this.#store ??= this.#open();
    const store = await this.#store;
    const method = store[name] as (...given: Parameters<MailStore[K]>) => Promise<Result<K>>;
    return method.apply(store, args);
  }

  async close(): Promise<void> {
    if (this.#store !== undefined) await (await this.#store).close();
  }

  probe(...args: Parameters<MailStore['probe']>) {
    return this.#call('probe', args);
  }
  listMailboxes(...args: Parameters<MailStore['listMailboxes']>) {
    return this.#call('listMailboxes', args);
  }
  getMailbox(...args: Parameters<MailStore['getMailbox']>) {
    return this.#call('getMailbox', args);
  }
  listMessages(...args: Parameters<MailStore['listMessages']>) {
    return this.#call('listMessages', args);
  }
  getMessage(...args: Parameters<MailStore['getMessage']>) {
    return this.#call('getMessage', args);
  }
  openRaw(...args: Parameters<MailStore['openRaw']>) {
    return this.#call('openRaw', args);
  }
  openAttachment(...args: Parameters<MailStore['openAttachment']>) {
    return this.#call('openAttachment', args);
  }
  updateFlags(...args: Parameters<MailStore['updateFlags']>) {
    return this.#call('updateFlags', args);
  }
  moveMessage(...args: Parameters<MailStore['moveMessage']>) {
    return this.#call('moveMessage', args);
  }
  copyMessage(...args: Parameters<MailStore['copyMessage']>) {
    return this.#call('copyMessage', args);
  }
  deleteMessage(...args: Parameters<MailStore['deleteMessage']>) {
    return this.#call('deleteMessage', args);
  }
  appendMessage(...args: Parameters<MailStore['appendMessage']>) {
    return this.#call('appendMessage', args);
  }
  createMailbox(...args: Parameters<MailStore['createMailbox']>) {
    return this.#call('createMailbox', args);
  }
  renameMailbox(...args: Parameters<MailStore['renameMailbox']>) {
    return this.#call('renameMailbox', args);
  }
  deleteMailbox(...args: Parameters<MailStore['deleteMailbox']>) {
    return this.#call('deleteMailbox', args);
  }
  bulk(...args: Parameters<MailStore['bulk']>) {
    return this.#call('bulk', args);
  }
  changes(...args: Parameters<MailStore['changes']>) {
    return this.#call('changes', args);
  }
  wait(...args: Parameters<MailStore['wait']>) {
    return this.#call('wait', args);
  }
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
      return new LazyMailStore(capabilities(account), async () => (await factory()).open(account, context));
    },
  };
}
