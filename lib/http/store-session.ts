import type { Context } from 'hono';
import type { Account } from '../credentials/account.js';
import type { MailStore } from '../mail/store.js';
import type { AppEnv } from './app-env.js';

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
  const signal = c.get('signal');
  const logger = c.get('logger');
  const store = c.get('deps').stores.open(account, { signal, logger: logger.child({ account: account.id }) });
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
 * Runs `use` against a fresh store for a JSON response and closes the store
 * before the response leaves (on Lambda nothing runs after that).
 * @throws whatever domain error `use` throws.
 */
export async function withStore<T>(
  c: Context<AppEnv>,
  account: Account,
  use: (store: MailStore) => Promise<T>,
): Promise<T> {
  const { store, close } = openStore(c, account);
  try {
    return await use(store);
  } finally {
    await close();
  }
}
