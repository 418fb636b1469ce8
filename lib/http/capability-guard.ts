import type { Context } from 'hono';
import type { Account } from '../credentials/account.js';
import { UnsupportedOperationError } from '../mail/errors.js';
import { isDefaultSort, type ListSort, type StoreCapabilities } from '../mail/types.js';
import type { AppEnv } from './app-env.js';

export type Capability = Exclude<keyof StoreCapabilities, 'filters' | 'sort'>;

const WHAT: Record<Capability, string> = {
  mailboxes: 'create, rename or delete mailboxes',
  flags: 'set flags',
  move: 'move messages',
  copy: 'copy messages',
  append: 'add messages',
  changes: 'report changes (the server lacks CONDSTORE)',
  wait: 'wait for changes (the server lacks CONDSTORE)',
  bulk: 'run bulk actions',
  threads: 'group messages into threads',
};

const WHAT_POP3: Partial<Record<Capability, string>> = {
  mailboxes: 'create, rename or delete mailboxes: they have only INBOX',
  changes: 'report changes',
  wait: 'wait for changes',
  threads: 'group messages into threads',
};

/**
 * Refuses an operation the account's protocol cannot do, from the static
 * capabilities alone, so no connection is opened only to be told no. The
 * detail names the protocol, so a client knows it is not a transient failure.
 * @throws UnsupportedOperationError
 */
export function requireCapability(c: Context<AppEnv>, account: Account, ...needed: Capability[]): void {
  const capabilities = c.get('deps').stores.capabilities(account);
  const missing = needed.find((capability) => !capabilities[capability]);
  if (missing === undefined) return;
  if (account.protocol === 'pop3') {
    throw new UnsupportedOperationError(`POP3 accounts cannot ${WHAT_POP3[missing] ?? WHAT[missing]}.`);
  }
  throw new UnsupportedOperationError(`This IMAP account cannot ${WHAT[missing]}.`);
}

/**
 * Refuses a list order the account cannot give, from the static
 * capabilities (POP3: the default order only), before connecting. An IMAP
 * server found without SORT is refused by the store.
 * @throws UnsupportedOperationError
 */
export function requireSort(c: Context<AppEnv>, account: Account, sort: ListSort | undefined): void {
  if (sort === undefined || isDefaultSort(sort)) return;
  const capabilities = c.get('deps').stores.capabilities(account);
  if (account.protocol === 'pop3') {
    throw new UnsupportedOperationError('POP3 accounts list in arrival order only, newest first.');
  }
  if (!capabilities.sort.includes(sort.key)) {
    throw new UnsupportedOperationError(`This IMAP account cannot sort by ${sort.key}.`);
  }
}
