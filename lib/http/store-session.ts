import type { Context } from 'hono';
import type { Account } from '../credentials/account.js';
import type { MailStore, StoreContext } from '../mail/store.js';
import type { AppEnv } from './app-env.js';

/** What a store of `accountId` is opened with for this request: its signal, and its logger naming the account. */
export function storeContext(c: Context<AppEnv>, accountId: string): StoreContext {
  return { signal: c.get('signal'), logger: c.get('logger').child({ account: accountId }) };
}

/**
 * Ties `store` to the request: closed when the signal fires (deadline or
 * client gone), immediately, whether or not the pending call notices, or
 * when `close` is called, whichever comes first.
 */
export function closedWithRequest(
  c: Context<AppEnv>,
  store: MailStore,
): { store: MailStore; close: () => Promise<void> } {
  const signal = c.get('signal');
  const logger = c.get('logger');
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= store
      .close()
      .catch((error: unknown) => logger.warn('closing the mail store failed', { error }));
    return closing;
  };
  if (signal.aborted) void close();
  else signal.addEventListener('abort', () => void close(), { once: true });
  return { store, close };
}

/**
 * Opens the per-request store with the request's signal and guarantees
 * `close()`: when the signal fires (deadline or client gone), immediately,
 * whether or not the pending call notices; otherwise when `use` settles.
 * The close of a stream's store is handed over with `keepOpen`.
 */
export function openStore(
  c: Context<AppEnv>,
  account: Account,
): { store: MailStore; close: () => Promise<void> } {
  return closedWithRequest(c, c.get('deps').stores.open(account, storeContext(c, account.id)));
}

/**
 * Runs `use` against an opened store (see closedWithRequest) and closes the
 * store before the response leaves (on Lambda nothing runs after that).
 * @throws whatever domain error `use` throws.
 */
export async function useThenClose<T>(
  opened: { store: MailStore; close: () => Promise<void> },
  use: (store: MailStore) => Promise<T>,
): Promise<T> {
  try {
    return await use(opened.store);
  } finally {
    await opened.close();
  }
}

/**
 * Runs `use` against a fresh store for a JSON response and closes the store
 * before the response leaves (on Lambda nothing runs after that).
 * @throws whatever domain error `use` throws.
 */
export async function withStore<T>(
  c: Context<AppEnv>,
  account: Account,
  use: (store: MailStore) => Promise<T>,
): Promise<T> {
  return useThenClose(openStore(c, account), use);
}
